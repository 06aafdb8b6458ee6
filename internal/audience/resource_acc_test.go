package audience_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestAccAudienceResource_static(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	beta := `
  key         = "beta"
  type        = "static"
  name        = "Beta testers"
  description = "Early access"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             keptAfterDestroy(srv, "beta"),
		Steps: []resource.TestStep{
			{
				PreConfig: srv.ResetRequests,
				Config:    config(srv, beta),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("environment"), knownvalue.StringExact("development")),
					plancheck.ExpectUnknownValue(addr, tfjsonpath.New("sha")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sha"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("segments"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("commit"), knownvalue.Bool(false)),
					expectDefinition(srv, "development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta testers", Description: "Early access"}),
					// A static audience is not validated at plan: one upsert, nothing else.
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Upsert: 1}),
				},
			},
			{
				// Unchanged: one read per plan, no write.
				PreConfig:         srv.ResetRequests,
				Config:            config(srv, beta),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Get: 1})},
			},
			{
				PreConfig: srv.ResetRequests,
				Config: config(srv, `
  key  = "beta"
  type = "static"
  name = "Beta"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(addr, tfjsonpath.New("sha")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.Null()),
					expectDefinition(srv, "development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta"}),
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Get: 1, Upsert: 1}),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     "beta",
				ImportStateVerify: true,
				// knock_audience has no id: the key is its identifier.
				ImportStateVerifyIdentifierAttribute: "key",
			},
			{
				// Drift: someone renames the audience in Knock; the plan puts the configuration back.
				PreConfig: func() {
					srv.SetAudienceDefinition("development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Renamed in Knock"})
				},
				Config: config(srv, `
  key  = "beta"
  type = "static"
  name = "Beta"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectDefinition(srv, "development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta"}),
				},
			},
		},
	})
}

func TestAccAudienceResource_dynamic(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             keptAfterDestroy(srv, "premium"),
		Steps: []resource.TestStep{
			{
				PreConfig: srv.ResetRequests,
				Config:    config(srv, `key = "premium"`+"\n"+`type = "dynamic"`+"\n"+`name = "Premium"`+premiumSegments),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("segments"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"conditions": knownvalue.ListExact([]knownvalue.Check{
							knownvalue.ObjectExact(map[string]knownvalue.Check{
								"property": knownvalue.StringExact("recipient.plan"),
								"operator": knownvalue.StringExact("equal_to"),
								"argument": knownvalue.StringExact("premium"),
							}),
						})}),
					})),
					expectDefinition(srv, "development", "premium", premium("Premium")),
					// The plan validates the conditions, and so does the apply's own plan.
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Validate: 2, Upsert: 1}),
				},
			},
			{
				// Another segment, with an operator that takes no argument.
				PreConfig: srv.ResetRequests,
				Config: config(srv, `
  key  = "premium"
  type = "dynamic"
  name = "Premium"
  segments = [
    { conditions = [{ property = "recipient.plan", operator = "equal_to", argument = "premium" }] },
    { conditions = [{ property = "recipient.vip", operator = "exists" }] },
  ]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectDefinition(srv, "development", "premium", localknock.AudienceDefinition{Type: "dynamic", Name: "Premium", Segments: []localknock.Segment{
						{Conditions: []localknock.Condition{{Property: "recipient.plan", Operator: "equal_to", Argument: ptr("premium")}}},
						{Conditions: []localknock.Condition{{Property: "recipient.vip", Operator: "exists"}}},
					}}),
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Get: 1, Validate: 2, Upsert: 1}),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     "premium",
				ImportStateVerify: true,
				// knock_audience has no id: the key is its identifier.
				ImportStateVerifyIdentifierAttribute: "key",
			},
			{
				// Drift of the conditions: the refresh shows Knock's, the plan puts the configuration's back.
				PreConfig: func() { srv.SetAudienceDefinition("development", "premium", premium("Premium")) },
				Config: config(srv, `
  key  = "premium"
  type = "dynamic"
  name = "Premium"
  segments = [
    { conditions = [{ property = "recipient.plan", operator = "equal_to", argument = "premium" }] },
    { conditions = [{ property = "recipient.vip", operator = "exists" }] },
  ]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("segments"), knownvalue.ListSizeExact(2)),
				},
			},
		},
	})
}

func TestAccAudienceResource_importByIdentity(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(srv, `key = "premium"`+"\n"+`type = "dynamic"`+"\n"+`name = "Premium"`+premiumSegments),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"key": knownvalue.StringExact("premium"), "environment": knownvalue.StringExact("development"),
					}),
				},
			},
			{
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}

func TestAccAudienceResource_commit(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	body := `key = "premium"` + "\n" + `type = "dynamic"` + "\n" + `name = "Premium"` + premiumSegments
	committed := premium("Premium")
	committed.Committed = true
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Knock's default: the change stays uncommitted.
				Config:            config(srv, body),
				ConfigStateChecks: []statecheck.StateCheck{expectDefinition(srv, "development", "premium", premium("Premium"))},
			},
			{
				// Turning commit on commits the content as it is: one upsert, the SHA unchanged.
				PreConfig: srv.ResetRequests,
				Config:    config(srv, body+"\n  commit = true\n  commit_message = \"Premium users\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectDefinition(srv, "development", "premium", committed),
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Get: 1, Validate: 2, Upsert: 1}),
				},
			},
			{
				// A change of the message alone writes nothing.
				PreConfig: srv.ResetRequests,
				Config:    config(srv, body+"\n  commit = true\n  commit_message = \"Premium users, reworded\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("sha"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Get: 1})},
			},
			{
				// A change of the definition with commit on is committed.
				Config: config(srv, `key = "premium"`+"\n"+`type = "dynamic"`+"\n"+`name = "Premium users"`+premiumSegments+
					"\n  commit = true\n  commit_message = \"Renamed\""),
				ConfigStateChecks: []statecheck.StateCheck{expectDefinition(srv, "development", "premium", func() localknock.AudienceDefinition {
					d := premium("Premium users")
					d.Committed = true
					return d
				}())},
			},
		},
	})
}
