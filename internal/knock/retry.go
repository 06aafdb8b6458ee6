package knock

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// ConnectionError is a request that got no complete answer: refused or dropped connection, timeout,
// a body cut off in the middle.
type ConnectionError struct {
	Method string
	Path   string
	Err    error
}

func (e *ConnectionError) Error() string {
	return fmt.Sprintf("%s %s: no complete answer from Knock: %v", e.Method, e.Path, e.Err)
}

func (e *ConnectionError) Unwrap() error { return e.Err }

// retryable reports whether Knock's SDKs would retry err: connection errors, timeouts, 408, 409, 429
// and 5xx. A request stopped by its own context is not retried.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var connErr *ConnectionError
	if errors.As(err, &connErr) {
		return true
	}
	switch status := StatusCode(err); {
	case status == http.StatusRequestTimeout, status == http.StatusConflict, status == http.StatusTooManyRequests:
		return true
	case status >= 500:
		return true
	}
	return false
}

const (
	backoffBase = 500 * time.Millisecond
	backoffCap  = 8 * time.Second
	// maxRetryAfter bounds what a Retry-After header can ask, so that a wrong header cannot stall a run.
	maxRetryAfter = 60 * time.Second
)

// retryWait is how long to wait before the next attempt: what Knock asks in Retry-After-Ms or
// Retry-After, else exponential backoff from 0.5 s doubling up to 8 s, less up to 25% jitter.
func retryWait(resp *http.Response, attempt int) time.Duration {
	if resp != nil {
		if wait, ok := retryAfter(resp.Header, time.Now()); ok {
			return min(wait, maxRetryAfter)
		}
	}
	backoff := min(backoffBase<<(attempt-1), backoffCap)
	return backoff - time.Duration(rand.Float64()*0.25*float64(backoff))
}

func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms >= 0 {
		return time.Duration(ms * float64(time.Millisecond)), true
	}
	value := h.Get("Retry-After")
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseFloat(value, 64); err == nil && seconds >= 0 {
		return time.Duration(seconds * float64(time.Second)), true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

func requestIDOf(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RequestID
	}
	return ""
}
