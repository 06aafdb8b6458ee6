package knockmgmt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// DevelopmentEnvironment is the only environment whose content has branches.
const DevelopmentEnvironment = "development"

// Location is where audiences are read and written: an environment by its slug and, only in the
// development environment, a branch ("" for the environment itself).
type Location struct {
	Environment string
	Branch      string
}

// query is the environment, and the branch when there is one.
func (l Location) query() (url.Values, error) {
	if l.Environment == "" {
		return nil, errors.New("knock management API: an environment is required")
	}
	q := url.Values{"environment": {l.Environment}}
	if l.Branch != "" {
		if l.Environment != DevelopmentEnvironment {
			return nil, fmt.Errorf("knock management API: branch %q is given with environment %q, but only the %s environment has branches",
				l.Branch, l.Environment, DevelopmentEnvironment)
		}
		q.Set("branch", l.Branch)
	}
	return q, nil
}

// WriteOptions are the query parameters of an upsert or a validation: Force bypasses the
// development-only check, Commit commits the change at once with CommitMessage (sent only with Commit).
type WriteOptions struct {
	Force         bool
	Commit        bool
	CommitMessage string
}

func (o WriteOptions) addTo(q url.Values) {
	if o.Force {
		q.Set("force", "true")
	}
	if o.Commit {
		q.Set("commit", "true")
		if o.CommitMessage != "" {
			q.Set("commit_message", o.CommitMessage)
		}
	}
}

// audienceURL is the address of one audience, with extra path segments (validate).
func (c *Client) audienceURL(query url.Values, key string, extra ...string) (string, error) {
	// The last line behind the callers' validation: "." and ".." would reach another path.
	if key == "" || knockhttp.DotSegment(key) {
		return "", fmt.Errorf("knock management API: the audience key %q cannot be sent as one segment of a URL path", key)
	}
	return c.transport.URL(query, append([]string{"v1", "audiences", key}, extra...)...), nil
}

// GetAudience reads one audience, with its uncommitted changes. An unknown audience is an error for
// which IsNotFound is true.
func (c *Client) GetAudience(ctx context.Context, loc Location, key string) (Audience, error) {
	query, err := loc.query()
	if err != nil {
		return Audience{}, err
	}
	target, err := c.audienceURL(query, key)
	if err != nil {
		return Audience{}, err
	}
	ctx, cancel := c.transport.WithDeadline(ctx)
	defer cancel()
	var a Audience
	if err := c.transport.Do(ctx, http.MethodGet, target, nil, &a); err != nil {
		return Audience{}, err
	}
	return a, nil
}

// upserted is the answer of an upsert: {"audience": Audience}.
type upserted struct {
	Audience *Audience `json:"audience"`
}

// CheckAnswer refuses an answer without an audience.
func (u *upserted) CheckAnswer() error {
	if u.Audience == nil {
		return errors.New(`the answer has no "audience", so it is not Knock's Management API (check management_base_url)`)
	}
	return u.Audience.CheckAnswer()
}

// UpsertAudience creates the audience key or replaces its definition, and returns it as saved.
func (c *Client) UpsertAudience(ctx context.Context, loc Location, key string, def Definition, opts WriteOptions) (Audience, error) {
	var answer upserted
	if err := c.put(ctx, loc, key, def, opts, &answer); err != nil {
		return Audience{}, err
	}
	return *answer.Audience, nil
}

// ValidateAudience asks whether UpsertAudience with the same arguments would succeed, saving nothing.
// A refusal is an *knockhttp.APIError with Knock's field errors.
func (c *Client) ValidateAudience(ctx context.Context, loc Location, key string, def Definition, opts WriteOptions) error {
	return c.put(ctx, loc, key, def, opts, nil, "validate")
}

func (c *Client) put(ctx context.Context, loc Location, key string, def Definition, opts WriteOptions, out any, extra ...string) error {
	query, err := loc.query()
	if err != nil {
		return err
	}
	opts.addTo(query)
	target, err := c.audienceURL(query, key, extra...)
	if err != nil {
		return err
	}
	body, err := def.body()
	if err != nil {
		return fmt.Errorf("knock management API: encoding audience %q: %w", key, err)
	}
	ctx, cancel := c.transport.WithDeadline(ctx)
	defer cancel()
	return c.transport.Do(ctx, http.MethodPut, target, body, out)
}

// ArchiveAudience archives the audience key. Knock archives it in every environment, not only the one
// named, which the request must still name.
func (c *Client) ArchiveAudience(ctx context.Context, environment, key string) error {
	query, err := Location{Environment: environment}.query()
	if err != nil {
		return err
	}
	target, err := c.audienceURL(query, key)
	if err != nil {
		return err
	}
	ctx, cancel := c.transport.WithDeadline(ctx)
	defer cancel()
	return c.transport.Do(ctx, http.MethodDelete, target, nil, nil)
}

// page is one answer of the list endpoint.
type page struct {
	Entries  []Audience `json:"entries"`
	PageInfo *struct {
		After *string `json:"after"`
	} `json:"page_info"`
}

// CheckAnswer refuses an answer that is not a page, which read as an empty list would hide every
// audience, and a cursor larger than the listing keeps.
func (p *page) CheckAnswer() error {
	switch {
	case p.Entries == nil:
		return errors.New("the answer has no entries list, so it is not a page of the Management API's list endpoint (check management_base_url)")
	case p.PageInfo == nil:
		return errors.New("the answer has no page_info, so it is not a page of the Management API's list endpoint (check management_base_url)")
	case p.PageInfo.After != nil && len(*p.PageInfo.After) > MaxCursorBytes:
		return fmt.Errorf("page_info.after is a cursor of %d bytes, more than %d, the most the client keeps of one", len(*p.PageInfo.After), MaxCursorBytes)
	}
	for i := range p.Entries {
		if err := p.Entries[i].CheckAnswer(); err != nil {
			return fmt.Errorf("entry %d of the page: %w", i+1, err)
		}
	}
	return nil
}

// ListAudiences hands every audience of the location to each, page by page (limit and after), until
// page_info.after is null or each returns an error, which ListAudiences returns. It stops at the
// client's bounds on pages and entries, and when a cursor comes back, instead of looping.
func (c *Client) ListAudiences(ctx context.Context, loc Location, each func(Audience) error) error {
	query, err := loc.query()
	if err != nil {
		return err
	}
	query.Set("limit", strconv.Itoa(PageSize))
	ctx, cancel := c.transport.WithDeadline(ctx)
	defer cancel()
	var cursors knockhttp.Cursors
	entries := 0
	for pages := 1; ; pages++ {
		if pages > c.maxListPages {
			return fmt.Errorf("knock management API: listing audiences: the API returned more than %d pages, the most the client reads of one listing; stopping", c.maxListPages)
		}
		var p page
		if err := c.transport.Do(ctx, http.MethodGet, c.transport.URL(query, "v1", "audiences"), nil, &p); err != nil {
			return err
		}
		if entries += len(p.Entries); entries > c.maxListEntries {
			return fmt.Errorf("knock management API: listing audiences: the API returned more than %d audiences, the most the client reads of one listing; stopping", c.maxListEntries)
		}
		for _, a := range p.Entries {
			if err := each(a); err != nil {
				return err
			}
		}
		if p.PageInfo.After == nil || *p.PageInfo.After == "" {
			return nil
		}
		cursor := *p.PageInfo.After
		if cursors.Repeated(cursor) {
			return fmt.Errorf("knock management API: listing audiences: the API returned the cursor %q twice; stopping instead of looping", c.transport.Redact(cursor))
		}
		query.Set("after", cursor)
	}
}
