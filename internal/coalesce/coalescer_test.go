package coalesce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

const testAPIKey = "sk_test_coalescer"

// newCoalescerTest returns a local API and a Coalescer of a client of it, with the given write windows
// and clock.
func newCoalescerTest(t *testing.T, writeConcurrency int, windows Windows, now func() time.Time) (*localknock.Server, *Coalescer) {
	t.Helper()
	srv := localknock.StartForTest(t, testAPIKey)
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testAPIKey, WriteConcurrency: writeConcurrency})
	if err != nil {
		t.Fatal(err)
	}
	return srv, New(client, windows, now)
}

// testWindows are write windows long enough for every goroutine of a test to join a batch, however
// loaded the machine.
func testWindows() Windows {
	return Windows{Quiet: 300 * time.Millisecond, Lull: DefaultLull, MaxWait: time.Minute}
}

// concurrently runs f(i) for i in [0, n) at once and returns their errors by i.
func concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func expectCounts(t *testing.T, srv *localknock.Server, add, remove, list int) {
	t.Helper()
	got := srv.Requests()
	if got[localknock.EndpointAdd] != add || got[localknock.EndpointRemove] != remove || got[localknock.EndpointList] != list {
		t.Fatalf("requests: got %v, want add:%d remove:%d list:%d", got, add, remove, list)
	}
}

func userID(i int) string { return fmt.Sprintf("user-%04d", i) }

func user(i int) changeset.Membership { return changeset.Membership{UserID: userID(i)} }

func TestCoalescer_concurrentReadsShareOneListing(t *testing.T) {
	clock := time.Now()
	srv, coalescer := newCoalescerTest(t, 0, testWindows(), func() time.Time { return clock })
	for i := range 120 {
		srv.AddMemberships("aud", localknock.Membership{UserID: userID(i)})
	}
	// The first page answers late, so that every reader arrives while the listing is in flight.
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{Delay: 300 * time.Millisecond})
	ctx := context.Background()

	live := make([]bool, 30)
	errs := concurrently(30, func(i int) (err error) {
		live[i], err = coalescer.Holds(ctx, "aud", user(i*5)) // users 0..145: the first 24 are members
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		if want := i*5 < 120; live[i] != want {
			t.Errorf("holds(%s) = %v, want %v", userID(i*5), live[i], want)
		}
	}
	expectCounts(t, srv, 0, 0, 3) // one listing: 3 pages of at most 50

	clock = clock.Add(listingReuse - time.Second)
	if _, err := coalescer.Holds(ctx, "aud", user(1)); err != nil {
		t.Fatal(err)
	}
	expectCounts(t, srv, 0, 0, 3)

	clock = clock.Add(time.Second)
	if _, err := coalescer.Holds(ctx, "aud", user(1)); err != nil {
		t.Fatal(err)
	}
	expectCounts(t, srv, 0, 0, 6)
}

func TestCoalescer_failedListingIsNotReused(t *testing.T) {
	srv, coalescer := newCoalescerTest(t, 0, testWindows(), time.Now)
	srv.AddMemberships("aud", localknock.Membership{UserID: userID(1)})
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{Status: 400})
	ctx := context.Background()

	if _, err := coalescer.Holds(ctx, "aud", user(1)); knockhttp.StatusCode(err) != 400 {
		t.Fatalf("first read: got %v, want the HTTP 400", err)
	}
	if live, err := coalescer.Holds(ctx, "aud", user(1)); err != nil || !live {
		t.Fatalf("second read: got %v, %v, want true, nil", live, err)
	}
	expectCounts(t, srv, 0, 0, 2)
}

// A missing audience is an answer about the audience, not a failed read: the plans of many
// knock_audience_member on it share it as they share a listing.
func TestCoalescer_missingAudienceIsReused(t *testing.T) {
	srv, coalescer := newCoalescerTest(t, 0, testWindows(), time.Now)
	ctx := context.Background()
	for range 3 {
		if _, err := coalescer.Holds(ctx, "missing", user(1)); !knock.IsNotFound(err) {
			t.Fatalf("read: got %v, want Knock's not found", err)
		}
	}
	expectCounts(t, srv, 0, 0, 1)
}

func TestCoalescer_batchesWritesAndRecordsThem(t *testing.T) {
	srv, coalescer := newCoalescerTest(t, 0, testWindows(), time.Now)
	srv.AddMemberships("aud", localknock.Membership{UserID: "bystander"})
	ctx := context.Background()
	if _, err := coalescer.Holds(ctx, "aud", user(0)); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()

	for _, err := range concurrently(25, func(i int) error { return coalescer.Add(ctx, "aud", user(i)) }) {
		if err != nil {
			t.Fatal(err)
		}
	}
	expectCounts(t, srv, 1, 0, 0)
	if len(srv.Memberships("aud")) != 26 {
		t.Fatalf("audience holds %d memberships, want the bystander and 25 users", len(srv.Memberships("aud")))
	}

	for _, err := range concurrently(20, func(i int) error { return coalescer.Remove(ctx, "aud", user(i)) }) {
		if err != nil {
			t.Fatal(err)
		}
	}
	expectCounts(t, srv, 1, 1, 0)

	// The shared listing learnt both batches: no new listing, and the right answers.
	for i, want := range map[int]bool{0: false, 19: false, 20: true, 24: true} {
		if live, err := coalescer.Holds(ctx, "aud", user(i)); err != nil || live != want {
			t.Errorf("holds(%s) = %v, %v; want %v", userID(i), live, err, want)
		}
	}
	expectCounts(t, srv, 1, 1, 0)
}

// TestCoalescer_eachWriterGetsItsOwnResult: a batch of 1,500 goes out in two requests and the
// second fails: the 1,000 writers of the first succeed, the other 500 get the error.
func TestCoalescer_eachWriterGetsItsOwnResult(t *testing.T) {
	srv, coalescer := newCoalescerTest(t, 1, testWindows(), time.Now)
	srv.CreateAudience("aud")
	srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{}, localknock.Fault{Status: 400})

	errs := concurrently(1500, func(i int) error { return coalescer.Add(context.Background(), "aud", user(i)) })
	live := map[localknock.Membership]bool{}
	for _, m := range srv.Memberships("aud") {
		live[m] = true
	}
	failed := 0
	for i, err := range errs {
		switch {
		case err == nil && !live[localknock.Membership{UserID: userID(i)}]:
			t.Fatalf("%s: no error, but the audience does not hold it", userID(i))
		case err != nil && knockhttp.StatusCode(err) != 400:
			t.Fatalf("%s: got %v, want the HTTP 400", userID(i), err)
		case err != nil:
			failed++
		}
	}
	if failed != 500 || len(live) != 1000 {
		t.Fatalf("%d writers failed and the audience holds %d; want 500 and 1000", failed, len(live))
	}
	expectCounts(t, srv, 2, 0, 0)
}

// TestCoalescer_writeDuringListing: a membership removed while a listing is in flight, after the
// listing read its page, is not reported as live.
func TestCoalescer_writeDuringListing(t *testing.T) {
	windows := testWindows()
	windows.Quiet = time.Millisecond // the remove must land well within the delay
	srv, coalescer := newCoalescerTest(t, 0, windows, time.Now)
	for i := range 60 {
		srv.AddMemberships("aud", localknock.Membership{UserID: userID(i)})
	}
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{}, localknock.Fault{Delay: time.Second})
	ctx := context.Background()

	type answer struct {
		live bool
		err  error
	}
	listed := make(chan answer)
	go func() {
		live, err := coalescer.Holds(ctx, "aud", user(0))
		listed <- answer{live, err}
	}()
	for srv.Requests()[localknock.EndpointList] < 2 {
		time.Sleep(time.Millisecond) // the first page, which holds user-0000, has been read
	}
	if err := coalescer.Remove(ctx, "aud", user(0)); err != nil {
		t.Fatal(err)
	}
	if got := <-listed; got.err != nil || got.live {
		t.Fatalf("holds(user-0000) = %v, %v; want false, nil", got.live, got.err)
	}
}

// TestCoalescer_addsWaitForAnnouncedCreates: Terraform starts the creates of a wave one after another,
// each planned (announced) right before it is applied. Adds that join far apart, each after the quiet
// time, still go out in one request while announced adds are on the way; a withdrawn announcement (the
// membership existed) stops the wait.
func TestCoalescer_addsWaitForAnnouncedCreates(t *testing.T) {
	windows := testWindows()
	windows.Quiet = 20 * time.Millisecond // the default; the maximum wait stays a minute
	srv, coalescer := newCoalescerTest(t, 0, windows, time.Now)
	srv.CreateAudience("aud")
	ctx := context.Background()
	for i := range 4 {
		coalescer.Expect("aud", user(i))
	}
	start := time.Now()
	errs := concurrently(4, func(i int) error {
		time.Sleep(time.Duration(i) * 100 * time.Millisecond) // 5 times the quiet time apart
		if i == 3 {
			coalescer.Withdraw("aud", user(i))
			return nil
		}
		return coalescer.Add(ctx, "aud", user(i))
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	expectCounts(t, srv, 1, 0, 0)
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("the batch waited %s: the withdrawn announcement should have ended the wait", elapsed)
	}
	if len(srv.Memberships("aud")) != 3 {
		t.Fatalf("audience holds %d memberships, want 3", len(srv.Memberships("aud")))
	}
}

// TestCoalescer_laterWavesWaitToReachTheLargestBatch: after a wave of 4 adds went out together, the adds
// of the next wave arrive 50 ms apart (Terraform starting operations on a loaded machine, with no
// announcement): more than the quiet time, less than the lull, so they still share one request.
func TestCoalescer_laterWavesWaitToReachTheLargestBatch(t *testing.T) {
	windows := testWindows()
	windows.Quiet, windows.Lull = 20*time.Millisecond, 200*time.Millisecond // the maximum wait stays a minute
	srv, coalescer := newCoalescerTest(t, 0, windows, time.Now)
	srv.CreateAudience("aud")
	ctx := context.Background()
	for _, err := range concurrently(4, func(i int) error { return coalescer.Add(ctx, "aud", user(i)) }) {
		if err != nil {
			t.Fatal(err)
		}
	}
	expectCounts(t, srv, 1, 0, 0)
	for _, err := range concurrently(4, func(i int) error {
		time.Sleep(time.Duration(i) * 50 * time.Millisecond)
		return coalescer.Add(ctx, "aud", user(10+i))
	}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	expectCounts(t, srv, 2, 0, 0)
}

// TestCoalescer_oneWaiterLeavingFailsNoOther: the caller that started a shared listing or batch may stop
// waiting (its context cancelled: a timeout, a failed dependency); the others still get the result, since
// the shared request does not run under its context.
func TestCoalescer_oneWaiterLeavingFailsNoOther(t *testing.T) {
	windows := testWindows()
	windows.Quiet = 50 * time.Millisecond
	srv, coalescer := newCoalescerTest(t, 0, windows, time.Now)
	srv.AddMemberships("aud", localknock.Membership{UserID: "bystander"})
	// Both the listing and the add answer late, so that the first caller leaves while each is in flight.
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{Delay: 300 * time.Millisecond})
	srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{Delay: 300 * time.Millisecond})

	both := func(first func(context.Context) error, second func() error) (firstErr, secondErr error) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- first(ctx) }()
		time.Sleep(20 * time.Millisecond) // the first caller starts the shared request
		go func() {
			time.Sleep(100 * time.Millisecond)
			cancel()
		}()
		secondErr = second()
		return <-done, secondErr
	}

	firstErr, secondErr := both(
		func(ctx context.Context) error { _, err := coalescer.Holds(ctx, "aud", user(1)); return err },
		func() error {
			live, err := coalescer.Holds(context.Background(), "aud", changeset.Membership{UserID: "bystander"})
			if err == nil && !live {
				err = fmt.Errorf("the bystander is not live")
			}
			return err
		})
	if !errors.Is(firstErr, context.Canceled) || secondErr != nil {
		t.Fatalf("listing: the first reader got %v (want context.Canceled), the second %v (want nil)", firstErr, secondErr)
	}

	firstErr, secondErr = both(
		func(ctx context.Context) error { return coalescer.Add(ctx, "aud", user(1)) },
		func() error { return coalescer.Add(context.Background(), "aud", user(2)) })
	if !errors.Is(firstErr, context.Canceled) || secondErr != nil {
		t.Fatalf("batch: the first writer got %v (want context.Canceled), the second %v (want nil)", firstErr, secondErr)
	}
	expectCounts(t, srv, 1, 0, 1)
	if len(srv.Memberships("aud")) != 3 {
		t.Errorf("audience holds %v, want the bystander and both users (one batch)", srv.Memberships("aud"))
	}
}

// TestCoalescer_panicInASharedCallIsAnError: a shared listing or batch runs in a goroutine of the
// Coalescer's, outside the recovery of the provider's RPCs: a panic there must reach its waiters as an
// error, not end the plugin.
func TestCoalescer_panicInASharedCallIsAnError(t *testing.T) {
	panicking := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { panic("boom") })}
	client, err := knock.New(knock.Config{BaseURL: "https://api.knock.app", APIKey: testAPIKey, HTTPClient: panicking})
	if err != nil {
		t.Fatal(err)
	}
	windows := DefaultWindows()
	windows.Quiet = time.Millisecond
	coalescer := New(client, windows, time.Now)
	var panicErr *knock.PanicError
	if _, err := coalescer.Holds(context.Background(), "aud", user(1)); !errors.As(err, &panicErr) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("listing: got %v, want the panic as a *knock.PanicError", err)
	}
	send := func(context.Context, string, []changeset.Membership) ([]changeset.Membership, error) { panic("boom") }
	if err := coalescer.write(context.Background(), "aud", user(1), true, send); !errors.As(err, &panicErr) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("batch: got %v, want the panic as a *knock.PanicError", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
