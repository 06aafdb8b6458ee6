package knock_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

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
