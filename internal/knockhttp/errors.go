package knockhttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// APIError is an answer from Knock outside 2xx, or a 2xx answer that could not be read.
type APIError struct {
	Method     string // the request's HTTP method
	Path       string // the request's URL path, without the query
	StatusCode int    // the answer's HTTP status
	// Code, Message and Type come from Knock's error body when there is one; Message otherwise says
	// what was wrong with the answer.
	Code    string
	Message string
	Type    string
	// FieldErrors are the "errors" of a 422 answer.
	FieldErrors []FieldError
	// RequestID is the answer's X-Request-Id, the id Knock support asks for.
	RequestID string
	// schemeMismatch: a plain-http request answered by a server that speaks TLS on that port.
	schemeMismatch bool
}

// FieldError is one entry of a 422 answer's "errors".
type FieldError struct {
	Field   string `json:"field"`   // the field Knock refused
	Message string `json:"message"` // why
	Type    string `json:"type"`    // Knock's kind of error
}

// Error writes the request, the status, Knock's code and message, the field errors and the request id
// on one line.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		fmt.Fprintf(&b, " %s", text)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, fe := range e.FieldErrors {
		fmt.Fprintf(&b, "; %s: %s", fe.Field, fe.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	} else {
		b.WriteString(" [no request id]")
	}
	return b.String()
}

// StatusCode returns the HTTP status of err when it is (or wraps) an *APIError, else 0.
func StatusCode(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// NotFoundCode is the code of Knock's error JSON for an unknown object.
const NotFoundCode = "resource_missing"

// IsNotFound reports whether err is Knock's own not-found answer: a 404 with Knock's error JSON and
// NotFoundCode. Any other 404 (a route the server lacks, a proxy's page) comes from something that is
// not Knock's API, most often a wrong base URL: read as "gone", it would make Terraform forget resources.
func IsNotFound(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound && apiErr.Code == NotFoundCode
}

// IsForeignNotFound reports whether err is a 404 that is not Knock's not-found answer.
func IsForeignNotFound(err error) bool {
	return StatusCode(err) == http.StatusNotFound && !IsNotFound(err)
}

// IsUnauthorized reports whether Knock refused the secret (401 or 403).
func IsUnauthorized(err error) bool {
	status := StatusCode(err)
	return status == http.StatusUnauthorized || status == http.StatusForbidden
}

// maxErrorBody bounds what is read of an error answer: enough for Knock's JSON, not a whole proxy page.
const maxErrorBody = 64 << 10

// newAPIError reads Knock's error body. redact removes the secret from everything taken from the
// answer, since a server may echo the request's headers.
func newAPIError(method, path string, resp *http.Response, requestID string, redact func(string) string) *APIError {
	apiErr := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, RequestID: requestID}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Code    string       `json:"code"`
		Message string       `json:"message"`
		Type    string       `json:"type"`
		Errors  []FieldError `json:"errors"`
	}
	if err := json.Unmarshal(raw, &body); err == nil && (body.Code != "" || body.Message != "") {
		apiErr.Code, apiErr.Message, apiErr.Type = redact(body.Code), redact(body.Message), redact(body.Type)
		for _, fe := range body.Errors {
			apiErr.FieldErrors = append(apiErr.FieldErrors, FieldError{Field: redact(fe.Field), Message: redact(fe.Message), Type: redact(fe.Type)})
		}
		return apiErr
	}
	apiErr.Message = describeForeignBody(resp, raw, redact)
	if resp.Request != nil && resp.Request.URL.Scheme == "http" && fromTLSPort(raw) {
		apiErr.Message = "the base URL uses http:// but the server speaks https: " + apiErr.Message
		apiErr.schemeMismatch = true
	}
	return apiErr
}

// fromTLSPort recognises the 400 that Go, nginx and Apache send to a plain-http request on a TLS port.
func fromTLSPort(raw []byte) bool {
	text := strings.ToLower(string(raw))
	return strings.Contains(text, "http request to an https server") ||
		strings.Contains(text, "plain http request was sent to https port") ||
		strings.Contains(text, "plain http to an ssl-enabled server port")
}

// describeForeignBody sums up an answer that is not Knock's error JSON (a proxy's HTML page, a cut-off
// body) in one short line. It redacts before it cuts: cut first, a secret crossing the cut would keep its
// first characters, which no longer match the secret.
func describeForeignBody(resp *http.Response, raw []byte, redact func(string) string) string {
	if len(raw) == 0 {
		return "empty answer body"
	}
	snippet := strings.Join(strings.Fields(redact(string(raw))), " ")
	const maxSnippet = 200
	if len(snippet) > maxSnippet {
		cut := maxSnippet
		for cut > 0 && !utf8.RuneStart(snippet[cut]) {
			cut--
		}
		// Never inside a redaction: "[REDA..." would hide that something was redacted.
		window := snippet[:min(cut+len(Redacted)-1, len(snippet))]
		if at := strings.LastIndex(window, Redacted); at >= 0 && at < cut && at+len(Redacted) > cut {
			cut = at
		}
		snippet = snippet[:cut] + "..."
	}
	return fmt.Sprintf("the answer is not Knock's error JSON (%s): %q", contentType(resp), snippet)
}

// ConnectionError is a request that got no complete answer: refused or dropped connection, timeout,
// a body cut off in the middle.
type ConnectionError struct {
	Method string // the request's HTTP method
	Path   string // the request's URL path, without the query
	Err    error  // what went wrong, with the secret removed from its text
	// couldNotConnect is set when no connection was made at all: refused, unknown host, dial timeout.
	couldNotConnect bool
	// permanent is set for a TLS handshake that fails the same way on every attempt, schemeMismatch when
	// it failed because the server does not speak TLS at all.
	permanent      bool
	schemeMismatch bool
}

// Error names the request and says that it got no complete answer, and why.
func (e *ConnectionError) Error() string {
	return fmt.Sprintf("%s %s: no complete answer from Knock: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *ConnectionError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err is a request that could not connect to the API at all: the host
// refused the connection, did not resolve, or did not answer the connection attempt.
func IsUnreachable(err error) bool {
	var connErr *ConnectionError
	return errors.As(err, &connErr) && connErr.couldNotConnect
}

// IsSchemeMismatch reports whether err comes from a base URL whose scheme the server does not speak:
// https:// to a plain-http port, or http:// to a TLS port.
func IsSchemeMismatch(err error) bool {
	var connErr *ConnectionError
	var apiErr *APIError
	return errors.As(err, &connErr) && connErr.schemeMismatch || errors.As(err, &apiErr) && apiErr.schemeMismatch
}

func requestIDOf(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RequestID
	}
	return ""
}
