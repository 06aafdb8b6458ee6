// Package coalesce joins the calls of many knock_audience_member resources on one audience into few
// requests to Knock.
//
// Knock cannot look up one membership: knowing whether a user is a member means listing the whole
// audience, 50 entries a request. Asked once per knock_audience_member resource, N resources on an
// audience would cost N listings of it, and one write each. A Coalescer is shared by all the
// knock_audience_member resources of a configured provider so that they cost one listing per audience
// and one write per batch:
//   - reads of an audience share one listing: the first caller lists, callers arriving meanwhile wait
//     for its result, and callers within listingReuse of its start reuse it;
//   - adds (and removes) on an audience are collected until none has joined for a short quiet time,
//     then sent in one call, and each caller learns whether its own membership went through;
//   - a batch smaller than the largest one sent so far waits longer for the quiet time: Terraform is
//     still starting the operations of that wave, one after another, which a loaded machine slows;
//   - a create announces its add when it is planned (Expect): Terraform plans each resource again right
//     before applying it, so a batch of adds also waits for the announced adds that have not joined yet,
//     which keeps the batches as large as Terraform's parallelism however slowly it starts each create;
//   - successful writes update the shared listing, so that later reads see them.
//
// A shared request (a listing, a batch) runs in a goroutine of its own under a context of its own (see
// sharedCall), not under the context of the caller that started it: Terraform also ends calls one by one
// (a failed dependency, a caller's deadline), and one caller leaving must not fail the others.
package coalesce

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// listingReuse is how long one listing answers reads. Terraform configures the provider, and so makes a
// new Coalescer, for each walk (plan, apply), so a listing never outlives the walk that made it: a plan
// reads each audience once, as one snapshot, however long its refresh takes on a loaded machine. The
// limit only bounds how old a listing gets in a walk of very many resources.
const listingReuse = 10 * time.Minute

// Windows are the times a batch of writes collects for. Terraform starts the operations it runs in
// parallel, 10 by default, within a few milliseconds of each other.
type Windows struct {
	// Quiet is how long a batch waits for another write to join.
	Quiet time.Duration
	// Lull is how long it waits while it is smaller than the largest batch so far.
	Lull time.Duration
	// MaxWait is how long it collects at most, however steadily writes join.
	MaxWait time.Duration
}

// The windows of the provider (DefaultWindows).
const (
	DefaultQuiet   = 20 * time.Millisecond
	DefaultLull    = 250 * time.Millisecond
	DefaultMaxWait = time.Second
)

// DefaultWindows returns the windows of the provider: DefaultQuiet, DefaultLull and DefaultMaxWait.
func DefaultWindows() Windows {
	return Windows{Quiet: DefaultQuiet, Lull: DefaultLull, MaxWait: DefaultMaxWait}
}

// Coalescer joins the knock_audience_member resources' reads of an audience into one listing and their
// writes into batches.
type Coalescer struct {
	client *knock.Client
	// now decides listing reuse and, with the windows, batching.
	now     func() time.Time
	windows Windows

	mu        sync.Mutex
	audiences map[string]*audienceView
}

// New returns a Coalescer of client's calls, whose batches of writes collect for windows, by the clock
// now (time.Now outside tests).
func New(client *knock.Client, windows Windows, now func() time.Time) *Coalescer {
	return &Coalescer{client: client, now: now, windows: windows, audiences: map[string]*audienceView{}}
}

// audienceView is what the resources know of one audience.
type audienceView struct {
	live map[changeset.Membership]bool // the last listing plus our writes since; nil until listed
	// missing is the last listing's not-found error: the audience did not exist. Like a listing, and
	// unlike a failed read, it answers the reads after it.
	missing  error
	listedAt time.Time
	listing  *listing // in flight
	// collecting holds the batch that new writes join, under true for adds and false for removes.
	collecting map[bool]*writeBatch
	// expected are the adds announced and not yet joined or withdrawn, with when they were announced.
	expected     map[changeset.Membership]time.Time
	lastExpected time.Time
	// largest is the size of the largest batch sent, under true for adds and false for removes: about
	// Terraform's parallelism once a wave has gone out.
	largest map[bool]int
}

// awaited counts the announced adds that a batch still waits for: those announced within maxWait.
func (v *audienceView) awaited(now time.Time, maxWait time.Duration) int {
	n := 0
	for m, at := range v.expected {
		if now.Sub(at) < maxWait {
			n++
		} else {
			delete(v.expected, m) // its create failed or never ran: stop waiting for it
		}
	}
	return n
}

// record notes a write that Knock accepted: m is live after an add, gone after a remove.
func (v *audienceView) record(m changeset.Membership, live bool) {
	if v.live != nil {
		setLive(v.live, m, live)
	}
	if v.listing != nil {
		// The listing may have read that part of the audience before the write.
		v.listing.writesMeanwhile[m] = live
	}
}

func setLive(memberships map[changeset.Membership]bool, m changeset.Membership, live bool) {
	if live {
		memberships[m] = true
	} else {
		delete(memberships, m)
	}
}

// sharedCall is a request that several callers wait for. Its context keeps the first caller's values (the
// logger) but none of its cancellation or deadline; it is cancelled when the last caller stops waiting, so
// that the call lasts as long as its longest-waiting caller, and the client bounds it by its operation
// timeout, as every call without a deadline.
type sharedCall struct {
	ctx     context.Context
	cancel  context.CancelFunc
	waiters int // under the Coalescer's mu
	done    chan struct{}
}

func newSharedCall(ctx context.Context) sharedCall {
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return sharedCall{ctx: callCtx, cancel: cancel, done: make(chan struct{})}
}

// finish wakes the waiters; the call's results are set before.
func (c *sharedCall) finish() {
	close(c.done)
	c.cancel()
}

// wait waits for the call, or for ctx; the caller counted itself in waiters under r.mu. The last waiter
// to leave cancels the call: nobody would learn its result.
func (r *Coalescer) wait(ctx context.Context, call *sharedCall) error {
	select {
	case <-call.done:
		return nil
	case <-ctx.Done():
		r.mu.Lock()
		if call.waiters--; call.waiters == 0 {
			call.cancel()
		}
		r.mu.Unlock()
		return ctx.Err()
	}
}

type listing struct {
	sharedCall
	started         time.Time
	writesMeanwhile map[changeset.Membership]bool
	live            map[changeset.Membership]bool // set before done closes, with err
	err             error
}

type writeBatch struct {
	sharedCall
	members    []changeset.Membership
	opened     time.Time
	lastJoined time.Time
	// changed wakes the batch's sender when a member joins or an announced add is withdrawn.
	changed chan struct{}
	applied map[changeset.Membership]bool // set before done closes, with err
	err     error
}

type sendFunc func(ctx context.Context, audienceKey string, members []changeset.Membership) (applied []changeset.Membership, err error)

func (r *Coalescer) view(audienceKey string) *audienceView {
	v := r.audiences[audienceKey]
	if v == nil {
		v = &audienceView{collecting: map[bool]*writeBatch{}, expected: map[changeset.Membership]time.Time{}, largest: map[bool]int{}}
		r.audiences[audienceKey] = v
	}
	return v
}

// Holds reports whether the audience holds the membership, from a listing shared with the other callers.
func (r *Coalescer) Holds(ctx context.Context, audienceKey string, m changeset.Membership) (bool, error) {
	r.mu.Lock()
	view := r.view(audienceKey)
	if (view.live != nil || view.missing != nil) && r.now().Sub(view.listedAt) < listingReuse {
		defer r.mu.Unlock()
		return view.live[m], view.missing
	}
	current := view.listing
	// One whose callers all left is cancelled: a newcomer would get its "context canceled".
	if current == nil || current.ctx.Err() != nil {
		current = &listing{sharedCall: newSharedCall(ctx), started: r.now(), writesMeanwhile: map[changeset.Membership]bool{}}
		view.listing = current
		go r.list(audienceKey, view, current)
	}
	current.waiters++
	r.mu.Unlock()
	if err := r.wait(ctx, &current.sharedCall); err != nil {
		return false, err
	}
	if current.err != nil {
		return false, current.err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return current.live[m], nil
}

func (r *Coalescer) list(audienceKey string, view *audienceView, l *listing) {
	ctx := l.ctx
	memberships, err := recovering(ctx, audienceKey, nil, func(ctx context.Context, audienceKey string, _ []changeset.Membership) ([]changeset.Membership, error) {
		return r.client.ListMemberships(ctx, audienceKey)
	})
	r.mu.Lock()
	if view.listing == l {
		view.listing = nil
	}
	l.err = err
	if knock.IsNotFound(err) {
		view.live, view.missing, view.listedAt = nil, err, l.started
	}
	if err == nil {
		l.live = make(map[changeset.Membership]bool, len(memberships))
		for _, m := range memberships {
			l.live[m] = true
		}
		for m, live := range l.writesMeanwhile {
			setLive(l.live, m, live)
		}
		view.live, view.missing, view.listedAt = l.live, nil, l.started
	}
	r.mu.Unlock()
	l.finish()
	fields := map[string]any{"audience_key": audienceKey, "memberships": len(memberships)}
	if err != nil {
		fields["error"] = err.Error()
	}
	tflog.Debug(ctx, "Listed audience for knock_audience_member reads", fields)
}

// Expect announces that a create will add the membership soon: batches of adds to the audience wait for
// it (up to their maximum wait) instead of closing at the first quiet moment.
func (r *Coalescer) Expect(audienceKey string, m changeset.Membership) {
	r.mu.Lock()
	defer r.mu.Unlock()
	view := r.view(audienceKey)
	now := r.now()
	view.expected[m], view.lastExpected = now, now
}

// Withdraw cancels an announcement whose add will not come: the membership exists, or reading failed.
func (r *Coalescer) Withdraw(audienceKey string, m changeset.Membership) {
	r.mu.Lock()
	defer r.mu.Unlock()
	view := r.view(audienceKey)
	delete(view.expected, m)
	if batch := view.collecting[true]; batch != nil {
		batch.wake()
	}
}

// Add adds the membership in a batch with the other adds to the audience that arrive meanwhile.
func (r *Coalescer) Add(ctx context.Context, audienceKey string, m changeset.Membership) error {
	return r.write(ctx, audienceKey, m, true, r.client.AddMembers)
}

// Remove removes the membership in a batch with the other removes from the audience that arrive meanwhile.
func (r *Coalescer) Remove(ctx context.Context, audienceKey string, m changeset.Membership) error {
	return r.write(ctx, audienceKey, m, false, r.client.RemoveMembers)
}

// write joins the collecting batch for the audience and direction (adding or not), or opens one and
// sends it when it is complete. It returns the error of the request that carried m, if any.
func (r *Coalescer) write(ctx context.Context, audienceKey string, m changeset.Membership, adding bool, send sendFunc) error {
	r.mu.Lock()
	view := r.view(audienceKey)
	batch := view.collecting[adding]
	// As for listings: a batch whose writers all left is cancelled, even before its sender notices.
	if batch == nil || batch.ctx.Err() != nil {
		batch = &writeBatch{sharedCall: newSharedCall(ctx), opened: r.now(), changed: make(chan struct{}, 1)}
		view.collecting[adding] = batch
		go r.sendWhenComplete(audienceKey, view, adding, batch, send)
	}
	batch.members = append(batch.members, m)
	batch.waiters++
	batch.lastJoined = r.now()
	if adding {
		delete(view.expected, m)
	}
	batch.wake()
	r.mu.Unlock()

	if err := r.wait(ctx, &batch.sharedCall); err != nil {
		return err
	}
	if batch.applied[m] {
		return nil
	}
	return batch.err
}

func (r *Coalescer) sendWhenComplete(audienceKey string, view *audienceView, adding bool, batch *writeBatch, send sendFunc) {
	ctx := batch.ctx
	members, err := r.collect(ctx, view, adding, batch)
	var applied []changeset.Membership
	if err == nil {
		applied, err = recovering(ctx, audienceKey, members, send)
		tflog.Debug(ctx, "Sent batched knock_audience_member writes", map[string]any{
			"audience_key": audienceKey, "adding": adding, "members": len(members), "applied": len(applied),
		})
	}
	r.mu.Lock()
	batch.applied = make(map[changeset.Membership]bool, len(applied))
	for _, m := range applied {
		batch.applied[m] = true
		view.record(m, adding)
	}
	batch.err = err
	r.mu.Unlock()
	batch.finish()
}

// recovering calls the client from a goroutine of the Coalescer's, which no RPC's recovery covers: a panic
// becomes the call's error, which every waiter gets.
func recovering(ctx context.Context, audienceKey string, members []changeset.Membership, call sendFunc) (result []changeset.Membership, err error) {
	defer knock.RecoverAsError(&err)
	return call(ctx, audienceKey, members)
}

func (b *writeBatch) wake() {
	select {
	case b.changed <- struct{}{}:
	default:
	}
}

// collect waits until the batch is complete, then closes it to newcomers and returns its members.
// Complete is: open for the windows' MaxWait, or else no announced add still to join (adds only) and
// nothing joined or announced for their Quiet, or for their Lull while the batch is smaller than the largest.
func (r *Coalescer) collect(ctx context.Context, view *audienceView, adding bool, batch *writeBatch) ([]changeset.Membership, error) {
	for {
		r.mu.Lock()
		now := r.now()
		untilMax := r.windows.MaxWait - now.Sub(batch.opened)
		lastActivity := batch.lastJoined
		awaited := 0
		if adding {
			awaited = view.awaited(now, r.windows.MaxWait)
			if view.lastExpected.After(lastActivity) {
				lastActivity = view.lastExpected
			}
		}
		quiet := r.windows.Quiet
		if len(batch.members) < view.largest[adding] {
			quiet = max(quiet, r.windows.Lull)
		}
		wait := untilMax
		if awaited == 0 {
			wait = min(wait, quiet-now.Sub(lastActivity))
		}
		if wait <= 0 || ctx.Err() != nil {
			if view.collecting[adding] == batch {
				delete(view.collecting, adding)
			}
			view.largest[adding] = max(view.largest[adding], len(batch.members))
			r.mu.Unlock()
			return batch.members, ctx.Err()
		}
		r.mu.Unlock()
		select {
		case <-time.After(wait):
		case <-batch.changed:
		case <-ctx.Done():
		}
	}
}
