package knock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	// DefaultWriteRate is the writes started per second on each write endpoint when Config.WriteRate is 0.
	DefaultWriteRate = 50
	// MaxWriteRate is the highest Config.WriteRate: Knock's tier 3.
	MaxWriteRate = 60
	// DefaultReadRate is the list requests started per second when Config.ReadRate is 0.
	DefaultReadRate = 200
	// MaxReadRate is the highest Config.ReadRate: Knock's tier 4.
	MaxReadRate = 200
	// DefaultWriteConcurrency is how many write batches are in flight at once when
	// Config.WriteConcurrency is 0.
	DefaultWriteConcurrency = 4
	// MaxWriteConcurrency is the highest Config.WriteConcurrency.
	MaxWriteConcurrency = 16
	// DefaultMaxRetries is the Config.MaxRetries the provider passes unless configured otherwise.
	DefaultMaxRetries = 3
	// MaxMaxRetries is the highest Config.MaxRetries; a higher value counts as this one.
	MaxMaxRetries = 10
)

// Defaults of the per-attempt deadlines and of the bounds on what the client reads. Knock answers a
// page or a batch of 1,000 in well under a second; an attempt that hears nothing for 30 s is stuck
// (a proxy that accepted the connection, a server that stopped mid-answer), and a retry on a new
// connection is likelier to succeed than waiting longer.
const (
	// DefaultOperationTimeout bounds a whole call (every page of a listing, every batch of a write) whose
	// context has no deadline of its own.
	DefaultOperationTimeout = 60 * time.Minute
	// DefaultAnswerTimeout is Config.AnswerTimeout when zero: how long an attempt waits for the answer's
	// status and headers.
	DefaultAnswerTimeout = 30 * time.Second
	// DefaultIdleTimeout is Config.IdleTimeout when zero: how long an answer's body may pause between reads.
	DefaultIdleTimeout = 30 * time.Second
	// DefaultConnectRetries is how often a request is retried when it could not connect at all: a host
	// that refuses connections or does not resolve is a wrong base URL far more often than a blip, so
	// the error and its advice should come in about a second, not after minutes of backoff.
	DefaultConnectRetries = 2
	// DefaultMaxAnswerBytes and DefaultMaxEntryBytes are Config.MaxAnswerBytes and Config.MaxEntryBytes
	// when zero. A page holds at most 50 entries; a user with many custom properties is a few KiB.
	DefaultMaxAnswerBytes = 16 << 20
	DefaultMaxEntryBytes  = 1 << 20
	// DefaultMaxListEntries and DefaultMaxListPages are Config.MaxListEntries and Config.MaxListPages
	// when zero: twice the largest audience the guides describe (1,000,000 members, 20,000 pages), with
	// room for pages that are not full.
	DefaultMaxListEntries = 2_000_000
	DefaultMaxListPages   = 100_000
)

// Config holds what a Client needs. APIKey is a secret key (sk_...) of one Knock environment.
type Config struct {
	// BaseURL is the API's address; "" means DefaultBaseURL. It must be https://, or http:// to a
	// loopback IP address; a trailing /v1 is dropped.
	BaseURL string
	// APIKey is the secret key (sk_...) of the Knock environment; it is required.
	APIKey string
	// Branch, when set, is sent in BranchHeader to select a branch of the key's environment.
	Branch string
	// UserAgent is sent with every request; "" means "terraform-provider-knock".
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
	Method    string        // the request's HTTP method
	Path      string        // the request's URL path, without the query
	Attempt   int           // the attempt that failed, from 1
	Status    int           // 0 for a connection error
	RequestID string        // Knock's id of the failed answer, "" when there was none
	Wait      time.Duration // how long the client waits before the next attempt
	Err       error         // why the attempt failed
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

func bounded(name string, value, fallback, limit int) (int, error) {
	switch {
	case value == 0:
		return fallback, nil
	case value < 0 || value > limit:
		return 0, fmt.Errorf("knock: %s %d is out of range: use 1 to %d", name, value, limit)
	}
	return value, nil
}
