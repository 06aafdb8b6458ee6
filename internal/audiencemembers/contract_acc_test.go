package audiencemembers_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// The plan is the contract: an apply removes only what its plan showed as removed, never touches a
// membership outside the resource's scope, and reports what it sent. Each test here is one of the everyday
// Terraform moves that once broke that promise.

// A saved plan applied after its read went stale, and an apply with -refresh=false, do what the plan showed:
// memberships that appeared after the plan stay for the next plan to show.
func TestAccAudienceMembersResource_stalePlanLeavesNewMembers(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	config := func(members string) string {
		return acctest.ProviderConfig(srv, `plan_read_max_age = "0s"`) + acctest.MembersResource("test", "aud", members, "")
	}
	tf := acctest.NewCLIWorkspace(t, config(`{ "u1" = null }`))
	tf.MustRun("apply", "-auto-approve")

	tf.Write("main.tf", config(`{ "u1" = null, "u2" = null }`))
	out := tf.MustRun("plan", "-out=tfplan")
	acctest.ExpectOutput(t, out, `\+ "u2" = null`)
	srv.AddMemberships("aud", acctest.Member("late", ""))
	srv.ResetRequests()
	out = tf.MustRun("apply", "tfplan")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("late", ""), acctest.Member("u1", ""), acctest.Member("u2", ""))
	acctest.ExpectOutput(t, out, `aud: applied \+1 / -0 members in 1 write request`, `1 membership appeared in audience "aud" since the plan \("late"\)`)
	if got := srv.Requests(); got[localknock.EndpointRemove] != 0 || got[localknock.EndpointAdd] != 1 {
		t.Errorf("the apply sent %v, want 1 add and no remove", got)
	}
	// The next plan shows the newcomer as drift to remove.
	out, code := tf.Run("plan", "-detailed-exitcode")
	if code != 2 {
		t.Errorf("the plan after the apply: exit %d, want 2 (changes)\n%s", code, out)
	}
	acctest.ExpectOutput(t, out, `- "late" = null`)

	// -refresh=false plans against the state; what appeared since stays.
	srv.AddMemberships("aud", acctest.Member("later", ""))
	tf.Write("main.tf", config(`{ "u1" = null, "u2" = null, "u3" = null }`))
	out = tf.MustRun("apply", "-auto-approve", "-refresh=false")
	acctest.ExpectOutput(t, out, `aud: applied \+1 / -0 members`)
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("late", ""), acctest.Member("later", ""), acctest.Member("u1", ""), acctest.Member("u2", ""), acctest.Member("u3", ""))

	// The audience gone between plan and apply: the apply stops, sends nothing and says to plan again.
	tf.Write("main.tf", config(`{ "u1" = null, "u2" = null, "u3" = null, "u4" = null }`))
	tf.MustRun("plan", "-out=gone.tfplan")
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{Status: 404})
	srv.ResetRequests()
	out, code = tf.Run("apply", "gone.tfplan")
	if code == 0 {
		t.Fatalf("the apply after the audience went away passed:\n%s", out)
	}
	acctest.ExpectOutput(t, out, "Audience Changed Since Plan", "Nothing was sent", "Run terraform plan again")
	if got := srv.Requests(); got[localknock.EndpointAdd]+got[localknock.EndpointRemove] != 0 {
		t.Errorf("the apply sent %v, want no write", got)
	}
}

// A user under several tenants: the memberships the members map cannot show are named in the plan, and the
// apply sends exactly what the plan counted.
func TestAccAudienceMembersResource_removalsTheMapCannotShow(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("aud", acctest.Member("u", ""), acctest.Member("u", "acme"), acctest.Member("u", "globex"), acctest.Member("v", "acme"))
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+`
import {
  to = knock_audience_members.test
  id = "aud"
}
`+acctest.MembersResource("test", "aud", `{ "u" = null, "w" = null }`, ""))
	// The import's apply adopts the audience: it adds "w" and removes nothing.
	tf.MustRun("apply", "-auto-approve")
	out := tf.MustRun("plan", "-out=tfplan")
	acctest.ExpectOutput(t, out, `aud: \+0 / -3 members, 1 write request`,
		`"u" \(tenant "acme"\)`, `"u" \(tenant "globex"\)`, `"v" \(tenant "acme"\)`)
	srv.ResetRequests()
	out = tf.MustRun("apply", "tfplan")
	acctest.ExpectNoOutput(t, out, `aud: applied`) // applied as planned: no summary of its own
	if got := srv.Requests(); got[localknock.EndpointRemove] != 1 || got[localknock.EndpointAdd] != 0 {
		t.Errorf("the apply sent %v, want 1 remove request", got)
	}
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("u", ""), acctest.Member("w", ""))
	if out, code := tf.Run("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after the apply is not empty (exit %d):\n%s", code, out)
	}
}

// Members known only at apply: the plan says what the apply will check, and a create never removes
// memberships it did not show.
func TestAccAudienceMembersResource_createWithMembersKnownOnlyAtApply(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("aud", acctest.Member("old", ""), acctest.Member("older", "acme"))
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+`
resource "terraform_data" "ids" {
  input = ["u1", "u2"]
}
`+acctest.MembersResource("test", "aud", `{ for id in terraform_data.ids.output : id => null }`, `max_removals = 0`))
	out := tf.MustRun("plan", "-out=tfplan")
	acctest.ExpectOutput(t, out, `members is known only at apply`, `already holds 2 memberships`, `"old"`, `never removes`)
	tf.MustRun("apply", "tfplan")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("old", ""), acctest.Member("u1", ""), acctest.Member("u2", ""), acctest.Member("older", "acme"))
	// The next plan names them, and max_removals = 0 stops it.
	out, code := tf.Run("plan")
	if code == 0 {
		t.Fatalf("the plan after the create passed; want max_removals to stop the removal of the two old members:\n%s", out)
	}
	acctest.ExpectOutput(t, out, "Too Many Audience Members To Remove", `removes 2 memberships`, `"old"`, `"older" \(tenant "acme"\)`)
}

// A tenant's resource imported with an id of another scope must not be replaced: the replacement's destroy
// would remove memberships the tenant resource never owned.
func TestAccAudienceMembersResource_importIDOfAnotherScope(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("multi", acctest.Member("a", ""), acctest.Member("b", ""), acctest.Member("u1", "acme"))
	srv.AddMemberships("elsewhere", acctest.Member("x", ""))
	importBlock := func(id string) string {
		return "import {\n  to = knock_audience_members.acme\n  id = \"" + id + "\"\n}\n"
	}
	acme := acctest.MembersResource("acme", "multi", `{ "u1" = null, "u2" = null }`, `tenant = "acme"`)
	untouched := acctest.CheckLiveAfterDestroy(srv, "multi", acctest.Member("a", ""), acctest.Member("b", ""), acctest.Member("u1", "acme"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      acctest.ProviderConfig(srv) + importBlock("multi") + acme,
				ExpectError: acctest.ErrorText("Import ID Does Not Match Configuration", `imported with the id "multi"`, `the whole audience "multi"`, `tenant = "acme"`, `import block's id to "multi/acme"`),
			},
			{
				Config:      acctest.ProviderConfig(srv) + importBlock("multi/globex") + acme,
				ExpectError: acctest.ErrorText("Import ID Does Not Match Configuration", `"multi/globex"`, `import block's id to "multi/acme"`),
			},
			{
				Config:      acctest.ProviderConfig(srv) + importBlock("elsewhere") + acme,
				ExpectError: acctest.ErrorText("Import ID Does Not Match Configuration", `"elsewhere"`, `import block's id to "multi/acme"`),
			},
			{
				// The whole audience's resource imported with a tenant's id.
				Config: acctest.ProviderConfig(srv) + "import {\n  to = knock_audience_members.all\n  id = \"multi/acme\"\n}\n" +
					acctest.MembersResource("all", "multi", `{ "a" = null }`, ""),
				ExpectError: acctest.ErrorText("Import ID Does Not Match Configuration", `"multi/acme"`, `tenant "acme" of audience "multi"`, `import block's id to "multi"`),
			},
			{
				PreConfig: func() {
					if err := untouched(nil); err != nil {
						t.Fatal(err)
					}
					if err := acctest.CheckLive(srv, "elsewhere", []localknock.Membership{acctest.Member("x", "")}); err != nil {
						t.Fatal(err)
					}
				},
				Config: acctest.ProviderConfig(srv) + importBlock("multi/acme") + acme,
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "multi", acctest.Member("a", ""), acctest.Member("b", ""), acctest.Member("u1", "acme"), acctest.Member("u2", "acme")),
				},
			},
		},
		// The destroy removes what the tenant resource declares, and nothing outside its slice.
		CheckDestroy: acctest.CheckLiveAfterDestroy(srv, "multi", acctest.Member("a", ""), acctest.Member("b", "")),
	})
}

// max_removals guards every path that removes memberships: a replacement and a destroy too.
func TestAccAudienceMembersResource_guardRailsOnReplaceAndDestroy(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("old-aud")
	srv.CreateAudience("new-aud")
	five := acctest.HCLUserMap("u", 0, 5, "null")
	oldFive := []localknock.Membership{acctest.Member("u00000", ""), acctest.Member("u00001", ""), acctest.Member("u00002", ""), acctest.Member("u00003", ""), acctest.Member("u00004", "")}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: acctest.ProviderConfig(srv) + acctest.MembersResource("test", "old-aud", five, "max_removals = 1")},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "new-aud", five, "max_removals = 1"),
				ExpectError: acctest.ErrorText("Too Many Audience Members To Remove", `Replacing this resource removes 5 memberships from audience "old-aud"`, "max_removals = 1"),
			},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "old-aud", five, `max_removals = 1`+"\n"+`tenant = "acme"`),
				ExpectError: acctest.ErrorText("Too Many Audience Members To Remove", `Replacing this resource removes 5 memberships from audience "old-aud"`),
			},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "old-aud", five, "max_removals = 1"),
				Destroy:     true,
				ExpectError: acctest.ErrorText("Too Many Audience Members To Remove", `Destroying this resource removes 5 memberships from audience "old-aud"`, `on_destroy = "keep"`),
			},
			{
				PreConfig: func() {
					if err := acctest.CheckLive(srv, "old-aud", oldFive); err != nil {
						t.Fatal(err)
					}
				},
				Config:            acctest.ProviderConfig(srv) + acctest.MembersResource("test", "old-aud", five, "max_removals = 5"),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectLive(srv, "old-aud", oldFive...)},
			},
		},
		CheckDestroy: acctest.CheckLiveAfterDestroy(srv, "old-aud"),
	})
}

// A rename without a moved block destroys one resource and creates another on the same audience, in an order
// Terraform chooses: the plan stops it, and the moved block the error names makes it a no-op.
func TestAccAudienceMembersResource_renameWithoutMoved(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	members := `{ "u1" = null, "u2" = "acme" }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: acctest.ProviderConfig(srv) + acctest.MembersResource("old", "aud", members, "")},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("new", "aud", members, ""),
				ExpectError: acctest.ErrorText("Audience Members Removed And Declared", `removes 2 memberships`, `another resource declares`, "moved block"),
			},
			{
				PreConfig: srv.ResetRequests,
				Config:    acctest.ProviderConfig(srv) + "moved {\n  from = knock_audience_members.old\n  to   = knock_audience_members.new\n}\n" + acctest.MembersResource("new", "aud", members, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("knock_audience_members.new", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "aud", acctest.Member("u1", ""), acctest.Member("u2", "acme")),
					acctest.ExpectRequests(srv, 0, 0, 1),
				},
			},
		},
	})
}

// knock_audience_member next to an authoritative knock_audience_members on one audience, and two
// knock_audience_member for one membership, are reported at plan.
func TestAccAudienceMemberResource_conflictingClaims(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	single := func(name, userID string) string {
		return "resource \"knock_audience_member\" \"" + name + "\" {\n  audience_key = \"aud\"\n  user_id = \"" + userID + "\"\n}\n"
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("all", "aud", `{ "u1" = null }`, "") + single("one", "u2"),
				ExpectError: acctest.ErrorText("Audience Claimed Twice", `knock_audience_member for user "u2"`, "each apply would undo the other"),
			},
			{
				Config:            acctest.ProviderConfig(srv) + acctest.MembersResource("slice", "aud", `{ "u1" = null }`, `tenant = "acme"`) + single("one", "u2"),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectLive(srv, "aud", acctest.Member("u1", "acme"), acctest.Member("u2", ""))},
			},
			{Config: acctest.ProviderConfig(srv) + single("one", "u2") + single("two", "u2")},
			{
				// Destroying one would remove the membership the other still declares.
				Config:      acctest.ProviderConfig(srv) + single("two", "u2"),
				ExpectError: acctest.ErrorText("Audience Members Removed And Declared", `"u2"`, `another resource declares`),
			},
			{
				PreConfig: func() {
					if err := acctest.CheckLive(srv, "aud", []localknock.Membership{acctest.Member("u2", "")}); err != nil {
						t.Fatal(err)
					}
				},
				Config: acctest.ProviderConfig(srv) + single("one", "u2") + single("two", "u2"),
			},
		},
	})
}

// -target plans only the targeted resource: the apply changes only its audience, and the other's drift
// waits for a plan that includes it.
func TestAccAudienceMembersResource_targetTouchesOnlyTheTarget(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("first")
	srv.CreateAudience("second")
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+acctest.MembersResource("a", "first", `{ "u1" = null }`, "")+acctest.MembersResource("b", "second", `{ "u1" = null }`, ""))
	tf.MustRun("apply", "-auto-approve")
	srv.AddMemberships("first", acctest.Member("x", ""))
	srv.AddMemberships("second", acctest.Member("y", ""))
	srv.ResetRequests()
	out := tf.MustRun("apply", "-auto-approve", "-target=knock_audience_members.a")
	acctest.ExpectOutput(t, out, `- "x" = null`)
	acctest.ExpectNoOutput(t, out, `"y"`)
	acctest.ExpectLiveNow(t, srv, "first", acctest.Member("u1", ""))
	acctest.ExpectLiveNow(t, srv, "second", acctest.Member("u1", ""), acctest.Member("y", ""))
	if got := srv.Requests(); got[localknock.EndpointRemove] != 1 || got[localknock.EndpointAdd] != 0 {
		t.Errorf("the targeted apply sent %v, want 1 remove", got)
	}
	out, code := tf.Run("plan", "-detailed-exitcode")
	if code != 2 {
		t.Errorf("the full plan after the targeted apply: exit %d, want 2\n%s", code, out)
	}
	acctest.ExpectOutput(t, out, `- "y" = null`)
}
