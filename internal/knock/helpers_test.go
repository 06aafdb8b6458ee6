package knock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// Helpers shared by this package's tests.

const testKey = "sk_test_client"

// startLocal starts a local Knock API and a client of it.
func startLocal(t *testing.T) (*localknock.Server, *knock.Client) {
	t.Helper()
	srv := localknock.StartForTest(t, testKey)
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testKey, UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

// memberships are n users under tenant ("" for none).
func memberships(n int, tenant string) []changeset.Membership {
	out := make([]changeset.Membership, n)
	for i := range out {
		out[i] = changeset.Membership{UserID: fmt.Sprintf("user-%05d", i), Tenant: tenant}
	}
	return out
}

// countingServer answers every request with handler and counts the requests.
func countingServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var requests atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		handler(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, &requests
}

func newClient(t *testing.T, cfg knock.Config) *knock.Client {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	client, err := knock.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, part := range parts {
		if !strings.Contains(err.Error(), part) {
			t.Fatalf("got %v, want an error containing %q", err, part)
		}
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
