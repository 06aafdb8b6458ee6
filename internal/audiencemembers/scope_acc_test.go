package audiencemembers_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
)

// A managed-only resource owns what its configuration declared, not what an import read into its state:
// importing it into an audience that holds other members must not remove them.
func TestAccAudienceMembersResource_importIntoManagedOnlyKeepsOthers(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("aud", acctest.Member("me1", ""), acctest.Member("sync1", "acme"), acctest.Member("sync2", "acme"), acctest.Member("sync3", "acme"))
	config := acctest.ProviderConfig(srv) + "import {\n  to = knock_audience_members.test\n  id = \"aud\"\n}\n" +
		acctest.MembersResource("test", "aud", `{ "me1" = null, "me2" = null }`, `authoritative = false`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "aud", acctest.Member("me1", ""), acctest.Member("me2", ""),
						acctest.Member("sync1", "acme"), acctest.Member("sync2", "acme"), acctest.Member("sync3", "acme")),
				},
			},
			{
				// Dropping a declared member removes it, and only it.
				Config: acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ "me1" = null }`, `authoritative = false`),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "aud", acctest.Member("me1", ""),
						acctest.Member("sync1", "acme"), acctest.Member("sync2", "acme"), acctest.Member("sync3", "acme")),
				},
			},
		},
		CheckDestroy: acctest.CheckLiveAfterDestroy(srv, "aud", acctest.Member("sync1", "acme"), acctest.Member("sync2", "acme"), acctest.Member("sync3", "acme")),
	})
}

// Switching an authoritative resource to managed-only hands over nothing it did not declare: members added
// out of band stay.
func TestAccAudienceMembersResource_switchToManagedOnlyKeepsOutOfBand(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	members := `{ "a" = null, "b" = null }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", members, "")},
			{
				PreConfig: func() { srv.AddMemberships("aud", acctest.Member("oob", ""), acctest.Member("oob2", "acme")) },
				Config:    acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", members, `authoritative = false`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("knock_audience_members.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "aud", acctest.Member("a", ""), acctest.Member("b", ""), acctest.Member("oob", ""), acctest.Member("oob2", "acme")),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
		CheckDestroy: acctest.CheckLiveAfterDestroy(srv, "aud", acctest.Member("oob", ""), acctest.Member("oob2", "acme")),
	})
}

// The first plan after an import adopts the audience like a create: members the configuration leaves out
// are not removed by that apply (the plan warns), and the next plan shows their removal.
func TestAccAudienceMembersResource_importWithSubsetRemovesNothingFirst(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("aud", acctest.Member("a", ""), acctest.Member("b", ""), acctest.Member("c", ""))
	resourceHCL := acctest.MembersResource("test", "aud", `{ "a" = null }`, "")
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+"import {\n  to = knock_audience_members.test\n  id = \"aud\"\n}\n"+resourceHCL)
	out := tf.MustRun("apply", "-auto-approve")
	acctest.ExpectOutput(t, out, `Audience Already Has Members`, `2 memberships`, `"b"`, `"c"`)
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""), acctest.Member("b", ""), acctest.Member("c", ""))
	tf.Write("main.tf", acctest.ProviderConfig(srv)+resourceHCL+"\n")
	out, _ = tf.Run("plan", "-detailed-exitcode")
	acctest.ExpectOutput(t, out, `- "b" = null`, `- "c" = null`)
}

// An import's mark does not refuse a later, deliberate change of audience_key: once the import's own run
// is over, the replacement is planned and keeps the memberships the import adopted (no apply has taken
// them over), with a warning that says so.
func TestAccAudienceMembersResource_keyChangeAfterImport(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("old", acctest.Member("a", ""), acctest.Member("b", ""))
	srv.CreateAudience("new")
	members := `{ "a" = null, "b" = null }`
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+"import {\n  to = knock_audience_members.test\n  id = \"old\"\n}\n"+
		acctest.MembersResource("test", "old", members, ""))
	tf.MustRun("apply", "-auto-approve")
	tf.Write("main.tf", acctest.ProviderConfig(srv)+acctest.MembersResource("test", "new", members, ""))
	out := tf.MustRun("apply", "-auto-approve")
	acctest.ExpectOutput(t, out, `old: imported memberships kept`, `leaves the memberships of audience "old" in place`)
	acctest.ExpectLiveNow(t, srv, "old", acctest.Member("a", ""), acctest.Member("b", ""))
	acctest.ExpectLiveNow(t, srv, "new", acctest.Member("a", ""), acctest.Member("b", ""))
	// The replacement's apply took the new audience over: a change now removes as usual.
	tf.Write("main.tf", acctest.ProviderConfig(srv)+acctest.MembersResource("test", "new", `{ "a" = null }`, ""))
	tf.MustRun("apply", "-auto-approve")
	acctest.ExpectLiveNow(t, srv, "new", acctest.Member("a", ""))
}

// create_audience = true with no members: Knock creates an audience with its first add, so the plan says
// so instead of an apply that "creates" on every run an audience that never exists.
func TestAccAudienceMembersResource_createAudienceWithNoMembers(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "fresh", `{}`, `create_audience = true`),
			ExpectError: acctest.ErrorText("Audience Cannot Be Created Empty", `"fresh" does not exist`, "Declare at least one member"),
		}},
	})
}
