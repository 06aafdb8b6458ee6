package localknock_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// memberIDs lists the audience on the Knock API page by page and returns the user ids in order.
func memberIDs(t *testing.T, srv *localknock.Server, audienceKey string, pageSize int) []string {
	t.Helper()
	var ids []string
	path := fmt.Sprintf("/v1/audiences/%s/members?page_size=%d", audienceKey, pageSize)
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("pagination does not end")
		}
		a := call(t, srv, key, "GET", path, "")
		if a.status != 200 {
			t.Fatalf("list %s: %d %v", path, a.status, a.body)
		}
		for _, e := range a.body["entries"].([]any) {
			entry := e.(map[string]any)
			if entry["tenant"] != nil || entry["user"].(map[string]any)["id"] != entry["user_id"] {
				t.Errorf("entry %v: want no tenant and the user", entry)
			}
			ids = append(ids, entry["user_id"].(string))
		}
		after, _ := a.body["page_info"].(map[string]any)["after"].(string)
		if after == "" {
			return ids
		}
		path = fmt.Sprintf("/v1/audiences/%s/members?page_size=%d&after=%s", audienceKey, pageSize, after)
	}
}

// setUpUsers gives the development environment four users: u1 to u3 with properties, u4 a member of
// the static audience vip (under a tenant) with none.
func setUpUsers(srv *localknock.Server) {
	srv.SetUser(localknock.User{ID: "u1", Name: "Ada", Email: "ada@example.com", Properties: map[string]any{
		"plan": "pro", "age": float64(30), "tags": []any{"beta", "eu"}, "signed_up": "2024-01-10T00:00:00Z",
		"company": map[string]any{"size": float64(120)}, "verified": true,
	}})
	srv.SetUser(localknock.User{ID: "u2", Name: "Bob", Email: "bob@example.com", Properties: map[string]any{
		"plan": "free", "age": 17, "tags": []any{}, "signed_up": "2023-06-01T00:00:00Z", "verified": false,
	}})
	srv.SetUser(localknock.User{ID: "u3", Properties: map[string]any{"plan": "pro", "age": float64(45)}})
	srv.AddMemberships("vip", localknock.Membership{UserID: "u4", Tenant: "acme"})
}

func condition(property, operator, argument string) string {
	if argument == "" {
		return fmt.Sprintf(`{"property":%q,"operator":%q}`, property, operator)
	}
	return fmt.Sprintf(`{"property":%q,"operator":%q,"argument":%q}`, property, operator, argument)
}

// TestDynamicAudience_operators: the Knock API lists the users matching a dynamic audience's
// conditions, in user id order.
func TestDynamicAudience_operators(t *testing.T) {
	srv := startMAPI(t)
	setUpUsers(srv)
	upsert(t, srv, "pro", "environment=development", dynamicBody(condition("recipient.plan", "equal_to", "pro")))
	tests := []struct {
		name, conditions string
		want             string
	}{
		{"equal_to a string", condition("recipient.plan", "equal_to", "pro"), "u1,u3"},
		{"equal_to a number", condition("recipient.age", "equal_to", "17"), "u2"},
		{"equal_to a boolean", condition("recipient.verified", "equal_to", "true"), "u1"},
		{"equal_to the id", condition("recipient.id", "equal_to", "u4"), "u4"},
		{"not_equal_to, absent included", condition("recipient.plan", "not_equal_to", "pro"), "u2,u4"},
		{"greater_than compares numbers", condition("recipient.age", "greater_than", "9"), "u1,u2,u3"},
		{"less_than_or_equal_to", condition("recipient.age", "less_than_or_equal_to", "30"), "u1,u2"},
		{"less_than", condition("recipient.age", "less_than", "30"), "u2"},
		{"greater_than_or_equal_to compares strings", condition("recipient.name", "greater_than_or_equal_to", "B"), "u2"},
		{"contains in a string", condition("recipient.email", "contains", "example.com"), "u1,u2"},
		{"contains in a list", condition("recipient.tags", "contains", "beta"), "u1"},
		{"not_contains", condition("recipient.tags", "not_contains", "beta"), "u2,u3,u4"},
		{"empty", condition("recipient.tags", "empty", ""), "u2,u3,u4"},
		{"not_empty", condition("recipient.tags", "not_empty", ""), "u1"},
		{"exists", condition("recipient.plan", "exists", ""), "u1,u2,u3"},
		{"not_exists", condition("recipient.plan", "not_exists", ""), "u4"},
		{"nested property", condition("recipient.company.size", "greater_than", "100"), "u1"},
		{"is_timestamp_before", condition("recipient.signed_up", "is_timestamp_before", "2024-01-01T00:00:00Z"), "u2"},
		{"is_timestamp_on_or_after", condition("recipient.signed_up", "is_timestamp_on_or_after", "2024-01-10T00:00:00Z"), "u1"},
		{"created_at", condition("recipient.created_at", "is_timestamp_on_or_after", "2000-01-01T00:00:00Z"), "u1,u2,u3,u4"},
		{"is_audience_member of a static audience, any tenant", condition("recipient.id", "is_audience_member", "vip"), "u4"},
		{"is_not_audience_member", condition("recipient.id", "is_not_audience_member", "vip"), "u1,u2,u3"},
		{"is_audience_member of a dynamic audience", condition("recipient.id", "is_audience_member", "pro"), "u1,u3"},
		{"conditions of a segment are AND-ed", condition("recipient.plan", "equal_to", "pro") + "," + condition("recipient.age", "greater_than", "40"), "u3"},
		{"not evaluated locally", condition("recipient.tags", "contains_all", "beta"), ""},
		{"data has no value here", condition("data.plan", "exists", ""), ""},
		{"absent data", condition("data.plan", "not_exists", ""), "u1,u2,u3,u4"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			audienceKey := fmt.Sprintf("case-%d", i)
			upsert(t, srv, audienceKey, "environment=development", dynamicBody(tc.conditions))
			if got := strings.Join(memberIDs(t, srv, audienceKey, 50), ","); got != tc.want {
				t.Errorf("members = %q, want %q", got, tc.want)
			}
		})
	}

	t.Run("segments are OR-ed", func(t *testing.T) {
		body := `{"audience":{"type":"dynamic","name":"Either","segments":[{"conditions":[` +
			condition("recipient.plan", "equal_to", "pro") + "," + condition("recipient.age", "greater_than", "40") +
			`]},{"conditions":[` + condition("recipient.plan", "equal_to", "free") + `]}]}}`
		upsert(t, srv, "either", "environment=development", body)
		if got := strings.Join(memberIDs(t, srv, "either", 50), ","); got != "u2,u3" {
			t.Errorf("members = %q, want u2,u3", got)
		}
	})
}

// TestDynamicAudience_followsChanges: members follow the users' properties and the definition, and a
// cycle made out of band lists no one instead of looping.
func TestDynamicAudience_followsChanges(t *testing.T) {
	srv := startMAPI(t)
	setUpUsers(srv)
	upsert(t, srv, "pro", "environment=development", dynamicBody(condition("recipient.plan", "equal_to", "pro")))
	srv.SetUser(localknock.User{ID: "u2", Properties: map[string]any{"plan": "pro"}})
	if got := strings.Join(memberIDs(t, srv, "pro", 50), ","); got != "u1,u2,u3" {
		t.Errorf("after u2 upgrades: %q", got)
	}
	upsert(t, srv, "pro", "environment=development", dynamicBody(condition("recipient.plan", "equal_to", "free")))
	if got := memberIDs(t, srv, "pro", 50); len(got) != 0 {
		t.Errorf("after the definition changed: %q, want none", got)
	}
	srv.SetAudienceDefinition("development", "loop-a", localknock.AudienceDefinition{Type: "dynamic", Name: "A",
		Segments: []localknock.Segment{{Conditions: []localknock.Condition{{Property: "recipient.id", Operator: "is_audience_member", Argument: ptr("loop-b")}}}}})
	srv.SetAudienceDefinition("development", "loop-b", localknock.AudienceDefinition{Type: "dynamic", Name: "B",
		Segments: []localknock.Segment{{Conditions: []localknock.Condition{{Property: "recipient.id", Operator: "is_audience_member", Argument: ptr("loop-a")}}}}})
	if got := memberIDs(t, srv, "loop-a", 50); len(got) != 0 {
		t.Errorf("circular audiences list %q, want none", got)
	}
}

func ptr(s string) *string { return &s }

// TestDynamicAudience_pagination: a dynamic audience pages like a static one, by after cursors.
func TestDynamicAudience_pagination(t *testing.T) {
	srv := startMAPI(t)
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("user-%d", 7-i)
		srv.SetUser(localknock.User{ID: id, Properties: map[string]any{"plan": "pro"}})
		want = append(want, id)
	}
	slices.Sort(want)
	upsert(t, srv, "pro", "environment=development", dynamicBody(condition("recipient.plan", "equal_to", "pro")))
	srv.ResetRequests()
	if got := memberIDs(t, srv, "pro", 3); !slices.Equal(got, want) {
		t.Errorf("pages of 3 list %q, want %q", got, want)
	}
	if n := srv.Requests()[localknock.EndpointList]; n != 3 {
		t.Errorf("list requests = %d, want 3 pages", n)
	}
	srv.AddMemberships("static", localknock.Membership{UserID: "user-1"}, localknock.Membership{UserID: "user-2"})
	a := call(t, srv, key, "GET", "/v1/audiences/static/members?page_size=1", "")
	staticCursor := a.body["page_info"].(map[string]any)["after"].(string)
	wantError(t, call(t, srv, key, "GET", "/v1/audiences/pro/members?after="+staticCursor, ""), 422, "invalid_params", "after")
}

// TestDynamicAudience_refusesWrites: members of a dynamic audience cannot be added or removed, not even
// through create_audience.
func TestDynamicAudience_refusesWrites(t *testing.T) {
	srv := startMAPI(t)
	srv.SetUser(localknock.User{ID: "u1", Properties: map[string]any{"plan": "pro"}})
	upsert(t, srv, "pro", "environment=development", dynamicBody(condition("recipient.plan", "equal_to", "pro")))
	for _, tc := range []struct{ method, path string }{
		{"POST", "/v1/audiences/pro/members"},
		{"POST", "/v1/audiences/pro/members?create_audience=true"},
		{"DELETE", "/v1/audiences/pro/members"},
	} {
		wantError(t, call(t, srv, key, tc.method, tc.path, members("u1", "u2")), 422, "invalid_params", "")
	}
	if got := strings.Join(memberIDs(t, srv, "pro", 50), ","); got != "u1" {
		t.Errorf("members = %q, want u1", got)
	}
}

// TestDynamicAudience_customProperties: the member listing shows custom properties beside the standard
// ones, and a custom property cannot hide a standard one.
func TestDynamicAudience_customProperties(t *testing.T) {
	srv := startMAPI(t)
	srv.SetUser(localknock.User{ID: "u1", Email: "ada@example.com", Properties: map[string]any{"plan": "pro", "email": "other@example.com"}})
	srv.AddMemberships("static", localknock.Membership{UserID: "u1"})
	a := call(t, srv, key, "GET", "/v1/audiences/static/members", "")
	user := a.body["entries"].([]any)[0].(map[string]any)["user"].(map[string]any)
	if user["plan"] != "pro" || user["email"] != "ada@example.com" || user["id"] != "u1" || user["__typename"] != "User" {
		t.Errorf("user = %v", user)
	}
}
