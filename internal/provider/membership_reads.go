package provider

import (
	"context"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// Knock cannot look up one membership: knowing whether a user is a member means listing the whole
// audience, 50 entries a request. Asked once per knock_audience_member resource, N resources on an
// audience would cost N listings of it, and one write each. membershipReads is shared by all the
// knock_audience_member resources of a configured client so that they cost one listing per audience
// and one write per batch:
//   - reads of an audience share one listing: the first caller lists, callers arriving meanwhile wait
//     for its result, and callers within listingReuse of its start reuse it;
//   - adds (and removes) on an audience are collected until none has joined for a short quiet time,
//     then sent in one call, and each caller learns whether its own membership went through;
//   - successful writes update the shared listing, so that later reads see them.
//
// A shared request runs under the context of the caller that started it, which waits for it: Terraform
// cancels a run's calls together.

// listingReuse is how long one listing answers reads. Terraform configures a new client for each walk
// (plan, apply), so a listing never outlives the walk that made it.
const listingReuse = 30 * time.Second

// The write windows of new membershipReads: how long a batch waits for another write to join (Terraform
// starts the operations it runs in parallel, 10 by default, within a few milliseconds of each other),
// and how long it collects at most, however steadily writes join. Variables so that a test can widen them.
var (
	writeQuiet   = 20 * time.Millisecond
	writeMaxWait = 250 * time.Millisecond
)

// membershipReadsByClient maps a weak.Pointer[knock.Client] to its *membershipReads. The provider hands
// resources only the client it configured, so the shared state hangs off the client; the weak key
// lets a client and its state be collected together (the test binary configures one per command).
var membershipReadsByClient sync.Map

// membershipReadsFor returns the state shared by the resources using client. It must not keep client
// reachable, so its methods take the client from their callers.
func membershipReadsFor(client *knock.Client) *membershipReads {
	key := weak.Make(client)
	if reads, ok := membershipReadsByClient.Load(key); ok {
		return reads.(*membershipReads) //nolint:forcetypeassert // the map holds only *membershipReads
	}
	reads, loaded := membershipReadsByClient.LoadOrStore(key, newMembershipReads())
	if !loaded {
		runtime.AddCleanup(client, func(key weak.Pointer[knock.Client]) { membershipReadsByClient.Delete(key) }, key)
	}
	return reads.(*membershipReads) //nolint:forcetypeassert // the map holds only *membershipReads
}

type membershipReads struct {
	// now decides listing reuse, and the write windows decide batching; tests change them.
	now          func() time.Time
	writeQuiet   time.Duration
	writeMaxWait time.Duration

	mu        sync.Mutex
	audiences map[string]*audienceView
}

func newMembershipReads() *membershipReads {
	return &membershipReads{
		now: time.Now, writeQuiet: writeQuiet, writeMaxWait: writeMaxWait,
		audiences: map[string]*audienceView{},
	}
}

// audienceView is what the resources know of one audience.
type audienceView struct {
	held     map[knock.Membership]bool // the last listing plus our writes since; nil until listed
	listedAt time.Time
	listing  *listing // in flight
	// collecting holds the batch that new writes join, under true for adds and false for removes.
	collecting map[bool]*writeBatch
}

// record notes a write that Knock accepted.
func (v *audienceView) record(m knock.Membership, held bool) {
	if v.held != nil {
		setHeld(v.held, m, held)
	}
	if v.listing != nil {
		// The listing may have read that part of the audience before the write.
		v.listing.writesMeanwhile[m] = held
	}
}

func setHeld(held map[knock.Membership]bool, m knock.Membership, isHeld bool) {
	if isHeld {
		held[m] = true
	} else {
		delete(held, m)
	}
}

type listing struct {
	started         time.Time
	writesMeanwhile map[knock.Membership]bool
	done            chan struct{}
	held            map[knock.Membership]bool // set before done closes, with err
	err             error
}

type writeBatch struct {
	members    []knock.Membership
	opened     time.Time
	lastJoined time.Time
	done       chan struct{}
	applied    map[knock.Membership]bool // set before done closes, with err
	err        error
}

type sendFunc func(ctx context.Context, audienceKey string, members []knock.Membership) (applied []knock.Membership, err error)

func (r *membershipReads) view(audienceKey string) *audienceView {
	v := r.audiences[audienceKey]
	if v == nil {
		v = &audienceView{collecting: map[bool]*writeBatch{}}
		r.audiences[audienceKey] = v
	}
	return v
}

// holds reports whether the audience holds the membership, from a listing shared with the other callers.
func (r *membershipReads) holds(ctx context.Context, client *knock.Client, audienceKey string, m knock.Membership) (bool, error) {
	r.mu.Lock()
	view := r.view(audienceKey)
	if view.held != nil && r.now().Sub(view.listedAt) < listingReuse {
		defer r.mu.Unlock()
		return view.held[m], nil
	}
	current := view.listing
	if current == nil {
		current = &listing{started: r.now(), writesMeanwhile: map[knock.Membership]bool{}, done: make(chan struct{})}
		view.listing = current
		r.mu.Unlock()
		r.list(ctx, client, audienceKey, view, current)
	} else {
		r.mu.Unlock()
		select {
		case <-current.done:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	if current.err != nil {
		return false, current.err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return current.held[m], nil
}

func (r *membershipReads) list(ctx context.Context, client *knock.Client, audienceKey string, view *audienceView, l *listing) {
	memberships, err := client.ListMemberships(ctx, audienceKey)
	r.mu.Lock()
	view.listing = nil
	l.err = err
	if err == nil {
		l.held = make(map[knock.Membership]bool, len(memberships))
		for _, m := range memberships {
			l.held[m] = true
		}
		for m, held := range l.writesMeanwhile {
			setHeld(l.held, m, held)
		}
		view.held, view.listedAt = l.held, l.started
	}
	r.mu.Unlock()
	close(l.done)
	fields := map[string]any{"audience_key": audienceKey, "memberships": len(memberships)}
	if err != nil {
		fields["error"] = err.Error()
	}
	tflog.Debug(ctx, "Listed audience for knock_audience_member reads", fields)
}

// add adds the membership in a batch with the other adds to the audience that arrive meanwhile.
func (r *membershipReads) add(ctx context.Context, client *knock.Client, audienceKey string, m knock.Membership) error {
	return r.write(ctx, audienceKey, m, true, client.AddMembers)
}

// remove removes the membership in a batch with the other removes from the audience that arrive meanwhile.
func (r *membershipReads) remove(ctx context.Context, client *knock.Client, audienceKey string, m knock.Membership) error {
	return r.write(ctx, audienceKey, m, false, client.RemoveMembers)
}

// write joins the collecting batch for the audience and direction (adding or not), or opens one and
// sends it when it is complete. It returns the error of the request that carried m, if any.
func (r *membershipReads) write(ctx context.Context, audienceKey string, m knock.Membership, adding bool, send sendFunc) error {
	r.mu.Lock()
	view := r.view(audienceKey)
	batch := view.collecting[adding]
	opening := batch == nil
	if opening {
		batch = &writeBatch{opened: time.Now(), done: make(chan struct{})}
		view.collecting[adding] = batch
	}
	batch.members = append(batch.members, m)
	batch.lastJoined = time.Now()
	r.mu.Unlock()

	if opening {
		r.sendWhenComplete(ctx, audienceKey, view, adding, batch, send)
	}
	select {
	case <-batch.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if batch.applied[m] {
		return nil
	}
	return batch.err
}

func (r *membershipReads) sendWhenComplete(ctx context.Context, audienceKey string, view *audienceView, adding bool, batch *writeBatch, send sendFunc) {
	members, err := r.collect(ctx, view, adding, batch)
	var applied []knock.Membership
	if err == nil {
		applied, err = send(ctx, audienceKey, members)
		tflog.Debug(ctx, "Sent batched knock_audience_member writes", map[string]any{
			"audience_key": audienceKey, "adding": adding, "members": len(members), "applied": len(applied),
		})
	}
	r.mu.Lock()
	batch.applied = make(map[knock.Membership]bool, len(applied))
	for _, m := range applied {
		batch.applied[m] = true
		view.record(m, adding)
	}
	batch.err = err
	r.mu.Unlock()
	close(batch.done)
}

// collect waits until no write has joined the batch for r.writeQuiet, or the batch has been open for
// r.writeMaxWait, then closes it to newcomers and returns its members.
func (r *membershipReads) collect(ctx context.Context, view *audienceView, adding bool, batch *writeBatch) ([]knock.Membership, error) {
	for {
		r.mu.Lock()
		wait := min(r.writeQuiet-time.Since(batch.lastJoined), r.writeMaxWait-time.Since(batch.opened))
		if wait <= 0 || ctx.Err() != nil {
			delete(view.collecting, adding)
			r.mu.Unlock()
			return batch.members, ctx.Err()
		}
		r.mu.Unlock()
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
}
