package knockhttp

import (
	"strings"
)

// Redacted stands for the secret, or credentials, wherever an error would show them.
const Redacted = "[REDACTED]"

// Redact removes the secret from text that comes from outside the client: an answer, a header, a
// transport error quoting an answer. A server that echoes the secret must not get it into an error,
// which ends up in a diagnostic or a log.
func (c *Client) Redact(text string) string { return RedactString(text, c.secret) }

// RedactString replaces every occurrence of secret in text by [Redacted]; an empty secret changes nothing.
func RedactString(text, secret string) string {
	if secret == "" {
		return text
	}
	return strings.ReplaceAll(text, secret, Redacted)
}

// RedactError returns err with the secret removed from its text; it still unwraps to err.
func (c *Client) RedactError(err error) error {
	if text := err.Error(); c.secret != "" && strings.Contains(text, c.secret) {
		return &redactedError{text: c.Redact(text), err: err}
	}
	return err
}

// redactedError shows err's text without the secret, and still unwraps to err for errors.Is and As.
type redactedError struct {
	text string
	err  error
}

// Error returns err's text without the secret.
func (e *redactedError) Error() string { return e.text }

// Unwrap returns the error whose text was redacted.
func (e *redactedError) Unwrap() error { return e.err }
