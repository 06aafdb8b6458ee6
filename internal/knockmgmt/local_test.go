package knockmgmt_test

import (
	"context"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// startLocal starts the local Knock API, which serves the Management API too, and a client of it.
func startLocal(t *testing.T) (*localknock.Server, *knockmgmt.Client) {
	t.Helper()
	srv := localknock.StartForTest(t, "sk_test_development", "sk_test_production")
	srv.AddServiceToken(testToken)
	client, err := knockmgmt.New(knockmgmt.Config{BaseURL: srv.URL(), ServiceToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

// TestClient_againstTheLocalAPI: the calls as the local Management API answers them, with exact request
// counts: create, read, list, update, archive, and a read of the archived audience that IsNotFound.
func TestClient_againstTheLocalAPI(t *testing.T) {
	srv, client := startLocal(t)
	ctx, dev := context.Background(), knockmgmt.Location{Environment: "development"}
	def := knockmgmt.Definition{Type: knockmgmt.TypeDynamic, Name: "VIP", Description: "paying", Segments: []knockmgmt.Segment{
		{Conditions: []knockmgmt.Condition{{Property: "recipient.plan", Operator: "equal_to", Argument: ptr("premium")}}},
	}}
	created, err := client.UpsertAudience(ctx, dev, "vip", def, knockmgmt.WriteOptions{Commit: true, CommitMessage: "vip"})
	if err != nil {
		t.Fatal(err)
	}
	if created.Key != "vip" || created.Type != "dynamic" || created.Description != "paying" || created.Environment != "development" || created.SHA == "" || len(created.Segments) != 1 {
		t.Errorf("upserted %+v", created)
	}
	got, err := client.GetAudience(ctx, dev, "vip")
	if err != nil || got.SHA != created.SHA || got.Name != "VIP" {
		t.Errorf("GetAudience = %+v, %v", got, err)
	}
	def.Description = ""
	if _, err := client.UpsertAudience(ctx, dev, "vip", def, knockmgmt.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if stored, _ := srv.AudienceDefinition("development", "vip"); stored.Description != "" || stored.Committed {
		t.Errorf("after an upsert without description or commit: %+v, want no description, uncommitted", stored)
	}
	var keys []string
	if err := client.ListAudiences(ctx, dev, func(a knockmgmt.Audience) error { keys = append(keys, a.Key); return nil }); err != nil || len(keys) != 1 {
		t.Errorf("ListAudiences = %v, %v", keys, err)
	}
	if err := client.ArchiveAudience(ctx, "development", "vip"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetAudience(ctx, dev, "vip"); !knockmgmt.IsNotFound(err) {
		t.Errorf("GetAudience after archiving: %v, want not found", err)
	}
	want := map[localknock.Endpoint]int{
		localknock.EndpointAudienceUpsert: 2, localknock.EndpointAudienceGet: 2, localknock.EndpointAudienceList: 1, localknock.EndpointAudienceArchive: 1,
	}
	for endpoint, n := range want {
		if got := srv.Requests()[endpoint]; got != n {
			t.Errorf("%s requests = %d, want %d", endpoint, got, n)
		}
	}
}

// TestOperators_agreeWithTheLocalAPI: the local API keeps its own list of operators, as an independent
// oracle; every operator of ours validates with an argument when OperatorTakesArgument says so and
// without one otherwise, and is refused without the argument it takes.
func TestOperators_agreeWithTheLocalAPI(t *testing.T) {
	_, client := startLocal(t)
	dev := knockmgmt.Location{Environment: "development"}
	// The argument names an existing audience, as is_audience_member needs.
	if _, err := client.UpsertAudience(context.Background(), dev, "premium", knockmgmt.Definition{Type: knockmgmt.TypeStatic, Name: "P"}, knockmgmt.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, op := range knockmgmt.Operators {
		condition := knockmgmt.Condition{Property: "recipient.plan", Operator: op}
		if knockmgmt.OperatorTakesArgument(op) {
			condition.Argument = ptr("premium")
		}
		def := knockmgmt.Definition{Type: knockmgmt.TypeDynamic, Name: "N", Segments: []knockmgmt.Segment{{Conditions: []knockmgmt.Condition{condition}}}}
		if err := client.ValidateAudience(context.Background(), dev, "k", def, knockmgmt.WriteOptions{}); err != nil {
			t.Errorf("operator %s: %v", op, err)
		}
		// Without its argument, an operator that takes one is refused (the local API lets an argument
		// that is not needed pass, so the other way round proves nothing).
		if condition.Argument != nil {
			def.Segments[0].Conditions[0].Argument = nil
			if err := client.ValidateAudience(context.Background(), dev, "k", def, knockmgmt.WriteOptions{}); knockhttp.StatusCode(err) != 422 {
				t.Errorf("operator %s without argument: got %v, want a 422", op, err)
			}
		}
	}
}
