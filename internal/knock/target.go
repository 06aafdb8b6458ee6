package knock

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Target is where a client's requests go: the base URL, the branch, and the Knock environment, which the
// API key selects and which stands here as a fingerprint of the key (never the key). A plan records the
// target it read, so that its apply can refuse to write to another one.
type Target struct {
	// BaseURL is the client's base URL, without a trailing /v1.
	BaseURL string `json:"base_url"`
	// Branch is the client's branch, "" for the environment itself.
	Branch string `json:"branch,omitempty"`
	// KeyFingerprint is the start of the key's SHA-256: equal for one key, and no help in finding it.
	KeyFingerprint string `json:"key"`
}

// Target returns where this client's requests go.
func (c *Client) Target() Target {
	sum := sha256.Sum256([]byte(c.apiKey))
	return Target{BaseURL: c.baseURL.String(), Branch: c.branch, KeyFingerprint: hex.EncodeToString(sum[:8])}
}

// Differences lists how other differs from t, in words for a diagnostic; none when they are equal.
func (t Target) Differences(other Target) []string {
	var out []string
	if t.BaseURL != other.BaseURL {
		out = append(out, fmt.Sprintf("base_url %q, not %q", other.BaseURL, t.BaseURL))
	}
	if t.Branch != other.Branch {
		out = append(out, fmt.Sprintf("branch %s, not %s", branchName(other.Branch), branchName(t.Branch)))
	}
	if t.KeyFingerprint != other.KeyFingerprint {
		out = append(out, "an API key of another environment (or another key)")
	}
	return out
}

func branchName(b string) string {
	if b == "" {
		return "unset (the environment itself)"
	}
	return fmt.Sprintf("%q", b)
}

// String names the target for a diagnostic, without the key.
func (t Target) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "base_url %q", t.BaseURL)
	if t.Branch != "" {
		fmt.Fprintf(&b, ", branch %q", t.Branch)
	}
	return b.String()
}
