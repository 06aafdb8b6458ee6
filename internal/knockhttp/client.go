package knockhttp

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Defaults and bounds of the retry policy, shared by both APIs.
const (
	// DefaultMaxRetries is the Config.MaxRetries the provider passes unless configured otherwise.
	DefaultMaxRetries = 3
	// MaxMaxRetries is the highest Config.MaxRetries; a higher value counts as this one.
	MaxMaxRetries = 10
)

// Defaults of the per-attempt deadlines and of the bounds on what a client reads. Knock answers a
// page or a batch of 1,000 in well under a second; an attempt that hears nothing for 30 s is stuck
// (a proxy that accepted the connection, a server that stopped mid-answer), and a retry on a new
// connection is likelier to succeed than waiting longer.
const (
	// DefaultAnswerTimeout is Config.AnswerTimeout when zero: how long an attempt waits for the answer's
	// status and headers.
	DefaultAnswerTimeout = 30 * time.Second
	// DefaultIdleTimeout is Config.IdleTimeout when zero: how long an answer's body may pause between reads.
	DefaultIdleTimeout = 30 * time.Second
	// DefaultConnectRetries is how often a request is retried when it could not connect at all: a host
	// that refuses connections or does not resolve is a wrong base URL far more often than a blip, so
	// the error and its advice should come in about a second, not after minutes of backoff.
	DefaultConnectRetries = 2
	// DefaultMaxAnswerBytes is Config.MaxAnswerBytes when zero. A page holds at most 50 entries; a user
	// with many custom properties is a few KiB.
	DefaultMaxAnswerBytes = 16 << 20
)

// RequestIDHeader carries the id Knock support asks for.
const RequestIDHeader = "X-Request-Id"

// API names the API a Client talks to, for its messages.
type API struct {
	// Prefix starts every error the client makes itself ("knock", "knock management API").
	Prefix string
	// DefaultBaseURL is the API's public address, for base URLs that are missing or wrong.
	DefaultBaseURL string
	// Credential names the secret in prose ("API key"), CredentialSetting where it is configured
	// ("api_key or KNOCK_API_KEY").
	Credential        string
	CredentialSetting string
}

// Config holds what a Client needs.
type Config struct {
	// API names the API for messages; its DefaultBaseURL is the base URL when BaseURL is "".
	API API
	// BaseURL is the API's address. It must be https://, or http:// to a loopback IP address; a
	// trailing /v1 is dropped.
	BaseURL string
	// Secret is sent as the bearer token, and scrubbed from every error.
	Secret string
	// Header is sent with every request, besides Authorization, Accept, User-Agent and Content-Type.
	Header http.Header
	// UserAgent is sent with every request; "" means "terraform-provider-knock".
	UserAgent string
	// HTTPClient sends the requests; nil means a client of NewTransport(2). Its redirect policy is
	// replaced: the client never follows one.
	HTTPClient *http.Client
	// MaxRetries is how many times a request is retried after a connection error, 408, 409, 429 or 5xx;
	// 0 means never.
	MaxRetries int
	// OnRetry, when set, is told about every retry before its wait.
	OnRetry func(ctx context.Context, r Retry)
	// Pace, when set, is waited on before every attempt, with the request's method.
	Pace func(ctx context.Context, method string) error
	// OperationTimeout bounds each call whose context has no deadline; it is required.
	OperationTimeout time.Duration
	// AnswerTimeout bounds how long one attempt waits for the answer's status and headers, connecting
	// included; IdleTimeout how long the answer's body may pause between reads. An attempt that passes
	// either is abandoned and retried like a dropped connection. Zero means the defaults.
	AnswerTimeout time.Duration
	IdleTimeout   time.Duration
	// ConnectRetries is how many of the MaxRetries may follow failures to connect at all (refused,
	// unknown host, dial timeout). Zero means DefaultConnectRetries.
	ConnectRetries int
	// MaxAnswerBytes bounds one 2xx answer. Zero means DefaultMaxAnswerBytes.
	MaxAnswerBytes int64
}

// Retry describes one retry, for logging.
type Retry struct {
	Method    string        // the request's HTTP method
	Path      string        // the request's URL path, without the query
	Attempt   int           // the attempt that failed, from 1
	Status    int           // 0 for a connection error
	RequestID string        // Knock's id of the failed answer, "" when there was none
	Wait      time.Duration // how long the client waits before the next attempt
	Err       error         // why the attempt failed
}

// Client sends requests to one Knock API with one secret. It is safe for concurrent use.
type Client struct {
	api              API
	baseURL          *url.URL
	secret           string
	header           http.Header
	userAgent        string
	http             *http.Client
	maxRetries       int
	onRetry          func(context.Context, Retry)
	pace             func(context.Context, string) error
	operationTimeout time.Duration
	answerTimeout    time.Duration
	idleTimeout      time.Duration
	connectRetries   int
	maxAnswerBytes   int64
}

// New checks the base URL and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL, cfg.API, cfg.Secret)
	if err != nil {
		return nil, err
	}
	// A copy, so that the caller's client keeps following redirects if it wants to: ours never does. A
	// redirect would turn a write into a GET that "succeeds", and Go resends the Authorization header to
	// the same host even when the redirect goes from https to plain http.
	httpClient := &http.Client{Transport: NewTransport(2)}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		httpClient = &copied
	}
	httpClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	userAgent := cfg.UserAgent
	if userAgent == "" {
		userAgent = "terraform-provider-knock"
	}
	return &Client{
		api:              cfg.API,
		baseURL:          base,
		secret:           cfg.Secret,
		header:           cfg.Header.Clone(),
		userAgent:        userAgent,
		http:             httpClient,
		maxRetries:       min(max(cfg.MaxRetries, 0), MaxMaxRetries),
		onRetry:          cfg.OnRetry,
		pace:             cfg.Pace,
		operationTimeout: cfg.OperationTimeout,
		answerTimeout:    OrDefault(cfg.AnswerTimeout, DefaultAnswerTimeout),
		idleTimeout:      OrDefault(cfg.IdleTimeout, DefaultIdleTimeout),
		connectRetries:   OrDefault(cfg.ConnectRetries, DefaultConnectRetries),
		maxAnswerBytes:   OrDefault(cfg.MaxAnswerBytes, DefaultMaxAnswerBytes),
	}, nil
}

// BaseURL returns a copy of the client's base URL, without a trailing /v1.
func (c *Client) BaseURL() *url.URL {
	u := *c.baseURL
	return &u
}

// OrDefault returns value, or fallback when value is zero or negative.
func OrDefault[T time.Duration | int | int64](value, fallback T) T {
	if value <= 0 {
		return fallback
	}
	return value
}

// NewTransport returns an HTTP transport that keeps idleConnsPerHost idle connections, so that
// concurrent requests reuse connections (and TLS sessions) instead of opening new ones.
func NewTransport(idleConnsPerHost int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone() //nolint:forcetypeassert // net/http declares DefaultTransport as a *Transport
	t.MaxIdleConnsPerHost = idleConnsPerHost
	// Go's default waits 30 s for a host that drops the connection attempt; 10 s is ample for Knock and
	// makes a wrong base URL fail sooner (a timed-out dial counts as a failure to connect).
	t.DialContext = (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext
	// Go's default allows 10 MB of headers per answer; Knock sends well under 2 KB.
	t.MaxResponseHeaderBytes = maxResponseHeaderBytes
	return t
}

const maxResponseHeaderBytes = 64 << 10

const connectTimeout = 10 * time.Second
