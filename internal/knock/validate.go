package knock

import (
	"fmt"
	"net"
	"net/url"
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

// DotSegment reports whether id is "." or "..": escaping leaves them as they are, and a URL resolves them,
// so that DELETE /v1/audiences/../members would reach another path than the audience's.
func DotSegment(id string) bool { return id == "." || id == ".." }

// parseBaseURL checks the base URL and strips a trailing "/v1", which every path adds. Its errors never
// show userinfo or the key, since a base URL that fails to parse may hold either.
func parseBaseURL(raw, apiKey string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	shown := redactString(hideUserinfo(raw), apiKey)
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("knock: base URL %q is not a URL; write it like %s", shown, DefaultBaseURL)
	}
	if base.User != nil {
		return nil, fmt.Errorf("knock: base URL %q must not hold credentials; the API key goes in api_key or KNOCK_API_KEY", shown)
	}
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("knock: base URL %q must be an absolute https URL such as %s", shown, DefaultBaseURL)
	}
	// The key travels in a header: plain http is only for a local API on this machine.
	if base.Scheme == "http" && !isLoopbackIP(base.Hostname()) {
		return nil, fmt.Errorf("knock: base URL %q must use https://; http:// is accepted only for a loopback IP address such as "+
			"http://127.0.0.1:PORT or http://[::1]:PORT (the local Knock API): a host name, localhost included, goes through the "+
			"system's resolver (hosts file, DNS), which may send the key in clear text to another machine", shown)
	}
	// Knock's documentation and SDKs show the API as https://api.knock.app/v1/..., so a base URL copied
	// from there often ends in /v1; every request path starts with /v1 itself.
	base.Path = strings.TrimSuffix(strings.TrimRight(base.Path, "/"), "/v1")
	base.RawPath = ""
	return base, nil
}

// hideUserinfo replaces what stands between "//" and the "@" before the host, without parsing (raw may
// not parse).
func hideUserinfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "//")
	if !ok {
		return raw
	}
	authority := rest
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		authority = rest[:end]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return raw
	}
	return scheme + "//" + redacted + rest[at:]
}

// isLoopbackIP reports whether host is a literal loopback address (127.0.0.0/8, ::1), which no resolver
// is asked about.
func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
