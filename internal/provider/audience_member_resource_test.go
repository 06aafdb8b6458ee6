package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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

const memberAddr = "knock_audience_member.test"

// memberConfig declares knock_audience_member.test with the given attributes, plus any further HCL.
func memberConfig(srv *localknock.Server, attributes string, more ...string) string {
	return acctest.ProviderConfig(srv) + fmt.Sprintf(`
resource "knock_audience_member" "test" {
%s
}
`, attributes) + strings.Join(more, "")
}

// expectMember checks every attribute of a knock_audience_member; tenant "" means null.
func expectMember(addr, id, audienceKey, userID, tenant string) statecheck.StateCheck {
	var tenantCheck knownvalue.Check = knownvalue.Null()
	if tenant != "" {
		tenantCheck = knownvalue.StringExact(tenant)
	}
	return allStateChecks{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("audience_key"), knownvalue.StringExact(audienceKey)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_id"), knownvalue.StringExact(userID)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("tenant"), tenantCheck),
	}
}

// allStateChecks runs its checks in order and reports the first failure.
type allStateChecks []statecheck.StateCheck

func (checks allStateChecks) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	for _, check := range checks {
		if check.CheckState(ctx, req, resp); resp.Error != nil {
			return
		}
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

// TestAudienceMemberIdentity_protocol checks the identity schema and import by identity through the
// provider server, so that CI covers them on Terraform versions before 1.12 too.
func TestAudienceMemberIdentity_protocol(t *testing.T) {
	server := provider.NewProtocol6Server("test")()
	ctx := context.Background()
	resp, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("GetResourceIdentitySchemas: %v %v", err, resp.Diagnostics)
	}
	schema := resp.IdentitySchemas["knock_audience_member"]
	if schema == nil || len(schema.IdentityAttributes) != 3 {
		t.Fatalf("knock_audience_member identity schema = %+v", schema)
	}
	for _, attr := range schema.IdentityAttributes {
		if want := attr.Name != "tenant"; attr.RequiredForImport != want || attr.OptionalForImport == want {
			t.Errorf("identity attribute %s: required %v optional %v", attr.Name, attr.RequiredForImport, attr.OptionalForImport)
		}
	}

	identityType := schema.ValueType()
	identity := dynamic(t, identityType, tftypes.NewValue(identityType, map[string]tftypes.Value{
		"audience_key": tftypes.NewValue(tftypes.String, "beta"),
		"user_id":      tftypes.NewValue(tftypes.String, "u/1"),
		"tenant":       tftypes.NewValue(tftypes.String, "acme"),
	}))
	imported, err := server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
		TypeName: "knock_audience_member", Identity: &tfprotov6.ResourceIdentityData{IdentityData: identity},
	})
	if err != nil || len(imported.Diagnostics) > 0 || len(imported.ImportedResources) != 1 {
		t.Fatalf("import by identity: %v %v", err, imported.Diagnostics)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	state, err := imported.ImportedResources[0].State.Unmarshal(schemas.ResourceSchemas["knock_audience_member"].ValueType())
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"id": "beta/u%2F1/acme", "audience_key": "beta", "user_id": "u/1", "tenant": "acme"} {
		if got := attrs[name]; !got.Equal(tftypes.NewValue(tftypes.String, want)) {
			t.Errorf("imported %s = %v, want %q", name, got, want)
		}
	}
}
