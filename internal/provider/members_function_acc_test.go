package provider_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
)

func TestAccMembersFunction_buildsMembers(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("fn")
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: acctest.MembersConfig(srv, "fn", `merge(provider::knock::members(["u1", "u2"]), provider::knock::members(["u3"], "acme"))`),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembers(map[string]knownvalue.Check{"u1": knownvalue.Null(), "u2": knownvalue.Null(), "u3": knownvalue.StringExact("acme")}),
					acctest.ExpectLive(srv, "fn", acctest.Member("u1", ""), acctest.Member("u2", ""), acctest.Member("u3", "acme")),
				},
			},
			{
				Config:      acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1", "u2", "u1"])`),
				ExpectError: acctest.ErrorText(`user_ids[2] is "u1", which is also user_ids[0]`, "distinct()"),
			},
			{
				Config:      acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1", ""])`),
				ExpectError: acctest.ErrorText("user_ids[1] is empty"),
			},
			{
				Config:      acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1", null])`),
				ExpectError: acctest.ErrorText("user_ids[1] is null", `id != null && id != ""`),
			},
			{
				// The filter that the error and the description suggest drops both nulls and empty ids.
				Config: acctest.MembersConfig(srv, "fn", `provider::knock::members([for id in ["u1", null, ""] : id if id != null && id != ""])`),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembers(map[string]knownvalue.Check{"u1": knownvalue.Null()}),
				},
			},
			{Config: acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1"])`)},
			{
				// null is "no tenant", as a module's optional tenant variable passes it.
				Config:            acctest.MembersConfig(srv, "fn", `provider::knock::members(["u1", "u2"], null)`),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectMembers(map[string]knownvalue.Check{"u1": knownvalue.Null(), "u2": knownvalue.Null()})},
			},
		},
	})
}
