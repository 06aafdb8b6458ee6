package knock

import (
	"strings"
	"unicode"
)

// APIKeyProblem says what is wrong with a key that Knock cannot accept, as the end of a sentence
// ("the API key has a trailing newline"), or "" when nothing is. These mistakes are found here, before
// any request: sent, a key with a newline fails in Go's header check as a network error (and is
// retried), and a public key fails at Knock with a 401 that does not say why.
func APIKeyProblem(key string) string {
	trimmed := strings.TrimSpace(key)
	leading, trailing := trimmed != strings.TrimRightFunc(key, unicode.IsSpace), trimmed != strings.TrimLeftFunc(key, unicode.IsSpace)
	switch {
	case leading && trailing:
		return "has leading and trailing whitespace; remove it (trimspace() in HCL)"
	case trailing && strings.HasSuffix(key, "\n"):
		return "has a trailing newline, as a key read from a file keeps; remove it (trimspace(file(...)) in HCL, or export KNOCK_API_KEY=\"$(tr -d '[:space:]' < key-file)\")"
	case trailing:
		return "has trailing whitespace; remove it (trimspace() in HCL)"
	case leading:
		return "has leading whitespace; remove it (trimspace() in HCL)"
	case strings.ContainsFunc(key, unicode.IsControl):
		return "has a control character, which cannot be sent in an HTTP header; copy the key again from the Knock dashboard"
	case strings.HasPrefix(key, "pk_"):
		return "is a publishable key (pk_...), which Knock accepts only for client-side calls; audience memberships need the " +
			"secret key (sk_...) of the same environment, under Developers > API keys in the Knock dashboard"
	case strings.HasPrefix(key, "knock_st_"):
		return "is a Management API service token (knock_st_...), which works only with control.knock.app; audience " +
			"memberships need the secret key (sk_...) of the environment, under Developers > API keys in the Knock dashboard"
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
