package provider_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/coalesce"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
	"github.com/knock-tf/terraform-provider-knock/internal/provider"
)

// What the plan of a create says before anything is sent: whether the audience exists, whether the
// membership already exists, and the id.

func TestAccAudienceMemberResource_missingAudienceFailsAtPlan(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("beta")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			// Both creates share the one listing of each audience; only the missing audience is an error.
			Config: memberConfig(srv, "audience_key = \"missing\"\nuser_id = \"u1\"", `
resource "knock_audience_member" "other" {
  audience_key = "missing"
  user_id      = "u2"
}

resource "knock_audience_member" "fine" {
  audience_key = "beta"
  user_id      = "u1"
}
`),
			PlanOnly: true,
			ExpectError: acctest.ErrorText("Audience Not Found", `user "u1" without tenant in audience "missing"`,
				`The audience "missing" does not exist in this Knock environment`, "Create it as a static audience"),
		}},
	})
	if got := srv.Requests(); got[localknock.EndpointAdd] != 0 || got[localknock.EndpointList] != 2 {
		t.Errorf("requests to the local Knock API: %v, want no add and one listing of each audience", got)
	}
}

func TestAccAudienceMemberResource_idKnownAtPlan(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("team/eu")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: memberConfig(srv, "audience_key = \"team/eu\"\nuser_id = \"u1\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(memberAddr, tfjsonpath.New("id"), knownvalue.StringExact("team%2Feu/u1")),
				}},
			},
			{
				// A replacement plans the new id.
				Config: memberConfig(srv, "audience_key = \"team/eu\"\nuser_id = \"u1\"\ntenant = \"acme\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberAddr, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectKnownValue(memberAddr, tfjsonpath.New("id"), knownvalue.StringExact("team%2Feu/u1/acme")),
				}},
			},
		},
	})
}

// TestAccAudienceMemberResource_adoptionWarnedAtPlan runs the CLI itself: resource.Test cannot read a
// plan's warnings.
func TestAccAudienceMemberResource_adoptionWarnedAtPlan(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("beta", acctest.Member("u1", "acme"))
	tf := acctest.NewCLIWorkspace(t, memberConfig(srv, "audience_key = \"beta\"\nuser_id = \"u1\"\ntenant = \"acme\"", `
resource "knock_audience_member" "new" {
  audience_key = "beta"
  user_id      = "u2"
}
`))
	adopted := `Warning: Existing Membership Adopted .* The membership of user "u1" under tenant "acme" in audience "beta" already exists`
	out := tf.MustRun("plan", "-out=tfplan")
	acctest.ExpectOutput(t, out, adopted, "Plan: 2 to add")
	acctest.ExpectNoOutput(t, out, `user "u2" without tenant in audience "beta" already exists`)

	srv.ResetRequests()
	out = tf.MustRun("apply", "tfplan")
	acctest.ExpectLiveNow(t, srv, "beta", acctest.Member("u1", "acme"), acctest.Member("u2", ""))
	// The apply says it once, as it adopts the membership, and adds only the other one.
	if n := strings.Count(out, "Existing Membership Adopted"); n != 1 {
		t.Errorf("the apply warns %d times of the adoption, want once:\n%s", n, out)
	}
	if got := srv.Requests(); got[localknock.EndpointAdd] != 1 {
		t.Errorf("the apply sent %v, want 1 add", got)
	}
}

func TestAccAudienceMemberResource_basic(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("beta", acctest.Member("bystander", ""))
	config := memberConfig(srv, `
  audience_key = "beta"
  user_id      = "u1"
`, `
resource "knock_audience_member" "tenanted" {
  audience_key = "beta"
  user_id      = "u2"
  tenant       = "acme"
}
`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		// Destroy removes the two declared memberships and leaves the bystander.
		CheckDestroy: acctest.CheckLiveAfterDestroy(srv, "beta", acctest.Member("bystander", "")),
		Steps: []resource.TestStep{
			{
				// The listing answers after a second, so both creates wait for it, whenever Terraform
				// starts them, and then share one add request. The plan and the apply list once each.
				PreConfig: func() {
					srv.ResetRequests()
					srv.InjectFaults(localknock.EndpointList, localknock.Fault{Delay: time.Second})
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("knock_audience_member.tenanted", plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectMember(memberAddr, "beta/u1", "beta", "u1", ""),
					expectMember("knock_audience_member.tenanted", "beta/u2/acme", "beta", "u2", "acme"),
					acctest.ExpectLive(srv, "beta", acctest.Member("bystander", ""), acctest.Member("u1", ""), acctest.Member("u2", "acme")),
					acctest.ExpectRequests(srv, 1, 0, 2),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

func TestAccAudienceMemberResource_adoptExisting(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("beta", acctest.Member("u1", "acme"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckLiveAfterDestroy(srv, "beta"),
		Steps: []resource.TestStep{
			{
				// The create succeeds with a warning and sends no add; the plan and the apply list once each.
				PreConfig: srv.ResetRequests,
				Config:    memberConfig(srv, "audience_key = \"beta\"\nuser_id = \"u1\"\ntenant = \"acme\""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectMember(memberAddr, "beta/u1/acme", "beta", "u1", "acme"),
					acctest.ExpectLive(srv, "beta", acctest.Member("u1", "acme")),
					acctest.ExpectRequests(srv, 0, 0, 2),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

func TestAccAudienceMemberResource_removedOutOfBand(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("beta", acctest.Member("bystander", ""))
	config := memberConfig(srv, "audience_key = \"beta\"\nuser_id = \"u1\"")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// Someone removes the membership in the dashboard: the refresh drops it from state.
				PreConfig:          func() { srv.RemoveMemberships("beta", acctest.Member("u1", "")) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberAddr, plancheck.ResourceActionCreate),
				}},
			},
			{
				// The plan of the create lists once, and so does the apply, which then adds.
				PreConfig: srv.ResetRequests,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberAddr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "beta", acctest.Member("bystander", ""), acctest.Member("u1", "")),
					acctest.ExpectRequests(srv, 1, 0, 2),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

func TestAccAudienceMemberResource_audienceGone(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("beta")
	config := memberConfig(srv, "audience_key = \"beta\"\nuser_id = \"u1\"")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// A 404 for the audience removes the membership from state (with a warning), not an error;
				// planning to create it again, from the same answer, is one.
				PreConfig:   func() { srv.InjectFaults(localknock.EndpointList, localknock.Fault{Status: 404}) },
				Config:      config,
				PlanOnly:    true,
				ExpectError: acctest.ErrorText("Audience Not Found", `The membership of user "u1" without tenant in audience "beta"`, "cannot be created"),
			},
		},
	})
}

func TestAccAudienceMemberResource_tenantChangeReplaces(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("beta")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: memberConfig(srv, "audience_key = \"beta\"\nuser_id = \"u1\"")},
			{
				Config: memberConfig(srv, "audience_key = \"beta\"\nuser_id = \"u1\"\ntenant = \"acme\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectMember(memberAddr, "beta/u1/acme", "beta", "u1", "acme"),
					acctest.ExpectLive(srv, "beta", acctest.Member("u1", "acme")),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

func TestAccAudienceMemberResource_import(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("team/eu")
	// Keys and ids holding "/" are escaped as %2F in the ids.
	config := memberConfig(srv, "audience_key = \"team/eu\"\nuser_id = \"u1\"", `
resource "knock_audience_member" "tenanted" {
  audience_key = "team/eu"
  user_id      = "group/7"
  tenant       = "acme/eu"
}
`)
	const tenantedAddr = "knock_audience_member.tenanted"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					expectMember(memberAddr, "team%2Feu/u1", "team/eu", "u1", ""),
					expectMember(tenantedAddr, "team%2Feu/group%2F7/acme%2Feu", "team/eu", "group/7", "acme/eu"),
					acctest.ExpectLive(srv, "team/eu", acctest.Member("u1", ""), acctest.Member("group/7", "acme/eu")),
				},
			},
			{
				// terraform import knock_audience_member.test team%2Feu/u1
				Config:            config,
				ResourceName:      memberAddr,
				ImportState:       true,
				ImportStateId:     "team%2Feu/u1",
				ImportStateVerify: true,
			},
			{
				Config:            config,
				ResourceName:      tenantedAddr,
				ImportState:       true,
				ImportStateId:     "team%2Feu/group%2F7/acme%2Feu",
				ImportStateVerify: true,
			},
			{
				// An import block plans a no-op import for each id form.
				Config:          config,
				ResourceName:    memberAddr,
				ImportState:     true,
				ImportStateId:   "team%2Feu/u1",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				Config:          config,
				ResourceName:    tenantedAddr,
				ImportState:     true,
				ImportStateId:   "team%2Feu/group%2F7/acme%2Feu",
				ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
}

// TestAccAudienceMemberResource_forEach pins what 20 memberships on one audience cost. Terraform runs 10
// operations at once, so the creates, and the destroys, go out in two waves of one request each, and the
// reads of a walk share one listing. How fast Terraform starts the operations of a wave depends on the
// machine's load, so the test serves a provider whose write windows are wider, to make the counts exact.
func TestAccAudienceMemberResource_forEach(t *testing.T) {
	windows := coalesce.DefaultWindows()
	windows.Quiet, windows.MaxWait = time.Second, time.Minute
	factories := map[string]func() (tfprotov6.ProviderServer, error){
		"knock": func() (tfprotov6.ProviderServer, error) {
			return provider.NewProtocol6ServerWithWindows("test", windows)(), nil
		},
	}

	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("many", acctest.Member("bystander", ""))
	config := acctest.ProviderConfig(srv) + `
resource "knock_audience_member" "test" {
  for_each     = toset([for i in range(20) : format("user-%02d", i)])
  audience_key = "many"
  user_id      = each.key
}
`
	all := []localknock.Membership{acctest.Member("bystander", "")}
	for i := range 20 {
		all = append(all, acctest.Member(fmt.Sprintf("user-%02d", i), ""))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				// 1 listing for the 20 creates in the plan and 1 in the apply, and 2 adds of 10.
				PreConfig: srv.ResetRequests,
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					expectMember(`knock_audience_member.test["user-07"]`, "many/user-07", "many", "user-07", ""),
					acctest.ExpectLive(srv, "many", all...),
					acctest.ExpectRequests(srv, 2, 0, 2),
				},
			},
			{
				// The plan's 20 reads share 1 listing.
				PreConfig:         srv.ResetRequests,
				Config:            config,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 0, 0, 1)},
			},
			{
				// Dropping the resources: 1 listing to refresh them, 2 removes of 10; the bystander stays.
				PreConfig: srv.ResetRequests,
				Config:    acctest.ProviderConfig(srv),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "many", acctest.Member("bystander", "")),
					acctest.ExpectRequests(srv, 0, 2, 1),
				},
			},
		},
	})
}

func TestAccAudienceMemberResource_invalidImportID(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("beta", acctest.Member("u1", ""))
	config := memberConfig(srv, "audience_key = \"beta\"\nuser_id = \"u1\"")
	importStep := func(id string, parts ...string) resource.TestStep {
		return resource.TestStep{
			Config:        config,
			ResourceName:  memberAddr,
			ImportState:   true,
			ImportStateId: id,
			ExpectError:   acctest.ErrorText(append([]string{"Invalid Import ID"}, parts...)...),
		}
	}
	expected := []string{"Expected `audience_key/user_id`, or `audience_key/user_id/tenant`", "written `%2F`"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			importStep("beta", append([]string{`The import ID "beta" has 1 part separated by "/"`}, expected...)...),
			importStep("beta/team/7/acme/eu", `has 5 parts separated by "/"`),
			importStep("beta//acme", `has an empty part 2`),
			importStep("beta/100%/acme", `has part "100%", which is not a valid escape`),
		},
	})
}

func TestAccAudienceMemberResource_invalidConfig(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("beta")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      memberConfig(srv, "audience_key = \"beta\"\nuser_id = \"\""),
				ExpectError: acctest.ErrorText("Invalid Knock ID", `user_id is "", which is empty or only whitespace`),
			},
			{
				Config:      memberConfig(srv, "audience_key = \"\"\nuser_id = \"u1\""),
				ExpectError: acctest.ErrorText("Invalid Knock ID", `audience_key is "", which is empty or only whitespace`),
			},
			{
				Config:      memberConfig(srv, "audience_key = \"beta\"\nuser_id = \"u1\"\ntenant = \"\""),
				ExpectError: acctest.ErrorText("Invalid Knock ID", `tenant is "", which is empty or only whitespace`),
			},
			{
				// Sent as a path segment, ".." would make DELETE /v1/audiences/../members.
				Config:      memberConfig(srv, "audience_key = \"..\"\nuser_id = \"u1\""),
				ExpectError: acctest.ErrorText("Invalid Knock ID", `audience_key is "..", which is . or ..`),
			},
			{
				Config:      memberConfig(srv, "audience_key = \".\"\nuser_id = \"u1\""),
				ExpectError: acctest.ErrorText("Invalid Knock ID", `audience_key is ".", which is . or ..`),
			},
		},
	})
}

func TestAccAudienceMemberResource_importByIdentity(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("identified", acctest.Member("u1", "acme"))
	config := acctest.ProviderConfig(srv) + `
resource "knock_audience_member" "test" {
  audience_key = "identified"
  user_id      = "u1"
  tenant       = "acme"
}
`
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(memberAddr, map[string]knownvalue.Check{
						"audience_key": knownvalue.StringExact("identified"),
						"user_id":      knownvalue.StringExact("u1"),
						"tenant":       knownvalue.StringExact("acme"),
					}),
				},
			},
			{
				Config:          config,
				ResourceName:    memberAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}
