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
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// Config holds what a Client needs. APIKey is a secret key (sk_...) of one Knock environment.
type Config struct {
	BaseURL   string
	APIKey    string
	Branch    string
	UserAgent string
	// HTTPClient sends the requests; nil means a client of our own. Its Transport is the seam for
	// request logging, retries and rate limiting.
	HTTPClient *http.Client
}

// Client calls Knock's audience endpoints. It is safe for concurrent use.
type Client struct {
	baseURL   *url.URL
	apiKey    string
	branch    string
	userAgent string
	http      *http.Client
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
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("knock: base URL %q must be an absolute http(s) URL such as %s", raw, DefaultBaseURL)
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	userAgent := cfg.UserAgent
	if userAgent == "" {
		userAgent = "terraform-provider-knock"
	}
	return &Client{baseURL: base, apiKey: cfg.APIKey, branch: cfg.Branch, userAgent: userAgent, http: httpClient}, nil
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

// do sends one request and decodes a JSON answer into out (nil: the body is discarded). Every call to
// Knock goes through here.
func (c *Client) do(ctx context.Context, method, target string, body []byte, out any) error {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return fmt.Errorf("knock: building %s request: %w", method, err)
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
		return fmt.Errorf("knock: %s %s: %w", method, req.URL.Path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	requestID := resp.Header.Get(RequestIDHeader)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newAPIError(method, req.URL.Path, resp, requestID)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return &APIError{
			Method: method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: requestID,
			Message: fmt.Sprintf("the answer is not the JSON Knock sends (%s): %v", contentType(resp), err),
		}
	}
	return nil
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

// AddMembers adds members to an audience in requests of at most MaxMembersPerRequest, in order. It
// returns how many members were sent successfully before an error: members[:done] are in the audience.
func (c *Client) AddMembers(ctx context.Context, audienceKey string, members []Membership) (done int, err error) {
	return c.writeBatches(ctx, http.MethodPost, audienceKey, members)
}

// RemoveMembers removes members from an audience like AddMembers adds them. Removing a membership the
// audience does not hold changes nothing.
func (c *Client) RemoveMembers(ctx context.Context, audienceKey string, members []Membership) (done int, err error) {
	return c.writeBatches(ctx, http.MethodDelete, audienceKey, members)
}

func (c *Client) writeBatches(ctx context.Context, method, audienceKey string, members []Membership) (int, error) {
	target := c.membersURL(audienceKey, nil)
	done := 0
	for _, batch := range Batches(members, MaxMembersPerRequest) {
		body, err := encodeMembers(batch)
		if err != nil {
			return done, fmt.Errorf("knock: encoding members: %w", err)
		}
		if err := c.do(ctx, method, target, body, nil); err != nil {
			return done, err
		}
		done += len(batch)
	}
	return done, nil
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
