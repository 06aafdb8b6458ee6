package audiencemembers_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
)

func TestAccAudienceMembersResource_importByIdentity(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("identified", acctest.Member("u1", "acme"), acctest.Member("u2", ""))
	config := acctest.ProviderConfig(srv) + acctest.MembersResource("test", "identified", `{ "u1" = null }`, `tenant = "acme"`)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(acctest.MembersAddr, map[string]knownvalue.Check{
						"audience_key": knownvalue.StringExact("identified"),
						"tenant":       knownvalue.StringExact("acme"),
					}),
				},
			},
			{
				Config:          config,
				ResourceName:    acctest.MembersAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}
