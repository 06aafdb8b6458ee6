package knock

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// AddMembers adds members to an audience in requests of at most MaxMembersPerRequest, sent by a
// bounded pool of workers. It returns the members whose requests succeeded; after an error no new batch
// is started, the batches in flight finish, and the error is the first one. When every batch succeeds,
// applied is members itself.
func (c *Client) AddMembers(ctx context.Context, audienceKey string, members []changeset.Membership) (applied []changeset.Membership, err error) {
	return c.writeBatches(ctx, http.MethodPost, audienceKey, nil, members)
}

// AddMembersCreatingAudience is AddMembers with Knock's create_audience=true: a static audience that
// does not exist yet is created by the first batch.
func (c *Client) AddMembersCreatingAudience(ctx context.Context, audienceKey string, members []changeset.Membership) (applied []changeset.Membership, err error) {
	return c.writeBatches(ctx, http.MethodPost, audienceKey, url.Values{"create_audience": {"true"}}, members)
}

// RemoveMembers removes members from an audience like AddMembers adds them. Removing a membership the
// audience does not hold changes nothing.
func (c *Client) RemoveMembers(ctx context.Context, audienceKey string, members []changeset.Membership) (applied []changeset.Membership, err error) {
	return c.writeBatches(ctx, http.MethodDelete, audienceKey, nil, members)
}

func (c *Client) writeBatches(ctx context.Context, method, audienceKey string, query url.Values, members []changeset.Membership) ([]changeset.Membership, error) {
	target, err := c.membersURL(audienceKey, query)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.transport.WithDeadline(ctx)
	defer cancel()
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
	applied := make([]changeset.Membership, 0, len(members))
	for i, batch := range batches {
		if succeeded[i] {
			applied = append(applied, batch...)
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("knock: %s %s: stopped: %w", method, knockhttp.PathOf(target), ctx.Err())
	}
	return applied, firstErr
}

// writeBatch runs in a write worker, so it recovers its own panics.
func (c *Client) writeBatch(ctx context.Context, method, target string, batch []changeset.Membership) (err error) {
	defer RecoverAsError(&err)
	body, err := encodeMembers(batch)
	if err != nil {
		return fmt.Errorf("knock: encoding members: %w", err)
	}
	return c.transport.Do(ctx, method, target, body, nil)
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

type memberRef struct {
	User   userRef `json:"user"`
	Tenant *string `json:"tenant,omitempty"`
}

// userRef carries the id only: any other property would upsert the user ("inline identify").
type userRef struct {
	ID string `json:"id"`
}

func encodeMembers(batch []changeset.Membership) ([]byte, error) {
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
