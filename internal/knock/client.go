package knock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

const (
	// DefaultBaseURL is Knock's public API.
	DefaultBaseURL = "https://api.knock.app"

	// MaxMembersPerRequest is Knock's limit for one add or remove request.
	MaxMembersPerRequest = 1000

	// MaxPageSize is the largest page Knock's list endpoints return.
	MaxPageSize = 50

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
)

// Defaults of the bounds on a call and on what a listing reads; the per-attempt deadlines and the
// bound on one answer are the shared transport's (knockhttp).
const (
	// DefaultOperationTimeout bounds a whole call (every page of a listing, every batch of a write) whose
	// context has no deadline of its own.
	DefaultOperationTimeout = 60 * time.Minute
	// DefaultMaxEntryBytes is Config.MaxEntryBytes when zero: a user with many custom properties is a few
	// KiB.
	DefaultMaxEntryBytes = 1 << 20
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
	// 0 means never (the provider passes knockhttp.DefaultMaxRetries unless configured otherwise).
	MaxRetries int
	// OnRetry, when set, is told about every retry before its wait.
	OnRetry func(ctx context.Context, r knockhttp.Retry)
	// OperationTimeout bounds each call whose context has no deadline; zero means
	// DefaultOperationTimeout.
	OperationTimeout time.Duration
	// AnswerTimeout bounds how long one attempt waits for the answer's status and headers, connecting
	// included; IdleTimeout how long the answer's body may pause between reads. An attempt that passes
	// either is abandoned and retried like a dropped connection. Zero means the defaults.
	AnswerTimeout time.Duration
	IdleTimeout   time.Duration
	// ConnectRetries is how many of the MaxRetries may follow failures to connect at all (refused,
	// unknown host, dial timeout). Zero means knockhttp.DefaultConnectRetries.
	ConnectRetries int
	// MaxAnswerBytes bounds one 2xx answer, MaxEntryBytes one entry of a list page, MaxListPages and
	// MaxListEntries one listing of an audience. Zero means the defaults (knockhttp.DefaultMaxAnswerBytes
	// for the answer).
	MaxAnswerBytes int64
	MaxEntryBytes  int
	MaxListPages   int
	MaxListEntries int
}

// api names the Knock API in the shared transport's messages.
var api = knockhttp.API{Prefix: "knock", DefaultBaseURL: DefaultBaseURL, Credential: "API key", CredentialSetting: "api_key or KNOCK_API_KEY"}

// Client calls Knock's audience endpoints. It is safe for concurrent use.
type Client struct {
	transport        *knockhttp.Client
	baseURL          *url.URL
	apiKey           string
	branch           string
	limiters         map[string]*limiter // by HTTP method: POST add, DELETE remove, GET list
	writeConcurrency int
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
	limiters := map[string]*limiter{
		http.MethodPost:   newLimiter(writeRate),
		http.MethodDelete: newLimiter(writeRate),
		http.MethodGet:    newLimiter(readRate),
	}
	header := http.Header{}
	if cfg.Branch != "" {
		header.Set(BranchHeader, cfg.Branch)
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Transport: NewTransport()}
	}
	transport, err := knockhttp.New(knockhttp.Config{
		API: api, BaseURL: cfg.BaseURL, Secret: cfg.APIKey, Header: header, UserAgent: cfg.UserAgent, HTTPClient: httpClient,
		MaxRetries: cfg.MaxRetries, OnRetry: cfg.OnRetry,
		Pace:             func(ctx context.Context, method string) error { return limiters[method].wait(ctx) },
		OperationTimeout: knockhttp.OrDefault(cfg.OperationTimeout, DefaultOperationTimeout),
		AnswerTimeout:    cfg.AnswerTimeout, IdleTimeout: cfg.IdleTimeout, ConnectRetries: cfg.ConnectRetries, MaxAnswerBytes: cfg.MaxAnswerBytes,
	})
	if err != nil {
		return nil, err
	}
	return &Client{
		transport:        transport,
		baseURL:          transport.BaseURL(),
		apiKey:           cfg.APIKey,
		branch:           cfg.Branch,
		limiters:         limiters,
		writeConcurrency: concurrency,
		maxEntryBytes:    knockhttp.OrDefault(cfg.MaxEntryBytes, DefaultMaxEntryBytes),
		maxListPages:     knockhttp.OrDefault(cfg.MaxListPages, DefaultMaxListPages),
		maxListEntries:   knockhttp.OrDefault(cfg.MaxListEntries, DefaultMaxListEntries),
	}, nil
}

// NewTransport returns an HTTP transport that keeps enough idle connections for the write pool, so that
// batches and pages reuse connections (and TLS sessions) instead of opening new ones.
func NewTransport() *http.Transport { return knockhttp.NewTransport(MaxWriteConcurrency + 2) }

func bounded(name string, value, fallback, limit int) (int, error) {
	switch {
	case value == 0:
		return fallback, nil
	case value < 0 || value > limit:
		return 0, fmt.Errorf("knock: %s %d is out of range: use 1 to %d", name, value, limit)
	}
	return value, nil
}
