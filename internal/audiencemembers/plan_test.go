package audiencemembers

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestPlanUpdate_summaryGuardAndHiddenRemovals(t *testing.T) {
	prior := objectOf(t, map[string]string{"u1": "", "u2": "acme"})
	prior.set(attrMembershipCount, countValue(3))
	// u2 is also live under globex, which the members map cannot show.
	private := membersPrivate{Hidden: pairs{{"u2", "globex"}}}
	members := map[string]string{"u2": "acme", "u3": ""}
	for i := range 1500 {
		members["new-"+knockdiag.Thousands(i)] = ""
	}
	planned := objectOf(t, members)
	r := resourceOf(nil, 0)
	diags, change := r.planUpdate(context.Background(), "beta", planned.settings(), prior, private, planned, listOf(members))
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityWarning ||
		diags[0].Summary != "beta: +1,501 / -2 members, 3 write requests" ||
		!strings.Contains(diags[0].Detail, `Not shown in members above, because the user is also a member under another tenant: "u2" (tenant "globex")`) {
		t.Fatalf("summary = %+v", diags)
	}
	if want, adds := (pairs{{"u1", ""}, {"u2", "globex"}}), change.change(planned.settings().declared(listOf(members))).Add; fmt.Sprint(change.Remove) != fmt.Sprint(want) || len(adds) != 1501 {
		t.Errorf("planned change removes %v and adds %d, want %v and 1501", change.Remove, len(adds), want)
	}

	planned.set(attrMaxRemovals, tftypes.NewValue(tftypes.Number, 1))
	diags, change = r.planUpdate(context.Background(), "beta", planned.settings(), prior, private, planned, listOf(members))
	if len(diags) != 1 || !knockdiag.HasError(diags) || !strings.Contains(diags[0].Detail, "removes 2 memberships") || change != nil {
		t.Fatalf("guard = %+v, change %v", diags, change)
	}

	if diags := changeSummary(context.Background(), "beta", prior.settings(), changeset.Change{}, nil, 0); diags != nil {
		t.Errorf("a plan without changes got %+v", diags)
	}
}

// TestPlanCreate_namesExistingMembersAndNeverRemovesThem asserts the plan-time warning (plugin-testing
// cannot see warnings), its error form, and that a create's change set removes nothing.
func TestPlanCreate_namesExistingMembersAndNeverRemovesThem(t *testing.T) {
	srv := localknock.StartForTest(t, testAPIKey)
	srv.AddMemberships("existing", localknock.Membership{UserID: "old-1"}, localknock.Membership{UserID: "old-2", Tenant: "acme"}, localknock.Membership{UserID: "keep"})
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	// Each case plans in a provider process of its own: in one, the cases would claim the audience twice.
	planner := func() *Resource { return resourceOf(client, 0) }
	members := map[string]string{"keep": "", "new": ""}
	noTimeouts := tftypes.NewValue(objectType.AttributeTypes[attrTimeouts], nil)

	settings := membersSettings{authoritative: true, tenantKnown: true}
	diags, private := planner().planCreate(context.Background(), "existing", settings, listOf(members), noTimeouts, membersPrivate{})
	// The routine +1 needs no warning; the memberships the create leaves do.
	if len(diags) != 1 || knockdiag.HasError(diags) || private.Change == nil {
		t.Fatalf("diagnostics = %+v", diags)
	}
	if !strings.Contains(diags[0].Detail, `audience "existing" already holds 2 memberships`) ||
		!strings.Contains(diags[0].Detail, `"old-1", "old-2" (tenant "acme")`) ||
		!strings.Contains(diags[0].Detail, "A create never removes memberships") {
		t.Errorf("warning = %q", diags[0].Detail)
	}
	if want := (pairs{{"new", ""}}); fmt.Sprint(private.Change.Add) != fmt.Sprint(want) || len(private.Change.Remove) != 0 {
		t.Errorf("the create's change = %+v, want to add %v and remove nothing", private.Change, want)
	}

	settings.errorOnExisting = true
	diags, _ = planner().planCreate(context.Background(), "existing", settings, listOf(members), noTimeouts, membersPrivate{})
	if !knockdiag.HasError(diags) || !strings.Contains(diags[0].Detail, "terraform import knock_audience_members.NAME existing") {
		t.Errorf("on_existing_members = error: %+v", diags)
	}

	settings = membersSettings{authoritative: true, tenantKnown: true, tenant: "acme"}
	diags, _ = planner().planCreate(context.Background(), "existing", settings, listOf(map[string]string{"old-2": ""}), noTimeouts, membersPrivate{})
	if len(diags) != 0 {
		t.Errorf("a tenant slice that holds exactly what is declared: %+v", diags)
	}
}

// TestExecute_failedWriteReadsTheAudienceAgain: an add whose answer is lost took effect in Knock; the
// state after the failed update records it, from a new read, instead of assuming the batch failed.
func TestExecute_failedWriteReadsTheAudienceAgain(t *testing.T) {
	srv := localknock.StartForTest(t, testAPIKey)
	srv.AddMemberships("beta", localknock.Membership{UserID: "u1"})
	srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{TruncateBody: true})
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testAPIKey}) // no retries
	if err != nil {
		t.Fatal(err)
	}
	prior := objectOf(t, map[string]string{"u1": ""})
	planned := objectOf(t, map[string]string{"u1": "", "u2": ""})
	private := membersPrivate{ReadAt: time.Now(), Change: &plannedChange{Add: pairs{{"u2", ""}}}}
	state, diags := resourceOf(nil, time.Minute).execute(context.Background(), client, prior, planned, private, false)
	if !knockdiag.HasError(diags) || diags[0].Summary != "Unable to Add Audience Members" {
		t.Fatalf("diagnostics = %+v", diags)
	}
	if tenants := tenantsOf(t, state.Members); len(tenants) != 2 {
		t.Fatalf("state members = %v, want u1 and u2", tenants)
	}
	if n, ok := knownNumber(state.get(attrMembershipCount)); !ok || n.Cmp(big.NewFloat(2)) != 0 {
		t.Errorf("membership_count = %v, want 2", state.get(attrMembershipCount))
	}
}

// TestExecute_refusesAChangeItsPlanCannotShow: a change set that does not follow from the planned values
// (here: it removes a declared member) is refused before anything is sent.
func TestExecute_refusesAChangeItsPlanCannotShow(t *testing.T) {
	srv := localknock.StartForTest(t, testAPIKey)
	srv.AddMemberships("beta", localknock.Membership{UserID: "u1"}, localknock.Membership{UserID: "u2"})
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	prior := objectOf(t, map[string]string{"u1": "", "u2": ""})
	planned := objectOf(t, map[string]string{"u1": "", "u2": ""})
	private := membersPrivate{ReadAt: time.Now(), Change: &plannedChange{Remove: pairs{{"u1", ""}}}}
	srv.ResetRequests()
	_, diags := resourceOf(nil, 0).execute(context.Background(), client, prior, planned, private, false)
	if !knockdiag.HasError(diags) || diags[0].Summary != "Plan Again" || !strings.Contains(diags[0].Detail, `removes user "u1" without tenant, which the configuration declares`) {
		t.Fatalf("diagnostics = %+v", diags)
	}
	if got := srv.Requests(); got[localknock.EndpointRemove]+got[localknock.EndpointAdd]+got[localknock.EndpointList] != 0 {
		t.Errorf("requests = %v, want none", got)
	}
}

// TestReadResource_keepsTheStatesTenantForAUserUnderSeveral: a refresh decodes the state's members only
// when the read needs them, and a user live under several tenants is such a case: members keeps the state's
// tenant for them, and their other memberships go to private state.
func TestReadResource_keepsTheStatesTenantForAUserUnderSeveral(t *testing.T) {
	srv := localknock.StartForTest(t, testAPIKey)
	srv.AddMemberships("beta", localknock.Membership{UserID: "u"}, localknock.Membership{UserID: "u", Tenant: "acme"},
		localknock.Membership{UserID: "u", Tenant: "globex"}, localknock.Membership{UserID: "v", Tenant: "acme"})
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	state, err := objectOf(t, map[string]string{"u": "globex", "v": "acme"}).encode()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := resourceOf(client, time.Minute).ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: TypeName, CurrentState: state})
	if err != nil || knockdiag.HasError(resp.Diagnostics) {
		t.Fatalf("read: %v %+v", err, resp.Diagnostics)
	}
	read, _, err := decodeObject(resp.NewState)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tenantsOf(t, read.Members), map[string]string{"u": "globex", "v": "acme"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("members = %v, want %v", got, want)
	}
	if got, want := parseMembersPrivate(resp.Private).Hidden, (pairs{{"u", ""}, {"u", "acme"}}); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hidden = %v, want %v", got, want)
	}
}

// max_removal_percent allows whole memberships, rounded down, and says so: 20% of 4 allows 0.
func TestRemovalLimit_saysWhenThePercentageRoundsDown(t *testing.T) {
	pct := 20.0
	settings := membersSettings{authoritative: true, maxRemovalPct: &pct}
	if limit, setting := settings.removalLimit(4); limit != 0 || setting != "max_removal_percent = 20 (0 of 4 memberships, rounded down)" {
		t.Errorf("20%% of 4: %d, %q", limit, setting)
	}
	if limit, setting := settings.removalLimit(10); limit != 2 || setting != "max_removal_percent = 20 (2 of 10 memberships)" {
		t.Errorf("20%% of 10: %d, %q", limit, setting)
	}
}
