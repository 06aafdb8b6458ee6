package knock_test

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

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// TestClient_neverFollowsRedirectToPlainHTTP: an https base URL that redirects to http:// on the same
// host must not get the key sent in clear text.
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
	location := plain.URL + "/v1/audiences/aud/members"
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location, http.StatusTemporaryRedirect)
	}))
	defer secure.Close()

	client := newClient(t, knock.Config{BaseURL: secure.URL, HTTPClient: secure.Client()})
	_, err := client.AddMembers(context.Background(), "aud", memberships(1, ""))
	wantError(t, err, "HTTP 307", "redirect", location)
	if plainRequests.Load() != 0 || withKey.Load() != 0 {
		t.Errorf("the plain-http host got %d requests, %d with the key; want none", plainRequests.Load(), withKey.Load())
	}
}

// TestClient_redirectOnWriteIsAnError: a 301, 302 or 303 must not turn an add or remove into a GET that
// succeeds.
func TestClient_redirectOnWriteIsAnError(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther} {
		for _, method := range []string{http.MethodPost, http.MethodDelete} {
			t.Run(fmt.Sprintf("%d %s", status, method), func(t *testing.T) {
				ts, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodGet {
						_, _ = w.Write([]byte(`{"entries":[],"page_info":{"after":null}}`))
						return
					}
					w.Header().Set("Location", "/elsewhere")
					w.WriteHeader(status)
				})
				client := newClient(t, knock.Config{BaseURL: ts.URL, MaxRetries: 3})
				write := client.AddMembers
				if method == http.MethodDelete {
					write = client.RemoveMembers
				}
				applied, err := write(context.Background(), "aud", memberships(2, ""))
				wantError(t, err, fmt.Sprintf("HTTP %d", status), `"/elsewhere"`)
				if len(applied) != 0 || requests.Load() != 1 {
					t.Errorf("applied %d, requests %d; want 0 applied and 1 request", len(applied), requests.Load())
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
	page := `{"entries":[{"user_id":"u1","tenant":null}],"page_info":{"after":null}}`
	tests := map[string]http.HandlerFunc{
		"no headers": func(w http.ResponseWriter, r *http.Request) { stallUntilGone(r) },
		"body stops half way": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(page)))
			_, _ = w.Write([]byte(page[:10]))
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
				_, _ = w.Write([]byte(page))
			})
			client := newClient(t, knock.Config{BaseURL: ts.URL, MaxRetries: 1, AnswerTimeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond})
			got, err := client.ListMemberships(context.Background(), "aud")
			if err != nil || len(got) != 1 {
				t.Fatalf("ListMemberships = %v, %v; want the one member after a retry", got, err)
			}
			if requests.Load() != 2 {
				t.Errorf("requests = %d, want 2", requests.Load())
			}
		})
	}
}

func TestClient_stallsUseUpTheRetries(t *testing.T) {
	ts, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) { stallUntilGone(r) })
	client := newClient(t, knock.Config{BaseURL: ts.URL, MaxRetries: 1, AnswerTimeout: 50 * time.Millisecond})
	_, err := client.AddMembers(context.Background(), "aud", memberships(1, ""))
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
	client := newClient(t, knock.Config{BaseURL: ts.URL, MaxRetries: 0, AnswerTimeout: 150 * time.Millisecond, IdleTimeout: 150 * time.Millisecond})
	got, err := client.ListMemberships(context.Background(), "aud")
	if err != nil || len(got) != 6 || requests.Load() != 1 {
		t.Fatalf("ListMemberships = %d members, %v, %d requests; want 6, nil, 1", len(got), err, requests.Load())
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
			client := newClient(t, knock.Config{BaseURL: tc.baseURL, HTTPClient: tc.http, MaxRetries: knock.MaxMaxRetries,
				OnRetry: func(context.Context, knock.Retry) { retries.Add(1) }})
			_, err := client.ListMemberships(context.Background(), "aud")
			wantError(t, err, "could not connect", tc.want)
			if !knock.IsUnreachable(err) {
				t.Errorf("IsUnreachable(%v) = false", err)
			}
			if got := retries.Load(); got != knock.DefaultConnectRetries {
				t.Errorf("retries = %d, want %d however high max_retries is", got, knock.DefaultConnectRetries)
			}
		})
	}
}

// TestClient_callWithoutDeadlineGetsOne: a caller that set no deadline gets the operation timeout, so
// that a server that keeps stalling cannot keep a listing going for max_retries × answer timeout.
func TestClient_callWithoutDeadlineGetsOne(t *testing.T) {
	ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { stallUntilGone(r) })
	client := newClient(t, knock.Config{BaseURL: ts.URL, MaxRetries: knock.MaxMaxRetries, OperationTimeout: 300 * time.Millisecond, AnswerTimeout: 100 * time.Millisecond})
	_, err := client.ListMemberships(context.Background(), "aud")
	wantError(t, err, "deadline")
	_, err = client.RemoveMembers(context.Background(), "aud", memberships(1, ""))
	wantError(t, err, "deadline")
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
			client := newClient(t, knock.Config{BaseURL: tc.baseURL, MaxRetries: 3,
				OnRetry: func(context.Context, knock.Retry) { retries.Add(1) }})
			_, err := client.ListMemberships(context.Background(), "aud")
			wantError(t, err, tc.want)
			if mismatch := !strings.HasPrefix(name, "unknown"); knock.IsSchemeMismatch(err) != mismatch {
				t.Errorf("IsSchemeMismatch(%v) = %v, want %v", err, !mismatch, mismatch)
			}
			if n := retries.Load(); n != 0 {
				t.Errorf("%d retries of a scheme mismatch, want none: %v", n, err)
			}
		})
	}
}

func TestClient_escapesAudienceKeyAndSendsHeaders(t *testing.T) {
	var gotPath, gotBranch, gotAgent, gotAuth string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotBranch, gotAgent, gotAuth = r.URL.EscapedPath(), r.Header.Get("X-Knock-Branch"), r.Header.Get("User-Agent"), r.Header.Get("Authorization")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer ts.Close()
	client, _ := knock.New(knock.Config{BaseURL: ts.URL + "/", APIKey: testKey, Branch: "feature-x", UserAgent: "terraform-provider-knock/1.2.3"})
	if _, err := client.AddMembers(context.Background(), "a/b?c", memberships(1, "")); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/v1/audiences/a%2Fb%3Fc/members" {
		t.Errorf("path = %q", gotPath)
	}
	if gotBranch != "feature-x" || gotAgent != "terraform-provider-knock/1.2.3" || gotAuth != "Bearer "+testKey {
		t.Errorf("headers: branch %q, user agent %q, auth ok %v", gotBranch, gotAgent, gotAuth == "Bearer "+testKey)
	}
}
