package knockhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// Helpers shared by this package's tests.

const testSecret = "sk_test_transport"

var testAPI = knockhttp.API{Prefix: "knock", DefaultBaseURL: "https://api.knock.app", Credential: "API key", CredentialSetting: "api_key or KNOCK_API_KEY"}

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

// newClient fills in the test API, the secret and an operation timeout.
func newClient(t *testing.T, cfg knockhttp.Config) *knockhttp.Client {
	t.Helper()
	if cfg.API == (knockhttp.API{}) {
		cfg.API = testAPI
	}
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	if cfg.OperationTimeout == 0 {
		cfg.OperationTimeout = time.Minute
	}
	client, err := knockhttp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// page is what the tests' GETs decode.
type page struct {
	Entries []struct {
		UserID string `json:"user_id"`
	} `json:"entries"`
}

// get sends a GET to /v1/things, as a listing does, with the client's deadline.
func get(client *knockhttp.Client) (page, error) {
	ctx, cancel := client.WithDeadline(context.Background())
	defer cancel()
	var out page
	err := client.Do(ctx, http.MethodGet, client.URL(nil, "v1", "things"), nil, &out)
	return out, err
}

// send sends a write with a JSON body, as an add or remove does; the answer is discarded.
func send(client *knockhttp.Client, method string) error {
	ctx, cancel := client.WithDeadline(context.Background())
	defer cancel()
	return client.Do(ctx, method, client.URL(nil, "v1", "things"), []byte(`{"members":[]}`), nil)
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
