package provider_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
)

func TestAccAudienceMemberListResource_query(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("queried", acctest.Member("u1", "acme"), acctest.Member("u2", ""), acctest.Member("u3", "globex"))
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{acctest.SkipOnOpenTofu(acctest.OpenTofuNoQuery), tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Query: true,
			Config: acctest.ProviderConfig(srv) + `
list "knock_audience_member" "all" {
  provider = knock
  config {
    audience_key = "queried"
  }
}

list "knock_audience_member" "acme" {
  provider = knock
  config {
    audience_key = "queried"
    tenant       = "acme"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("knock_audience_member.all", 3),
				querycheck.ExpectLength("knock_audience_member.acme", 1),
				querycheck.ExpectIdentity("knock_audience_member.acme", map[string]knownvalue.Check{
					"audience_key": knownvalue.StringExact("queried"),
					"user_id":      knownvalue.StringExact("u1"),
					"tenant":       knownvalue.StringExact("acme"),
				}),
			},
		}},
	})
}
