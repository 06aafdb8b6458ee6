package knock

import (
	"strings"
)

// redacted stands for the API key, or credentials, wherever an error would show them.
const redacted = "[REDACTED]"

// redact removes the API key from text that comes from outside the client: an answer, a header, a
// transport error quoting an answer. A server that echoes the key must not get it into an error, which
// ends up in a diagnostic or a log.
func (c *Client) redact(text string) string { return redactString(text, c.apiKey) }

func redactString(text, apiKey string) string {
	if apiKey == "" {
		return text
	}
	return strings.ReplaceAll(text, apiKey, redacted)
}

func (c *Client) redactError(err error) error {
	if text := err.Error(); strings.Contains(text, c.apiKey) {
		return &redactedError{text: c.redact(text), err: err}
	}
	return err
}

// redactedError shows err's text without the key, and still unwraps to err for errors.Is and As.
type redactedError struct {
	text string
	err  error
}

// Error returns err's text without the key.
func (e *redactedError) Error() string { return e.text }

// Unwrap returns the error whose text was redacted.
func (e *redactedError) Unwrap() error { return e.err }
