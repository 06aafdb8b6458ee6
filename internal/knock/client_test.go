package knock_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"net/http"
	"net/http/httptest"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestClient_addListRemoveAcrossBatchesAndPages(t *testing.T) {
	srv, client := startLocal(t)
	ctx := context.Background()
	srv.CreateAudience("big")

	want := append(memberships(2400, ""), changeset.Membership{UserID: "user-00001", Tenant: "acme"})
	added, err := client.AddMembers(ctx, "big", want)
	if err != nil || len(added) != len(want) {
		t.Fatalf("AddMembers = %d, %v; want %d, nil", len(added), err, len(want))
	}
	if got := srv.Requests()[localknock.EndpointAdd]; got != 3 {
		t.Errorf("add requests = %d, want 3 (2,401 members in batches of 1,000)", got)
	}

	got, err := client.ListMemberships(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d memberships, want %d", len(got), len(want))
	}
	if n := srv.Requests()[localknock.EndpointList]; n != 49 {
		t.Errorf("list requests = %d, want 49 (2,401 entries, 50 a page)", n)
	}
	sorted := slices.Clone(want)
	changeset.SortMemberships(sorted)
	if !slices.Equal(got, sorted) {
		t.Errorf("listed memberships differ from added ones")
	}

	removed, err := client.RemoveMembers(ctx, "big", want[:1001])
	if err != nil || len(removed) != 1001 {
		t.Fatalf("RemoveMembers = %d, %v", len(removed), err)
	}
	if n := len(srv.Memberships("big")); n != 1400 {
		t.Errorf("after removing 1,001: %d memberships, want 1,400", n)
	}
	if srv.InlineIdentifies() != 0 {
		t.Errorf("the client sent user properties besides id %d times", srv.InlineIdentifies())
	}
}

func TestNew_rejectsBadConfig(t *testing.T) {
	if _, err := knock.New(knock.Config{}); err == nil {
		t.Error("no key: want an error")
	}
	// The base URL rule is knockhttp's (its tests hold the cases); New applies it, naming api_key.
	_, err := knock.New(knock.Config{APIKey: "k", BaseURL: "https://user:pw@api.knock.app"})
	wantError(t, err, "knock: base URL", "the API key goes in api_key or KNOCK_API_KEY")
	if strings.Contains(err.Error(), "pw@") {
		t.Errorf("base URL error prints the password: %v", err)
	}
	if _, err := knock.New(knock.Config{APIKey: "k", BaseURL: "http://127.0.0.1:8080"}); err != nil {
		t.Errorf("a loopback base URL: %v", err)
	}
}

func TestNew_rejectsRatesAboveKnocksTiers(t *testing.T) {
	for _, cfg := range []knock.Config{
		{APIKey: "k", WriteRate: knock.MaxWriteRate + 1},
		{APIKey: "k", ReadRate: -1},
		{APIKey: "k", WriteConcurrency: knock.MaxWriteConcurrency + 1},
	} {
		if _, err := knock.New(cfg); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("New(%+v) = %v, want an out-of-range error", cfg, err)
		}
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
