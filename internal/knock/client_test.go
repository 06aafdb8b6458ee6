package knock_test

import (
	"context"
	"slices"
	"strings"
	"testing"

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
	for _, bad := range []string{"api.knock.app", "http://api.knock.app", "http://10.0.0.1:8080", "https://user:pw@api.knock.app", "ftp://api.knock.app", "http://localhost:1"} {
		if _, err := knock.New(knock.Config{APIKey: "k", BaseURL: bad}); err == nil {
			t.Errorf("base URL %q: want an error", bad)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("base URL error prints the password: %v", err)
		}
	}
	for _, good := range []string{"https://api.knock.app", "http://127.0.0.1:8080", "http://127.1.2.3:8080", "http://[::1]:9", "https://localhost:1"} {
		if _, err := knock.New(knock.Config{APIKey: "k", BaseURL: good}); err != nil {
			t.Errorf("base URL %q: %v", good, err)
		}
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
