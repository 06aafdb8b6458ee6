package knockhttp

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

// roundTripFunc answers requests without a network, for fuzzing what the client makes of answers.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func clientAnswering(t testing.TB, status int, body []byte) *Client {
	client, err := New(Config{
		API: API{Prefix: "knock", DefaultBaseURL: "https://api.knock.test"}, BaseURL: "https://api.knock.test", Secret: "sk_fuzz",
		OperationTimeout: time.Minute,
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{
				StatusCode: status, Body: io.NopCloser(bytes.NewReader(body)), Request: r,
				Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_fuzz"}},
			}, nil
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	return client
}
