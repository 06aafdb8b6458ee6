package providerdata_test

import (
	"context"
	"sync"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

// TestData_audienceTypeAsksOncePerKey: many resources asking about one audience at once cost one request.
func TestData_audienceTypeAsksOncePerKey(t *testing.T) {
	const token = "knock_st_unit"
	srv := localknock.StartForTest(t, "sk_test_unit")
	srv.AddServiceToken(token)
	srv.SetAudienceDefinition("development", "premium", localknock.AudienceDefinition{Type: "dynamic", Name: "Premium",
		Segments: []localknock.Segment{{Conditions: []localknock.Condition{{Property: "recipient.vip", Operator: "exists"}}}}})
	client, err := knockmgmt.New(knockmgmt.Config{BaseURL: srv.URL(), ServiceToken: token})
	if err != nil {
		t.Fatal(err)
	}
	data := &providerdata.Data{Configured: true, Management: client, Environment: "development"}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if got, err := data.AudienceType(context.Background(), "premium"); got != "dynamic" || err != nil {
				t.Errorf("AudienceType(premium) = %q, %v; want dynamic", got, err)
			}
		})
	}
	wg.Wait()
	if got, err := data.AudienceType(context.Background(), "missing"); got != "" || err != nil {
		t.Errorf("AudienceType(missing) = %q, %v; want \"\", nil", got, err)
	}
	if got := srv.Requests()[localknock.EndpointAudienceGet]; got != 2 {
		t.Errorf("%d get requests, want 2 (one per key)", got)
	}
	if got, err := (&providerdata.Data{Configured: true}).AudienceType(context.Background(), "premium"); got != "" || err != nil {
		t.Errorf("without a service token: %q, %v; want \"\", nil", got, err)
	}
}
