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

func TestAccAudienceDataSource_basic(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	srv.SetAudienceDefinition("development", "premium", premium("Premium"))
	srv.SetAudienceDefinition("development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta", Description: "Early access"})
	const premiumAddr, betaAddr = "data.knock_audience.premium", "data.knock_audience.beta"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: srv.ResetRequests,
				Config: acctest.ManagementConfig(srv) + `
data "knock_audience" "premium" {
  key = "premium"
}

data "knock_audience" "beta" {
  key = "beta"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(premiumAddr, tfjsonpath.New("type"), knownvalue.StringExact("dynamic")),
					statecheck.ExpectKnownValue(premiumAddr, tfjsonpath.New("name"), knownvalue.StringExact("Premium")),
					statecheck.ExpectKnownValue(premiumAddr, tfjsonpath.New("description"), knownvalue.Null()),
					statecheck.ExpectKnownValue(premiumAddr, tfjsonpath.New("sha"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(premiumAddr, tfjsonpath.New("segments").AtSliceIndex(0).AtMapKey("conditions").AtSliceIndex(0),
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"property": knownvalue.StringExact("recipient.plan"),
							"operator": knownvalue.StringExact("equal_to"),
							"argument": knownvalue.StringExact("premium"),
						})),
					statecheck.ExpectKnownValue(betaAddr, tfjsonpath.New("type"), knownvalue.StringExact("static")),
					statecheck.ExpectKnownValue(betaAddr, tfjsonpath.New("description"), knownvalue.StringExact("Early access")),
					statecheck.ExpectKnownValue(betaAddr, tfjsonpath.New("segments"), knownvalue.Null()),
					statecheck.ExpectKnownValue(betaAddr, tfjsonpath.New("environment"), knownvalue.StringExact("development")),
				},
			},
			{
				Config:      acctest.ManagementConfig(srv) + "data \"knock_audience\" \"missing\" {\n  key = \"missing\"\n}\n",
				ExpectError: acctest.ErrorText("Unable to Read Audience", `audience "missing" in environment "development"`, "does not exist"),
			},
		},
	})
}
