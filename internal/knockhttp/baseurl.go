package knockhttp

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ParseBaseURL checks a base URL and strips a trailing "/v1", which every path adds; "" is
// api.DefaultBaseURL. Its errors never show userinfo or the secret, since a base URL that fails to parse
// may hold either.
func ParseBaseURL(raw string, api API, secret string) (*url.URL, error) {
	if raw == "" {
		raw = api.DefaultBaseURL
	}
	shown := RedactString(hideUserinfo(raw), secret)
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("%s: base URL %q is not a URL; write it like %s", api.Prefix, shown, api.DefaultBaseURL)
	}
	if base.User != nil {
		return nil, fmt.Errorf("%s: base URL %q must not hold credentials; the %s goes in %s", api.Prefix, shown, api.Credential, api.CredentialSetting)
	}
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("%s: base URL %q must be an absolute https URL such as %s", api.Prefix, shown, api.DefaultBaseURL)
	}
	// The secret travels in a header: plain http is only for a local API on this machine.
	if base.Scheme == "http" && !isLoopbackIP(base.Hostname()) {
		return nil, fmt.Errorf("%s: base URL %q must use https://; http:// is accepted only for a loopback IP address such as "+
			"http://127.0.0.1:PORT or http://[::1]:PORT (the local Knock API): a host name, localhost included, goes through the "+
			"system's resolver (hosts file, DNS), which may send the %s in clear text to another machine", api.Prefix, shown, api.Credential)
	}
	// Knock's documentation and SDKs show the APIs as https://api.knock.app/v1/..., so a base URL copied
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
	return scheme + "//" + Redacted + rest[at:]
}

// isLoopbackIP reports whether host is a literal loopback address (127.0.0.0/8, ::1), which no resolver
// is asked about.
func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DotSegment reports whether id is "." or "..": escaping leaves them as they are, and a URL resolves them,
// so that DELETE /v1/audiences/../members would reach another path than the audience's.
func DotSegment(id string) bool { return id == "." || id == ".." }
