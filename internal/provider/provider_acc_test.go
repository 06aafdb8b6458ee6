package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// TestAccProvider_missingAPIKey: api_key is optional (a configuration of audience definitions needs
// none), so each membership resource and data source that runs without one says that it needs it, by
// name, before any request.
func TestAccProvider_missingAPIKey(t *testing.T) {
	t.Setenv(knockdiag.EnvAPIKey, "")
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	provider := fmt.Sprintf("provider \"knock\" {\n  base_url = %q\n}\n", srv.URL())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      provider + `data "knock_audience_members" "x" { audience_key = "aud" }`,
				ExpectError: acctest.ErrorText("Missing Knock API Key", "knock_audience_members needs the secret API key", "Set api_key", "KNOCK_API_KEY environment variable"),
			},
			{
				Config:      provider + acctest.MembersResource("test", "aud", `{ "u1" = null }`, ""),
				ExpectError: acctest.ErrorText("Missing Knock API Key", "knock_audience_members needs the secret API key", "KNOCK_API_KEY"),
			},
			{
				Config:      provider + "resource \"knock_audience_member\" \"u1\" {\n  audience_key = \"aud\"\n  user_id = \"u1\"\n}\n",
				ExpectError: acctest.ErrorText("Missing Knock API Key", "knock_audience_member needs the secret API key", "KNOCK_API_KEY"),
			},
		},
	})
	acctest.ExpectNoRequests(t, srv)
}

func TestAccProvider_apiKeyFromEnvironment(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("aud", acctest.Member("u1", ""))
	t.Setenv(knockdiag.EnvAPIKey, acctest.APIKey)
	t.Setenv(knockdiag.EnvBaseURL, srv.URL())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
data "knock_audience_members" "x" {
  audience_key = "aud"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 0, 0, 1)},
		}},
	})
}

// TestAccProvider_settingsUnknownAtPlan: provider settings taken from a resource that does not exist yet
// are unknown when the provider is configured for the plan, which it rejects by name.
func TestAccProvider_settingsUnknownAtPlan(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `resource "terraform_data" "later" {
  input = 2
}
` + acctest.ProviderConfig(srv, "max_retries = terraform_data.later.output") + acctest.MembersResource("test", "aud", `{ "u1" = null }`, ""),
				ExpectError: acctest.ErrorText("Unknown Knock Provider Setting", "max_retries is not known until apply", "Set it to a value known at plan time."),
			},
			{
				Config: `resource "terraform_data" "later" {
  input = "sk_test_later"
}
provider "knock" {
  api_key = terraform_data.later.output
}
` + acctest.MembersResource("test", "aud", `{ "u1" = null }`, ""),
				ExpectError: acctest.ErrorText("Unknown Knock Provider Setting", "api_key is not known until apply", "or leave it unset and use the KNOCK_API_KEY environment variable"),
			},
		},
	})
}
