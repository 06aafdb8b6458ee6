package knockmgmt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// DefaultBaseURL is Knock's Management API.
const DefaultBaseURL = "https://control.knock.app"

// Defaults and bounds of a client. An account holds tens or hundreds of audiences, each a small
// document; the bounds stop an API that never ends a listing long before memory or the deadline.
const (
	// DefaultOperationTimeout bounds a call (every page of a listing) whose context has no deadline.
	DefaultOperationTimeout = 10 * time.Minute
	// PageSize is the limit asked for on each page of a listing.
	PageSize = 50
	// DefaultMaxListPages and DefaultMaxListEntries are Config.MaxListPages and Config.MaxListEntries when
	// zero.
	DefaultMaxListPages   = 1_000
	DefaultMaxListEntries = 50_000
	// MaxCursorBytes bounds a listing's page_info.after, which the listing keeps.
	MaxCursorBytes = 4 << 10
)

// api names the Management API in the shared transport's messages.
var api = knockhttp.API{
	Prefix: "knock management API", DefaultBaseURL: DefaultBaseURL,
	Credential: "service token", CredentialSetting: "service_token or KNOCK_SERVICE_TOKEN",
}

// Config holds what a Client needs. ServiceToken is a service token (knock_st_...) of the Knock account.
type Config struct {
	// BaseURL is the Management API's address; "" means DefaultBaseURL. It must be https://, or http://
	// to a loopback IP address; a trailing /v1 is dropped.
	BaseURL string
	// ServiceToken is the service token (knock_st_...); it is required.
	ServiceToken string
	// UserAgent is sent with every request; "" means "terraform-provider-knock".
	UserAgent string
	// HTTPClient sends the requests; nil means a client of our own. Its Transport is where the provider
	// logs requests.
	HTTPClient *http.Client
	// MaxRetries is how many times a request is retried after a connection error, 408, 409, 429 or 5xx;
	// 0 means never.
	MaxRetries int
	// OnRetry, when set, is told about every retry before its wait.
	OnRetry func(ctx context.Context, r knockhttp.Retry)
	// OperationTimeout bounds each call whose context has no deadline; zero means
	// DefaultOperationTimeout. AnswerTimeout and IdleTimeout are the per-attempt deadlines of
	// knockhttp.Config; zero means its defaults.
	OperationTimeout time.Duration
	AnswerTimeout    time.Duration
	IdleTimeout      time.Duration
	// MaxListPages and MaxListEntries bound one listing of audiences. Zero means the defaults.
	MaxListPages   int
	MaxListEntries int
}

// Client calls the Management API's audience endpoints. It is safe for concurrent use.
type Client struct {
	transport      *knockhttp.Client
	maxListPages   int
	maxListEntries int
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.ServiceToken == "" {
		return nil, errors.New("knock management API: a service token is required")
	}
	if problem := ServiceTokenProblem(cfg.ServiceToken); problem != "" {
		return nil, fmt.Errorf("knock management API: the service token %s", problem)
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Transport: NewTransport()}
	}
	transport, err := knockhttp.New(knockhttp.Config{
		API: api, BaseURL: cfg.BaseURL, Secret: cfg.ServiceToken, UserAgent: cfg.UserAgent, HTTPClient: httpClient,
		MaxRetries: cfg.MaxRetries, OnRetry: cfg.OnRetry,
		OperationTimeout: knockhttp.OrDefault(cfg.OperationTimeout, DefaultOperationTimeout),
		AnswerTimeout:    cfg.AnswerTimeout, IdleTimeout: cfg.IdleTimeout,
	})
	if err != nil {
		return nil, err
	}
	return &Client{
		transport:      transport,
		maxListPages:   knockhttp.OrDefault(cfg.MaxListPages, DefaultMaxListPages),
		maxListEntries: knockhttp.OrDefault(cfg.MaxListEntries, DefaultMaxListEntries),
	}, nil
}

// NewTransport returns the HTTP transport of a client: the Management API is called one request at a
// time, so a couple of idle connections suffice.
func NewTransport() *http.Transport { return knockhttp.NewTransport(2) }

// IsNotFound reports whether err is Knock's own not-found answer, which on these endpoints means an
// unknown (or archived) audience. Any other 404 (a route the server lacks, a proxy's page) is most often
// a wrong base URL: read as "gone", it would make Terraform forget the audience.
func IsNotFound(err error) bool { return knockhttp.IsNotFound(err) }
