package knock

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// ConnectionError is a request that got no complete answer: refused or dropped connection, timeout,
// a body cut off in the middle.
type ConnectionError struct {
	Method string
	Path   string
	Err    error
	// couldNotConnect is set when no connection was made at all: refused, unknown host, dial timeout.
	couldNotConnect bool
	// permanent is set for a TLS handshake that fails the same way on every attempt, schemeMismatch when
	// it failed because the server does not speak TLS at all.
	permanent      bool
	schemeMismatch bool
}

func (e *ConnectionError) Error() string {
	return fmt.Sprintf("%s %s: no complete answer from Knock: %v", e.Method, e.Path, e.Err)
}

func (e *ConnectionError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err is a request that could not connect to the API at all: the host
// refused the connection, did not resolve, or did not answer the connection attempt.
func IsUnreachable(err error) bool {
	var connErr *ConnectionError
	return errors.As(err, &connErr) && connErr.couldNotConnect
}

// PanicError is a panic recovered in a goroutine that the client or the provider started (a write
// worker, a shared call), which no RPC's recovery covers: unrecovered, it would end the plugin and every
// operation of the run with it.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("the provider failed unexpectedly (panic: %v). This is a bug in the provider; please report it "+
		"with this message and the stack below.\n\n%s", e.Value, e.Stack)
}

// RecoverAsError, deferred in a function of such a goroutine, turns its panic into *errp.
func RecoverAsError(errp *error) {
	if r := recover(); r != nil {
		*errp = &PanicError{Value: r, Stack: string(debug.Stack())}
	}
}

// IsSchemeMismatch reports whether err comes from a base URL whose scheme the server does not speak:
// https:// to a plain-http port, or http:// to a TLS port.
func IsSchemeMismatch(err error) bool {
	var connErr *ConnectionError
	var apiErr *APIError
	return errors.As(err, &connErr) && connErr.schemeMismatch || errors.As(err, &apiErr) && apiErr.schemeMismatch
}

// handshakeFailure describes a TLS handshake that no retry can mend, or returns "" for any other error:
// the server does not speak TLS (https:// to a plain-http port), or its certificate does not verify.
func handshakeFailure(err error) (problem string, schemeMismatch bool) {
	var recordErr tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.Is(err, http.ErrSchemeMismatch):
		return "the base URL uses https:// but the server speaks plain http", true
	case errors.As(err, &recordErr):
		return "the base URL uses https:// but the server does not speak TLS", true
	case errors.As(err, &certErr):
		return "the server's TLS certificate does not verify", false
	}
	return "", false
}

// dialFailed tells a failure to connect from a failure later in the request. The operation's own end
// (cancellation, deadline) is neither.
func dialFailed(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) && opErr.Op == "dial" || errors.As(err, &dnsErr)
}

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

func requestIDOf(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RequestID
	}
	return ""
}
