package audiencemembers_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
)

func TestAccAudienceMembersResource_tenantScope(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	// Outside every slice: a membership without tenant, which the tenant resources must not touch.
	srv.AddMemberships("multi", acctest.Member("outsider", ""))
	// examples/multi-tenant declares the slices with for_each; the test harness needs plain addresses.
	config := acctest.ProviderConfig(srv) +
		acctest.MembersResource("acme", "multi", `{ "u1" = null, "u2" = null }`, `tenant = "acme"`) +
		acctest.MembersResource("globex", "multi", `{ "u1" = null, "u3" = null }`, `tenant = "globex"`)
	acme := "knock_audience_members.acme"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acme, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(acme, tfjsonpath.New("id"), knownvalue.StringExact("multi/acme")),
					acctest.ExpectLive(srv, "multi", acctest.Member("outsider", ""), acctest.Member("u1", "acme"), acctest.Member("u2", "acme"), acctest.Member("u1", "globex"), acctest.Member("u3", "globex")),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
			{
				// Drift inside the acme slice shows and is corrected; the outsider stays.
				PreConfig: func() {
					srv.RemoveMemberships("multi", acctest.Member("u2", "acme"))
					srv.AddMemberships("multi", acctest.Member("intruder", "acme"), acctest.Member("u9", ""))
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acme, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("knock_audience_members.globex", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "multi", acctest.Member("outsider", ""), acctest.Member("u9", ""), acctest.Member("u1", "acme"), acctest.Member("u2", "acme"), acctest.Member("u1", "globex"), acctest.Member("u3", "globex")),
				},
			},
			{
				ResourceName:      acme,
				ImportState:       true,
				ImportStateId:     "multi/acme",
				ImportStateVerify: true,
				// Settings live only in configuration; the imported state has the tenant from the id.
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
		CheckDestroy: acctest.CheckLiveAfterDestroy(srv, "multi", acctest.Member("outsider", ""), acctest.Member("u9", "")),
	})
}

func TestAccAudienceMembersResource_managedOnly(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("shared", acctest.Member("synced-1", ""), acctest.Member("synced-2", "acme"))
	config := func(members string) string {
		return acctest.ProviderConfig(srv) + acctest.MembersResource("test", "shared", members, "authoritative = false")
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(`{ "u1" = null, "u2" = "acme" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembershipCount(2),
					acctest.ExpectLive(srv, "shared", acctest.Member("synced-1", ""), acctest.Member("synced-2", "acme"), acctest.Member("u1", ""), acctest.Member("u2", "acme")),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
			{
				// Dropping u2 removes only u2; u1 removed out of band comes back; the others stay.
				PreConfig: func() { srv.RemoveMemberships("shared", acctest.Member("u1", "")) },
				Config:    config(`{ "u1" = null }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					acctest.ExpectPriorValue(tfjsonpath.New("members"), knownvalue.MapExact(map[string]knownvalue.Check{"u2": knownvalue.StringExact("acme")})),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "shared", acctest.Member("synced-1", ""), acctest.Member("synced-2", "acme"), acctest.Member("u1", "")),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
		CheckDestroy: acctest.CheckLiveAfterDestroy(srv, "shared", acctest.Member("synced-1", ""), acctest.Member("synced-2", "acme")),
	})
}

func TestAccAudienceMembersResource_guardRails(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("guarded", acctest.Member("old-1", ""), acctest.Member("old-2", ""), acctest.Member("old-3", "acme"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderConfig(srv) + acctest.MembersResource("test", "guarded", `{ "u1" = null }`, `on_existing_members = "error"`),
				ExpectError: acctest.ErrorText("Audience Already Has Members", `audience "guarded" already holds 3 memberships`,
					`"old-1"`, "terraform import knock_audience_members.NAME guarded"),
			},
			{
				// A create never removes: the three others stay, and the next plan shows their removal.
				PreConfig:          srv.ResetRequests,
				Config:             acctest.ProviderConfig(srv) + acctest.MembersResource("test", "guarded", `{ "u1" = null }`, `max_removals = 3`),
				ConfigStateChecks:  []statecheck.StateCheck{acctest.ExpectLive(srv, "guarded", acctest.Member("old-1", ""), acctest.Member("old-2", ""), acctest.Member("u1", ""), acctest.Member("old-3", "acme")), acctest.ExpectRequests(srv, 1, 0, 2)},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: acctest.ProviderConfig(srv) + acctest.MembersResource("test", "guarded", `{ "u1" = null }`, `max_removals = 2`),
				ExpectError: acctest.ErrorText("Too Many Audience Members To Remove", `removes 3 memberships from audience "guarded"`,
					"more than max_removals = 2 allows", "Nothing was sent", "empty or failed data source"),
			},
			{
				// Within the limit: the update removes the four others, which the plan names.
				PreConfig:         srv.ResetRequests,
				Config:            acctest.ProviderConfig(srv) + acctest.MembersResource("test", "guarded", acctest.HCLUserMap("u", 0, 10, "null"), `max_removal_percent = 100`),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembershipCount(10), acctest.ExpectRequests(srv, 1, 1, 1)},
			},
			{
				// An empty map (a data source that returned nothing) must not empty the audience.
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "guarded", `{}`, `max_removal_percent = 50`),
				ExpectError: acctest.ErrorText("Too Many Audience Members To Remove", "removes 10 memberships", "max_removal_percent = 50 (5 of 10 memberships)"),
			},
			{
				Config:            acctest.ProviderConfig(srv) + acctest.MembersResource("test", "guarded", acctest.HCLUserMap("u", 0, 6, "null"), `max_removal_percent = 50`),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembershipCount(6)},
			},
			// The guard rails hold for destroy too: lift them before the test's destroy.
			{Config: acctest.ProviderConfig(srv) + acctest.MembersResource("test", "guarded", acctest.HCLUserMap("u", 0, 6, "null"), `max_removal_percent = 100`)},
		},
	})
}

func TestAccAudienceMembersResource_createAudience(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "brand-new", `{ "u1" = null }`, ""),
				ExpectError: acctest.ErrorText("Audience Not Found", `"brand-new" does not exist`, "set create_audience = true"),
			},
			{
				Config:            acctest.ProviderConfig(srv) + acctest.MembersResource("test", "brand-new", acctest.HCLUserMap("u", 0, 1500, "null"), "create_audience = true"),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembershipCount(1500)},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

func TestAccAudienceMembersResource_onDestroyKeep(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("kept")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(srv) + acctest.MembersResource("test", "kept", `{ "u1" = null, "u2" = "acme" }`, `on_destroy = "keep"`),
		}},
		CheckDestroy: acctest.CheckLiveAfterDestroy(srv, "kept", acctest.Member("u1", ""), acctest.Member("u2", "acme")),
	})
}

func TestAccAudienceMembersResource_conflictingClaims(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("contested")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderConfig(srv) +
					acctest.MembersResource("a", "contested", `{ "u1" = null }`, "") +
					acctest.MembersResource("b", "contested", `{ "u2" = null }`, `tenant = "acme"`),
				ExpectError: acctest.ErrorText("Audience Claimed Twice", `audience "contested", authoritative of the whole audience`, "each apply would undo the other"),
			},
			{
				Config: acctest.ProviderConfig(srv) +
					acctest.MembersResource("a", "contested", `{ "u1" = null }`, `tenant = "acme"`) +
					acctest.MembersResource("b", "contested", `{ "u2" = null }`, `tenant = "acme"`),
				ExpectError: acctest.ErrorText("Audience Tenant Claimed Twice", `tenant "acme"`, `declaring 1 member ("u`, `Another is`, `declaring 1 member ("u`),
			},
			{
				Config: acctest.ProviderConfig(srv) +
					acctest.MembersResource("a", "contested", `{ "u1" = null }`, `tenant = "acme"`) +
					acctest.MembersResource("b", "contested", `{ "u1" = null }`, `tenant = "globex"`),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectLive(srv, "contested", acctest.Member("u1", "acme"), acctest.Member("u1", "globex"))},
			},
		},
	})
}

func TestAccAudienceMembersResource_invalidSettings(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ "u1" = "globex", "u2" = null }`, `tenant = "acme"`),
				ExpectError: acctest.ErrorText("Member Tenant Set Twice", `tenant = "acme"`, `members["u1"]`, "Write null for them"),
			},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ "u1" = null }`, `on_destroy = "forget"`),
				ExpectError: acctest.ErrorText("Invalid On Destroy", `on_destroy is "forget"`, `["remove" "keep"]`),
			},
			{
				Config:      acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ "u1" = null }`, `max_removal_percent = 150`),
				ExpectError: acctest.ErrorText("Invalid Max Removal Percent", "from 0 to 100"),
			},
		},
	})
}

// TestAccAudienceMembersResource_replaceIntoOverlappingScope replaces a whole-audience resource by one
// for a tenant's slice of the same audience. The destroy half removes (u1, acme) after the plan read the
// audience; the create half must read it again after that (Terraform plans it again in the apply), or u1
// would be left out of the audience.
func TestAccAudienceMembersResource_replaceIntoOverlappingScope(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("rescoped")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            acctest.ProviderConfig(srv) + acctest.MembersResource("test", "rescoped", `{ "u1" = "acme", "u2" = null }`, ""),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectLive(srv, "rescoped", acctest.Member("u2", ""), acctest.Member("u1", "acme"))},
			},
			{
				Config: acctest.ProviderConfig(srv) + acctest.MembersResource("test", "rescoped", `{ "u1" = null, "u3" = null }`, `tenant = "acme"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					// The destroy removed what the old resource declared; the create added the acme slice.
					acctest.ExpectLive(srv, "rescoped", acctest.Member("u1", "acme"), acctest.Member("u3", "acme")),
					acctest.ExpectMembershipCount(2),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}
