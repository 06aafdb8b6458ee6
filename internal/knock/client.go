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
	"slices"
	"strconv"
	"strings"
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
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("knock: an API key is required")
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("knock: base URL %q: %w", raw, err)
	}
	if base.User != nil {
		return nil, fmt.Errorf("knock: base URL %q must not hold credentials; the API key goes in api_key or KNOCK_API_KEY", base.Redacted())
	}
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("knock: base URL %q must be an absolute https URL such as %s", raw, DefaultBaseURL)
	}
	// The key travels in a header: plain http is only for a local API on this machine.
	if base.Scheme == "http" && !isLoopback(base.Hostname()) {
		return nil, fmt.Errorf("knock: base URL %q must use https://; http:// is accepted only for loopback hosts such as 127.0.0.1 (the local Knock API)", raw)
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Transport: NewTransport()}
	}
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
	}, nil
}

// NewTransport returns an HTTP transport that keeps enough idle connections for the write pool, so that
// batches and pages reuse connections (and TLS sessions) instead of opening new ones.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone() //nolint:forcetypeassert // net/http declares DefaultTransport as a *Transport
	t.MaxIdleConnsPerHost = MaxWriteConcurrency + 2
	return t
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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

// Membership is one (user, tenant) pair of an audience. Tenant "" is a membership without tenant.
type Membership struct {
	UserID string
	Tenant string
}

// AudienceMember is one entry of a list page.
type AudienceMember struct {
	UserID  string  `json:"user_id"`
	Tenant  *string `json:"tenant"`
	AddedAt string  `json:"added_at"`
	User    User    `json:"user"`
}

// Membership returns the (user, tenant) pair of m.
func (m AudienceMember) Membership() Membership {
	return membershipOf(m.UserID, m.Tenant)
}

// User holds the standard properties of a Knock user; custom properties are not decoded.
type User struct {
	ID          string  `json:"id"`
	Name        *string `json:"name"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phone_number"`
	Avatar      *string `json:"avatar"`
	Timezone    *string `json:"timezone"`
	CreatedAt   *string `json:"created_at"`
	UpdatedAt   *string `json:"updated_at"`
}

func membershipOf(userID string, tenant *string) Membership {
	if tenant == nil {
		return Membership{UserID: userID}
	}
	return Membership{UserID: userID, Tenant: *tenant}
}

func (c *Client) membersURL(audienceKey string, query url.Values) string {
	u := *c.baseURL
	// Escaped by hand so that a key holding "/" or "?" stays one path segment.
	u.RawPath = u.EscapedPath() + "/v1/audiences/" + url.PathEscape(audienceKey) + "/members"
	u.Path = u.Path + "/v1/audiences/" + audienceKey + "/members"
	u.RawQuery = query.Encode()
	return u.String()
}

// do sends one request, retrying what Knock's SDKs retry, and decodes a JSON answer into out (nil: the
// body is discarded). Every call to Knock goes through here.
func (c *Client) do(ctx context.Context, method, target string, body []byte, out any) error {
	for attempt := 1; ; attempt++ {
		if err := c.limiters[method].wait(ctx); err != nil {
			return fmt.Errorf("knock: %s %s: waiting for the rate limit: %w", method, pathOf(target), err)
		}
		resp, err := c.attempt(ctx, method, target, body, out)
		if err == nil {
			return nil
		}
		if attempt > c.maxRetries || !retryable(ctx, err) {
			if attempt > 1 {
				return fmt.Errorf("knock: gave up after %d attempts: %w", attempt, err)
			}
			return err
		}
		wait := retryWait(resp, attempt)
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

// attempt sends the request once. It returns the response (body closed) when there was one, for its
// Retry-After headers.
func (c *Client) attempt(ctx context.Context, method, target string, body []byte, out any) (*http.Response, error) {
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
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error repeats the URL; the path is enough, and the URL never holds the key.
		return nil, &ConnectionError{Method: method, Path: req.URL.Path, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	requestID := resp.Header.Get(RequestIDHeader)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, newAPIError(method, req.URL.Path, resp, requestID)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp, nil
	}
	// Read to the end so that the connection goes back to the pool for the next page.
	defer func() { _, _ = io.Copy(io.Discard, resp.Body) }()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			// The connection broke in the middle of the body.
			return resp, &ConnectionError{Method: method, Path: req.URL.Path, Err: fmt.Errorf("the answer was cut off: %w", err)}
		}
		return resp, &APIError{
			Method: method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: requestID,
			Message: fmt.Sprintf("the answer is not the JSON Knock sends (%s): %v", contentType(resp), err),
		}
	}
	return resp, nil
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

type memberRef struct {
	User   userRef `json:"user"`
	Tenant *string `json:"tenant,omitempty"`
}

// userRef carries the id only: any other property would upsert the user ("inline identify").
type userRef struct {
	ID string `json:"id"`
}

func encodeMembers(batch []Membership) ([]byte, error) {
	refs := make([]memberRef, len(batch))
	for i, m := range batch {
		refs[i].User.ID = m.UserID
		if m.Tenant != "" {
			tenant := m.Tenant
			refs[i].Tenant = &tenant
		}
	}
	return json.Marshal(struct {
		Members []memberRef `json:"members"`
	}{refs})
}

// AddMembers adds members to an audience in requests of at most MaxMembersPerRequest, sent by a
// bounded pool of workers. It returns the members whose requests succeeded; after an error no new batch
// is started, the batches in flight finish, and the error is the first one. When every batch succeeds,
// applied is members itself.
func (c *Client) AddMembers(ctx context.Context, audienceKey string, members []Membership) (applied []Membership, err error) {
	return c.writeBatches(ctx, http.MethodPost, c.membersURL(audienceKey, nil), members)
}

// AddMembersCreatingAudience is AddMembers with Knock's create_audience=true: a static audience that
// does not exist yet is created by the first batch.
func (c *Client) AddMembersCreatingAudience(ctx context.Context, audienceKey string, members []Membership) (applied []Membership, err error) {
	return c.writeBatches(ctx, http.MethodPost, c.membersURL(audienceKey, url.Values{"create_audience": {"true"}}), members)
}

// RemoveMembers removes members from an audience like AddMembers adds them. Removing a membership the
// audience does not hold changes nothing.
func (c *Client) RemoveMembers(ctx context.Context, audienceKey string, members []Membership) (applied []Membership, err error) {
	return c.writeBatches(ctx, http.MethodDelete, c.membersURL(audienceKey, nil), members)
}

func (c *Client) writeBatches(ctx context.Context, method, target string, members []Membership) ([]Membership, error) {
	batches := Batches(members, MaxMembersPerRequest)
	succeeded := make([]bool, len(batches))
	var (
		mu       sync.Mutex
		firstErr error
		stopped  atomic.Bool // set by the first failure: no batch starts after it
	)
	next := make(chan int)
	var workers sync.WaitGroup
	for range min(c.writeConcurrency, len(batches)) {
		workers.Go(func() {
			for i := range next {
				if stopped.Load() {
					continue
				}
				err := c.writeBatch(ctx, method, target, batches[i])
				mu.Lock()
				if err == nil {
					succeeded[i] = true
				} else if firstErr == nil {
					firstErr = err
					stopped.Store(true)
				}
				mu.Unlock()
			}
		})
	}
	for i := range batches {
		if stopped.Load() || ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	workers.Wait()

	if !slices.Contains(succeeded, false) {
		return members, nil // the common case needs no copy: at a million members it would be 32 MB
	}
	applied := make([]Membership, 0, len(members))
	for i, batch := range batches {
		if succeeded[i] {
			applied = append(applied, batch...)
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("knock: %s %s: stopped: %w", method, pathOf(target), ctx.Err())
	}
	return applied, firstErr
}

func (c *Client) writeBatch(ctx context.Context, method, target string, batch []Membership) error {
	body, err := encodeMembers(batch)
	if err != nil {
		return fmt.Errorf("knock: encoding members: %w", err)
	}
	return c.do(ctx, method, target, body, nil)
}

// Batches splits members into consecutive slices of at most size elements, sharing members' array.
func Batches[T any](members []T, size int) [][]T {
	if size < 1 {
		size = 1
	}
	batches := make([][]T, 0, (len(members)+size-1)/size)
	for start := 0; start < len(members); start += size {
		end := min(start+size, len(members))
		batches = append(batches, members[start:end:end])
	}
	return batches
}

type pageInfo struct {
	After *string `json:"after"`
}

type listPage[T any] struct {
	Entries  []T      `json:"entries"`
	PageInfo pageInfo `json:"page_info"`
}

// listAll pages through an audience from the first page until page_info.after is null, handing each
// page's entries to visit.
func listAll[T any](ctx context.Context, c *Client, audienceKey string, visit func([]T) error) error {
	seen := map[string]bool{}
	query := url.Values{"page_size": {strconv.Itoa(MaxPageSize)}}
	for {
		var page listPage[T]
		if err := c.do(ctx, http.MethodGet, c.membersURL(audienceKey, query), nil, &page); err != nil {
			return err
		}
		if len(page.Entries) > MaxPageSize {
			return fmt.Errorf("knock: listing audience %q: a page held %d entries, more than the %d asked for", audienceKey, len(page.Entries), MaxPageSize)
		}
		if err := visit(page.Entries); err != nil {
			return err
		}
		if page.PageInfo.After == nil || *page.PageInfo.After == "" {
			return nil
		}
		cursor := *page.PageInfo.After
		if seen[cursor] {
			return fmt.Errorf("knock: listing audience %q: the API returned the cursor %q twice; stopping instead of looping", audienceKey, cursor)
		}
		seen[cursor] = true
		query.Set("after", cursor)
	}
}

// ListMembers returns every entry of the audience, with the user's standard properties.
func (c *Client) ListMembers(ctx context.Context, audienceKey string) ([]AudienceMember, error) {
	var all []AudienceMember
	err := listAll(ctx, c, audienceKey, func(entries []AudienceMember) error {
		all = append(all, entries...)
		return nil
	})
	return all, err
}

// membershipEntry decodes only what identifies a membership, skipping the user object.
type membershipEntry struct {
	UserID string  `json:"user_id"`
	Tenant *string `json:"tenant"`
}

// ListMemberships returns every (user, tenant) pair the audience holds.
func (c *Client) ListMemberships(ctx context.Context, audienceKey string) ([]Membership, error) {
	var all []Membership
	err := listAll(ctx, c, audienceKey, func(entries []membershipEntry) error {
		for _, e := range entries {
			if e.UserID == "" {
				return fmt.Errorf("knock: listing audience %q: an entry has no user_id", audienceKey)
			}
			all = append(all, membershipOf(e.UserID, e.Tenant))
		}
		return nil
	})
	return all, err
}
