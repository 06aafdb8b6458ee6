package knock_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// retryingClient allows 3 retries and counts the retries it reports.
func retryingClient(t *testing.T, srv *localknock.Server) (*knock.Client, *atomic.Int32) {
	t.Helper()
	var retries atomic.Int32
	client, err := knock.New(knock.Config{
		BaseURL: srv.URL(), APIKey: testKey, MaxRetries: 3, WriteConcurrency: 1,
		OnRetry: func(_ context.Context, r knockhttp.Retry) {
			if r.Attempt < 1 || r.Wait < 0 || r.Err == nil {
				t.Errorf("OnRetry got %+v", r)
			}
			retries.Add(1)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return client, &retries
}

func TestClient_retriesWhatKnocksSDKsRetry(t *testing.T) {
	tests := map[string]struct {
		faults       []localknock.Fault
		wantErr      string
		wantRequests int
	}{
		"429 with Retry-After-Ms": {[]localknock.Fault{{Status: 429, RetryAfterMs: 10}}, "", 2},
		"429 with Retry-After":    {[]localknock.Fault{{Status: 429, RetryAfter: "0"}}, "", 2},
		"503 then 500":            {[]localknock.Fault{{Status: 503, RetryAfterMs: 1}, {Status: 500, RetryAfterMs: 1}}, "", 3},
		"dropped connection":      {[]localknock.Fault{{DropConnection: true}}, "", 2},
		"408 and 409":             {[]localknock.Fault{{Status: 408, RetryAfterMs: 1}, {Status: 409, RetryAfterMs: 1}}, "", 3},
		"400 is not retried":      {[]localknock.Fault{{Status: 400}}, "HTTP 400", 1},
		"budget runs out":         {[]localknock.Fault{{Status: 503, RetryAfterMs: 1}, {Status: 503, RetryAfterMs: 1}, {Status: 503, RetryAfterMs: 1}, {Status: 503, RetryAfterMs: 1}}, "gave up after 4 attempts", 4},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv, _ := startLocal(t)
			srv.CreateAudience("aud")
			srv.InjectFaults(localknock.EndpointAdd, tc.faults...)
			client, retries := retryingClient(t, srv)
			_, err := client.AddMembers(context.Background(), "aud", memberships(3, ""))
			if tc.wantErr == "" && err != nil {
				t.Fatalf("AddMembers: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("AddMembers: got %v, want an error containing %q", err, tc.wantErr)
			}
			if got := srv.Requests()[localknock.EndpointAdd]; got != tc.wantRequests {
				t.Errorf("add requests = %d, want %d", got, tc.wantRequests)
			}
			if got := int(retries.Load()); got != tc.wantRequests-1 {
				t.Errorf("reported retries = %d, want %d", got, tc.wantRequests-1)
			}
			if tc.wantErr == "" && len(srv.Memberships("aud")) != 3 {
				t.Errorf("audience holds %d members after the retries, want 3", len(srv.Memberships("aud")))
			}
		})
	}
}

func TestClient_retryStopsAtTheDeadline(t *testing.T) {
	srv, _ := startLocal(t)
	srv.CreateAudience("aud")
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{Status: 429, RetryAfter: "30"})
	client, _ := retryingClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := client.ListMemberships(ctx, "aud")
	if err == nil || !strings.Contains(err.Error(), "would pass the operation's deadline") || knockhttp.StatusCode(err) != 429 {
		t.Fatalf("got %v, want a 429 that gives up before the deadline", err)
	}
}
