package knockhttp

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// retryable reports whether Knock's SDKs would retry err: connection errors, timeouts, 408, 409, 429
// and 5xx. A request stopped by its own context is not retried.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var connErr *ConnectionError
	if errors.As(err, &connErr) {
		return !connErr.permanent
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
	if wait, ok := waitOf(h.Get("Retry-After-Ms"), time.Millisecond); ok {
		return wait, true
	}
	value := h.Get("Retry-After")
	if value == "" {
		return 0, false
	}
	if wait, ok := waitOf(value, time.Second); ok {
		return wait, true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// waitOf reads a number of units. It compares in floating point before converting, because a
// conversion of a value past time.Duration's range (1e300, Inf) wraps to a negative wait, that is no
// wait at all. Negative and NaN values are no answer.
func waitOf(value string, unit time.Duration) (time.Duration, bool) {
	n, err := strconv.ParseFloat(value, 64)
	if err != nil || math.IsNaN(n) || n < 0 {
		return 0, false
	}
	if n*float64(unit) >= float64(maxRetryAfter) {
		return maxRetryAfter, true
	}
	return time.Duration(n * float64(unit)), true
}

// connectRetryWait bounds the wait before retrying a request that could not connect.
const connectRetryWait = 250 * time.Millisecond
