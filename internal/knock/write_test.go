package knock_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestClient_addWithNoMembersSendsNothing(t *testing.T) {
	srv, client := startLocal(t)
	if added, err := client.AddMembers(context.Background(), "aud", nil); len(added) != 0 || err != nil {
		t.Fatalf("AddMembers(nil) = %d, %v", len(added), err)
	}
	if n := srv.Requests()[localknock.EndpointAdd]; n != 0 {
		t.Errorf("%d add requests for nothing to add", n)
	}
}

func TestClient_addCreatingAudience(t *testing.T) {
	srv, client := startLocal(t)
	if _, err := client.AddMembers(context.Background(), "new", memberships(1, "")); !knock.IsNotFound(err) {
		t.Fatalf("add to a missing audience: got %v, want 404", err)
	}
	if _, err := client.AddMembersCreatingAudience(context.Background(), "new", memberships(1500, "acme")); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Memberships("new")); n != 1500 {
		t.Errorf("created audience holds %d, want 1500", n)
	}
}

func TestClient_writePoolStaysWithinConcurrency(t *testing.T) {
	var inFlight, maxInFlight, requests atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer ts.Close()
	client, _ := knock.New(knock.Config{BaseURL: ts.URL, APIKey: testKey, WriteConcurrency: 3})
	added, err := client.AddMembers(context.Background(), "aud", memberships(9500, ""))
	if err != nil || len(added) != 9500 {
		t.Fatalf("AddMembers = %d, %v", len(added), err)
	}
	if requests.Load() != 10 {
		t.Errorf("requests = %d, want 10", requests.Load())
	}
	if got := maxInFlight.Load(); got > 3 || got < 2 {
		t.Errorf("max requests in flight = %d, want at most 3 (and more than one)", got)
	}
}

func TestClient_cancelStopsNewBatchesAndReportsWhatWasApplied(t *testing.T) {
	local := localknock.New(testKey)
	local.CreateAudience("aud")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The third add request cancels the run (as Ctrl-C would) and only then reaches the local API.
	var adds atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && adds.Add(1) == 3 {
			cancel()
			time.Sleep(50 * time.Millisecond)
		}
		local.ServeHTTP(w, r)
	}))
	defer ts.Close()
	client, _ := knock.New(knock.Config{BaseURL: ts.URL, APIKey: testKey, WriteConcurrency: 1})
	added, err := client.AddMembers(ctx, "aud", memberships(4000, ""))
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("got %v, want the cancellation", err)
	}
	// The third request may or may not reach the audience after the cancel: the client reports only
	// what it knows succeeded.
	if len(added) != 2000 {
		t.Errorf("added %d, want the 2000 of the two requests that finished", len(added))
	}
	if n := adds.Load(); n != 3 {
		t.Errorf("add requests = %d, want 3: no batch starts after the cancel", n)
	}
}

// TestClient_panicInAWriteWorkerIsAnError: the write workers are goroutines of the client, outside the
// recovery of the provider's RPCs: a panic there ended the plugin, and every operation of the run with it.
func TestClient_panicInAWriteWorkerIsAnError(t *testing.T) {
	panicking := &http.Client{Transport: roundTripper(func(*http.Request) (*http.Response, error) { panic("boom") })}
	client := newClient(t, knock.Config{HTTPClient: panicking, BaseURL: "https://api.knock.app"})
	applied, err := client.AddMembers(context.Background(), "aud", memberships(1500, ""))
	wantError(t, err, "panic: boom", "bug in the provider")
	var panicErr *knock.PanicError
	if !errors.As(err, &panicErr) || len(applied) != 0 {
		t.Errorf("got %d applied and %v, want none and a *knock.PanicError", len(applied), err)
	}
}

func TestBatches(t *testing.T) {
	for _, tc := range []struct{ n, size, want int }{{0, 1000, 0}, {1, 1000, 1}, {1000, 1000, 1}, {1001, 1000, 2}, {2600, 1000, 3}} {
		items := make([]int, tc.n)
		batches := knock.Batches(items, tc.size)
		total := 0
		for _, b := range batches {
			if len(b) > tc.size || len(b) == 0 {
				t.Errorf("n=%d: batch of %d", tc.n, len(b))
			}
			total += len(b)
		}
		if len(batches) != tc.want || total != tc.n {
			t.Errorf("n=%d: %d batches holding %d, want %d holding %d", tc.n, len(batches), total, tc.want, tc.n)
		}
	}
}
