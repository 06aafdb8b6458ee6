package audiencemembers_test

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestAccAudienceMembersResource_basic(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("beta-testers")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckAudienceEmptied(srv, "beta-testers", acctest.Member("user-1", ""), acctest.Member("user-2", "acme"), acctest.Member("user-3", "")),
		Steps: []resource.TestStep{
			{
				PreConfig: srv.ResetRequests,
				Config:    acctest.MembersConfig(srv, "beta-testers", `{ "user-1" = null, "user-2" = "acme" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(2)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("id"), knownvalue.StringExact("beta-testers")),
					acctest.ExpectMembers(map[string]knownvalue.Check{"user-1": knownvalue.Null(), "user-2": knownvalue.StringExact("acme")}),
					acctest.ExpectMembershipCount(2),
					acctest.ExpectLive(srv, "beta-testers", acctest.Member("user-1", ""), acctest.Member("user-2", "acme")),
					// The plan reads the audience to warn about members a create would remove; Terraform plans
					// again at apply, and the apply uses that second read.
					acctest.ExpectRequests(srv, 1, 0, 2),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
			{
				// Add one and remove one in the same apply: one list to refresh; the apply diffs against it.
				PreConfig: srv.ResetRequests,
				Config:    acctest.MembersConfig(srv, "beta-testers", `{ "user-2" = "acme", "user-3" = null }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembers(map[string]knownvalue.Check{"user-2": knownvalue.StringExact("acme"), "user-3": knownvalue.Null()}),
					acctest.ExpectLive(srv, "beta-testers", acctest.Member("user-2", "acme"), acctest.Member("user-3", "")),
					acctest.ExpectRequests(srv, 1, 1, 1),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
			{
				// An unchanged configuration refreshes and writes nothing.
				PreConfig:         srv.ResetRequests,
				Config:            acctest.MembersConfig(srv, "beta-testers", `{ "user-2" = "acme", "user-3" = null }`),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 0, 0, 1)},
			},
		},
	})
}

func TestAccAudienceMembersResource_tenants(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("tenants")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: acctest.MembersConfig(srv, "tenants", `{ "u1" = null, "u2" = "acme", "u3" = "globex" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "tenants", acctest.Member("u1", ""), acctest.Member("u2", "acme"), acctest.Member("u3", "globex")),
				},
			},
			{
				// Moving members between tenants adds the new memberships before removing the old ones.
				Config: acctest.MembersConfig(srv, "tenants", `{ "u1" = "acme", "u2" = null, "u3" = "globex" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembers(map[string]knownvalue.Check{
						"u1": knownvalue.StringExact("acme"), "u2": knownvalue.Null(), "u3": knownvalue.StringExact("globex"),
					}),
					acctest.ExpectLive(srv, "tenants", acctest.Member("u1", "acme"), acctest.Member("u2", ""), acctest.Member("u3", "globex")),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
			{
				// A user made a member under a second tenant outside Terraform: members cannot show it, the
				// count does, and the apply removes the extra membership.
				PreConfig: func() { srv.AddMemberships("tenants", acctest.Member("u3", "initech")) },
				Config:    acctest.MembersConfig(srv, "tenants", `{ "u1" = "acme", "u2" = null, "u3" = "globex" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(3)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembershipCount(3),
					acctest.ExpectLive(srv, "tenants", acctest.Member("u1", "acme"), acctest.Member("u2", ""), acctest.Member("u3", "globex")),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

func TestAccAudienceMembersResource_drift(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("drift")
	config := acctest.MembersConfig(srv, "drift", `{ "u1" = null, "u2" = null, "u3" = "acme" }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// Someone removes u1, moves u3 to another tenant and adds an intruder in the dashboard.
				PreConfig: func() {
					srv.RemoveMemberships("drift", acctest.Member("u1", ""), acctest.Member("u3", "acme"))
					srv.AddMemberships("drift", acctest.Member("u3", "globex"), acctest.Member("intruder", ""))
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionUpdate),
					acctest.ExpectPriorValue(tfjsonpath.New("members"), knownvalue.MapExact(map[string]knownvalue.Check{
						"u2": knownvalue.Null(), "u3": knownvalue.StringExact("globex"), "intruder": knownvalue.Null(),
					})),
				}},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "drift", acctest.Member("u1", ""), acctest.Member("u2", ""), acctest.Member("u3", "acme")),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

func TestAccAudienceMembersResource_import(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("imported", acctest.Member("u1", ""), acctest.Member("u2", "acme"))
	config := acctest.MembersConfig(srv, "imported", `{ "u1" = null, "u2" = "acme" }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Adopting the audience as it is: nothing to add or remove.
				PreConfig:         srv.ResetRequests,
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 0, 0, 2)},
			},
			{
				// terraform import knock_audience_members.test imported: then the imported state equals the applied one.
				Config:            config,
				ResourceName:      acctest.MembersAddr,
				ImportState:       true,
				ImportStateId:     "imported",
				ImportStateVerify: true,
			},
			{
				// An import block on the audience plans a no-op import.
				Config:          config,
				ResourceName:    acctest.MembersAddr,
				ImportState:     true,
				ImportStateId:   "imported",
				ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
}

func TestAccAudienceMembersResource_largeAudience(t *testing.T) {
	const n = 2600
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("large")
	all := acctest.HCLUserMap("user-", 0, n, "null")
	// Drop 1,100 members (users 0..1099) and add 50 new ones.
	changed := fmt.Sprintf(`merge(%s, %s)`, acctest.HCLUserMap("user-", 1100, n, "null"), acctest.HCLUserMap("new-", 0, 50, `"acme"`))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Create: the empty audience read by the plan and by the apply's plan, ceil(2600/1000) = 3 adds.
				PreConfig:         srv.ResetRequests,
				Config:            acctest.MembersConfig(srv, "large", all),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembershipCount(n), acctest.ExpectRequests(srv, 3, 0, 2)},
			},
			{
				// No change: the plan's refresh pages through 2,600 members (52 pages of 50), no write.
				PreConfig:         srv.ResetRequests,
				Config:            acctest.MembersConfig(srv, "large", all),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 0, 0, 52)},
			},
			{
				// Update: 52 lists to refresh (the apply diffs against that read), 1 add, ceil(1100/1000) = 2 removes.
				PreConfig:         srv.ResetRequests,
				Config:            acctest.MembersConfig(srv, "large", changed),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembershipCount(1550), acctest.ExpectRequests(srv, 1, 2, 52)},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
		CheckDestroy: acctest.CheckLiveAfterDestroy(srv, "large"),
	})
}

func TestAccAudienceMembersResource_wrongAPIKey(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "knock" {
  base_url = %q
  api_key  = "sk_test_wrong"
}
resource "knock_audience_members" "test" {
  audience_key = "aud"
  members      = { "u1" = null }
}
`, srv.URL()),
			ExpectError: acctest.ErrorText("Unable to Read Audience Members", "HTTP 401", "request id req_local_", "Knock refused the API key", "KNOCK_API_KEY"),
		}},
	})
}

func TestAccAudienceMembersResource_unknownAudience(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      acctest.MembersConfig(srv, "no-such-audience", `{ "u1" = null }`),
			ExpectError: acctest.ErrorText("HTTP 404", "resource_missing", `The audience "no-such-audience" does not exist in this Knock environment`),
		}},
	})
}

func TestAccAudienceMembersResource_invalidMembers(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      acctest.MembersConfig(srv, "aud", `{ "" = null }`),
				ExpectError: acctest.ErrorText("Invalid Member User ID", `empty key ("")`, "fill in the user id or remove the entry", `{ for id in ids : id => null if id != null && id != "" }`),
			},
			{
				Config:      acctest.MembersConfig(srv, "aud", `{ "u1" = "" }`),
				ExpectError: acctest.ErrorText("Invalid Member Tenant", `members["u1"] is ""`, "Write null for a membership without tenant"),
			},
			{
				Config:      acctest.MembersConfig(srv, "aud", `{ for i in range(8) : "u${i}" => "" }`),
				ExpectError: acctest.ErrorText("3 more members have an empty tenant"),
			},
			{
				Config:      acctest.MembersConfig(srv, "", `{ "u1" = null }`),
				ExpectError: acctest.ErrorText("Invalid Audience Key", `audience_key is "" (empty)`),
			},
		},
	})
}

// TestAccAudienceMembersResource_requestFloor pins the requests of a create, a no-op plan and a 1%
// change at a few sizes to the floor: ceil(N/1000) writes and ceil(N/50) lists.
func TestAccAudienceMembersResource_requestFloor(t *testing.T) {
	ceil := func(a, b int) int { return (a + b - 1) / b }
	for _, n := range []int{1, 1000, 1001, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			srv := acctest.NewLocalAPI(t)
			audienceKey := fmt.Sprintf("floor-%d", n)
			srv.CreateAudience(audienceKey)
			changes := max(n/100, 2) // half leave, half join
			all := acctest.HCLUserMap("user-", 0, n, "null")
			changed := fmt.Sprintf("merge(%s, %s)", acctest.HCLUserMap("user-", changes/2, n, "null"), acctest.HCLUserMap("new-", 0, changes/2, "null"))
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{
					{
						PreConfig:         srv.ResetRequests,
						Config:            acctest.MembersConfig(srv, audienceKey, all),
						ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, ceil(n, 1000), 0, 2)},
					},
					{
						PreConfig:         srv.ResetRequests,
						Config:            acctest.MembersConfig(srv, audienceKey, all),
						ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
						ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 0, 0, ceil(n, 50))},
					},
					{
						// The refresh reads the audience once; the apply diffs against that read.
						PreConfig:         srv.ResetRequests,
						Config:            acctest.MembersConfig(srv, audienceKey, changed),
						ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, ceil(changes/2, 1000), ceil(changes/2, 1000), ceil(n, 50))},
					},
				},
			})
		})
	}
}

// TestAccAudienceMembersResource_partialFailure: a batch fails for good after another succeeded; the
// state records what the audience holds, and the next apply sends exactly the remainder.
func TestAccAudienceMembersResource_partialFailure(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("partial")
	config := func(members string) string {
		return acctest.ProviderConfig(srv, "max_retries = 0", "write_concurrency = 1") + acctest.MembersResource("test", "partial", members, "")
	}
	initial := acctest.HCLUserMap("user-", 0, 100, "null")
	grown := fmt.Sprintf("merge(%s, %s)", initial, acctest.HCLUserMap("new-", 0, 2500, `"acme"`))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(initial)},
			{
				// The second of three add batches fails: 1,000 of 2,500 new members get in.
				PreConfig: func() {
					srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{}, localknock.Fault{Status: 503})
				},
				Config: config(grown),
				ExpectError: acctest.ErrorText("Unable to Add Audience Members", `adding members to audience "partial" (2,500 members)`,
					"HTTP 503", "request id req_local_", "Added 1,000 of 2,500 members to audience", "next apply finishes them"),
			},
			{
				// The state holds the 1,100 live members: the plan shows the remaining 1,500, the apply adds them in 2 requests.
				PreConfig: srv.ResetRequests,
				Config:    config(grown),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionUpdate),
					acctest.ExpectPriorValue(tfjsonpath.New("membership_count"), knownvalue.Int64Exact(1100)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembershipCount(2600), acctest.ExpectRequests(srv, 2, 0, 22)},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

func TestAccAudienceMembersResource_timeouts(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("slow")
	config := func(members, timeouts string) string {
		return acctest.ProviderConfig(srv) + acctest.MembersResource("test", "slow", members, "timeouts {\n    "+timeouts+"\n  }")
	}
	one, two := `{ "u1" = null }`, `{ "u1" = null, "u2" = null }`
	short := "update = \"1s\"\n    read   = \"1s\"\n    delete = \"1s\""
	deadline := func(summary string) *regexp.Regexp {
		return acctest.ErrorText(summary, "context deadline exceeded", "ran past its deadline", "timeouts block")
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(one, `create = "soon"`),
				ExpectError: acctest.ErrorText("Invalid Timeout", `timeouts.create is "soon"`, `write it like "30m"`),
			},
			{
				// Knock answers the list after 3 s: the plan that introduces timeouts.read uses it for its read.
				PreConfig:   func() { srv.InjectFaults(localknock.EndpointList, localknock.Fault{Delay: 3 * time.Second}) },
				Config:      config(one, `read = "1s"`),
				ExpectError: deadline("Unable to Read Audience Members"),
			},
			{
				// Knock answers the add after 3 s; the create may take 1 s.
				PreConfig:   func() { srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{Delay: 3 * time.Second}) },
				Config:      config(one, `create = "1s"`),
				ExpectError: deadline("Unable to Add Audience Members"),
			},
			{
				Config:            config(one, `create = "1m"`),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectLive(srv, "slow", acctest.Member("u1", ""))},
			},
			{
				PreConfig:   func() { srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{Delay: 3 * time.Second}) },
				Config:      config(two, short),
				ExpectError: deadline("Unable to Add Audience Members"),
			},
			{
				// A refresh uses the read deadline recorded in state, here by the failed update.
				PreConfig:   func() { srv.InjectFaults(localknock.EndpointList, localknock.Fault{Delay: 3 * time.Second}) },
				Config:      config(two, short),
				ExpectError: acctest.ErrorText("Unable to Read Audience Members", "ran past its deadline", "terraform apply -refresh=false"),
			},
			{
				PreConfig:   func() { srv.InjectFaults(localknock.EndpointRemove, localknock.Fault{Delay: 3 * time.Second}) },
				Config:      config(two, short),
				Destroy:     true,
				ExpectError: deadline("Unable to Remove Audience Members"),
			},
		},
	})
}

// TestAccAudienceMembersResource_createFailsPartWay: a create that fails records nothing, and the next
// create sends only what is missing.
func TestAccAudienceMembersResource_createFailsPartWay(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("fresh", acctest.Member("user-00000", ""), acctest.Member("legacy", ""))
	config := acctest.ProviderConfig(srv, "max_retries = 0", "write_concurrency = 1") + acctest.MembersResource("test", "fresh", acctest.HCLUserMap("user-", 0, 2001, "null"), "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{}, localknock.Fault{Status: 500}) },
				Config:    config,
				ExpectError: acctest.ErrorText("Unable to Add Audience Members", "Added 1,000 of 2,000 members to audience",
					"not recorded in Terraform state yet", "only the changes still missing"),
			},
			{
				// The pre-existing declared member was never out of the audience.
				PreConfig: func() {
					if !slices.Contains(srv.Memberships("fresh"), acctest.Member("user-00000", "")) {
						t.Error("user-00000, a member before the apply, is no longer in the audience")
					}
					srv.ResetRequests()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionCreate),
				}},
				// 1,000 still missing: one add. "legacy" is not declared, but a create never removes: it stays for the
				// next plan to show. The 1,002 live members are read by the plan and by the apply's plan (21 pages each).
				ConfigStateChecks:  []statecheck.StateCheck{acctest.ExpectMembershipCount(2001), acctest.ExpectRequests(srv, 1, 0, 42)},
				ExpectNonEmptyPlan: true,
			},
			{
				// The plan's refresh reads the 2,002 memberships (41 pages); the apply sends the one removal it showed.
				PreConfig: srv.ResetRequests,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionUpdate),
					acctest.ExpectPriorValue(tfjsonpath.New("members").AtMapKey("legacy"), knownvalue.Null()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembershipCount(2001), acctest.ExpectRequests(srv, 0, 1, 41)},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

// TestAccAudienceMembersResource_faults: rate limiting, server errors, dropped connections and cut-off
// answers during create and update are retried; each apply converges and nothing is lost or doubled.
func TestAccAudienceMembersResource_faults(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("faulty")
	all := acctest.HCLUserMap("user-", 0, 2600, "null")
	changed := fmt.Sprintf("merge(%s, %s)", acctest.HCLUserMap("user-", 1200, 2600, "null"), acctest.HCLUserMap("new-", 0, 300, `"acme"`))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					srv.InjectFaults(localknock.EndpointList, localknock.Fault{TruncateBody: true})
					srv.InjectFaults(localknock.EndpointAdd,
						localknock.Fault{Status: 429, RetryAfterMs: 50}, localknock.Fault{DropConnection: true},
						localknock.Fault{Status: 503, RetryAfter: "0"}, localknock.Fault{Status: 429})
				},
				Config: acctest.MembersConfig(srv, "faulty", all),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembershipCount(2600),
					statecheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("members").AtMapKey("user-02599"), knownvalue.Null()),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
			{
				PreConfig: func() {
					srv.InjectFaults(localknock.EndpointList, localknock.Fault{}, localknock.Fault{Status: 500, RetryAfterMs: 10},
						localknock.Fault{Delay: 200 * time.Millisecond, TruncateBody: true})
					srv.InjectFaults(localknock.EndpointRemove, localknock.Fault{Status: 502, Body: "<html>Bad gateway</html>"},
						localknock.Fault{DropConnection: true})
				},
				Config:            acctest.MembersConfig(srv, "faulty", changed),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembershipCount(1700)},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
		CheckDestroy: func(*terraform.State) error {
			if n := srv.FaultsInjected(); n != 9 {
				return fmt.Errorf("%d faults injected, want all 9", n)
			}
			return acctest.CheckLive(srv, "faulty", nil)
		},
	})
}

// TestAccAudienceMembersResource_planReadMaxAge: with plan_read_max_age = "0s" an update reads the
// audience again instead of trusting the plan's read, and sees what changed in between.
func TestAccAudienceMembersResource_planReadMaxAge(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("reread")
	config := func(maxAge, members string) string {
		return acctest.ProviderConfig(srv, fmt.Sprintf("plan_read_max_age = %q", maxAge)) + acctest.MembersResource("test", "reread", members, "")
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config("0s", `{ "u1" = null }`)},
			{
				// One list to refresh, one more before the writes.
				PreConfig:         srv.ResetRequests,
				Config:            config("0s", `{ "u1" = null, "u2" = null }`),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 1, 0, 2)},
			},
			{
				Config:      config("soon", `{ "u1" = null, "u2" = null }`),
				ExpectError: acctest.ErrorText("Invalid Plan Read Max Age", `plan_read_max_age is "soon"`, "from 0s to 1h"),
			},
			{Config: config("60s", `{ "u1" = null, "u2" = null }`), PlanOnly: true},
		},
	})
}

// TestAccAudienceMembersResource_knownOnlyAtApply plans members whose tenants, and then whose keys, come
// from another resource, so that Terraform sends them as unknown (refined, from Terraform 1.6) at plan.
func TestAccAudienceMembersResource_knownOnlyAtApply(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `resource "terraform_data" "tenant" {
  input = "acme"
}
` + acctest.MembersConfig(srv, "aud", `{ "u1" = terraform_data.tenant.output, "u2" = null }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(acctest.MembersAddr, tfjsonpath.New("members").AtMapKey("u1")),
					plancheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(2)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembers(map[string]knownvalue.Check{"u1": knownvalue.StringExact("acme"), "u2": knownvalue.Null()}),
					acctest.ExpectMembershipCount(2),
				},
			},
			{
				Config: `resource "terraform_data" "ids" {
  input = ["u2", "u3"]
}
` + acctest.MembersConfig(srv, "aud", `{ for id in terraform_data.ids.output : id => null }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(acctest.MembersAddr, tfjsonpath.New("members")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembers(map[string]knownvalue.Check{"u2": knownvalue.Null(), "u3": knownvalue.Null()}),
					acctest.ExpectMembershipCount(2),
				},
				Check: func(*terraform.State) error {
					want := []localknock.Membership{acctest.Member("u2", ""), acctest.Member("u3", "")}
					if got := srv.Memberships("aud"); !slices.Equal(got, want) {
						return fmt.Errorf("the audience holds %v, want %v", got, want)
					}
					return nil
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}
