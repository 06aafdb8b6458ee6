package knock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// ListMemberships returns every (user, tenant) pair the audience holds, once each, sorted by user id,
// then tenant.
func (c *Client) ListMemberships(ctx context.Context, audienceKey string) ([]changeset.Membership, error) {
	var all []changeset.Membership
	err := listAll(ctx, c, audienceKey, func(entries []membershipEntry) error {
		for _, e := range entries {
			all = append(all, e.Membership())
		}
		return nil
	})
	changeset.SortMemberships(all)
	return slices.Compact(all), err
}

// ListMembers returns every membership of the audience once, with the user's standard properties,
// sorted by user id, then tenant. A listing can repeat an entry (a page boundary that moves while
// members are added or removed); counted twice it would be a membership Terraform never converges on.
func (c *Client) ListMembers(ctx context.Context, audienceKey string) ([]AudienceMember, error) {
	var all []AudienceMember
	err := listAll(ctx, c, audienceKey, func(entries []AudienceMember) error {
		all = append(all, entries...)
		return nil
	})
	slices.SortStableFunc(all, func(a, b AudienceMember) int { return changeset.CompareMemberships(a.Membership(), b.Membership()) })
	return slices.CompactFunc(all, func(a, b AudienceMember) bool { return a.Membership() == b.Membership() }), err
}

// membershipEntry decodes only what identifies a membership, skipping the user object.
type membershipEntry struct {
	UserID string  `json:"user_id"`
	Tenant *string `json:"tenant"`
}

// Membership returns the (user, tenant) pair of e.
func (e membershipEntry) Membership() changeset.Membership { return membershipOf(e.UserID, e.Tenant) }

// listed is what a listing decodes each entry into: all of it, or only its membership.
type listed interface {
	Membership() changeset.Membership
}

// listAll pages through an audience from the first page until page_info.after is null, handing each
// page's entries to visit. It stops at the client's bounds on pages and entries, so that an API that
// never ends a listing cannot exhaust memory or run until the deadline, and refuses an entry that names
// no membership.
func listAll[T listed](ctx context.Context, c *Client, audienceKey string, visit func([]T) error) error {
	ctx, cancel := c.transport.WithDeadline(ctx)
	defer cancel()
	var cursors knockhttp.Cursors
	query := url.Values{"page_size": {strconv.Itoa(MaxPageSize)}}
	entries := 0
	for pages := 1; ; pages++ {
		if pages > c.maxListPages {
			return fmt.Errorf("knock: listing audience %q: the API returned more than %s pages, the most the client reads of one listing; stopping", audienceKey, thousands(c.maxListPages))
		}
		target, err := c.membersURL(audienceKey, query)
		if err != nil {
			return err
		}
		page := listPage[T]{maxEntryBytes: c.maxEntryBytes}
		if err := c.transport.Do(ctx, http.MethodGet, target, nil, &page); err != nil {
			return err
		}
		if entries += len(page.Entries); entries > c.maxListEntries {
			return fmt.Errorf("knock: listing audience %q: the API returned more than %s entries, the most the client reads of one listing; stopping", audienceKey, thousands(c.maxListEntries))
		}
		decoded := make([]T, len(page.Entries))
		for i, entry := range page.Entries {
			if entry.err != nil {
				return fmt.Errorf("knock: listing audience %q: entry %d of page %d is not an audience member: %v", audienceKey, i+1, pages, entry.err)
			}
			if problem := listedProblem(entry.value.Membership()); problem != "" {
				return fmt.Errorf("knock: listing audience %q: entry %d of page %d %s, so the answer is not a page of Knock's list endpoint", audienceKey, i+1, pages, problem)
			}
			decoded[i] = entry.value
		}
		if err := visit(decoded); err != nil {
			return err
		}
		if page.PageInfo.After == nil || *page.PageInfo.After == "" {
			return nil
		}
		cursor := *page.PageInfo.After
		if cursors.Repeated(cursor) {
			return fmt.Errorf("knock: listing audience %q: the API returned the cursor %q twice; stopping instead of looping", audienceKey, c.transport.Redact(cursor))
		}
		query.Set("after", cursor)
	}
}

// listedProblem says what is wrong with a listed membership, as the end of a sentence, or "" when
// nothing is: a missing user id would be a member whose id is "", and ids longer than any id a
// configuration may hold are kept for the whole listing.
func listedProblem(m changeset.Membership) string {
	switch {
	case m.UserID == "":
		return "has no user_id"
	case utf8.RuneCountInString(m.UserID) > MaxIDLength:
		return fmt.Sprintf("has a user_id of %d characters, more than %d", utf8.RuneCountInString(m.UserID), MaxIDLength)
	case utf8.RuneCountInString(m.Tenant) > MaxIDLength:
		return fmt.Sprintf("has a tenant of %d characters, more than %d", utf8.RuneCountInString(m.Tenant), MaxIDLength)
	}
	return ""
}

type pageInfo struct {
	After *string `json:"after"`
}

// listPage is one answer of the list endpoint. Each entry is decoded into T as the page is, and its size
// kept, so that it can be bounded without a copy of it: at a million members the copies were most of what
// a listing allocated.
type listPage[T any] struct {
	Entries  []listEntry[T] `json:"entries"`
	PageInfo *pageInfo      `json:"page_info"`
	// maxEntryBytes is the client's bound on one entry, for CheckAnswer.
	maxEntryBytes int
}

// listEntry is one entry of a page: its value, its size in the answer, and why it is not a T, which the
// listing reports with the entry's place.
type listEntry[T any] struct {
	value T
	size  int
	err   error
}

// UnmarshalJSON keeps the entry's size and decodes it into value; an entry that is not a T is kept as
// err, for the listing to report with its place, rather than failing the whole page.
func (e *listEntry[T]) UnmarshalJSON(data []byte) error {
	e.size = len(data)
	e.err = json.Unmarshal(data, &e.value)
	return nil
}

// CheckAnswer refuses an answer that is not a page: a 200 with {} or null is a proxy or a wrong base
// URL, not an empty audience, which would make Terraform remove every member from state.
func (p *listPage[T]) CheckAnswer() error {
	switch {
	case p.Entries == nil:
		return errors.New("the answer has no entries list, so it is not a page of Knock's list endpoint (check the base URL)")
	case p.PageInfo == nil:
		return errors.New("the answer has no page_info, so it is not a page of Knock's list endpoint (check the base URL)")
	case len(p.Entries) > MaxPageSize:
		return fmt.Errorf("a page held %d entries, more than the %d asked for", len(p.Entries), MaxPageSize)
	case p.PageInfo.After != nil && len(*p.PageInfo.After) > MaxCursorBytes:
		return fmt.Errorf("page_info.after is a cursor of %d bytes, more than %d, the most the client keeps of one; Knock's are tens of bytes",
			len(*p.PageInfo.After), MaxCursorBytes)
	}
	for i, entry := range p.Entries {
		if entry.size > p.maxEntryBytes {
			return fmt.Errorf("entry %d of the page is larger than %d bytes, the most the client reads of one entry", i+1, p.maxEntryBytes)
		}
	}
	return nil
}

func (c *Client) membersURL(audienceKey string, query url.Values) (string, error) {
	// The last line behind the callers' validation.
	if audienceKey == "" || knockhttp.DotSegment(audienceKey) {
		return "", fmt.Errorf("knock: the audience key %q cannot be sent as one segment of a URL path", audienceKey)
	}
	return c.transport.URL(query, "v1", "audiences", audienceKey, "members"), nil
}

// thousands writes 2000000 as 2,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
