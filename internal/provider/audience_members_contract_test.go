package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// The plan is the contract: an apply removes only what its plan showed as removed, never touches a
// membership outside the resource's scope, and reports what it sent. Each test here is one of the everyday
// Terraform moves that once broke that promise.

// newCLIWorkspace is a directory with main.tf holding hcl, for the moves that resource.Test cannot make
// (saved plan files, -refresh=false, reading the plan's warnings).
func newCLIWorkspace(t *testing.T, hcl string) *exampleTerraform {
	t.Helper()
	tf := newExampleTerraformWith(t, "demo", buildExamplesProvider(t))
	entries, err := os.ReadDir(tf.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		if err := os.RemoveAll(filepath.Join(tf.dir, entry.Name())); err != nil {
			t.Fatal(err)
		}
	}
	tf.write("versions.tf", "terraform {\n  required_providers {\n    knock = { source = \"knock-tf/knock\" }\n  }\n}\n")
	tf.write("main.tf", hcl)
	return tf
}

// write replaces one file of the workspace.
func (tf *exampleTerraform) write(name, content string) {
	tf.t.Helper()
	if err := os.WriteFile(filepath.Join(tf.dir, name), []byte(content), 0o644); err != nil {
		tf.t.Fatal(err)
	}
}

// expectOutput fails the test unless out matches every pattern.
func expectOutput(t *testing.T, out string, patterns ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(out), " ")
	for _, pattern := range patterns {
		if !regexp.MustCompile(pattern).MatchString(flat) {
			t.Errorf("the output does not match %q:\n%s", pattern, out)
		}
	}
}

// expectNoOutput fails the test if out matches any pattern.
func expectNoOutput(t *testing.T, out string, patterns ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(out), " ")
	for _, pattern := range patterns {
		if regexp.MustCompile(pattern).MatchString(flat) {
			t.Errorf("the output matches %q:\n%s", pattern, out)
		}
	}
}

func expectLiveNow(t *testing.T, srv *localknock.Server, audienceKey string, want ...localknock.Membership) {
	t.Helper()
	if err := checkLive(srv, audienceKey, want); err != nil {
		t.Error(err)
	}
}

// A saved plan applied after its read went stale, and an apply with -refresh=false, do what the plan showed:
// memberships that appeared after the plan stay for the next plan to show.
func TestAccAudienceMembersResource_stalePlanLeavesNewMembers(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("aud")
	config := func(members string) string {
		return providerConfig(srv, `plan_read_max_age = "0s"`) + membersResource("test", "aud", members, "")
	}
	tf := newCLIWorkspace(t, config(`{ "u1" = null }`))
	tf.mustRun("apply", "-auto-approve")

	tf.write("main.tf", config(`{ "u1" = null, "u2" = null }`))
	out := tf.mustRun("plan", "-out=tfplan")
	expectOutput(t, out, `aud: \+1 / -0 members`)
	srv.AddMemberships("aud", member("late", ""))
	srv.ResetRequests()
	out = tf.mustRun("apply", "tfplan")
	expectLiveNow(t, srv, "aud", member("late", ""), member("u1", ""), member("u2", ""))
	expectOutput(t, out, `aud: applied \+1 / -0 members in 1 write request`, `1 membership appeared in audience "aud" since the plan \("late"\)`)
	if got := srv.Requests(); got[localknock.EndpointRemove] != 0 || got[localknock.EndpointAdd] != 1 {
		t.Errorf("the apply sent %v, want 1 add and no remove", got)
	}
	// The next plan shows the newcomer as drift to remove.
	out, code := tf.run("plan", "-detailed-exitcode")
	if code != 2 {
		t.Errorf("the plan after the apply: exit %d, want 2 (changes)\n%s", code, out)
	}
	expectOutput(t, out, `- "late"`, `aud: \+0 / -1 members`)

	// -refresh=false plans against the state; what appeared since stays.
	srv.AddMemberships("aud", member("later", ""))
	tf.write("main.tf", config(`{ "u1" = null, "u2" = null, "u3" = null }`))
	out = tf.mustRun("apply", "-auto-approve", "-refresh=false")
	expectOutput(t, out, `aud: applied \+1 / -0 members`)
	expectLiveNow(t, srv, "aud", member("late", ""), member("later", ""), member("u1", ""), member("u2", ""), member("u3", ""))

	// The audience gone between plan and apply: the apply stops, sends nothing and says to plan again.
	tf.write("main.tf", config(`{ "u1" = null, "u2" = null, "u3" = null, "u4" = null }`))
	tf.mustRun("plan", "-out=gone.tfplan")
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{Status: 404})
	srv.ResetRequests()
	out, code = tf.run("apply", "gone.tfplan")
	if code == 0 {
		t.Fatalf("the apply after the audience went away passed:\n%s", out)
	}
	expectOutput(t, out, "Audience Changed Since Plan", "Nothing was sent", "Run terraform plan again")
	if got := srv.Requests(); got[localknock.EndpointAdd]+got[localknock.EndpointRemove] != 0 {
		t.Errorf("the apply sent %v, want no write", got)
	}
}

// A user under several tenants: the memberships the members map cannot show are named in the plan, and the
// apply sends exactly what the plan counted.
func TestAccAudienceMembersResource_removalsTheMapCannotShow(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("aud", member("u", ""), member("u", "acme"), member("u", "globex"), member("v", "acme"))
	tf := newCLIWorkspace(t, providerConfig(srv)+`
import {
  to = knock_audience_members.test
  id = "aud"
}
`+membersResource("test", "aud", `{ "u" = null, "w" = null }`, ""))
	out := tf.mustRun("plan", "-out=tfplan")
	expectOutput(t, out, `aud: \+1 / -3 members, 2 write requests`,
		`"u" \(tenant "acme"\)`, `"u" \(tenant "globex"\)`, `"v" \(tenant "acme"\)`)
	srv.ResetRequests()
	out = tf.mustRun("apply", "tfplan")
	expectOutput(t, out, `aud: applied \+1 / -3 members in 2 write requests`)
	if got := srv.Requests(); got[localknock.EndpointRemove] != 1 || got[localknock.EndpointAdd] != 1 {
		t.Errorf("the apply sent %v, want 1 add and 1 remove request", got)
	}
	expectLiveNow(t, srv, "aud", member("u", ""), member("w", ""))
	if out, code := tf.run("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after the apply is not empty (exit %d):\n%s", code, out)
	}
}

// Members known only at apply: the plan says what the apply will check, and a create never removes
// memberships it did not show.
func TestAccAudienceMembersResource_createWithMembersKnownOnlyAtApply(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("aud", member("old", ""), member("older", "acme"))
	tf := newCLIWorkspace(t, providerConfig(srv)+`
resource "terraform_data" "ids" {
  input = ["u1", "u2"]
}
`+membersResource("test", "aud", `{ for id in terraform_data.ids.output : id => null }`, `max_removals = 0`))
	out := tf.mustRun("plan", "-out=tfplan")
	expectOutput(t, out, `members is known only at apply`, `already holds 2 memberships`, `"old"`, `never removes`)
	tf.mustRun("apply", "tfplan")
	expectLiveNow(t, srv, "aud", member("old", ""), member("u1", ""), member("u2", ""), member("older", "acme"))
	// The next plan names them, and max_removals = 0 stops it.
	out, code := tf.run("plan")
	if code == 0 {
		t.Fatalf("the plan after the create passed; want max_removals to stop the removal of the two old members:\n%s", out)
	}
	expectOutput(t, out, "Too Many Audience Members To Remove", `removes 2 memberships`, `"old"`, `"older" \(tenant "acme"\)`)
}

// A tenant's resource imported with an id of another scope must not be replaced: the replacement's destroy
// would remove memberships the tenant resource never owned.
func TestAccAudienceMembersResource_importIDOfAnotherScope(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("multi", member("a", ""), member("b", ""), member("u1", "acme"))
	srv.AddMemberships("elsewhere", member("x", ""))
	importBlock := func(id string) string {
		return "import {\n  to = knock_audience_members.acme\n  id = \"" + id + "\"\n}\n"
	}
	acme := membersResource("acme", "multi", `{ "u1" = null, "u2" = null }`, `tenant = "acme"`)
	untouched := checkLiveAfterDestroy(srv, "multi", member("a", ""), member("b", ""), member("u1", "acme"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerConfig(srv) + importBlock("multi") + acme,
				ExpectError: errorText("Import ID Does Not Match Configuration", `imported with the id "multi"`, `the whole audience "multi"`, `tenant = "acme"`, `import it with the id "multi/acme"`),
			},
			{
				Config:      providerConfig(srv) + importBlock("multi/globex") + acme,
				ExpectError: errorText("Import ID Does Not Match Configuration", `"multi/globex"`, `import it with the id "multi/acme"`),
			},
			{
				Config:      providerConfig(srv) + importBlock("elsewhere") + acme,
				ExpectError: errorText("Import ID Does Not Match Configuration", `"elsewhere"`, `import it with the id "multi/acme"`),
			},
			{
				// The whole audience's resource imported with a tenant's id.
				Config: providerConfig(srv) + "import {\n  to = knock_audience_members.all\n  id = \"multi/acme\"\n}\n" +
					membersResource("all", "multi", `{ "a" = null }`, ""),
				ExpectError: errorText("Import ID Does Not Match Configuration", `"multi/acme"`, `tenant "acme" of audience "multi"`, `import it with the id "multi"`),
			},
			{
				PreConfig: func() {
					if err := untouched(nil); err != nil {
						t.Fatal(err)
					}
					if err := checkLive(srv, "elsewhere", []localknock.Membership{member("x", "")}); err != nil {
						t.Fatal(err)
					}
				},
				Config: providerConfig(srv) + importBlock("multi/acme") + acme,
				ConfigStateChecks: []statecheck.StateCheck{
					expectLive(srv, "multi", member("a", ""), member("b", ""), member("u1", "acme"), member("u2", "acme")),
				},
			},
		},
		// The destroy removes what the tenant resource declares, and nothing outside its slice.
		CheckDestroy: checkLiveAfterDestroy(srv, "multi", member("a", ""), member("b", "")),
	})
}

// max_removals guards every path that removes memberships: a replacement and a destroy too.
func TestAccAudienceMembersResource_guardRailsOnReplaceAndDestroy(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("old-aud")
	srv.CreateAudience("new-aud")
	five := hclUserMap("u", 0, 5, "null")
	oldFive := []localknock.Membership{member("u00000", ""), member("u00001", ""), member("u00002", ""), member("u00003", ""), member("u00004", "")}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: providerConfig(srv) + membersResource("test", "old-aud", five, "max_removals = 1")},
			{
				Config:      providerConfig(srv) + membersResource("test", "new-aud", five, "max_removals = 1"),
				ExpectError: errorText("Too Many Audience Members To Remove", `Replacing this resource removes 5 memberships from audience "old-aud"`, "max_removals = 1"),
			},
			{
				Config:      providerConfig(srv) + membersResource("test", "old-aud", five, `max_removals = 1`+"\n"+`tenant = "acme"`),
				ExpectError: errorText("Too Many Audience Members To Remove", `Replacing this resource removes 5 memberships from audience "old-aud"`),
			},
			{
				Config:      providerConfig(srv) + membersResource("test", "old-aud", five, "max_removals = 1"),
				Destroy:     true,
				ExpectError: errorText("Too Many Audience Members To Remove", `Destroying this resource removes 5 memberships from audience "old-aud"`, `on_destroy = "keep"`),
			},
			{
				PreConfig: func() {
					if err := checkLive(srv, "old-aud", oldFive); err != nil {
						t.Fatal(err)
					}
				},
				Config:            providerConfig(srv) + membersResource("test", "old-aud", five, "max_removals = 5"),
				ConfigStateChecks: []statecheck.StateCheck{expectLive(srv, "old-aud", oldFive...)},
			},
		},
		CheckDestroy: checkLiveAfterDestroy(srv, "old-aud"),
	})
}

// A rename without a moved block destroys one resource and creates another on the same audience, in an order
// Terraform chooses: the plan stops it, and the moved block the error names makes it a no-op.
func TestAccAudienceMembersResource_renameWithoutMoved(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("aud")
	members := `{ "u1" = null, "u2" = "acme" }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: providerConfig(srv) + membersResource("old", "aud", members, "")},
			{
				Config:      providerConfig(srv) + membersResource("new", "aud", members, ""),
				ExpectError: errorText("Audience Members Removed And Declared", `removes 2 memberships`, `another resource declares`, "moved block"),
			},
			{
				PreConfig: srv.ResetRequests,
				Config:    providerConfig(srv) + "moved {\n  from = knock_audience_members.old\n  to   = knock_audience_members.new\n}\n" + membersResource("new", "aud", members, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("knock_audience_members.new", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLive(srv, "aud", member("u1", ""), member("u2", "acme")),
					expectRequests(srv, 0, 0, 1),
				},
			},
		},
	})
}

// knock_audience_member next to an authoritative knock_audience_members on one audience, and two
// knock_audience_member for one membership, are reported at plan.
func TestAccAudienceMemberResource_conflictingClaims(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("aud")
	single := func(name, userID string) string {
		return "resource \"knock_audience_member\" \"" + name + "\" {\n  audience_key = \"aud\"\n  user_id = \"" + userID + "\"\n}\n"
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerConfig(srv) + membersResource("all", "aud", `{ "u1" = null }`, "") + single("one", "u2"),
				ExpectError: errorText("Audience Claimed Twice", `knock_audience_member for user "u2"`, "each apply would undo the other"),
			},
			{
				Config:            providerConfig(srv) + membersResource("slice", "aud", `{ "u1" = null }`, `tenant = "acme"`) + single("one", "u2"),
				ConfigStateChecks: []statecheck.StateCheck{expectLive(srv, "aud", member("u1", "acme"), member("u2", ""))},
			},
			{Config: providerConfig(srv) + single("one", "u2") + single("two", "u2")},
			{
				// Destroying one would remove the membership the other still declares.
				Config:      providerConfig(srv) + single("two", "u2"),
				ExpectError: errorText("Audience Members Removed And Declared", `"u2"`, `another resource declares`),
			},
			{
				PreConfig: func() {
					if err := checkLive(srv, "aud", []localknock.Membership{member("u2", "")}); err != nil {
						t.Fatal(err)
					}
				},
				Config: providerConfig(srv) + single("one", "u2") + single("two", "u2"),
			},
		},
	})
}

// -target plans only the targeted resource: the apply changes only its audience, and the other's drift
// waits for a plan that includes it.
func TestAccAudienceMembersResource_targetTouchesOnlyTheTarget(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("first")
	srv.CreateAudience("second")
	tf := newCLIWorkspace(t, providerConfig(srv)+membersResource("a", "first", `{ "u1" = null }`, "")+membersResource("b", "second", `{ "u1" = null }`, ""))
	tf.mustRun("apply", "-auto-approve")
	srv.AddMemberships("first", member("x", ""))
	srv.AddMemberships("second", member("y", ""))
	srv.ResetRequests()
	out := tf.mustRun("apply", "-auto-approve", "-target=knock_audience_members.a")
	expectOutput(t, out, `first: applied \+0 / -1 members in 1 write request`)
	expectNoOutput(t, out, `second:`)
	expectLiveNow(t, srv, "first", member("u1", ""))
	expectLiveNow(t, srv, "second", member("u1", ""), member("y", ""))
	if got := srv.Requests(); got[localknock.EndpointRemove] != 1 || got[localknock.EndpointAdd] != 0 {
		t.Errorf("the targeted apply sent %v, want 1 remove", got)
	}
	out, code := tf.run("plan", "-detailed-exitcode")
	if code != 2 {
		t.Errorf("the full plan after the targeted apply: exit %d, want 2\n%s", code, out)
	}
	expectOutput(t, out, `second: \+0 / -1 members`)
}
