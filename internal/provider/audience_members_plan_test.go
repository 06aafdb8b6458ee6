package provider

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestPlannedUpdate_summaryAndGuard(t *testing.T) {
	prior := audienceMembersObject{
		Members:         membersOf(map[string]string{"u1": "", "u2": "acme"}),
		MembershipCount: countValue(3), // u2 is also live under another tenant
		Settings:        map[string]tftypes.Value{},
	}
	desired := []knock.Membership{{UserID: "u2", Tenant: "acme"}, {UserID: "u3"}}
	for i := range 1500 {
		desired = append(desired, knock.Membership{UserID: "new-" + thousands(i)})
	}
	diags := plannedUpdate("beta", prior.settings(), prior, desired)
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityWarning ||
		diags[0].Summary != "beta: +1,501 / -2 members, 3 write requests" {
		t.Fatalf("summary = %+v", diags)
	}

	prior.Settings["max_removals"] = tftypes.NewValue(tftypes.Number, 1)
	diags = plannedUpdate("beta", prior.settings(), prior, desired)
	if len(diags) != 1 || !hasError(diags) || !strings.Contains(diags[0].Detail, "removes 2 memberships") {
		t.Fatalf("guard = %+v", diags)
	}

	if diags := changeSummary("beta", prior.settings(), 0, 0); diags != nil {
		t.Errorf("a plan without changes got %+v", diags)
	}
}

// TestPlanCreate_warnsAboutMembersItWouldRemove asserts the plan-time warning (plugin-testing cannot see
// warnings) and its error form.
func TestPlanCreate_warnsAboutMembersItWouldRemove(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("existing", member("old-1", ""), member("old-2", "acme"), member("keep", ""))
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	p := &knockProvider{}
	p.client.Store(client)
	r := newAudienceMembersResource(p)
	desired := []knock.Membership{{UserID: "keep"}, {UserID: "new"}}
	noTimeouts := tftypes.NewValue(timeoutsType, nil)

	settings := membersSettings{authoritative: true, tenantKnown: true}
	diags, private := r.planCreate(context.Background(), "existing", settings, desired, noTimeouts)
	if len(diags) != 2 || hasError(diags) || private == nil {
		t.Fatalf("diagnostics = %+v", diags)
	}
	if diags[0].Summary != "existing: +1 / -2 members, 2 write requests" ||
		!strings.Contains(diags[1].Detail, `audience "existing" already holds 2 memberships`) ||
		!strings.Contains(diags[1].Detail, `"old-1", "old-2" (tenant "acme")`) {
		t.Errorf("warnings = %q / %q", diags[0].Summary, diags[1].Detail)
	}

	settings.errorOnExisting = true
	diags, _ = r.planCreate(context.Background(), "existing", settings, desired, noTimeouts)
	if !hasError(diags) || !strings.Contains(diags[0].Detail, "terraform import knock_audience_members.NAME existing") {
		t.Errorf("on_existing_members = error: %+v", diags)
	}

	settings = membersSettings{authoritative: true, tenantKnown: true, tenant: "acme"}
	diags, _ = r.planCreate(context.Background(), "existing", settings, []knock.Membership{{UserID: "old-2", Tenant: "acme"}}, noTimeouts)
	if len(diags) != 0 {
		t.Errorf("a tenant slice that holds exactly what is declared: %+v", diags)
	}
}

// TestAudienceLock: passes on one audience never interleave; passes on different audiences do not wait.
func TestAudienceLock(t *testing.T) {
	r := newAudienceMembersResource(&knockProvider{})
	unlock := r.lock("beta")

	otherDone := make(chan struct{})
	go func() {
		r.lock("gamma")()
		close(otherDone)
	}()
	waitFor(t, otherDone, "a pass on another audience") // would hang if audiences shared one lock

	sameDone := make(chan struct{})
	go func() {
		r.lock("beta")()
		close(sameDone)
	}()
	select {
	case <-sameDone:
		t.Fatal("a second pass on the same audience started while the first held it")
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	waitFor(t, sameDone, "the second pass on the same audience, once the first released it")
}

func waitFor(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not run within 5 s", what)
	}
}

// TestConverge_failedWriteReadsTheAudienceAgain: an add whose answer is lost took effect in Knock; the
// state after the failed update records it, from a new read, instead of assuming the batch failed.
func TestConverge_failedWriteReadsTheAudienceAgain(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("beta", member("u1", ""))
	srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{TruncateBody: true})
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testAPIKey}) // no retries
	if err != nil {
		t.Fatal(err)
	}
	dv, err := tfprotov6.NewDynamicValue(audienceMembersType, objectWith(tftypes.NewValue(membersMapType, map[string]tftypes.Value{
		"u1": nullString, "u2": nullString,
	}), nullString))
	if err != nil {
		t.Fatal(err)
	}
	planned, _, err := decodeAudienceMembers(&dv)
	if err != nil {
		t.Fatal(err)
	}
	held := []knock.Membership{{UserID: "u1"}}
	state, diags := newAudienceMembersResource(&knockProvider{}).converge(context.Background(), client,
		convergeInput{planned: planned, priorDeclared: held, live: held, liveKnown: true})
	if !hasError(diags) || diags[0].Summary != "Unable to Add Audience Members" {
		t.Fatalf("diagnostics = %+v", diags)
	}
	tenants, err := state.Members.tenants()
	if err != nil || len(tenants) != 2 {
		t.Fatalf("state members = %v (%v), want u1 and u2", tenants, err)
	}
	if n, ok := knownNumber(state.MembershipCount); !ok || n.Cmp(big.NewFloat(2)) != 0 {
		t.Errorf("membership_count = %v, want 2", state.MembershipCount)
	}
}
