package knockmgmt_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
)

const testToken = "knock_st_test_token"

// request is what the fake API received.
type request struct {
	Method, Path, Query, Auth, Body string
}

// fakeAPI answers each request with handler and records it.
type fakeAPI struct {
	mu       sync.Mutex
	requests []request
}

func (f *fakeAPI) received() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

func startFake(t *testing.T, handler http.HandlerFunc) (*fakeAPI, *knockmgmt.Client) {
	t.Helper()
	return startFakeWith(t, knockmgmt.Config{MaxRetries: 2}, handler)
}

// startFakeWith is startFake with a client of cfg, whose base URL and token it sets.
func startFakeWith(t *testing.T, cfg knockmgmt.Config, handler http.HandlerFunc) (*fakeAPI, *knockmgmt.Client) {
	t.Helper()
	f := &fakeAPI{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, request{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), string(body)})
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(knockhttp.RequestIDHeader, "req_1")
		handler(w, r)
	}))
	t.Cleanup(ts.Close)
	cfg.BaseURL, cfg.ServiceToken = ts.URL, testToken
	client, err := knockmgmt.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f, client
}

// answer writes status and body.
func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

const dynamicJSON = `{"key":"vip","type":"dynamic","name":"VIP","description":null,"environment":"development","sha":"abc",
"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-02-03T04:05:06Z",
"segments":[{"conditions":[{"property":"recipient.plan","operator":"equal_to","argument":"premium"},
{"property":"recipient.age","operator":"greater_than","argument":30},{"property":"recipient.email","operator":"exists","argument":null}]}]}`

func ptr(s string) *string { return &s }

func wantAudience() knockmgmt.Audience {
	return knockmgmt.Audience{
		Key: "vip", Type: "dynamic", Name: "VIP", Environment: "development", SHA: "abc",
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC),
		Segments: []knockmgmt.Segment{{Conditions: []knockmgmt.Condition{
			{Property: "recipient.plan", Operator: "equal_to", Argument: ptr("premium")},
			{Property: "recipient.age", Operator: "greater_than", Argument: ptr("30")},
			{Property: "recipient.email", Operator: "exists"},
		}}},
	}
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
	if strings.Contains(err.Error(), testToken) {
		t.Fatalf("the error holds the token: %v", err)
	}
}

func TestClient_getAudience(t *testing.T) {
	fake, client := startFake(t, answer(200, dynamicJSON))
	got, err := client.GetAudience(context.Background(), knockmgmt.Location{Environment: "development", Branch: "feature-1"}, "vip")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantAudience()) {
		t.Errorf("got %+v\nwant %+v", got, wantAudience())
	}
	want := []request{{"GET", "/v1/audiences/vip", "branch=feature-1&environment=development", "Bearer " + testToken, ""}}
	if reqs := fake.received(); fmt.Sprint(reqs) != fmt.Sprint(want) {
		t.Errorf("requests %+v, want %+v", reqs, want)
	}
}

func TestClient_notFoundOnlyForKnocksAnswer(t *testing.T) {
	_, client := startFake(t, answer(404, `{"code":"resource_missing","message":"The resource you requested does not exist.","type":"invalid_request_error"}`))
	_, err := client.GetAudience(context.Background(), knockmgmt.Location{Environment: "production"}, "gone")
	if !knockmgmt.IsNotFound(err) {
		t.Errorf("IsNotFound(%v) = false", err)
	}
	_, foreign := startFake(t, answer(404, `<html>Not Found</html>`))
	_, err = foreign.GetAudience(context.Background(), knockmgmt.Location{Environment: "production"}, "gone")
	if knockmgmt.IsNotFound(err) || knockhttp.StatusCode(err) != 404 {
		t.Errorf("a foreign 404: IsNotFound(%v) = true", err)
	}
}

// TestClient_refusesBadLocationsAndKeysWithoutRequests: a branch outside development, no environment, and
// a key that cannot be one path segment are refused before any request.
func TestClient_refusesBadLocationsAndKeysWithoutRequests(t *testing.T) {
	fake, client := startFake(t, answer(200, dynamicJSON))
	ctx := context.Background()
	_, err := client.GetAudience(ctx, knockmgmt.Location{Environment: "production", Branch: "feature-1"}, "vip")
	wantError(t, err, `branch "feature-1" is given with environment "production"`, "only the development environment has branches")
	_, err = client.UpsertAudience(ctx, knockmgmt.Location{}, "vip", knockmgmt.Definition{Type: "static", Name: "V"}, knockmgmt.WriteOptions{})
	wantError(t, err, "an environment is required")
	for _, key := range []string{"", ".", ".."} {
		wantError(t, client.ArchiveAudience(ctx, "development", key), fmt.Sprintf("audience key %q cannot be sent", key))
	}
	wantError(t, client.ListAudiences(ctx, knockmgmt.Location{Environment: "staging", Branch: "b"}, func(knockmgmt.Audience) error { return nil }), "only the development")
	if n := len(fake.received()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestClient_upsertSendsTheDefinition(t *testing.T) {
	tests := map[string]struct {
		loc       knockmgmt.Location
		def       knockmgmt.Definition
		opts      knockmgmt.WriteOptions
		wantQuery string
		wantBody  string
	}{
		"static without description": {
			knockmgmt.Location{Environment: "development"}, knockmgmt.Definition{Type: "static", Name: "Beta"}, knockmgmt.WriteOptions{},
			"environment=development", `{"audience":{"type":"static","name":"Beta","description":null}}`,
		},
		"static with description, committed": {
			knockmgmt.Location{Environment: "development", Branch: "b1"}, knockmgmt.Definition{Type: "static", Name: "Beta", Description: "testers"},
			knockmgmt.WriteOptions{Commit: true, CommitMessage: "from Terraform"},
			"branch=b1&commit=true&commit_message=from+Terraform&environment=development", `{"audience":{"type":"static","name":"Beta","description":"testers"}}`,
		},
		"dynamic, forced in production": {
			knockmgmt.Location{Environment: "production"},
			knockmgmt.Definition{Type: "dynamic", Name: "VIP", Segments: []knockmgmt.Segment{
				{Conditions: []knockmgmt.Condition{{Property: "recipient.plan", Operator: "equal_to", Argument: ptr("premium")}, {Property: "recipient.email", Operator: "exists"}}},
				{},
			}},
			knockmgmt.WriteOptions{Force: true, CommitMessage: "ignored without commit"},
			"environment=production&force=true",
			`{"audience":{"type":"dynamic","name":"VIP","description":null,"segments":[{"conditions":[{"property":"recipient.plan","operator":"equal_to","argument":"premium"},{"property":"recipient.email","operator":"exists"}]},{"conditions":[]}]}}`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fake, client := startFake(t, answer(200, `{"audience":`+dynamicJSON+`}`))
			got, err := client.UpsertAudience(context.Background(), tc.loc, "vip", tc.def, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, wantAudience()) {
				t.Errorf("got %+v", got)
			}
			reqs := fake.received()
			if len(reqs) != 1 || reqs[0].Method != "PUT" || reqs[0].Path != "/v1/audiences/vip" || reqs[0].Query != tc.wantQuery || reqs[0].Body != tc.wantBody {
				t.Errorf("requests %+v\nwant PUT /v1/audiences/vip?%s with %s", reqs, tc.wantQuery, tc.wantBody)
			}
		})
	}
}

func TestClient_validateSendsTheSameAndReportsFieldErrors(t *testing.T) {
	fake, client := startFake(t, answer(422, `{"code":"invalid_params","message":"Invalid audience","type":"invalid_request_error",
"errors":[{"field":"audience.segments[0].conditions[0].operator","message":"is invalid","type":"inclusion"}]}`))
	err := client.ValidateAudience(context.Background(), knockmgmt.Location{Environment: "development"}, "a b",
		knockmgmt.Definition{Type: "static", Name: "N"}, knockmgmt.WriteOptions{Commit: true})
	var apiErr *knockhttp.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 || len(apiErr.FieldErrors) != 1 || apiErr.RequestID != "req_1" {
		t.Fatalf("got %v, want a 422 APIError with one field error and the request id", err)
	}
	wantError(t, err, "PUT /v1/audiences/a b/validate: HTTP 422", "audience.segments[0].conditions[0].operator: is invalid")
	reqs := fake.received()
	if len(reqs) != 1 || reqs[0].Query != "commit=true&environment=development" || reqs[0].Body != `{"audience":{"type":"static","name":"N","description":null}}` {
		t.Errorf("requests %+v (a 422 is not retried)", reqs)
	}
}

func TestClient_archive(t *testing.T) {
	fake, client := startFake(t, answer(200, `{"result":"success"}`))
	if err := client.ArchiveAudience(context.Background(), "production", "vip"); err != nil {
		t.Fatal(err)
	}
	want := []request{{"DELETE", "/v1/audiences/vip", "environment=production", "Bearer " + testToken, ""}}
	if reqs := fake.received(); fmt.Sprint(reqs) != fmt.Sprint(want) {
		t.Errorf("requests %+v, want %+v", reqs, want)
	}
}

// TestClient_refusesAnswersThatAreNotAudiences: a 200 that is not an audience (a proxy, a wrong base URL)
// is an error, not an empty audience.
func TestClient_refusesAnswersThatAreNotAudiences(t *testing.T) {
	ctx, loc := context.Background(), knockmgmt.Location{Environment: "development"}
	_, client := startFake(t, answer(200, `{}`))
	_, err := client.GetAudience(ctx, loc, "vip")
	wantError(t, err, "the answer is not an audience")
	_, err = client.UpsertAudience(ctx, loc, "vip", knockmgmt.Definition{Type: "static", Name: "N"}, knockmgmt.WriteOptions{})
	wantError(t, err, `the answer has no "audience"`)
	err = client.ListAudiences(ctx, loc, func(knockmgmt.Audience) error { return nil })
	wantError(t, err, "no entries list")
	_, client = startFake(t, answer(200, `{"key":"vip","type":"static","segments":[{"conditions":[{"property":"p","operator":"equal_to","argument":{"a":1}}]}]}`))
	_, err = client.GetAudience(ctx, loc, "vip")
	wantError(t, err, "the argument is a JSON object")
}

// TestClient_retriesAndScrubsTheToken: the shared transport retries a 429 after Retry-After-Ms, and a
// server that echoes the token gets it into no error.
func TestClient_retriesAndScrubsTheToken(t *testing.T) {
	calls := 0
	fake, client := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After-Ms", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"code":"unauthorized","message":"token %s is not valid"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	})
	err := client.ArchiveAudience(context.Background(), "development", "vip")
	wantError(t, err, "HTTP 401", "token [REDACTED] is not valid")
	if !knockhttp.IsUnauthorized(err) || len(fake.received()) != 2 {
		t.Errorf("IsUnauthorized = %v after %d requests, want true after 2", knockhttp.IsUnauthorized(err), len(fake.received()))
	}
}

func TestNew_refusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		cfg  knockmgmt.Config
		want string
	}{
		{knockmgmt.Config{}, "a service token is required"},
		{knockmgmt.Config{ServiceToken: "sk_test_abc"}, "is an environment's secret key (sk_...), which works only with the Knock API: it belongs in api_key"},
		{knockmgmt.Config{ServiceToken: testToken + "\n"}, "has a trailing newline"},
		{knockmgmt.Config{ServiceToken: testToken, BaseURL: "http://control.knock.app"}, "must use https://"},
		{knockmgmt.Config{ServiceToken: testToken, BaseURL: "https://x:" + testToken + "@control.knock.app"}, "the service token goes in service_token or KNOCK_SERVICE_TOKEN"},
	} {
		_, err := knockmgmt.New(tc.cfg)
		wantError(t, err, "knock management API: ", tc.want)
	}
}

func TestServiceTokenProblem(t *testing.T) {
	tests := map[string]string{
		"knock_st_abc":   "",
		"sk_test_abc":    "belongs in api_key (or KNOCK_API_KEY)",
		"pk_test_abc":    "an environment key, not a service token; environment keys belong in api_key",
		"st_abc":         "does not start with knock_st_",
		"":               "does not start with knock_st_",
		"knock_st_a\n":   "export KNOCK_SERVICE_TOKEN=",
		" knock_st_a":    "has leading whitespace",
		"knock_st_\x00a": "copy the token again",
	}
	for token, want := range tests {
		got := knockmgmt.ServiceTokenProblem(token)
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("ServiceTokenProblem(%q) = %q, want it to contain %q", token, got, want)
		}
	}
}

func TestOperators(t *testing.T) {
	if len(knockmgmt.Operators) != 23 || knockmgmt.Operators[0] != "equal_to" || knockmgmt.Operators[22] != "is_not_audience_member" {
		t.Errorf("Operators = %v, want the spec's 23 in its order", knockmgmt.Operators)
	}
	for op, want := range map[string]bool{
		"equal_to": true, "is_between": true, "is_audience_member": true, "is_timestamp_before": true,
		"exists": false, "not_empty": false, "is_timestamp_before_now": false, "is_timestamp": false, "no_such_operator": false,
	} {
		if got := knockmgmt.OperatorTakesArgument(op); got != want {
			t.Errorf("OperatorTakesArgument(%q) = %v, want %v", op, got, want)
		}
	}
	raw, _ := json.Marshal(knockmgmt.Condition{Property: "p", Operator: "exists"})
	if string(raw) != `{"property":"p","operator":"exists"}` {
		t.Errorf("a condition without argument encodes as %s", raw)
	}
}
