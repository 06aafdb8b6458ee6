package knock

import (
	"strings"
	"unicode"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// APIKeyProblem says what is wrong with a key that Knock cannot accept, as the end of a sentence
// ("the API key has a trailing newline"), or "" when nothing is. These mistakes are found here, before
// any request: sent, a key with a newline fails in Go's header check as a network error (and is
// retried), and a public key fails at Knock with a 401 that does not say why.
func APIKeyProblem(key string) string {
	if problem := knockhttp.SecretProblem(key, "key", "KNOCK_API_KEY"); problem != "" {
		return problem
	}
	switch {
	case strings.HasPrefix(key, knockhttp.PublishableKeyPrefix):
		return "is a publishable key (pk_...), which Knock accepts only for client-side calls; audience memberships need the " +
			"secret key (sk_...) of the same environment, under Developers > API keys in the Knock dashboard"
	case strings.HasPrefix(key, knockhttp.ServiceTokenPrefix):
		return "is a Management API service token (knock_st_...), which works only with the Management API: it belongs in " +
			"service_token (or KNOCK_SERVICE_TOKEN). Audience memberships need the secret key (sk_...) of the environment, " +
			"under Developers > API keys in the Knock dashboard"
	}
	return ""
}

// BranchProblem says what is wrong with a branch that cannot be sent in the branch header, as the end of
// a sentence, or "" when nothing is ("" itself is no branch). Sent, such a branch fails in Go's header
// check as a network error, which is retried.
func BranchProblem(branch string) string {
	switch {
	case strings.TrimSpace(branch) != branch:
		return "has whitespace at the start or end, such as the trailing newline of a value read from a file; remove it (trimspace() in HCL)"
	case strings.ContainsFunc(branch, unicode.IsControl):
		return "has a control character, which cannot be sent in an HTTP header; copy the branch's slug again from the Knock dashboard"
	}
	return ""
}
