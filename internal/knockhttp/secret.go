package knockhttp

import (
	"fmt"
	"strings"
	"unicode"
)

// The prefixes of Knock's credentials: an environment's secret and publishable keys, for the Knock
// API, and the account's service tokens, for the Management API. Each API refuses the others'.
const (
	SecretKeyPrefix      = "sk_"
	PublishableKeyPrefix = "pk_"
	ServiceTokenPrefix   = "knock_st_"
)

// SecretProblem says what is wrong with a secret that cannot be sent in the Authorization header as
// given, as the end of a sentence ("has a trailing newline; ..."), or "" when nothing is. noun names the
// secret ("key", "token") and envVar the environment variable it may come from, for the fix. Found
// before any request: sent, a secret with a newline fails Go's header check as a network error, which is
// retried.
func SecretProblem(secret, noun, envVar string) string {
	trimmed := strings.TrimSpace(secret)
	leading, trailing := trimmed != strings.TrimRightFunc(secret, unicode.IsSpace), trimmed != strings.TrimLeftFunc(secret, unicode.IsSpace)
	switch {
	case leading && trailing:
		return "has leading and trailing whitespace; remove it (trimspace() in HCL)"
	case trailing && strings.HasSuffix(secret, "\n"):
		return fmt.Sprintf("has a trailing newline, as a %[1]s read from a file keeps; remove it (trimspace(file(...)) in HCL, or export %[2]s=\"$(tr -d '[:space:]' < %[1]s-file)\")", noun, envVar)
	case trailing:
		return "has trailing whitespace; remove it (trimspace() in HCL)"
	case leading:
		return "has leading whitespace; remove it (trimspace() in HCL)"
	case strings.ContainsFunc(secret, unicode.IsControl):
		return fmt.Sprintf("has a control character, which cannot be sent in an HTTP header; copy the %s again from the Knock dashboard", noun)
	}
	return ""
}
