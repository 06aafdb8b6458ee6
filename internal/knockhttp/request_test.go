package knockhttp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// TestClient_neverFollowsRedirectToPlainHTTP: an https base URL that redirects to http:// on the same
// host must not get the secret sent in clear text.
func TestClient_neverFollowsRedirectToPlainHTTP(t *testing.T) {
	var plainRequests, withKey atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainRequests.Add(1)
		if r.Header.Get("Authorization") != "" {
			withKey.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer plain.Close()
	location := plain.URL + "/v1/things"
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location, http.StatusTemporaryRedirect)
	}))
	defer secure.Close()

	client := newClient(t, knockhttp.Config{BaseURL: secure.URL, HTTPClient: secure.Client()})
	err := send(client, http.MethodPost)
	wantError(t, err, "HTTP 307", "redirect", location, "and the API key")
	if plainRequests.Load() != 0 || withKey.Load() != 0 {
		t.Errorf("the plain-http host got %d requests, %d with the secret; want none", plainRequests.Load(), withKey.Load())
	}
}

// TestClient_redirectOnWriteIsAnError: a 301, 302 or 303 must not turn a write into a GET that
// succeeds, nor be retried.
func TestClient_redirectOnWriteIsAnError(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			t.Run(fmt.Sprintf("%d %s", status, method), func(t *testing.T) {
				ts, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodGet {
						w.WriteHeader(http.StatusNoContent)
						return
					}
					w.Header().Set("Location", "/elsewhere")
					w.WriteHeader(status)
				})
				err := send(newClient(t, knockhttp.Config{BaseURL: ts.URL, MaxRetries: 3}), method)
				wantError(t, err, fmt.Sprintf("HTTP %d", status), `"/elsewhere"`)
				if requests.Load() != 1 {
					t.Errorf("requests %d; want 1", requests.Load())
				}
			})
		}
	}
}

// stallUntilGone blocks a handler until the client gives up on the request (the server notices only
// once the request body is read), or 10 s, so that a client that never gives up fails the test instead
// of hanging it.
func stallUntilGone(r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func TestClient_stalledAttemptIsRetried(t *testing.T) {
	answer := `{"entries":[{"user_id":"u1","tenant":null}],"page_info":{"after":null}}`
	tests := map[string]http.HandlerFunc{
		"no headers": func(w http.ResponseWriter, r *http.Request) { stallUntilGone(r) },
		"body stops half way": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(answer)))
			_, _ = w.Write([]byte(answer[:10]))
			w.(http.Flusher).Flush()
			stallUntilGone(r)
		},
	}
	for name, stall := range tests {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			ts, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					stall(w, r)
					return
				}
				_, _ = w.Write([]byte(answer))
			})
			client := newClient(t, knockhttp.Config{BaseURL: ts.URL, MaxRetries: 1, AnswerTimeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond})
			got, err := get(client)
			if err != nil || len(got.Entries) != 1 {
				t.Fatalf("get = %v, %v; want the one entry after a retry", got, err)
			}
			if requests.Load() != 2 {
				t.Errorf("requests = %d, want 2", requests.Load())
			}
		})
	}
}

func TestClient_stallsUseUpTheRetries(t *testing.T) {
	ts, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) { stallUntilGone(r) })
	client := newClient(t, knockhttp.Config{BaseURL: ts.URL, MaxRetries: 1, AnswerTimeout: 50 * time.Millisecond})
	err := send(client, http.MethodPost)
	wantError(t, err, "gave up after 2 attempts", "no answer within 50ms")
	if requests.Load() != 2 {
		t.Errorf("requests = %d, want 2", requests.Load())
	}
}

// TestClient_bodyThatKeepsFlowingIsNotAStall: the idle bound is between reads, not for the whole body.
func TestClient_bodyThatKeepsFlowingIsNotAStall(t *testing.T) {
	ts, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"entries":[`))
		for i := range 6 {
			if i > 0 {
				_, _ = w.Write([]byte(","))
			}
			fmt.Fprintf(w, `{"user_id":"u%d"}`, i)
			w.(http.Flusher).Flush()
			time.Sleep(40 * time.Millisecond)
		}
		_, _ = w.Write([]byte(`],"page_info":{"after":null}}`))
	})
	client := newClient(t, knockhttp.Config{BaseURL: ts.URL, MaxRetries: 0, AnswerTimeout: 150 * time.Millisecond, IdleTimeout: 150 * time.Millisecond})
	got, err := get(client)
	if err != nil || len(got.Entries) != 6 || requests.Load() != 1 {
		t.Fatalf("get = %d entries, %v, %d requests; want 6, nil, 1", len(got.Entries), err, requests.Load())
	}
}

func TestClient_unreachableHostFailsFastWithFewRetries(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "http://" + listener.Addr().String()
	_ = listener.Close()
	unresolvable := &http.Client{Transport: &http.Transport{DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "api.knock.invalid", IsNotFound: true}}
	}}}
	tests := map[string]struct {
		baseURL string
		http    *http.Client
		want    string
	}{
		"connection refused": {refusing, nil, "connection refused"},
		"unknown host":       {"https://api.knock.invalid", unresolvable, "no such host"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var retries atomic.Int32
			client := newClient(t, knockhttp.Config{BaseURL: tc.baseURL, HTTPClient: tc.http, MaxRetries: knockhttp.MaxMaxRetries,
				OnRetry: func(context.Context, knockhttp.Retry) { retries.Add(1) }})
			_, err := get(client)
			wantError(t, err, "could not connect", tc.want)
			if !knockhttp.IsUnreachable(err) {
				t.Errorf("IsUnreachable(%v) = false", err)
			}
			if got := retries.Load(); got != knockhttp.DefaultConnectRetries {
				t.Errorf("retries = %d, want %d however high max_retries is", got, knockhttp.DefaultConnectRetries)
			}
		})
	}
}

// TestClient_callWithoutDeadlineGetsOne: a caller that set no deadline gets the operation timeout, so
// that a server that keeps stalling cannot keep a call going for max_retries × answer timeout.
func TestClient_callWithoutDeadlineGetsOne(t *testing.T) {
	ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { stallUntilGone(r) })
	client := newClient(t, knockhttp.Config{BaseURL: ts.URL, MaxRetries: knockhttp.MaxMaxRetries, OperationTimeout: 300 * time.Millisecond, AnswerTimeout: 100 * time.Millisecond})
	_, err := get(client)
	wantError(t, err, "deadline")
	wantError(t, send(client, http.MethodDelete), "deadline")
}

// TestClient_schemeMismatchIsNotRetried: https:// to a plain-http port (or http:// to a TLS port) fails
// the same way on every attempt; it is reported at once, saying which scheme the server speaks. So does a
// certificate that does not verify.
func TestClient_schemeMismatchIsNotRetried(t *testing.T) {
	plain, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	plain.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsServer := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsServer.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(tlsServer.Close)
	tests := map[string]struct {
		baseURL string
		want    string
	}{
		"https to plain http": {"https://" + plain.Listener.Addr().String(), "the base URL uses https:// but the server speaks plain http"},
		"http to https":       {"http://" + tlsServer.Listener.Addr().String(), "the base URL uses http:// but the server speaks https"},
		"unknown certificate": {tlsServer.URL, "the server's TLS certificate does not verify"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var retries atomic.Int32
			client := newClient(t, knockhttp.Config{BaseURL: tc.baseURL, MaxRetries: 3,
				OnRetry: func(context.Context, knockhttp.Retry) { retries.Add(1) }})
			_, err := get(client)
			wantError(t, err, tc.want)
			if mismatch := !strings.HasPrefix(name, "unknown"); knockhttp.IsSchemeMismatch(err) != mismatch {
				t.Errorf("IsSchemeMismatch(%v) = %v, want %v", err, !mismatch, mismatch)
			}
			if n := retries.Load(); n != 0 {
				t.Errorf("%d retries of a scheme mismatch, want none: %v", n, err)
			}
		})
	}
}

// TestClient_escapesSegmentsAndSendsHeaders: each segment stays one (a "/" or "?" in a key is escaped),
// the query is kept, and every request carries the secret, the user agent and the configured headers.
func TestClient_escapesSegmentsAndSendsHeaders(t *testing.T) {
	var gotPath, gotQuery, gotExtra, gotAgent, gotAuth string
	ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery, gotExtra = r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("X-Extra")
		gotAgent, gotAuth = r.Header.Get("User-Agent"), r.Header.Get("Authorization")
		w.WriteHeader(http.StatusNoContent)
	})
	client := newClient(t, knockhttp.Config{BaseURL: ts.URL + "/", UserAgent: "terraform-provider-knock/1.2.3", Header: http.Header{"X-Extra": {"yes"}}})
	target := client.URL(map[string][]string{"environment": {"development"}}, "v1", "audiences", "a/b?c")
	if err := client.Do(context.Background(), http.MethodPut, target, []byte(`{}`), nil); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/v1/audiences/a%2Fb%3Fc" || gotQuery != "environment=development" {
		t.Errorf("path = %q, query = %q", gotPath, gotQuery)
	}
	if gotExtra != "yes" || gotAgent != "terraform-provider-knock/1.2.3" || gotAuth != "Bearer "+testSecret {
		t.Errorf("headers: extra %q, user agent %q, auth ok %v", gotExtra, gotAgent, gotAuth == "Bearer "+testSecret)
	}
}

// TestClient_boundsAndChecksAnswers: an answer above MaxAnswerBytes, one cut off, one that is not JSON
// and one whose CheckAnswer refuses it are errors that say so.
func TestClient_boundsAndChecksAnswers(t *testing.T) {
	tests := map[string]struct {
		body string
		out  any
		want string
	}{
		"too large":      {`{"entries":[` + strings.Repeat(`{"user_id":"u"},`, 100) + `{}]}`, &page{}, "larger than 1024 bytes"},
		"truncated body": {`{"entries":[{"user_id":"u1"`, &page{}, "the answer was cut off"},
		"not JSON":       {`<html>maintenance</html>`, &page{}, "not the JSON Knock sends (application/json)"},
		"checked":        {`{}`, &checkedPage{}, "the answer has no entries"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			})
			client := newClient(t, knockhttp.Config{BaseURL: ts.URL, MaxAnswerBytes: 1024})
			err := client.Do(context.Background(), http.MethodGet, client.URL(nil, "v1", "things"), nil, tc.out)
			wantError(t, err, tc.want)
		})
	}
}

// checkedPage refuses an answer without entries.
type checkedPage struct {
	Entries []any `json:"entries"`
}

func (p *checkedPage) CheckAnswer() error {
	if p.Entries == nil {
		return fmt.Errorf("the answer has no entries")
	}
	return nil
}
