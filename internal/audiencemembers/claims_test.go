package audiencemembers

import (
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/claims"
)

func summaries(diags []*tfprotov6.Diagnostic) []string {
	var out []string
	for _, d := range diags {
		out = append(out, d.Summary)
	}
	return out
}

// TestClaims_followTheResourceAcrossPlans: a resource planned again in the same process (the plan at
// apply, the next run block of terraform test) replaces its own claim; another resource conflicts.
func TestClaims_followTheResourceAcrossPlans(t *testing.T) {
	var c claims.Registry
	whole := membersSettings{authoritative: true, tenantKnown: true}
	five := []changeset.Membership{{UserID: "a"}, {UserID: "b"}, {UserID: "c"}, {UserID: "d"}, {UserID: "e"}}

	// Run 1 creates the resource: no owner yet, known by its fingerprint; the plan at apply repeats it.
	for range 2 {
		if diags := c.Register("aud", "", whole.claimsFor("aud", five, nil, 0)); diags != nil {
			t.Fatalf("planning a create twice: %v", summaries(diags))
		}
	}
	c.Adopt("aud", fingerprint(whole, five), "owner-1")
	// Run 2 drops a member: the same owner, so no conflict with run 1's claim.
	if diags := c.Register("aud", "owner-1", whole.claimsFor("aud", five[:4], five[4:], 0)); diags != nil {
		t.Fatalf("the same resource planned again: %v", summaries(diags))
	}
	// Another whole-audience resource on the audience.
	if got := summaries(c.Register("aud", "owner-2", whole.claimsFor("aud", five[:1], nil, 0))); !slices.Equal(got, []string{"Audience Claimed Twice"}) {
		t.Errorf("a second whole-audience resource: %v", got)
	}
}

// TestClaims_removedAndDeclared: a destroy that removes what another resource declares is refused, except
// the destroy half of a replacement, whose create half declares it; at apply, a destroy leaves alone what
// another resource of the run declares.
func TestClaims_removedAndDeclared(t *testing.T) {
	var c claims.Registry
	managed := membersSettings{tenantKnown: true}
	declared := []changeset.Membership{{UserID: "a"}, {UserID: "b", Tenant: "acme"}}
	if diags := c.Register("aud", "new", managed.claimsFor("aud", declared, nil, 0)); diags != nil {
		t.Fatal(summaries(diags))
	}
	if got := summaries(c.Register("aud", "old", managed.claimsFor("aud", nil, declared[1:], 0))); !slices.Equal(got, []string{"Audience Members Removed And Declared"}) {
		t.Errorf("a destroy of what another declares: %v", got)
	}

	var replacing claims.Registry
	successor := fingerprint(managed, declared)
	if diags := replacing.Register("aud", "old", managed.claimsFor("aud", nil, declared, successor)); diags != nil {
		t.Fatal(summaries(diags))
	}
	if diags := replacing.Register("aud", "", managed.claimsFor("aud", declared, nil, 0)); diags != nil {
		t.Errorf("the create half of a replacement: %v", summaries(diags))
	}
	if got := replacing.NotDeclaredByOthers("aud", "old", append(declared, changeset.Membership{UserID: "z"})); !slices.Equal(got, []changeset.Membership{{UserID: "z"}}) {
		t.Errorf("the destroy half removes %v, want only z", got)
	}
}

// TestClaims_memberInsideAnAuthoritativeScope: a knock_audience_member conflicts with a whole-audience
// resource, and with a tenant resource only under that tenant.
func TestClaims_memberInsideAnAuthoritativeScope(t *testing.T) {
	var c claims.Registry
	acme := membersSettings{authoritative: true, tenantKnown: true, tenant: "acme"}
	if diags := c.Register("aud", "t", acme.claimsFor("aud", []changeset.Membership{{UserID: "a", Tenant: "acme"}}, nil, 0)); diags != nil {
		t.Fatal(summaries(diags))
	}
	if diags := c.Register("aud", "m1", claims.ForMember("aud", changeset.Membership{UserID: "x"}, false)); diags != nil {
		t.Errorf("a member without tenant next to tenant acme's resource: %v", summaries(diags))
	}
	if got := summaries(c.Register("aud", "m2", claims.ForMember("aud", changeset.Membership{UserID: "x", Tenant: "acme"}, false))); !slices.Equal(got, []string{"Audience Tenant Claimed Twice"}) {
		t.Errorf("a member under acme: %v", got)
	}
	if got := summaries(c.Register("aud", "m3", claims.ForMember("aud", changeset.Membership{UserID: "x"}, false))); !slices.Equal(got, []string{"Audience Members Declared Twice"}) {
		t.Errorf("two members for one membership: %v", got)
	}
}

// TestFingerprintOf_matchesTheDeclaredMemberships: the fingerprint an apply reads from the state's msgpack
// is the one its plan registered from the declared memberships, so that Adopt finds the claim.
func TestFingerprintOf_matchesTheDeclaredMemberships(t *testing.T) {
	members := map[string]string{"a": "", "b": "acme", "c": ""}
	obj := objectOf(t, members)
	whole := obj.settings()
	if got, want := fingerprintOf(obj), fingerprint(whole, whole.declared(listOf(members))); got != want {
		t.Errorf("whole audience: fingerprintOf = %x, want %x", got, want)
	}
	obj.set(attrTenant, stringValue("acme"))
	obj.Members = membersOfList(listOf(map[string]string{"a": "", "c": ""}))
	slice := obj.settings()
	if got, want := fingerprintOf(obj), fingerprint(slice, slice.declared(listOf(map[string]string{"a": "", "c": ""}))); got != want {
		t.Errorf("tenant acme: fingerprintOf = %x, want %x", got, want)
	}
	if fingerprintOf(obj) == fingerprint(whole, whole.declared(listOf(map[string]string{"a": "", "c": ""}))) {
		t.Error("the tenant's fingerprint equals the whole audience's for the same user ids")
	}
}
