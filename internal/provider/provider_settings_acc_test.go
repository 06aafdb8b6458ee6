package provider_test

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// TestAccProvider_apiKeyProblemsFoundAtConfigure: a key Knock cannot accept is refused with the
// reason, before any request (a key with a newline was a network error after seconds of retries).
func TestAccProvider_apiKeyProblemsFoundAtConfigure(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	config := func(key string) string {
		return dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", srv.URL(), key))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(acctest.APIKey + "\n"), ExpectError: acctest.ErrorText("Invalid Knock API Key", "api_key has a trailing newline", "trimspace(file(...))", "KNOCK_API_KEY")},
			{Config: config(" " + acctest.APIKey), ExpectError: acctest.ErrorText("Invalid Knock API Key", "api_key has leading whitespace")},
			{Config: config(" " + acctest.APIKey + " "), ExpectError: acctest.ErrorText("Invalid Knock API Key", "api_key has leading and trailing whitespace")},
			{Config: config("pk_test_publishable"), ExpectError: acctest.ErrorText("Invalid Knock API Key", "api_key is a publishable key (pk_...)", "secret key (sk_...)")},
		},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_apiKeyProblemNamesItsSource: a key from KNOCK_API_KEY is reported as the environment
// variable's, not as api_key, which the configuration does not set.
func TestAccProvider_apiKeyProblemNamesItsSource(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	t.Setenv(knockdiag.EnvAPIKey, acctest.APIKey+"\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: dataSourceWithProvider(fmt.Sprintf("  base_url = %q", srv.URL())),
			ExpectError: acctest.ErrorText("Invalid Knock API Key",
				"The key from the KNOCK_API_KEY environment variable (api_key is not set in the provider block) has a trailing newline"),
		}},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_branchCheckedAtConfigure: a branch that cannot be sent as a header is refused before
// any request, naming where it came from; it was four retries of "invalid header field value".
func TestAccProvider_branchCheckedAtConfigure(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	t.Setenv("KNOCK_BRANCH", "feature\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", srv.URL(), acctest.APIKey)),
				ExpectError: acctest.ErrorText("Invalid Knock Branch",
					`The branch from the KNOCK_BRANCH environment variable (branch is not set in the provider block) is "feature\n"`,
					"whitespace at the start or end", "remove it"),
			},
			{
				Config:      dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q\n  branch = \"feature\\n\"", srv.URL(), acctest.APIKey)),
				ExpectError: acctest.ErrorText("Invalid Knock Branch", `branch is "feature\n"`, "whitespace at the start or end", "trimspace()"),
			},
		},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_unreachableBaseURL: a host that refuses connections fails after two quick retries,
// with advice to check base_url.
func TestAccProvider_unreachableBaseURL(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "http://" + listener.Addr().String()
	_ = listener.Close()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q\n  max_retries = 10", refusing, acctest.APIKey)),
			ExpectError: acctest.ErrorText("Unable to Read Audience Members", `audience "aud"`, "could not connect", "(3 attempts)", "connection refused", "Check base_url"),
		}},
	})
}

// TestAccProvider_plainHTTPOnlyForLoopbackIPs: http://localhost is refused at configure, naming base_url:
// the name goes through the resolver, the key in clear text.
func TestAccProvider_plainHTTPOnlyForLoopbackIPs(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL(), "http://"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", "http://localhost:"+port, acctest.APIKey)),
			ExpectError: acctest.ErrorText("Invalid Knock Base URL", "base_url", "must use https://", "http://127.0.0.1:PORT", "localhost included"),
		}},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_baseURLEndingInV1: a base URL copied from Knock's API reference works.
func TestAccProvider_baseURLEndingInV1(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("aud", acctest.Member("u1", ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", srv.URL()+"/v1/", acctest.APIKey)),
			ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 0, 0, 1)},
		}},
	})
}

// TestAccProvider_serviceTokenProblemsFoundAtPlan: a service token the Management API cannot accept is
// refused with the reason at plan, literal or from KNOCK_SERVICE_TOKEN, before any request.
func TestAccProvider_serviceTokenProblemsFoundAtPlan(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	config := func(token string) string {
		return dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q\n  service_token = %q", srv.URL(), acctest.APIKey, token))
	}
	t.Setenv(knockdiag.EnvServiceToken, "knock_st_from_env ")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(serviceToken + "\n"), ExpectError: acctest.ErrorText("Invalid Knock Service Token", "service_token has a trailing newline", "KNOCK_SERVICE_TOKEN")},
			{Config: config("st_not_a_token"), ExpectError: acctest.ErrorText("Invalid Knock Service Token", "service_token does not start with knock_st_")},
			{
				Config: dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", srv.URL(), acctest.APIKey)),
				ExpectError: acctest.ErrorText("Invalid Knock Service Token",
					"The token from the KNOCK_SERVICE_TOKEN environment variable (service_token is not set in the provider block) has trailing whitespace"),
			},
		},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_credentialsInEachOthersPlace: a service token given as the API key, or an environment's
// key given as the service token, is refused saying where it belongs, before any request.
func TestAccProvider_credentialsInEachOthersPlace(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", srv.URL(), serviceToken)),
				ExpectError: acctest.ErrorText("Invalid Knock API Key", "api_key is a Management API service token (knock_st_...)",
					"it belongs in service_token (or KNOCK_SERVICE_TOKEN)"),
			},
			{
				Config: dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q\n  service_token = %q", srv.URL(), acctest.APIKey, acctest.APIKey)),
				ExpectError: acctest.ErrorText("Invalid Knock Service Token", "service_token is an environment's secret key (sk_...)",
					"it belongs in api_key (or KNOCK_API_KEY)"),
			},
			{
				Config:      dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q\n  service_token = %q", srv.URL(), acctest.APIKey, "pk_test_public")),
				ExpectError: acctest.ErrorText("Invalid Knock Service Token", "an environment key, not a service token", "belong in api_key"),
			},
		},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_keyFromEnvironmentInTheWrongPlace: KNOCK_API_KEY holding a service token is reported as
// the variable's, with where the token belongs.
func TestAccProvider_keyFromEnvironmentInTheWrongPlace(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	t.Setenv(knockdiag.EnvAPIKey, serviceToken)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: dataSourceWithProvider(fmt.Sprintf("  base_url = %q", srv.URL())),
			ExpectError: acctest.ErrorText("Invalid Knock API Key",
				"The key from the KNOCK_API_KEY environment variable (api_key is not set in the provider block) is a Management API service token",
				"belongs in service_token"),
		}},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_membershipsWithoutServiceToken: a configuration of memberships only needs no service
// token, and one with a token (and Management API settings) manages memberships exactly as before.
func TestAccProvider_membershipsWithoutServiceToken(t *testing.T) {
	t.Setenv(knockdiag.EnvServiceToken, "")
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	members := acctest.MembersResource("test", "aud", `{ "u1" = null }`, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:         srv.ResetRequests,
				Config:            acctest.ProviderConfig(srv) + members,
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 1, 0, 2), acctest.ExpectLive(srv, "aud", acctest.Member("u1", ""))},
			},
			{
				PreConfig: srv.ResetRequests,
				Config: acctest.ProviderConfig(srv, fmt.Sprintf("service_token = %q", serviceToken), `management_base_url = "https://127.0.0.1:1"`,
					`environment = "production"`) + acctest.MembersResource("test", "aud", `{ "u1" = null, "u2" = null }`, ""),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 1, 0, 1), acctest.ExpectLive(srv, "aud", acctest.Member("u1", ""), acctest.Member("u2", ""))},
			},
		},
	})
}

// TestAccProvider_serviceTokenScrubbedFromErrors: a Management API base URL that holds the token and
// does not parse is refused with the token replaced, before any request.
func TestAccProvider_serviceTokenScrubbedFromErrors(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q\n  service_token = %q\n  management_base_url = %q",
				srv.URL(), acctest.APIKey, serviceToken, "https://control.knock.app/%zz?token="+serviceToken)),
			ExpectError: acctest.ErrorText("Invalid Knock Management Base URL", "management_base_url cannot be used",
				`"https://control.knock.app/%zz?token=[REDACTED]" is not a URL`),
		}},
	})
	acctest.ExpectNoRequests(t, srv)
}

// serviceToken is a well-formed Management API service token.
const serviceToken = "knock_st_acceptance"
