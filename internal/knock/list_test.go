package knock_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestClient_listMembersDecodesUsers(t *testing.T) {
	srv, client := startLocal(t)
	srv.AddMemberships("aud", localknock.Membership{UserID: "u1", Tenant: "acme"})
	srv.SetUser(localknock.User{ID: "u1", Name: "Ada", Email: "ada@example.com"})

	got, err := client.ListMembers(context.Background(), "aud")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d entries", len(got))
	}
	m := got[0]
	if m.UserID != "u1" || m.Tenant == nil || *m.Tenant != "acme" || m.User.Email == nil || *m.User.Email != "ada@example.com" || m.AddedAt == "" {
		t.Errorf("unexpected entry %+v", m)
	}
	if m.User.PhoneNumber != nil {
		t.Errorf("phone number = %q, want null", *m.User.PhoneNumber)
	}
}

func TestClient_rejectsRepeatedCursorAndOversizedPage(t *testing.T) {
	tests := map[string]struct {
		body string
		want string
	}{
		"repeated cursor": {`{"entries":[{"user_id":"u1","tenant":null}],"page_info":{"after":"same"}}`, "cursor \"same\" twice"},
		"oversized page":  {`{"entries":[` + strings.Repeat(`{"user_id":"u1"},`, 50) + `{"user_id":"u2"}],"page_info":{"after":null}}`, "51 entries"},
		"truncated body":  {`{"entries":[{"user_id":"u1"`, "the answer was cut off"},
		"not JSON":        {`<html>maintenance</html>`, "not the JSON Knock sends (application/json)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			client, _ := knock.New(knock.Config{BaseURL: ts.URL, APIKey: testKey})
			_, err := client.ListMemberships(context.Background(), "aud")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestClient_capsWhatItReads(t *testing.T) {
	entry := func(i int) string { return fmt.Sprintf(`{"user_id":"u%d","tenant":null}`, i) }
	var pages atomic.Int32
	tests := map[string]struct {
		cfg          knock.Config
		handler      http.HandlerFunc
		want         string
		wantRequests int32
	}{
		"answer body": {
			knock.Config{MaxAnswerBytes: 1000},
			func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"entries":[],"page_info":{"after":null},"padding":"` + strings.Repeat("x", 2000) + `"}`))
			},
			"larger than 1000 bytes", 1,
		},
		"one entry": {
			knock.Config{MaxEntryBytes: 100},
			func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"entries":[{"user_id":"u1","user":{"name":"` + strings.Repeat("x", 200) + `"}}],"page_info":{"after":null}}`))
			},
			"larger than 100 bytes", 1,
		},
		"pages of one listing": {
			knock.Config{MaxListPages: 3},
			func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"entries":[%s],"page_info":{"after":"c%d"}}`, entry(int(pages.Add(1))), pages.Load())
			},
			"more than 3 pages", 3,
		},
		"entries of one listing": {
			knock.Config{MaxListEntries: 4},
			func(w http.ResponseWriter, r *http.Request) {
				n := int(pages.Add(1))
				fmt.Fprintf(w, `{"entries":[%s,%s],"page_info":{"after":"c%d"}}`, entry(2*n), entry(2*n+1), n)
			},
			"more than 4 entries", 3,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pages.Store(0)
			ts, requests := countingServer(t, tc.handler)
			tc.cfg.BaseURL = ts.URL
			tc.cfg.MaxRetries = 3
			_, err := newClient(t, tc.cfg).ListMemberships(context.Background(), "aud")
			wantError(t, err, tc.want)
			if requests.Load() != tc.wantRequests {
				t.Errorf("requests = %d, want %d", requests.Load(), tc.wantRequests)
			}
		})
	}
}

// TestClient_answerThatIsNotAPageIsAnError: a 200 that holds no page is not an empty audience.
func TestClient_answerThatIsNotAPageIsAnError(t *testing.T) {
	tests := map[string]struct {
		contentType, body, want string
	}{
		"empty object":    {"application/json", `{}`, "no entries"},
		"null":            {"application/json", `null`, "no entries"},
		"null entries":    {"application/json", `{"entries":null,"page_info":{"after":null}}`, "no entries"},
		"no page_info":    {"application/json", `{"entries":[]}`, "no page_info"},
		"HTML page":       {"text/html", `<!doctype html><html><body>Welcome</body></html>`, "not the JSON Knock sends (text/html"},
		"entry not a map": {"application/json", `{"entries":["u1"],"page_info":{"after":null}}`, "entry 1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ts, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.Header().Set(knockhttp.RequestIDHeader, "req_odd")
				_, _ = w.Write([]byte(tc.body))
			})
			client := newClient(t, knock.Config{BaseURL: ts.URL, MaxRetries: 3})
			got, err := client.ListMemberships(context.Background(), "aud")
			wantError(t, err, tc.want)
			if _, err := client.ListMembers(context.Background(), "aud"); err == nil {
				t.Errorf("ListMembers accepted it")
			}
			if len(got) != 0 || requests.Load() != 2 {
				t.Errorf("got %d memberships from %d requests; want none from 2 (one per listing, no retry)", len(got), requests.Load())
			}
		})
	}
}

func TestClient_duplicateEntriesCountOnce(t *testing.T) {
	ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			_, _ = w.Write([]byte(`{"entries":[{"user_id":"u1","tenant":null},{"user_id":"u2","tenant":"acme"}],"page_info":{"after":"c1"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"entries":[{"user_id":"u2","tenant":"acme"},{"user_id":"u2","tenant":null},{"user_id":"u1","tenant":null}],"page_info":{"after":null}}`))
	})
	client := newClient(t, knock.Config{BaseURL: ts.URL})
	memberships, err := client.ListMemberships(context.Background(), "aud")
	if err != nil || len(memberships) != 3 {
		t.Errorf("ListMemberships = %v, %v; want 3 memberships", memberships, err)
	}
	members, err := client.ListMembers(context.Background(), "aud")
	if err != nil || len(members) != 3 {
		t.Errorf("ListMembers = %d entries, %v; want 3", len(members), err)
	}
}

// TestClient_boundsWhatAListingKeeps: a listing keeps each page's cursor (to detect a repeated one) and
// the ids it lists, so neither may be as large as an answer; nor may an answer's headers.
func TestClient_boundsWhatAListingKeeps(t *testing.T) {
	long := strings.Repeat("x", knock.MaxIDLength+1)
	tests := map[string]struct {
		handler http.HandlerFunc
		want    string
	}{
		"long cursor": {func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"entries":[{"user_id":"u1"}],"page_info":{"after":%q}}`, strings.Repeat("c", knock.MaxCursorBytes+1))
		}, fmt.Sprintf("a cursor of %d bytes, more than %d", knock.MaxCursorBytes+1, knock.MaxCursorBytes)},
		"long user id": {func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"entries":[{"user_id":%q}],"page_info":{"after":null}}`, long)
		}, fmt.Sprintf("entry 1 of page 1 has a user_id of %d characters, more than %d", len(long), knock.MaxIDLength)},
		"long tenant": {func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"entries":[{"user_id":"u1","tenant":%q}],"page_info":{"after":null}}`, long)
		}, fmt.Sprintf("entry 1 of page 1 has a tenant of %d characters, more than %d", len(long), knock.MaxIDLength)},
		"huge headers": {func(w http.ResponseWriter, r *http.Request) {
			for i := range 100 {
				w.Header().Set(fmt.Sprintf("X-Padding-%d", i), strings.Repeat("p", 1000))
			}
			fmt.Fprint(w, `{"entries":[],"page_info":{"after":null}}`)
		}, "server response headers exceeded"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ts, _ := countingServer(t, tc.handler)
			client := newClient(t, knock.Config{BaseURL: ts.URL})
			_, err := client.ListMemberships(context.Background(), "aud")
			wantError(t, err, tc.want)
			_, err = client.ListMembers(context.Background(), "aud")
			wantError(t, err, tc.want)
		})
	}
}

// BenchmarkListMemberships measures one full read of a 10,000-member audience (200 pages) against the
// local Knock API, rate limits off: the client's and the local API's cost per page.
func BenchmarkListMemberships(b *testing.B) {
	srv := localknock.New(testKey)
	srv.SetRateLimit(localknock.EndpointList, 0)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	members := make([]localknock.Membership, 10000)
	for i := range members {
		members[i] = localknock.Membership{UserID: fmt.Sprintf("user-%07d", i)}
	}
	srv.AddMemberships("bench", members...)
	b.ReportAllocs()
	for b.Loop() {
		// A client per read, as a provider process has: its limiter lets the 200 pages go at full speed.
		client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testKey, ReadRate: knock.MaxReadRate})
		if err != nil {
			b.Fatal(err)
		}
		got, err := client.ListMemberships(context.Background(), "bench")
		if err != nil || len(got) != len(members) {
			b.Fatalf("listed %d, %v", len(got), err)
		}
	}
}
