package knock_test

import (
	"fmt"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// Helpers shared by this package's tests.

const testKey = "sk_test_client"

// startLocal starts a local Knock API and a client of it.
func startLocal(t *testing.T) (*localknock.Server, *knock.Client) {
	t.Helper()
	srv := localknock.StartForTest(t, testKey)
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testKey, UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

// memberships are n users under tenant ("" for none).
func memberships(n int, tenant string) []knock.Membership {
	out := make([]knock.Membership, n)
	for i := range out {
		out[i] = knock.Membership{UserID: fmt.Sprintf("user-%05d", i), Tenant: tenant}
	}
	return out
}
