package audience_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// TestAccAudienceMembers_dynamicAudience: with a service token, the plan of a membership resource on a
// dynamic audience fails, before any write.
func TestAccAudienceMembers_dynamicAudience(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	srv.SetAudienceDefinition("development", "premium", premium("Premium"))
	srv.SetAudienceDefinition("development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: srv.ResetRequests,
				Config:    acctest.ManagementConfig(srv) + acctest.MembersResource("test", "premium", `{ "u1" = null }`, ""),
				ExpectError: acctest.ErrorText("Members of a Dynamic Audience", `Audience "premium" is a dynamic audience in environment "development"`,
					"Remove this knock_audience_members"),
			},
			{
				Config: acctest.ManagementConfig(srv) + `
resource "knock_audience_member" "test" {
  audience_key = "premium"
  user_id      = "u1"
}
`,
				ExpectError: acctest.ErrorText("Members of a Dynamic Audience", `Audience "premium" is a dynamic audience`, "Remove this knock_audience_member"),
			},
			{
				// A static audience passes the check. Counted since the first step: the failed plans added nothing.
				Config: acctest.ManagementConfig(srv) + acctest.MembersResource("test", "beta", `{ "u1" = null }`, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "beta", acctest.Member("u1", "")),
					acctest.ExpectRequests(srv, 1, 0, 2),
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Get: 4}),
				},
			},
		},
	})
}

// TestAccAudienceMembers_dynamicAudienceWithoutToken: without a service token the plan cannot tell, and
// Knock's refusal of the add says what it means.
func TestAccAudienceMembers_dynamicAudienceWithoutToken(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.SetAudienceDefinition("development", "premium", premium("Premium"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: acctest.MembersConfig(srv, "premium", `{ "u1" = null }`),
			ExpectError: acctest.ErrorText(`Knock's API failed while adding members to audience "premium"`,
				`If audience "premium" is a dynamic audience`, "remove the membership resources of this audience"),
		}},
	})
}

// TestAccAudienceMembers_dataSourceOfDynamicAudience: the knock_audience_members data source reads a
// dynamic audience's members, the users matching its conditions, like any other audience's.
func TestAccAudienceMembers_dataSourceOfDynamicAudience(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	srv.SetUser(localknock.User{ID: "u1", Properties: map[string]any{"plan": "premium"}})
	srv.SetUser(localknock.User{ID: "u2", Properties: map[string]any{"plan": "free"}})
	srv.SetUser(localknock.User{ID: "u3", Properties: map[string]any{"plan": "premium"}})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config(srv, `key = "premium"`+"\n"+`type = "dynamic"`+"\n"+`name = "Premium"`+premiumSegments) + `
data "knock_audience_members" "premium" {
  audience_key = knock_audience.test.key
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.knock_audience_members.premium", tfjsonpath.New("user_ids"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("u1"), knownvalue.StringExact("u3")})),
			},
		}},
	})
}
