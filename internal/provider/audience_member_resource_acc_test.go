package provider_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
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
