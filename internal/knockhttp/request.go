package knockhttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// URL returns the address of the path made of segments under the base URL, each escaped as one
// segment (a key holding "/" or "?" stays one), with query. Callers refuse "", "." and ".." first
// ([DotSegment]): a URL resolves dot segments.
func (c *Client) URL(query url.Values, segments ...string) string {
	u := *c.baseURL
	var raw, plain strings.Builder
	for _, s := range segments {
		raw.WriteString("/" + url.PathEscape(s))
		plain.WriteString("/" + s)
	}
	u.RawPath = u.EscapedPath() + raw.String()
	u.Path += plain.String()
	u.RawQuery = query.Encode()
	return u.String()
}

// WithDeadline gives ctx the operation timeout unless the caller set a deadline: a call to Knock must
// end, even from a caller that forgot to bound it.
func (c *Client) WithDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.operationTimeout)
}

// Do sends one request, retrying what Knock's SDKs retry, and decodes a JSON answer into out (nil: the
// body is discarded). When out is a [CheckedAnswer], its CheckAnswer runs once it is decoded. Every
// call to Knock goes through here.
func (c *Client) Do(ctx context.Context, method, target string, body []byte, out any) error {
	connectFailures := 0
	for attempt := 1; ; attempt++ {
		if c.pace != nil {
			if err := c.pace(ctx, method); err != nil {
				return fmt.Errorf("%s: %s %s: waiting for the rate limit: %w", c.api.Prefix, method, PathOf(target), err)
			}
		}
		resp, err := c.attempt(ctx, method, target, body, out)
		if err == nil {
			return nil
		}
		unreachable := IsUnreachable(err)
		if unreachable {
			connectFailures++
		}
		if unreachable && connectFailures > c.connectRetries {
			return fmt.Errorf("%s: could not connect to %s (%d attempts): %w", c.api.Prefix, c.baseURL.Host, attempt, err)
		}
		if attempt > c.maxRetries || !retryable(ctx, err) {
			if attempt > 1 {
				return fmt.Errorf("%s: gave up after %d attempts: %w", c.api.Prefix, attempt, err)
			}
			return err
		}
		wait := retryWait(resp, attempt)
		if unreachable {
			wait = min(wait, connectRetryWait)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%s: gave up after %d attempts, the next retry (in %s) would pass the operation's deadline: %w",
				c.api.Prefix, attempt, wait.Round(time.Millisecond), err)
		}
		if c.onRetry != nil {
			c.onRetry(ctx, Retry{Method: method, Path: PathOf(target), Attempt: attempt, Status: StatusCode(err), RequestID: requestIDOf(err), Wait: wait, Err: err})
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%s: stopped after %d attempts: %w (last error: %w)", c.api.Prefix, attempt, ctx.Err(), err)
		}
	}
}

// stallError is an attempt that Knock stopped answering: no headers within the answer timeout, or a
// body that paused for longer than the idle timeout.
type stallError struct {
	what  string
	after time.Duration
}

// Error says what stalled and after how long.
func (e *stallError) Error() string { return fmt.Sprintf("%s within %s", e.what, e.after) }

// attempt sends the request once. It returns the response (body closed) when there was one, for its
// Retry-After headers. The attempt has its own deadlines, which cancel only it: the answer's headers
// within answerTimeout, then each read of its body within idleTimeout of the previous one.
func (c *Client) attempt(ctx context.Context, method, target string, body []byte, out any) (*http.Response, error) {
	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var answered atomic.Bool
	watchdog := time.AfterFunc(c.answerTimeout, func() {
		if answered.Load() {
			cancel(&stallError{what: "the answer stopped: no data", after: c.idleTimeout})
		} else {
			cancel(&stallError{what: "no answer", after: c.answerTimeout})
		}
	})
	defer watchdog.Stop()

	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return nil, fmt.Errorf("%s: building %s request: %w", c.api.Prefix, method, err)
	}
	for name, values := range c.header {
		req.Header[name] = values
	}
	req.Header.Set("Authorization", "Bearer "+c.secret)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// failed turns an error of this attempt into a ConnectionError, naming the stall when the watchdog
	// caused it. url.Error repeats the URL; the path is enough, and the URL never holds the secret.
	failed := func(err error) *ConnectionError {
		couldNotConnect := dialFailed(err)
		var stall *stallError
		switch cause := context.Cause(ctx); {
		case parent.Err() == nil && errors.As(cause, &stall):
			err = stall
		case parent.Err() != nil && !errors.Is(err, parent.Err()):
			// The transport may say "request canceled"; callers look for the operation's deadline.
			err = fmt.Errorf("%w (%v)", parent.Err(), unwrapURLError(err))
		}
		connErr := &ConnectionError{Method: method, Path: req.URL.Path, Err: c.RedactError(unwrapURLError(err)), couldNotConnect: couldNotConnect}
		if problem, mismatch := handshakeFailure(err); problem != "" {
			connErr.Err = fmt.Errorf("%s: %w", problem, connErr.Err)
			connErr.permanent, connErr.schemeMismatch = true, mismatch
		}
		return connErr
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, failed(err)
	}
	answered.Store(true)
	watchdog.Reset(c.idleTimeout)
	defer resp.Body.Close()
	resp.Body = io.NopCloser(&watchedReader{r: resp.Body, watchdog: watchdog, idle: c.idleTimeout})
	requestID := c.Redact(resp.Header.Get(RequestIDHeader))
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return resp, &APIError{Method: method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: requestID,
			Message: fmt.Sprintf("a redirect to %q, which the client never follows (it would send the request, and the "+
				"%s, somewhere else); set the base URL to the API itself, such as %s", c.Redact(resp.Header.Get("Location")), c.api.Credential, c.api.DefaultBaseURL)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, newAPIError(method, req.URL.Path, resp, requestID, c.Redact)
	}
	capped := &cappedReader{r: resp.Body, left: c.maxAnswerBytes}
	// Read to the end (within the cap) so that the connection goes back to the pool for the next page.
	defer func() { _, _ = io.Copy(io.Discard, capped) }()
	if out == nil {
		return resp, nil
	}
	err = decodeAnswer(capped, out)
	if err == nil {
		if checked, ok := out.(CheckedAnswer); ok {
			err = checked.CheckAnswer()
		}
		if err != nil {
			return resp, &APIError{Method: method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: requestID, Message: c.Redact(err.Error())}
		}
		return resp, nil
	}
	switch {
	case ctx.Err() != nil:
		return resp, failed(err)
	case errors.Is(err, errAnswerTooLarge):
		return resp, &APIError{Method: method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: requestID,
			Message: fmt.Sprintf("the answer is larger than %d bytes, the most the client reads of one answer", c.maxAnswerBytes)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		// The connection broke in the middle of the body.
		return resp, &ConnectionError{Method: method, Path: req.URL.Path, Err: fmt.Errorf("the answer was cut off: %w", err)}
	}
	return resp, &APIError{
		Method: method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: requestID,
		Message: c.Redact(fmt.Sprintf("the answer is not the JSON Knock sends (%s): %v", contentType(resp), err)),
	}
}

// CheckedAnswer is an answer that checks its own shape once decoded: a 200 whose JSON decodes but is
// not what the endpoint answers (a proxy's {}, a wrong base URL) becomes an *APIError with its message.
type CheckedAnswer interface {
	CheckAnswer() error
}

// answerBodies are the buffers answers are read into. A json.Decoder grows a buffer of its own for each
// answer, doubling from 512 bytes: about 60 KB of garbage per page, a gigabyte for a listing of a million
// members.
var answerBodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decodeAnswer reads a whole answer body into a reused buffer and decodes it into out. An answer whose
// JSON stops short reports io.ErrUnexpectedEOF, as a stream decoder does: the connection broke.
func decodeAnswer(body io.Reader, out any) error {
	buf := answerBodies.Get().(*bytes.Buffer) //nolint:forcetypeassert // the pool holds nothing else
	defer answerBodies.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(body); err != nil {
		return err
	}
	err := json.Unmarshal(buf.Bytes(), out)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) && buf.Len() > 0 && syntax.Offset == int64(buf.Len()) {
		return fmt.Errorf("%w: %v", io.ErrUnexpectedEOF, err)
	}
	return err
}

// watchedReader puts the attempt's watchdog off by the idle timeout whenever data arrives.
type watchedReader struct {
	r        io.Reader
	watchdog *time.Timer
	idle     time.Duration
}

// Read reads from r and, when data arrived, puts the watchdog off by the idle timeout.
func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.watchdog.Reset(w.idle)
	}
	return n, err
}

var errAnswerTooLarge = errors.New("answer too large")

// cappedReader reads at most left bytes, then fails with errAnswerTooLarge if there is more.
type cappedReader struct {
	r    io.Reader
	left int64
}

// Read reads from r at most one byte more than is left, which tells an answer exactly at the cap from
// a larger one.
func (c *cappedReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, errAnswerTooLarge
	}
	return n, err
}

// PathOf returns the escaped path of a request's target, for messages.
func PathOf(target string) string {
	if u, err := url.Parse(target); err == nil {
		return u.EscapedPath()
	}
	return target
}

func unwrapURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

func contentType(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return ct
	}
	return "no content type"
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
