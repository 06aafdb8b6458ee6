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

// newTwoEnvironmentAPI is a local API with development (acctest.APIKey) and production, serving the
// Management API to acctest.ServiceToken.
func newTwoEnvironmentAPI(t *testing.T) *localknock.Server {
	srv := localknock.StartForTest(t, acctest.APIKey, "sk_test_production")
	srv.AddServiceToken(acctest.ServiceToken)
	return srv
}

func TestAccAudienceResource_productionNeedsForce(t *testing.T) {
	srv := newTwoEnvironmentAPI(t)
	body := `key = "beta"` + "\n" + `type = "static"` + "\n" + `name = "Beta"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:   srv.ResetRequests,
				Config:      config(srv, body, `environment = "production"`),
				ExpectError: acctest.ErrorText("Audience Write Outside Development", `The audience "beta" would be written to the "production" environment`, "set force = true"),
			},
			{
				// Counted since the first step: its failed plan sent nothing.
				Config: config(srv, body+"\n  force = true", `environment = "production"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment"), knownvalue.StringExact("production")),
					expectDefinition(srv, "production", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta"}),
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Upsert: 1}),
				},
			},
			{
				// Dropping force changes the state only: a plan that writes nothing needs no force.
				Config: config(srv, body, `environment = "production"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("force"), knownvalue.Bool(false)),
					acctest.ExpectAudienceRequests(srv, acctest.AudienceRequests{Upsert: 1, Get: 2}),
				},
			},
		},
	})
}

func TestAccAudienceResource_branchOutsideDevelopment(t *testing.T) {
	srv := newTwoEnvironmentAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: srv.ResetRequests,
			Config: config(srv, `key = "beta"`+"\n"+`type = "static"`+"\n"+`name = "Beta"`+"\n  force = true",
				`environment = "production"`, `branch = "feature-x"`),
			ExpectError: acctest.ErrorText("Knock Branch Outside Development", `branch is "feature-x"`, `environment is "production"`),
		}},
	})
}

func TestAccAudienceResource_environmentChangeReplaces(t *testing.T) {
	srv := newTwoEnvironmentAPI(t)
	body := `key = "beta"` + "\n" + `type = "static"` + "\n" + `name = "Beta"` + "\n  force = true"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(srv, body)},
			{
				Config: config(srv, body, `environment = "production"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment"), knownvalue.StringExact("production")),
					expectDefinition(srv, "production", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta"}),
					// The replaced audience of development is kept.
					expectDefinition(srv, "development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta"}),
				},
			},
		},
	})
}
