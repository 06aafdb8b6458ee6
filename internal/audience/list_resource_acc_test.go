package audience_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestAccAudienceListResource_query(t *testing.T) {
	srv := acctest.NewManagedLocalAPI(t)
	srv.SetAudienceDefinition("development", "premium", premium("Premium"))
	srv.SetAudienceDefinition("development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta"})
	srv.SetAudienceDefinition("development", "alpha", localknock.AudienceDefinition{Type: "static", Name: "Alpha"})
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{acctest.SkipOnOpenTofu(acctest.OpenTofuNoQuery), tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Query: true,
			Config: acctest.ManagementConfig(srv) + `
list "knock_audience" "all" {
  provider = knock
}

list "knock_audience" "dynamic" {
  provider         = knock
  include_resource = true
  config {
    type = "dynamic"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("knock_audience.all", 3),
				querycheck.ExpectLength("knock_audience.dynamic", 1),
				querycheck.ExpectIdentity("knock_audience.dynamic", map[string]knownvalue.Check{
					"key":         knownvalue.StringExact("premium"),
					"environment": knownvalue.StringExact("development"),
				}),
				querycheck.ExpectResourceDisplayName("knock_audience.all", byKey("beta"),
					knownvalue.StringExact("Beta (beta, static)")),
				querycheck.ExpectResourceKnownValues("knock_audience.dynamic", byKey("premium"), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("Premium")},
					{Path: tfjsonpath.New("segments"), KnownValue: knownvalue.ListSizeExact(1)},
					{Path: tfjsonpath.New("archive_on_destroy"), KnownValue: knownvalue.Bool(false)},
				}),
			},
		}},
	})
}

// byKey filters the query results to the audience key of development.
func byKey(key string) queryfilter.QueryFilter {
	return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{
		"key": knownvalue.StringExact(key), "environment": knownvalue.StringExact("development"),
	})
}
