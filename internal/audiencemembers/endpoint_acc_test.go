package audiencemembers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// What the provider does when base_url, or what answers there, is not Knock's API.

// Only Knock's own not-found answer means the audience is gone. A 404 from something else (a route the
// server does not have, a proxy's HTML page) is an error that names base_url: a refresh keeps the state,
// and a destroy fails instead of reporting members removed that stay.
func TestAccAudienceMembersResource_foreignNotFoundChangesNothing(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	config := acctest.MembersConfig(srv, "aud", `{ "u1" = null, "u2" = null }`)
	tf := acctest.NewCLIWorkspace(t, config)
	tf.MustRun("apply", "-auto-approve")
	// A path the local API has no route for: its 404 is route_not_found, as from a server that is not Knock.
	tf.Write("main.tf", strings.Replace(config, srv.URL(), srv.URL()+"/not-knock", 1))

	out, code := tf.Run("apply", "-refresh-only", "-auto-approve")
	if code == 0 {
		t.Errorf("the refresh against a route that is not Knock's passed:\n%s", out)
	}
	acctest.ExpectOutput(t, out, "Unable to Read Audience Members", "route_not_found", "not Knock.s not-found answer", "Check base_url")
	acctest.ExpectNoOutput(t, out, "Create it as a static audience")
	acctest.ExpectOutput(t, tf.MustRun("show"), `resource "knock_audience_members" "test"`, `"u1" = null`)

	// Without a refresh, the destroy would rest on a read made at the other base_url: refused.
	out, code = tf.Run("destroy", "-auto-approve", "-refresh=false")
	if code == 0 {
		t.Errorf("the destroy against a route that is not Knock's passed:\n%s", out)
	}
	acctest.ExpectOutput(t, out, "Plan Made For Another Knock Target", "Nothing was sent")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("u1", ""), acctest.Member("u2", ""))

	// A proxy's HTML 404 page at the right URL is not Knock's answer either.
	tf.Write("main.tf", config)
	srv.InjectFaults(localknock.EndpointRemove, localknock.Fault{Status: 404, Body: "<html><body>404 Not Found</body></html>"})
	out, code = tf.Run("destroy", "-auto-approve", "-refresh=false")
	if code == 0 {
		t.Errorf("the destroy answered by an HTML 404 page passed:\n%s", out)
	}
	acctest.ExpectOutput(t, out, "Unable to Remove Audience Members", "Check base_url")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("u1", ""), acctest.Member("u2", ""))
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{Status: 404, Body: "<html><body>404 Not Found</body></html>"})
	out, code = tf.Run("apply", "-refresh-only", "-auto-approve")
	if code == 0 {
		t.Errorf("the refresh answered by an HTML 404 page passed:\n%s", out)
	}
	acctest.ExpectOutput(t, out, "Unable to Read Audience Members", "not Knock.s error JSON", "Check base_url")
	acctest.ExpectOutput(t, tf.MustRun("show"), `resource "knock_audience_members" "test"`, `"u1" = null`)

	// Knock's own not-found answer still means the audience is gone.
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{Status: 404})
	out = tf.MustRun("apply", "-refresh-only", "-auto-approve")
	acctest.ExpectOutput(t, out, "Audience Not Found")
}

// https:// to the local API's plain-http port fails the same way every time: one attempt, and the error says
// which scheme the server speaks.
func TestAccAudienceMembersResource_httpsToPlainHTTPPort(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "knock" {
  base_url    = %q
  api_key     = %q
  max_retries = 3
}
`, strings.Replace(srv.URL(), "http://", "https://", 1), acctest.APIKey) + acctest.MembersResource("test", "aud", `{ "u1" = null }`, ""),
			// Right after the action: no "gave up after 4 attempts" between them.
			ExpectError: acctest.ErrorText("Unable to Read Audience Members", `audience "aud" (1 member).`,
				"GET /v1/audiences/aud/members: no complete answer from Knock: the base URL uses https:// but the server speaks plain http",
				"Check base_url", "http:// is only for a local API"),
		}},
	})
}

// A listed entry without user_id is a malformed answer: with include_user_properties, as without, it must
// not reach members as "".
func TestAccAudienceMembersDataSource_entryWithoutUserID(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"entries":[{"__typename":"AudienceMember","tenant":null,"user":{"id":"u1"}}],"page_info":{"after":null}}`))
	}))
	t.Cleanup(api.Close)
	config := func(attributes string) string {
		return fmt.Sprintf(`
provider "knock" {
  base_url = %q
  api_key  = %q
}
data "knock_audience_members" "test" {
  audience_key = "aud"
  %s
}
`, api.URL, acctest.APIKey, attributes)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(`include_user_properties = true`), ExpectError: acctest.ErrorText(`entry 1 of page 1 has no user_id`)},
			{Config: config(``), ExpectError: acctest.ErrorText(`entry 1 of page 1 has no user_id`)},
		},
	})
}

// "." and ".." are refused at validate, before any request: sent as a path segment they would make
// DELETE /v1/audiences/../members.
func TestAccAudienceMembersResource_dotSegmentAudienceKey(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      acctest.MembersConfig(srv, "..", `{ "u1" = null }`),
				ExpectError: acctest.ErrorText("Invalid Audience Key", `audience_key is "..", which is . or ..`),
			},
			{
				Config:      acctest.MembersConfig(srv, ".", `{ "u1" = null }`),
				ExpectError: acctest.ErrorText("Invalid Audience Key", `audience_key is ".", which is . or ..`),
			},
			{
				Config:      dataSourceConfig(srv, `audience_key = ".."`),
				ExpectError: acctest.ErrorText("Invalid Audience Key", `audience_key is "..", which is . or ..`),
			},
		},
	})
	acctest.ExpectNoRequests(t, srv)
}
