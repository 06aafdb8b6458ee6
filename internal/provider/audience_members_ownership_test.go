package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// membersResource is HCL for a knock_audience_members named name with extra attributes.
func membersResource(name, audienceKey, members, extra string) string {
	return fmt.Sprintf(`
resource "knock_audience_members" %q {
  audience_key = %q
  members      = %s
  %s
}
`, name, audienceKey, members, extra)
}

func TestAccAudienceMembersResource_tenantScope(t *testing.T) {
	srv := newLocalAPI(t)
	// Outside every slice: a membership without tenant, which the tenant resources must not touch.
	srv.AddMemberships("multi", member("outsider", ""))
	// examples/multi-tenant declares the slices with for_each; the test harness needs plain addresses.
	config := providerConfig(srv) +
		membersResource("acme", "multi", `{ "u1" = null, "u2" = null }`, `tenant = "acme"`) +
		membersResource("globex", "multi", `{ "u1" = null, "u3" = null }`, `tenant = "globex"`)
	acme := "knock_audience_members.acme"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acme, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(acme, tfjsonpath.New("id"), knownvalue.StringExact("multi/acme")),
					expectLive(srv, "multi", member("outsider", ""), member("u1", "acme"), member("u2", "acme"), member("u1", "globex"), member("u3", "globex")),
				},
			},
			emptyPlanAfterRefresh(),
			{
				// Drift inside the acme slice shows and is corrected; the outsider stays.
				PreConfig: func() {
					srv.RemoveMemberships("multi", member("u2", "acme"))
					srv.AddMemberships("multi", member("intruder", "acme"), member("u9", ""))
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acme, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("knock_audience_members.globex", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLive(srv, "multi", member("outsider", ""), member("u9", ""), member("u1", "acme"), member("u2", "acme"), member("u1", "globex"), member("u3", "globex")),
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
		CheckDestroy: checkLiveAfterDestroy(srv, "multi", member("outsider", ""), member("u9", "")),
	})
}

func TestAccAudienceMembersResource_managedOnly(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("shared", member("synced-1", ""), member("synced-2", "acme"))
	config := func(members string) string {
		return providerConfig(srv) + membersResource("test", "shared", members, "authoritative = false")
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(`{ "u1" = null, "u2" = "acme" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					expectMembershipCount(2),
					expectLive(srv, "shared", member("synced-1", ""), member("synced-2", "acme"), member("u1", ""), member("u2", "acme")),
				},
			},
			emptyPlanAfterRefresh(),
			{
				// Dropping u2 removes only u2; u1 removed out of band comes back; the others stay.
				PreConfig: func() { srv.RemoveMemberships("shared", member("u1", "")) },
				Config:    config(`{ "u1" = null }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorValue(tfjsonpath.New("members"), knownvalue.MapExact(map[string]knownvalue.Check{"u2": knownvalue.StringExact("acme")})),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLive(srv, "shared", member("synced-1", ""), member("synced-2", "acme"), member("u1", "")),
				},
			},
			emptyPlanAfterRefresh(),
		},
		CheckDestroy: checkLiveAfterDestroy(srv, "shared", member("synced-1", ""), member("synced-2", "acme")),
	})
}

func TestAccAudienceMembersResource_guardRails(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("guarded", member("old-1", ""), member("old-2", ""), member("old-3", "acme"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(srv) + membersResource("test", "guarded", `{ "u1" = null }`, `on_existing_members = "error"`),
				ExpectError: errorText("Audience Already Has Members", `audience "guarded" already holds 3 memberships`,
					`"old-1"`, "terraform import knock_audience_members.NAME guarded"),
			},
			{
				// A create never removes: the three others stay, and the next plan shows their removal.
				PreConfig:          srv.ResetRequests,
				Config:             providerConfig(srv) + membersResource("test", "guarded", `{ "u1" = null }`, `max_removals = 3`),
				ConfigStateChecks:  []statecheck.StateCheck{expectLive(srv, "guarded", member("old-1", ""), member("old-2", ""), member("u1", ""), member("old-3", "acme")), expectRequests(srv, 1, 0, 2)},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: providerConfig(srv) + membersResource("test", "guarded", `{ "u1" = null }`, `max_removals = 2`),
				ExpectError: errorText("Too Many Audience Members To Remove", `removes 3 memberships from audience "guarded"`,
					"more than max_removals = 2 allows", "Nothing was sent", "empty or failed data source"),
			},
			{
				// Within the limit: the update removes the four others, which the plan names.
				PreConfig:         srv.ResetRequests,
				Config:            providerConfig(srv) + membersResource("test", "guarded", hclUserMap("u", 0, 10, "null"), `max_removal_percent = 100`),
				ConfigStateChecks: []statecheck.StateCheck{expectMembershipCount(10), expectRequests(srv, 1, 1, 1)},
			},
			{
				// An empty map (a data source that returned nothing) must not empty the audience.
				Config:      providerConfig(srv) + membersResource("test", "guarded", `{}`, `max_removal_percent = 50`),
				ExpectError: errorText("Too Many Audience Members To Remove", "removes 10 memberships", "max_removal_percent = 50 (5 of 10 memberships)"),
			},
			{
				Config:            providerConfig(srv) + membersResource("test", "guarded", hclUserMap("u", 0, 6, "null"), `max_removal_percent = 50`),
				ConfigStateChecks: []statecheck.StateCheck{expectMembershipCount(6)},
			},
			// The guard rails hold for destroy too: lift them before the test's destroy.
			{Config: providerConfig(srv) + membersResource("test", "guarded", hclUserMap("u", 0, 6, "null"), `max_removal_percent = 100`)},
		},
	})
}

func TestAccAudienceMembersResource_createAudience(t *testing.T) {
	srv := newLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerConfig(srv) + membersResource("test", "brand-new", `{ "u1" = null }`, ""),
				ExpectError: errorText("Audience Not Found", `"brand-new" does not exist`, "set create_audience = true"),
			},
			{
				Config:            providerConfig(srv) + membersResource("test", "brand-new", hclUserMap("u", 0, 1500, "null"), "create_audience = true"),
				ConfigStateChecks: []statecheck.StateCheck{expectMembershipCount(1500)},
			},
			emptyPlanAfterRefresh(),
		},
	})
}

func TestAccAudienceMembersResource_onDestroyKeep(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("kept")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(srv) + membersResource("test", "kept", `{ "u1" = null, "u2" = "acme" }`, `on_destroy = "keep"`),
		}},
		CheckDestroy: checkLiveAfterDestroy(srv, "kept", member("u1", ""), member("u2", "acme")),
	})
}

func TestAccAudienceMembersResource_conflictingClaims(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("contested")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(srv) +
					membersResource("a", "contested", `{ "u1" = null }`, "") +
					membersResource("b", "contested", `{ "u2" = null }`, `tenant = "acme"`),
				ExpectError: errorText("Audience Claimed Twice", `audience "contested", authoritative of the whole audience`, "each apply would undo the other"),
			},
			{
				Config: providerConfig(srv) +
					membersResource("a", "contested", `{ "u1" = null }`, `tenant = "acme"`) +
					membersResource("b", "contested", `{ "u2" = null }`, `tenant = "acme"`),
				ExpectError: errorText("Audience Tenant Claimed Twice", `tenant "acme"`),
			},
			{
				Config: providerConfig(srv) +
					membersResource("a", "contested", `{ "u1" = null }`, `tenant = "acme"`) +
					membersResource("b", "contested", `{ "u1" = null }`, `tenant = "globex"`),
				ConfigStateChecks: []statecheck.StateCheck{expectLive(srv, "contested", member("u1", "acme"), member("u1", "globex"))},
			},
		},
	})
}

func TestAccAudienceMembersResource_invalidSettings(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerConfig(srv) + membersResource("test", "aud", `{ "u1" = "globex", "u2" = null }`, `tenant = "acme"`),
				ExpectError: errorText("Member Tenant Set Twice", `tenant = "acme"`, `members["u1"]`, "Write null for them"),
			},
			{
				Config:      providerConfig(srv) + membersResource("test", "aud", `{ "u1" = null }`, `on_destroy = "forget"`),
				ExpectError: errorText("Invalid On Destroy", `on_destroy is "forget"`, `["remove" "keep"]`),
			},
			{
				Config:      providerConfig(srv) + membersResource("test", "aud", `{ "u1" = null }`, `max_removal_percent = 150`),
				ExpectError: errorText("Invalid Max Removal Percent", "from 0 to 100"),
			},
		},
	})
}

// TestAccAudienceMembersResource_replaceIntoOverlappingScope replaces a whole-audience resource by one
// for a tenant's slice of the same audience. The destroy half removes (u1, acme) after the plan read the
// audience; the create half must read it again after that (Terraform plans it again in the apply), or u1
// would be left out of the audience.
func TestAccAudienceMembersResource_replaceIntoOverlappingScope(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("rescoped")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            providerConfig(srv) + membersResource("test", "rescoped", `{ "u1" = "acme", "u2" = null }`, ""),
				ConfigStateChecks: []statecheck.StateCheck{expectLive(srv, "rescoped", member("u2", ""), member("u1", "acme"))},
			},
			{
				Config: providerConfig(srv) + membersResource("test", "rescoped", `{ "u1" = null, "u3" = null }`, `tenant = "acme"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(membersAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					// The destroy removed what the old resource declared; the create added the acme slice.
					expectLive(srv, "rescoped", member("u1", "acme"), member("u3", "acme")),
					expectMembershipCount(2),
				},
			},
			emptyPlanAfterRefresh(),
		},
	})
}
