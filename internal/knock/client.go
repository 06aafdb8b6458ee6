// Package knock is a small client for Knock's audience-membership API: add, remove and list the members
// of an audience. It knows nothing of Terraform, so it can be tested and reused on its own.
package knock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// DefaultBaseURL is Knock's public API.
	DefaultBaseURL = "https://api.knock.app"

	// MaxMembersPerRequest is Knock's limit for one add or remove request.
	MaxMembersPerRequest = 1000

	// MaxPageSize is the largest page Knock's list endpoints return.
	MaxPageSize = 50

	// RequestIDHeader carries the id Knock support asks for.
	RequestIDHeader = "X-Request-Id"

	// BranchHeader selects a Knock branch inside the key's environment.
	BranchHeader = "X-Knock-Branch"

	// MaxIDLength bounds user ids, tenants and audience keys, in characters, configured and listed alike:
	// far above any id Knock hands out, low enough that a value pasted by mistake (a file, a JSON document)
	// is caught at validate, and that a listing of a million members keeps no more than ids.
	MaxIDLength = 256

	// MaxCursorBytes bounds a listing's page_info.after. Knock's cursors are tens of bytes; a listing keeps
	// one per page, so a cursor as large as an answer would make the listing as large as its answers.
	MaxCursorBytes = 4 << 10
)

// Defaults and bounds for the client's pacing, from Knock's rate tiers: add and remove are tier 3
// (60 requests per second per environment), list is tier 4 (200). The write default stays below its
// tier so that other syncs on the same environment keep some room; lists are sequential (each page
// needs the previous page's cursor), so against Knock their latency keeps them well below the tier.
const (
	DefaultWriteRate        = 50
	MaxWriteRate            = 60
	DefaultReadRate         = 200
	MaxReadRate             = 200
	DefaultWriteConcurrency = 4
	MaxWriteConcurrency     = 16
	DefaultMaxRetries       = 3
	MaxMaxRetries           = 10
)

// Defaults of the per-attempt deadlines and of the bounds on what the client reads. Knock answers a
// page or a batch of 1,000 in well under a second; an attempt that hears nothing for 30 s is stuck
// (a proxy that accepted the connection, a server that stopped mid-answer), and a retry on a new
// connection is likelier to succeed than waiting longer.
const (
	// DefaultOperationTimeout bounds a whole call (every page of a listing, every batch of a write) whose
	// context has no deadline of its own.
	DefaultOperationTimeout = 60 * time.Minute
	DefaultAnswerTimeout    = 30 * time.Second
	DefaultIdleTimeout      = 30 * time.Second
	// DefaultConnectRetries is how often a request is retried when it could not connect at all: a host
	// that refuses connections or does not resolve is a wrong base URL far more often than a blip, so
	// the error and its advice should come in about a second, not after minutes of backoff.
	DefaultConnectRetries = 2
	// A page holds at most 50 entries; a user with many custom properties is a few KiB.
	DefaultMaxAnswerBytes = 16 << 20
	DefaultMaxEntryBytes  = 1 << 20
	// Twice the largest audience the guides describe (1,000,000 members, 20,000 pages), with room for
	// pages that are not full.
	DefaultMaxListEntries = 2_000_000
	DefaultMaxListPages   = 100_000
)

// connectRetryWait bounds the wait before retrying a request that could not connect.
const connectRetryWait = 250 * time.Millisecond

// Config holds what a Client needs. APIKey is a secret key (sk_...) of one Knock environment.
type Config struct {
	BaseURL   string
	APIKey    string
	Branch    string
	UserAgent string
	// HTTPClient sends the requests; nil means a client of our own. Its Transport is where the provider
	// logs requests.
	HTTPClient *http.Client
	// WriteRate and ReadRate cap the requests started per second on each write endpoint (add, remove)
	// and on list; WriteConcurrency is how many write batches are in flight at once. Zero means the
	// default.
	WriteRate        int
	ReadRate         int
	WriteConcurrency int
	// MaxRetries is how many times a request is retried after a connection error, 408, 409, 429 or 5xx;
	// 0 means never (the provider passes DefaultMaxRetries unless configured otherwise).
	MaxRetries int
	// OnRetry, when set, is told about every retry before its wait.
	OnRetry func(ctx context.Context, r Retry)
	// OperationTimeout bounds each call whose context has no deadline; zero means
	// DefaultOperationTimeout.
	OperationTimeout time.Duration
	// AnswerTimeout bounds how long one attempt waits for the answer's status and headers, connecting
	// included; IdleTimeout how long the answer's body may pause between reads. An attempt that passes
	// either is abandoned and retried like a dropped connection. Zero means the defaults.
	AnswerTimeout time.Duration
	IdleTimeout   time.Duration
	// ConnectRetries is how many of the MaxRetries may follow failures to connect at all (refused,
	// unknown host, dial timeout). Zero means DefaultConnectRetries.
	ConnectRetries int
	// MaxAnswerBytes bounds one 2xx answer, MaxEntryBytes one entry of a list page, MaxListPages and
	// MaxListEntries one listing of an audience. Zero means the defaults.
	MaxAnswerBytes int64
	MaxEntryBytes  int
	MaxListPages   int
	MaxListEntries int
}

// Retry describes one retry, for logging.
type Retry struct {
	Method    string
	Path      string
	Attempt   int // the attempt that failed, from 1
	Status    int // 0 for a connection error
	RequestID string
	Wait      time.Duration
	Err       error
}

// Client calls Knock's audience endpoints. It is safe for concurrent use.
type Client struct {
	baseURL          *url.URL
	apiKey           string
	branch           string
	userAgent        string
	http             *http.Client
	limiters         map[string]*limiter // by HTTP method: POST add, DELETE remove, GET list
	writeConcurrency int
	maxRetries       int
	onRetry          func(context.Context, Retry)
	operationTimeout time.Duration
	answerTimeout    time.Duration
	idleTimeout      time.Duration
	connectRetries   int
	maxAnswerBytes   int64
	maxEntryBytes    int
	maxListPages     int
	maxListEntries   int
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("knock: an API key is required")
	}
	if problem := APIKeyProblem(cfg.APIKey); problem != "" {
		return nil, fmt.Errorf("knock: the API key %s", problem)
	}
	if problem := BranchProblem(cfg.Branch); problem != "" {
		return nil, fmt.Errorf("knock: the branch %q %s", cfg.Branch, problem)
	}
	base, err := parseBaseURL(cfg.BaseURL, cfg.APIKey)
	if err != nil {
		return nil, err
	}
	// A copy, so that the caller's client keeps following redirects if it wants to: ours never does. A
	// redirect would turn an add or remove into a GET that "succeeds", and Go resends the Authorization
	// header to the same host even when the redirect goes from https to plain http.
	httpClient := &http.Client{Transport: NewTransport()}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		httpClient = &copied
	}
	httpClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	userAgent := cfg.UserAgent
	if userAgent == "" {
		userAgent = "terraform-provider-knock"
	}
	writeRate, err := bounded("write rate", cfg.WriteRate, DefaultWriteRate, MaxWriteRate)
	if err != nil {
		return nil, err
	}
	readRate, err := bounded("read rate", cfg.ReadRate, DefaultReadRate, MaxReadRate)
	if err != nil {
		return nil, err
	}
	concurrency, err := bounded("write concurrency", cfg.WriteConcurrency, DefaultWriteConcurrency, MaxWriteConcurrency)
	if err != nil {
		return nil, err
	}
	return &Client{
		baseURL:   base,
		apiKey:    cfg.APIKey,
		branch:    cfg.Branch,
		userAgent: userAgent,
		http:      httpClient,
		limiters: map[string]*limiter{
			http.MethodPost:   newLimiter(writeRate),
			http.MethodDelete: newLimiter(writeRate),
			http.MethodGet:    newLimiter(readRate),
		},
		writeConcurrency: concurrency,
		maxRetries:       min(max(cfg.MaxRetries, 0), MaxMaxRetries),
		onRetry:          cfg.OnRetry,
		operationTimeout: orDefault(cfg.OperationTimeout, DefaultOperationTimeout),
		answerTimeout:    orDefault(cfg.AnswerTimeout, DefaultAnswerTimeout),
		idleTimeout:      orDefault(cfg.IdleTimeout, DefaultIdleTimeout),
		connectRetries:   orDefault(cfg.ConnectRetries, DefaultConnectRetries),
		maxAnswerBytes:   orDefault(cfg.MaxAnswerBytes, DefaultMaxAnswerBytes),
		maxEntryBytes:    orDefault(cfg.MaxEntryBytes, DefaultMaxEntryBytes),
		maxListPages:     orDefault(cfg.MaxListPages, DefaultMaxListPages),
		maxListEntries:   orDefault(cfg.MaxListEntries, DefaultMaxListEntries),
	}, nil
}

func orDefault[T time.Duration | int | int64](value, fallback T) T {
	if value <= 0 {
		return fallback
	}
	return value
}

// NewTransport returns an HTTP transport that keeps enough idle connections for the write pool, so that
// batches and pages reuse connections (and TLS sessions) instead of opening new ones.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone() //nolint:forcetypeassert // net/http declares DefaultTransport as a *Transport
	t.MaxIdleConnsPerHost = MaxWriteConcurrency + 2
	// Go's default waits 30 s for a host that drops the connection attempt; 10 s is ample for Knock and
	// makes a wrong base URL fail sooner (a timed-out dial counts as a failure to connect).
	t.DialContext = (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext
	// Go's default allows 10 MB of headers per answer; Knock sends well under 2 KB.
	t.MaxResponseHeaderBytes = maxResponseHeaderBytes
	return t
}

const maxResponseHeaderBytes = 64 << 10

const connectTimeout = 10 * time.Second

func bounded(name string, value, fallback, limit int) (int, error) {
	switch {
	case value == 0:
		return fallback, nil
	case value < 0 || value > limit:
		return 0, fmt.Errorf("knock: %s %d is out of range: use 1 to %d", name, value, limit)
	}
	return value, nil
}

func (c *Client) membersURL(audienceKey string, query url.Values) (string, error) {
	// The last line behind the callers' validation.
	if audienceKey == "" || DotSegment(audienceKey) {
		return "", fmt.Errorf("knock: the audience key %q cannot be sent as one segment of a URL path", audienceKey)
	}
	u := *c.baseURL
	// Escaped by hand so that a key holding "/" or "?" stays one path segment.
	u.RawPath = u.EscapedPath() + "/v1/audiences/" + url.PathEscape(audienceKey) + "/members"
	u.Path = u.Path + "/v1/audiences/" + audienceKey + "/members"
	u.RawQuery = query.Encode()
	return u.String(), nil
}

// do sends one request, retrying what Knock's SDKs retry, and decodes a JSON answer into out (nil: the
// body is discarded). Every call to Knock goes through here.
func (c *Client) do(ctx context.Context, method, target string, body []byte, out any) error {
	connectFailures := 0
	for attempt := 1; ; attempt++ {
		if err := c.limiters[method].wait(ctx); err != nil {
			return fmt.Errorf("knock: %s %s: waiting for the rate limit: %w", method, pathOf(target), err)
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
			return fmt.Errorf("knock: could not connect to %s (%d attempts): %w", c.baseURL.Host, attempt, err)
		}
		if attempt > c.maxRetries || !retryable(ctx, err) {
			if attempt > 1 {
				return fmt.Errorf("knock: gave up after %d attempts: %w", attempt, err)
			}
			return err
		}
		wait := retryWait(resp, attempt)
		if unreachable {
			wait = min(wait, connectRetryWait)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("knock: gave up after %d attempts, the next retry (in %s) would pass the operation's deadline: %w",
				attempt, wait.Round(time.Millisecond), err)
		}
		if c.onRetry != nil {
			c.onRetry(ctx, Retry{Method: method, Path: pathOf(target), Attempt: attempt, Status: StatusCode(err), RequestID: requestIDOf(err), Wait: wait, Err: err})
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("knock: stopped after %d attempts: %w (last error: %w)", attempt, ctx.Err(), err)
		}
	}
}

// stallError is an attempt that Knock stopped answering: no headers within the answer timeout, or a
// body that paused for longer than the idle timeout.
type stallError struct {
	what  string
	after time.Duration
}

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
		return nil, fmt.Errorf("knock: building %s request: %w", method, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.branch != "" {
		req.Header.Set(BranchHeader, c.branch)
	}
	// failed turns an error of this attempt into a ConnectionError, naming the stall when the watchdog
	// caused it. url.Error repeats the URL; the path is enough, and the URL never holds the key.
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
		connErr := &ConnectionError{Method: method, Path: req.URL.Path, Err: c.redactError(unwrapURLError(err)), couldNotConnect: couldNotConnect}
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
	requestID := c.redact(resp.Header.Get(RequestIDHeader))
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return resp, &APIError{Method: method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: requestID,
			Message: fmt.Sprintf("a redirect to %q, which the client never follows (it would send the request, and the "+
				"API key, somewhere else); set the base URL to the API itself, such as %s", c.redact(resp.Header.Get("Location")), DefaultBaseURL)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, newAPIError(method, req.URL.Path, resp, requestID, c.redact)
	}
	capped := &cappedReader{r: resp.Body, left: c.maxAnswerBytes}
	// Read to the end (within the cap) so that the connection goes back to the pool for the next page.
	defer func() { _, _ = io.Copy(io.Discard, capped) }()
	if out == nil {
		return resp, nil
	}
	err = decodeAnswer(capped, out)
	if err == nil {
		if checked, ok := out.(checkedAnswer); ok {
			err = checked.check(c)
		}
		if err != nil {
			return resp, &APIError{Method: method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: requestID, Message: c.redact(err.Error())}
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
		Message: c.redact(fmt.Sprintf("the answer is not the JSON Knock sends (%s): %v", contentType(resp), err)),
	}
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

// checkedAnswer is an answer that checks its own shape once decoded.
type checkedAnswer interface {
	check(c *Client) error
}

// watchedReader puts the attempt's watchdog off by the idle timeout whenever data arrives.
type watchedReader struct {
	r        io.Reader
	watchdog *time.Timer
	idle     time.Duration
}

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

func pathOf(target string) string {
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

// withDeadline gives ctx the operation timeout unless the caller set a deadline: a call to Knock must
// end, even from a caller that forgot to bound it.
func (c *Client) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.operationTimeout)
}
