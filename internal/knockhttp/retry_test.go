package knockhttp_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// fault is one scripted failure: a status with its Retry-After headers, or a dropped connection.
type fault struct {
	status       int
	retryAfterMs string
	retryAfter   string
	drop         bool
}

// faultyServer answers with faults in turn, then with 204, and counts the requests.
func faultyServer(t *testing.T, faults ...fault) (string, *atomic.Int32) {
	t.Helper()
	var next atomic.Int32
	ts, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		i := int(next.Add(1)) - 1
		if i >= len(faults) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		f := faults[i]
		if f.drop {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		if f.retryAfterMs != "" {
			w.Header().Set("Retry-After-Ms", f.retryAfterMs)
		}
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.status)
	})
	return ts.URL, requests
}

// retryingClient allows 3 retries and counts the retries it reports.
func retryingClient(t *testing.T, baseURL string) (*knockhttp.Client, *atomic.Int32) {
	t.Helper()
	var retries atomic.Int32
	client := newClient(t, knockhttp.Config{
		BaseURL: baseURL, MaxRetries: 3,
		OnRetry: func(_ context.Context, r knockhttp.Retry) {
			if r.Attempt < 1 || r.Wait < 0 || r.Err == nil || r.Path != "/v1/things" {
				t.Errorf("OnRetry got %+v", r)
			}
			retries.Add(1)
		},
	})
	return client, &retries
}

func TestClient_retriesWhatKnocksSDKsRetry(t *testing.T) {
	tests := map[string]struct {
		faults       []fault
		wantErr      string
		wantRequests int
	}{
		"429 with Retry-After-Ms": {[]fault{{status: 429, retryAfterMs: "10"}}, "", 2},
		"429 with Retry-After":    {[]fault{{status: 429, retryAfter: "0"}}, "", 2},
		"503 then 500":            {[]fault{{status: 503, retryAfterMs: "1"}, {status: 500, retryAfterMs: "1"}}, "", 3},
		"dropped connection":      {[]fault{{drop: true}}, "", 2},
		"408 and 409":             {[]fault{{status: 408, retryAfterMs: "1"}, {status: 409, retryAfterMs: "1"}}, "", 3},
		"400 is not retried":      {[]fault{{status: 400}}, "HTTP 400", 1},
		"budget runs out":         {[]fault{{status: 503, retryAfterMs: "1"}, {status: 503, retryAfterMs: "1"}, {status: 503, retryAfterMs: "1"}, {status: 503, retryAfterMs: "1"}}, "gave up after 4 attempts", 4},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			baseURL, requests := faultyServer(t, tc.faults...)
			client, retries := retryingClient(t, baseURL)
			err := send(client, http.MethodPost)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("send: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("send: got %v, want an error containing %q", err, tc.wantErr)
			}
			if got := int(requests.Load()); got != tc.wantRequests {
				t.Errorf("requests = %d, want %d", got, tc.wantRequests)
			}
			if got := int(retries.Load()); got != tc.wantRequests-1 {
				t.Errorf("reported retries = %d, want %d", got, tc.wantRequests-1)
			}
		})
	}
}

func TestClient_retryStopsAtTheDeadline(t *testing.T) {
	baseURL, requests := faultyServer(t, fault{status: 429, retryAfter: "30"})
	client, _ := retryingClient(t, baseURL)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := client.Do(ctx, http.MethodGet, client.URL(nil, "v1", "things"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "would pass the operation's deadline") || knockhttp.StatusCode(err) != 429 {
		t.Fatalf("got %v, want a 429 that gives up before the deadline", err)
	}
	if requests.Load() != 1 {
		t.Errorf("requests = %d, want 1", requests.Load())
	}
}

// TestClient_pacesEveryAttempt: Pace is asked before each attempt, retries included, and its error
// stops the call.
func TestClient_pacesEveryAttempt(t *testing.T) {
	baseURL, requests := faultyServer(t, fault{status: 503, retryAfterMs: "1"})
	var paced atomic.Int32
	client := newClient(t, knockhttp.Config{BaseURL: baseURL, MaxRetries: 1, Pace: func(_ context.Context, method string) error {
		if method != http.MethodPost {
			t.Errorf("paced method %q", method)
		}
		paced.Add(1)
		return nil
	}})
	if err := send(client, http.MethodPost); err != nil {
		t.Fatal(err)
	}
	if paced.Load() != 2 || requests.Load() != 2 {
		t.Errorf("paced %d times for %d requests, want 2 and 2", paced.Load(), requests.Load())
	}
	refusing := newClient(t, knockhttp.Config{BaseURL: baseURL, Pace: func(ctx context.Context, _ string) error { return context.Canceled }})
	wantError(t, send(refusing, http.MethodPost), "waiting for the rate limit")
	if requests.Load() != 2 {
		t.Errorf("requests = %d after a refused pace, want still 2", requests.Load())
	}
}
