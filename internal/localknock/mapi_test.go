package localknock_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

const (
	token      = "knock_st_test"
	productKey = "sk_test_other_env" // the second key of start: environment "production"
)

// startMAPI is start with a service token for the mAPI.
func startMAPI(t *testing.T) *localknock.Server {
	t.Helper()
	srv := start(t)
	srv.AddServiceToken(token)
	return srv
}

func staticBody(name string) string {
	return fmt.Sprintf(`{"audience":{"type":"static","name":%q,"description":"d"}}`, name)
}

// dynamicBody is a dynamic audience of one segment with the given conditions (JSON objects).
func dynamicBody(conditions ...string) string {
	return `{"audience":{"type":"dynamic","name":"Dyn","segments":[{"conditions":[` + strings.Join(conditions, ",") + `]}]}}`
}

// upsert puts the body into the audience and fails the test unless Knock answers 200; it returns the audience.
func upsert(t *testing.T, srv *localknock.Server, audienceKey, query, body string) map[string]any {
	t.Helper()
	a := call(t, srv, token, "PUT", "/v1/audiences/"+audienceKey+"?"+query, body)
	if a.status != 200 {
		t.Fatalf("upsert %s?%s: %d %v", audienceKey, query, a.status, a.body)
	}
	return a.body["audience"].(map[string]any)
}

// wantError fails the test unless the answer is Knock's error with the status and code and, when
// field is set, a field error on it.
func wantError(t *testing.T, a answer, status int, code, field string) {
	t.Helper()
	if a.status != status || a.body["code"] != code || a.body["status"] != float64(status) || a.body["message"] == "" || a.body["type"] == nil {
		t.Errorf("got %d %v, want %d with code %q", a.status, a.body, status, code)
		return
	}
	if field == "" {
		return
	}
	errs, _ := a.body["errors"].([]any)
	for _, e := range errs {
		if e.(map[string]any)["field"] == field && e.(map[string]any)["message"] != "" {
			return
		}
	}
	t.Errorf("errors %v name no field %q", a.body["errors"], field)
}

func TestMAPI_authentication(t *testing.T) {
	srv := startMAPI(t)
	srv.CreateAudience("aud")
	tests := []struct {
		name, credential, method, path string
		status                         int
	}{
		{"token on the mAPI", token, "GET", "/v1/audiences/aud?environment=development", 200},
		{"no token on the mAPI", "", "GET", "/v1/audiences/aud?environment=development", 401},
		{"unknown token on the mAPI", "knock_st_other", "GET", "/v1/audiences?environment=development", 401},
		{"secret key on the mAPI", key, "GET", "/v1/audiences/aud?environment=development", 401},
		{"token on the Knock API", token, "GET", "/v1/audiences/aud/members", 401},
		{"secret key on the Knock API", key, "GET", "/v1/audiences/aud/members", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, srv, tc.credential, tc.method, tc.path, "")
			if tc.status == 200 {
				if a.status != 200 {
					t.Errorf("got %d %v, want 200", a.status, a.body)
				}
				return
			}
			wantError(t, a, tc.status, "unauthorized", "")
		})
	}
}

func TestMAPI_routesAndParameters(t *testing.T) {
	srv := startMAPI(t)
	srv.CreateAudience("aud")
	tests := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"no environment", "GET", "/v1/audiences/aud", "", 422, "invalid_params", "environment"},
		{"unknown environment", "GET", "/v1/audiences?environment=staging", "", 404, "resource_missing", ""},
		{"unknown audience", "GET", "/v1/audiences/nope?environment=development", "", 404, "resource_missing", ""},
		{"audience of another environment", "GET", "/v1/audiences/aud?environment=production", "", 404, "resource_missing", ""},
		{"branch outside development", "GET", "/v1/audiences?environment=production&branch=feature", "", 422, "invalid_params", "branch"},
		{"not a boolean", "GET", "/v1/audiences/aud?environment=development&hide_uncommitted_changes=maybe", "", 422, "invalid_params", "hide_uncommitted_changes"},
		{"limit too large", "GET", "/v1/audiences?environment=development&limit=51", "", 422, "invalid_params", "limit"},
		{"limit zero", "GET", "/v1/audiences?environment=development&limit=0", "", 422, "invalid_params", "limit"},
		{"bad cursor", "GET", "/v1/audiences?environment=development&after=zzz", "", 422, "invalid_params", "after"},
		{"not JSON", "PUT", "/v1/audiences/aud?environment=development", "{", 400, "invalid_json", ""},
		{"no route", "GET", "/v1/audiences/aud/other?environment=development", "", 404, "route_not_found", ""},
		{"wrong method on the list", "POST", "/v1/audiences?environment=development", "", 405, "method_not_allowed", ""},
		{"wrong method on validate", "GET", "/v1/audiences/aud/validate?environment=development", "", 405, "method_not_allowed", ""},
		{"archive of an unknown audience", "DELETE", "/v1/audiences/nope?environment=development", "", 404, "resource_missing", ""},
		{"archive without environment", "DELETE", "/v1/audiences/aud", "", 422, "invalid_params", "environment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, call(t, srv, token, tc.method, tc.path, tc.body), tc.status, tc.code, tc.field)
		})
	}
}

func TestMAPI_upsertGetAndSHA(t *testing.T) {
	srv := startMAPI(t)
	created := upsert(t, srv, "beta", "environment=development&commit=true", staticBody("Beta"))
	for field, want := range map[string]any{"key": "beta", "type": "static", "name": "Beta", "description": "d", "environment": "development"} {
		if created[field] != want {
			t.Errorf("created %s = %v, want %v", field, created[field], want)
		}
	}
	if _, ok := created["segments"]; ok {
		t.Errorf("a static audience has segments: %v", created)
	}
	got := call(t, srv, token, "GET", "/v1/audiences/beta?environment=development", "")
	if got.status != 200 || got.body["sha"] != created["sha"] || got.body["created_at"] != created["created_at"] {
		t.Errorf("get: %d %v, want the created audience %v", got.status, got.body, created)
	}
	same := upsert(t, srv, "beta", "environment=development&commit=true", staticBody("Beta"))
	renamed := upsert(t, srv, "beta", "environment=development&commit=true", staticBody("Beta testers"))
	if same["sha"] != created["sha"] || renamed["sha"] == created["sha"] || renamed["created_at"] != created["created_at"] {
		t.Errorf("sha: created %v, same definition %v, renamed %v; want it to change with the definition only", created["sha"], same["sha"], renamed["sha"])
	}
	def, ok := srv.AudienceDefinition("development", "beta")
	if !ok || def.Name != "Beta testers" || def.Description != "d" || def.Type != "static" || def.SHA != renamed["sha"] || !def.Committed {
		t.Errorf("AudienceDefinition = %+v, %v", def, ok)
	}
	// An out-of-band change (drift) shows on the next get, with a new sha.
	srv.SetAudienceDefinition("development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Changed"})
	got = call(t, srv, token, "GET", "/v1/audiences/beta?environment=development", "")
	if got.body["name"] != "Changed" || got.body["description"] != nil || got.body["sha"] == renamed["sha"] {
		t.Errorf("after SetAudienceDefinition: %v", got.body)
	}
	// Only development takes the audience.
	if _, ok := srv.AudienceDefinition("production", "beta"); ok {
		t.Error("the audience exists in production")
	}
}

func TestMAPI_typeCannotChange(t *testing.T) {
	srv := startMAPI(t)
	upsert(t, srv, "beta", "environment=development", staticBody("Beta"))
	body := dynamicBody(`{"property":"recipient.plan","operator":"equal_to","argument":"pro"}`)
	for _, path := range []string{"/v1/audiences/beta?environment=development", "/v1/audiences/beta/validate?environment=development"} {
		wantError(t, call(t, srv, token, "PUT", path, body), 422, "invalid_params", "audience.type")
	}
	if def, _ := srv.AudienceDefinition("development", "beta"); def.Type != "static" {
		t.Errorf("type = %q after a refused change", def.Type)
	}
}

// TestMAPI_forceRule: upserts (and validations) outside development need force=true.
func TestMAPI_forceRule(t *testing.T) {
	srv := startMAPI(t)
	for _, path := range []string{"/v1/audiences/beta?environment=production", "/v1/audiences/beta/validate?environment=production", "/v1/audiences/beta?environment=production&force=false"} {
		wantError(t, call(t, srv, token, "PUT", path, staticBody("Beta")), 422, "invalid_params", "environment")
	}
	if _, ok := srv.AudienceDefinition("production", "beta"); ok {
		t.Fatal("a refused upsert created the audience")
	}
	created := upsert(t, srv, "beta", "environment=production&force=true&commit=true", staticBody("Beta"))
	if created["environment"] != "production" {
		t.Errorf("environment = %v", created["environment"])
	}
	// The audience is the production key's on the Knock API.
	if a := call(t, srv, productKey, "GET", "/v1/audiences/beta/members", ""); a.status != 200 {
		t.Errorf("members in production: %d %v", a.status, a.body)
	}
	if a := call(t, srv, key, "GET", "/v1/audiences/beta/members", ""); a.status != 404 {
		t.Errorf("members in development: %d %v, want 404", a.status, a.body)
	}
}

// TestMAPI_branches: a branch sees the environment's audiences until it changes one; its changes stay
// on the branch, and the Knock API serves the environment's audiences only.
func TestMAPI_branches(t *testing.T) {
	srv := startMAPI(t)
	upsert(t, srv, "main-aud", "environment=development&commit=true", staticBody("Main"))
	onBranch := upsert(t, srv, "main-aud", "environment=development&branch=feature&commit=true", staticBody("Renamed on branch"))
	upsert(t, srv, "branch-aud", "environment=development&branch=feature", staticBody("Branch only"))

	if a := call(t, srv, token, "GET", "/v1/audiences/main-aud?environment=development", ""); a.body["name"] != "Main" {
		t.Errorf("development sees %v, want the unchanged audience", a.body)
	}
	if a := call(t, srv, token, "GET", "/v1/audiences/main-aud?environment=development&branch=feature", ""); a.body["sha"] != onBranch["sha"] {
		t.Errorf("the branch sees %v, want its change", a.body)
	}
	if a := call(t, srv, token, "GET", "/v1/audiences/branch-aud?environment=development", ""); a.status != 404 {
		t.Errorf("development sees the branch's audience: %d", a.status)
	}
	if got := listKeys(t, srv, "environment=development&branch=feature", 50); strings.Join(got, ",") != "branch-aud,main-aud" {
		t.Errorf("branch lists %v", got)
	}
	if got := listKeys(t, srv, "environment=development&branch=other", 50); strings.Join(got, ",") != "main-aud" {
		t.Errorf("another branch lists %v", got)
	}
	if a := call(t, srv, key, "GET", "/v1/audiences/branch-aud/members", ""); a.status != 404 {
		t.Errorf("the Knock API serves a branch's audience: %d", a.status)
	}
}

// TestMAPI_commits: an upsert without commit leaves an uncommitted change, which
// hide_uncommitted_changes hides; commit, commit_message and allow_empty make commits.
func TestMAPI_commits(t *testing.T) {
	srv := startMAPI(t)
	draft := upsert(t, srv, "beta", "environment=development", staticBody("Draft"))
	if def, _ := srv.AudienceDefinition("development", "beta"); def.Committed || def.Name != "Draft" {
		t.Errorf("after an upsert without commit: %+v, want an uncommitted Draft", def)
	}
	if a := call(t, srv, token, "GET", "/v1/audiences/beta?environment=development", ""); a.body["sha"] != draft["sha"] {
		t.Errorf("get shows %v, want the uncommitted change", a.body)
	}
	wantError(t, call(t, srv, token, "GET", "/v1/audiences/beta?environment=development&hide_uncommitted_changes=true", ""), 404, "resource_missing", "")
	if got := listKeys(t, srv, "environment=development&hide_uncommitted_changes=true", 50); len(got) != 0 {
		t.Errorf("list without uncommitted changes: %v, want none", got)
	}

	committed := upsert(t, srv, "beta", "environment=development&commit=true&commit_message=first", staticBody("Draft"))
	upsert(t, srv, "beta", "environment=development", staticBody("Second draft"))
	hidden := call(t, srv, token, "GET", "/v1/audiences/beta?environment=development&hide_uncommitted_changes=true", "")
	if hidden.body["name"] != "Draft" || hidden.body["sha"] != committed["sha"] {
		t.Errorf("hiding uncommitted changes shows %v, want the committed Draft", hidden.body)
	}
	if got := listKeys(t, srv, "environment=development&hide_uncommitted_changes=true", 50); len(got) != 1 {
		t.Errorf("list without uncommitted changes: %v, want beta", got)
	}
	// Going back to the committed definition leaves nothing uncommitted.
	upsert(t, srv, "beta", "environment=development", staticBody("Draft"))
	if def, _ := srv.AudienceDefinition("development", "beta"); !def.Committed {
		t.Errorf("after reverting to the committed definition: %+v", def)
	}
	// A commit without change is made only with allow_empty.
	upsert(t, srv, "beta", "environment=development&commit=true&commit_message=nothing", staticBody("Draft"))
	upsert(t, srv, "beta", "environment=development&commit=true&allow_empty=true&commit_message=empty", staticBody("Draft"))
	if got := srv.Commits("development", "beta"); strings.Join(got, "|") != "first|empty" {
		t.Errorf("commits = %q, want first and empty", got)
	}
}

// listKeys lists every audience key page by page with the given limit.
func listKeys(t *testing.T, srv *localknock.Server, query string, limit int) []string {
	t.Helper()
	var keys []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("pagination does not end")
		}
		q := fmt.Sprintf("%s&limit=%d", query, limit)
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		a := call(t, srv, token, "GET", "/v1/audiences?"+q, "")
		if a.status != 200 {
			t.Fatalf("list %s: %d %v", q, a.status, a.body)
		}
		for _, e := range a.body["entries"].([]any) {
			keys = append(keys, e.(map[string]any)["key"].(string))
		}
		info := a.body["page_info"].(map[string]any)
		if info["page_size"] != float64(limit) {
			t.Errorf("page_size = %v, want %d", info["page_size"], limit)
		}
		next, _ := info["after"].(string)
		if next == "" {
			return keys
		}
		after = next
	}
}

func TestMAPI_pagination(t *testing.T) {
	srv := startMAPI(t)
	for _, k := range []string{"g", "c", "a", "e", "b", "f", "d"} {
		upsert(t, srv, k, "environment=development", staticBody(k))
	}
	if got := strings.Join(listKeys(t, srv, "environment=development", 3), ""); got != "abcdefg" {
		t.Errorf("pages of 3 list %q, want abcdefg in key order", got)
	}
	// The last page names a before cursor; it leads to the page before it.
	page := func(query string) (keys string, info map[string]any) {
		a := call(t, srv, token, "GET", "/v1/audiences?environment=development&limit=3"+query, "")
		for _, e := range a.body["entries"].([]any) {
			keys += e.(map[string]any)["key"].(string)
		}
		return keys, a.body["page_info"].(map[string]any)
	}
	first, info := page("")
	if first != "abc" || info["before"] != nil || info["after"] == nil {
		t.Fatalf("first page %q %v", first, info)
	}
	second, info := page("&after=" + info["after"].(string))
	if second != "def" || info["before"] == nil || info["after"] == nil {
		t.Fatalf("second page %q %v", second, info)
	}
	back, info := page("&before=" + info["before"].(string))
	if back != "abc" || info["before"] != nil || info["after"] == nil {
		t.Errorf("page before the second: %q %v, want abc", back, info)
	}
	last, info := page("&after=" + encodeAfter(t, srv, "f"))
	if last != "g" || info["after"] != nil || info["before"] == nil {
		t.Errorf("last page %q %v", last, info)
	}
	wantError(t, call(t, srv, token, "GET", "/v1/audiences?environment=development&after="+info["before"].(string)+"&before="+info["before"].(string), ""), 422, "invalid_params", "before")
}

// encodeAfter returns the after cursor of the page that ends at key (a page of limit 1 starting there).
func encodeAfter(t *testing.T, srv *localknock.Server, key string) string {
	t.Helper()
	cursor := ""
	for {
		q := "/v1/audiences?environment=development&limit=1"
		if cursor != "" {
			q += "&after=" + cursor
		}
		a := call(t, srv, token, "GET", q, "")
		entries := a.body["entries"].([]any)
		cursor, _ = a.body["page_info"].(map[string]any)["after"].(string)
		if len(entries) == 1 && entries[0].(map[string]any)["key"] == key || cursor == "" {
			return cursor
		}
	}
}

// TestMAPI_archiveEverywhere: archiving in one environment archives the audience in all of them, for
// the mAPI and the Knock API alike; the key can then be used again.
func TestMAPI_archiveEverywhere(t *testing.T) {
	srv := startMAPI(t)
	upsert(t, srv, "beta", "environment=development&commit=true", staticBody("Beta"))
	upsert(t, srv, "beta", "environment=production&force=true&commit=true", staticBody("Beta"))
	upsert(t, srv, "beta", "environment=development&branch=feature", staticBody("On branch"))
	srv.AddMemberships("beta", localknock.Membership{UserID: "u1"})

	a := call(t, srv, token, "DELETE", "/v1/audiences/beta?environment=development", "")
	if a.status != 200 || a.body["result"] != "success" {
		t.Fatalf("archive: %d %v", a.status, a.body)
	}
	if !srv.Archived("beta") {
		t.Error("Archived = false")
	}
	for _, q := range []string{"environment=development", "environment=production", "environment=development&branch=feature"} {
		wantError(t, call(t, srv, token, "GET", "/v1/audiences/beta?"+q, ""), 404, "resource_missing", "")
	}
	for _, k := range []string{key, productKey} {
		wantError(t, call(t, srv, k, "GET", "/v1/audiences/beta/members", ""), 404, "resource_missing", "")
		wantError(t, call(t, srv, k, "POST", "/v1/audiences/beta/members", members("u1")), 404, "resource_missing", "")
	}
	wantError(t, call(t, srv, token, "DELETE", "/v1/audiences/beta?environment=production", ""), 404, "resource_missing", "")

	upsert(t, srv, "beta", "environment=development", staticBody("Beta again"))
	if srv.Archived("beta") {
		t.Error("Archived = true after the key was used again")
	}
	if got := srv.Memberships("beta"); len(got) != 0 {
		t.Errorf("the new audience has the archived one's members: %v", got)
	}
}

// TestMAPI_createAudienceInterplay: an audience created by an add with create_audience is a static
// audience on the mAPI, and one created by the mAPI takes members on the Knock API.
func TestMAPI_createAudienceInterplay(t *testing.T) {
	srv := startMAPI(t)
	if a := call(t, srv, key, "POST", "/v1/audiences/from-add/members?create_audience=true", members("u1")); a.status != 204 {
		t.Fatalf("add: %d %v", a.status, a.body)
	}
	got := call(t, srv, token, "GET", "/v1/audiences/from-add?environment=development&hide_uncommitted_changes=true", "")
	if got.status != 200 || got.body["type"] != "static" || got.body["name"] != "from-add" {
		t.Errorf("mAPI get of an audience created by an add: %d %v", got.status, got.body)
	}
	if keys := listKeys(t, srv, "environment=development", 50); strings.Join(keys, ",") != "from-add" {
		t.Errorf("list = %v", keys)
	}
	wantError(t, call(t, srv, token, "GET", "/v1/audiences/from-add?environment=production", ""), 404, "resource_missing", "")

	upsert(t, srv, "from-mapi", "environment=development", staticBody("From mAPI"))
	if a := call(t, srv, key, "POST", "/v1/audiences/from-mapi/members", members("u2")); a.status != 204 {
		t.Fatalf("add to an audience created by the mAPI: %d %v", a.status, a.body)
	}
	if got := srv.Memberships("from-mapi"); len(got) != 1 || got[0].UserID != "u2" {
		t.Errorf("memberships = %v", got)
	}
	// Redefining the audience keeps its members: they are data, not content.
	upsert(t, srv, "from-mapi", "environment=development&commit=true", staticBody("Renamed"))
	if got := srv.Memberships("from-mapi"); len(got) != 1 {
		t.Errorf("memberships after an upsert = %v", got)
	}
}

// TestMAPI_requestCountsAndFaults: the five endpoints count their requests and take their own faults.
func TestMAPI_requestCountsAndFaults(t *testing.T) {
	srv := startMAPI(t)
	srv.InjectFaults(localknock.EndpointAudienceGet, localknock.Fault{Status: 503})
	srv.InjectFaults(localknock.EndpointAudienceUpsert, localknock.Fault{}, localknock.Fault{Status: 429, RetryAfterMs: 5})
	upsert(t, srv, "beta", "environment=development", staticBody("Beta"))
	wantError(t, call(t, srv, token, "PUT", "/v1/audiences/beta?environment=development", staticBody("Beta")), 429, "rate_limit_exceeded", "")
	wantError(t, call(t, srv, token, "GET", "/v1/audiences/beta?environment=development", ""), 503, "injected_fault", "")
	if a := call(t, srv, token, "GET", "/v1/audiences/beta?environment=development", ""); a.status != 200 {
		t.Errorf("get after the fault: %d", a.status)
	}
	call(t, srv, token, "GET", "/v1/audiences?environment=development", "")
	call(t, srv, token, "PUT", "/v1/audiences/beta/validate?environment=development", staticBody("Beta"))
	call(t, srv, token, "DELETE", "/v1/audiences/beta?environment=development", "")
	want := map[localknock.Endpoint]int{
		localknock.EndpointAudienceUpsert: 2, localknock.EndpointAudienceGet: 2, localknock.EndpointAudienceList: 1,
		localknock.EndpointAudienceValidate: 1, localknock.EndpointAudienceArchive: 1,
	}
	got := srv.Requests()
	for endpoint, n := range want {
		if got[endpoint] != n {
			t.Errorf("%s requests = %d, want %d", endpoint, got[endpoint], n)
		}
	}
	if len(got) != len(want) || srv.FaultsInjected() != 2 {
		t.Errorf("requests %v, faults %d: want only the mAPI's and 2 faults", got, srv.FaultsInjected())
	}
}

func TestMAPI_rateLimit(t *testing.T) {
	srv := startMAPI(t)
	srv.SetRateLimit(localknock.EndpointAudienceList, 1)
	if a := call(t, srv, token, "GET", "/v1/audiences?environment=development", ""); a.status != 200 {
		t.Fatalf("first list: %d", a.status)
	}
	wantError(t, call(t, srv, token, "GET", "/v1/audiences?environment=development", ""), 429, "rate_limit_exceeded", "")
	// Limits are per environment, as on the Knock API.
	if a := call(t, srv, token, "GET", "/v1/audiences?environment=production", ""); a.status != 200 {
		t.Errorf("list in production: %d", a.status)
	}
}

func TestMAPI_nameEnvironment(t *testing.T) {
	srv := localknock.StartForTest(t, "sk_a", "sk_b", "sk_c")
	srv.AddServiceToken(token)
	if a := call(t, srv, token, "GET", "/v1/audiences?environment=environment-3", ""); a.status != 200 {
		t.Errorf("default slug of the third key: %d %v", a.status, a.body)
	}
	srv.NameEnvironment("sk_c", "staging")
	upsert(t, srv, "beta", "environment=staging&force=true", staticBody("Beta"))
	if a := call(t, srv, "sk_c", "GET", "/v1/audiences/beta/members", ""); a.status != 200 {
		t.Errorf("members of the staging key: %d %v", a.status, a.body)
	}
	wantError(t, call(t, srv, token, "GET", "/v1/audiences?environment=environment-3", ""), 404, "resource_missing", "")
	defer func() {
		if recover() == nil {
			t.Error("naming two environments alike did not panic")
		}
	}()
	srv.NameEnvironment("sk_a", "staging")
}
