package localknock_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

const key = "sk_test_local"

func start(t *testing.T) *localknock.Server {
	t.Helper()
	srv := localknock.New(key, "sk_test_other_env")
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

type answer struct {
	status    int
	requestID string
	body      map[string]any
}

func call(t *testing.T, srv *localknock.Server, apiKey, method, path, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, requestID: resp.Header.Get("X-Request-Id")}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	return a
}

func members(ids ...string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf(`{"user":{"id":%q}}`, id)
	}
	return `{"members":[` + strings.Join(parts, ",") + `]}`
}

func TestServer_authAndErrorsHaveKnocksShape(t *testing.T) {
	srv := start(t)
	srv.CreateAudience("aud")
	tests := []struct {
		name, apiKey, method, path, body string
		status                           int
		code                             string
	}{
		{"no key", "", "GET", "/v1/audiences/aud/members", "", 401, "unauthorized"},
		{"wrong key", "sk_nope", "GET", "/v1/audiences/aud/members", "", 401, "unauthorized"},
		{"unknown audience on list", key, "GET", "/v1/audiences/nope/members", "", 404, "resource_missing"},
		{"unknown audience on add", key, "POST", "/v1/audiences/nope/members", members("u1"), 404, "resource_missing"},
		{"unknown audience on remove", key, "DELETE", "/v1/audiences/nope/members", members("u1"), 404, "resource_missing"},
		{"missing user id", key, "POST", "/v1/audiences/aud/members", `{"members":[{"user":{}}]}`, 422, "invalid_params"},
		{"missing members", key, "POST", "/v1/audiences/aud/members", `{}`, 422, "invalid_params"},
		{"not JSON", key, "POST", "/v1/audiences/aud/members", `{`, 400, "invalid_json"},
		{"page too large", key, "GET", "/v1/audiences/aud/members?page_size=51", "", 422, "invalid_params"},
		{"bad cursor", key, "GET", "/v1/audiences/aud/members?after=zzz", "", 422, "invalid_params"},
		{"other environment", "sk_test_other_env", "GET", "/v1/audiences/aud/members", "", 404, "resource_missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, srv, tc.apiKey, tc.method, tc.path, tc.body)
			if a.status != tc.status || a.body["code"] != tc.code || a.body["message"] == nil || a.body["message"] == "" || a.body["status"] != float64(tc.status) {
				t.Errorf("got %d %v, want %d with code %q", a.status, a.body, tc.status, tc.code)
			}
			if !strings.HasPrefix(a.requestID, "req_") {
				t.Errorf("x-request-id = %q", a.requestID)
			}
		})
	}

	ids := make([]string, 1001)
	for i := range ids {
		ids[i] = fmt.Sprint("u", i)
	}
	a := call(t, srv, key, "POST", "/v1/audiences/aud/members", members(ids...))
	if a.status != 422 || !strings.Contains(fmt.Sprint(a.body["errors"]), "at most 1000") {
		t.Errorf("1,001 members: got %d %v", a.status, a.body)
	}
}

func TestServer_addIsIdempotentAndCreatesAudience(t *testing.T) {
	srv := start(t)
	for range 2 {
		if a := call(t, srv, key, "POST", "/v1/audiences/new/members?create_audience=true", `{"members":[{"user":{"id":"u1"},"tenant":"acme"},{"user":{"id":"u1"}}]}`); a.status != 204 {
			t.Fatalf("add: %d %v", a.status, a.body)
		}
	}
	if got := srv.Memberships("new"); len(got) != 2 {
		t.Fatalf("memberships = %v, want u1 with and without tenant", got)
	}
	for range 2 {
		if a := call(t, srv, key, "DELETE", "/v1/audiences/new/members", `{"members":[{"user":{"id":"u1"},"tenant":"acme"}]}`); a.status != 204 {
			t.Fatalf("remove: %d %v", a.status, a.body)
		}
	}
	if got := srv.Memberships("new"); len(got) != 1 || got[0] != (localknock.Membership{UserID: "u1"}) {
		t.Errorf("memberships = %v, want u1 without tenant", got)
	}
	if n := srv.Requests(); n[localknock.EndpointAdd] != 2 || n[localknock.EndpointRemove] != 2 {
		t.Errorf("request counts = %v", n)
	}
}

func TestServer_paginationSurvivesRemovalsBetweenPages(t *testing.T) {
	srv := start(t)
	for i := range 130 {
		srv.AddMemberships("aud", localknock.Membership{UserID: fmt.Sprintf("u%03d", i)})
	}
	// Remove one already listed and one not yet listed: the second must not show up.
	seen := listPagesOf50(t, srv, "aud", func() {
		srv.RemoveMemberships("aud", localknock.Membership{UserID: "u000"}, localknock.Membership{UserID: "u120"})
	})
	if len(seen) != 129 || seen["u120"] {
		t.Errorf("listed %d members (u120 listed: %v), want 129 without u120", len(seen), seen["u120"])
	}
}

// TestServer_paginationSurvivesCompaction: removing more than half of an audience compacts its storage;
// a listing under way goes on where it was.
func TestServer_paginationSurvivesCompaction(t *testing.T) {
	srv := start(t)
	for i := range 130 {
		srv.AddMemberships("aud", localknock.Membership{UserID: fmt.Sprintf("u%03d", i)})
	}
	seen := listPagesOf50(t, srv, "aud", func() {
		gone := []localknock.Membership{{UserID: "u000"}}
		for i := 60; i < 130; i++ {
			gone = append(gone, localknock.Membership{UserID: fmt.Sprintf("u%03d", i)})
		}
		srv.RemoveMemberships("aud", gone...)
	})
	if len(seen) != 60 || !seen["u059"] || seen["u060"] {
		t.Errorf("listed %d members, want u000 to u059", len(seen))
	}
}

// listPagesOf50 lists the audience page by page, calling afterFirstPage once in between, and returns
// the user ids seen; an id listed twice fails the test.
func listPagesOf50(t *testing.T, srv *localknock.Server, audienceKey string, afterFirstPage func()) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	path := "/v1/audiences/" + audienceKey + "/members?page_size=50"
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		a := call(t, srv, key, "GET", path, "")
		if a.status != 200 {
			t.Fatalf("list: %d %v", a.status, a.body)
		}
		for _, e := range a.body["entries"].([]any) {
			id := e.(map[string]any)["user_id"].(string)
			if seen[id] {
				t.Errorf("%s listed twice", id)
			}
			seen[id] = true
		}
		if pages == 0 {
			afterFirstPage()
		}
		after, _ := a.body["page_info"].(map[string]any)["after"].(string)
		if after == "" {
			return seen
		}
		path = "/v1/audiences/" + audienceKey + "/members?page_size=50&after=" + after
	}
}

func TestServer_faultSchedule(t *testing.T) {
	srv := start(t)
	srv.CreateAudience("aud")
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{}, localknock.Fault{Status: 429, RetryAfterMs: 20})
	if a := call(t, srv, key, "GET", "/v1/audiences/aud/members", ""); a.status != 200 {
		t.Errorf("first list: %d", a.status)
	}
	if a := call(t, srv, key, "GET", "/v1/audiences/aud/members", ""); a.status != 429 || a.body["code"] != "rate_limit_exceeded" {
		t.Errorf("second list: %d %v", a.status, a.body)
	}
	if a := call(t, srv, key, "GET", "/v1/audiences/aud/members", ""); a.status != 200 {
		t.Errorf("third list: %d", a.status)
	}
	if n := srv.Requests()[localknock.EndpointList]; n != 3 {
		t.Errorf("list requests = %d, want 3", n)
	}
}

func TestServer_truncatedBody(t *testing.T) {
	srv := start(t)
	srv.AddMemberships("aud", localknock.Membership{UserID: "u1"})
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{TruncateBody: true})
	req, _ := http.NewRequest("GET", srv.URL()+"/v1/audiences/aud/members", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil || resp.StatusCode != 200 || len(body) == 0 {
		t.Errorf("got %d, %d bytes, err %v; want 200 with a body cut off", resp.StatusCode, len(body), err)
	}
}

// TestServer_truncatedWriteAnswer: an add's answer has no body to cut, so the connection closes before
// any answer, after the add took effect.
func TestServer_truncatedWriteAnswer(t *testing.T) {
	srv := start(t)
	srv.CreateAudience("aud")
	srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{TruncateBody: true})
	req, _ := http.NewRequest("POST", srv.URL()+"/v1/audiences/aud/members", strings.NewReader(members("u1")))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %d; want the connection closed without an answer", resp.StatusCode)
	}
	if got := srv.Memberships("aud"); len(got) != 1 || got[0].UserID != "u1" {
		t.Errorf("the audience holds %v, want u1: the add takes effect", got)
	}
}

// TestServer_rateLimit: beyond the endpoint's limit in one second, Knock's 429 with the exact wait.
func TestServer_rateLimit(t *testing.T) {
	srv := start(t)
	srv.CreateAudience("aud")
	srv.SetRateLimit(localknock.EndpointList, 2)
	for i := range 2 {
		if a := call(t, srv, key, "GET", "/v1/audiences/aud/members", ""); a.status != 200 {
			t.Fatalf("list %d: %d %v", i+1, a.status, a.body)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL()+"/v1/audiences/aud/members", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	wait, err := strconv.Atoi(resp.Header.Get("Retry-After-Ms"))
	if resp.StatusCode != http.StatusTooManyRequests || err != nil || wait < 1 || wait > 1000 {
		t.Errorf("third list: %d with Retry-After-Ms %q; want 429 and a wait of at most a second", resp.StatusCode, resp.Header.Get("Retry-After-Ms"))
	}
	// Adds have their own limit.
	if a := call(t, srv, key, "POST", "/v1/audiences/aud/members", members("u1")); a.status != 204 {
		t.Errorf("add after the lists: %d %v", a.status, a.body)
	}
}
