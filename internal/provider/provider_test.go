package provider

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

const testAPIKey = "sk_test_acceptance"

var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"knock": func() (tfprotov6.ProviderServer, error) { return NewProtocol6Server("test")(), nil },
}

// newLocalAPI starts a local Knock API of the test's own on a free loopback port.
func newLocalAPI(t *testing.T) *localknock.Server {
	t.Helper()
	srv := localknock.New(testAPIKey)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// providerConfig points the provider at the local API, with any further settings ("max_retries = 0").
func providerConfig(srv *localknock.Server, settings ...string) string {
	var extra strings.Builder
	for _, setting := range settings {
		extra.WriteString("  " + setting + "\n")
	}
	return fmt.Sprintf(`
provider "knock" {
  base_url = %q
  api_key  = %q
%s}
`, srv.URL(), testAPIKey, extra.String())
}

// expectRequests checks the local API's request counts since the last reset, for every endpoint.
func expectRequests(srv *localknock.Server, add, remove, list int) statecheck.StateCheck {
	return requestsCheck{srv: srv, want: map[localknock.Endpoint]int{
		localknock.EndpointAdd: add, localknock.EndpointRemove: remove, localknock.EndpointList: list,
	}}
}

type requestsCheck struct {
	srv  *localknock.Server
	want map[localknock.Endpoint]int
}

func (c requestsCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	got := c.srv.Requests()
	for _, endpoint := range []localknock.Endpoint{localknock.EndpointAdd, localknock.EndpointRemove, localknock.EndpointList} {
		if got[endpoint] != c.want[endpoint] {
			resp.Error = fmt.Errorf("requests to the local Knock API: got %v, want %v", got, c.want)
			return
		}
	}
}

// expectLive checks that the audience holds exactly the given memberships in the local API.
func expectLive(srv *localknock.Server, audienceKey string, want ...localknock.Membership) statecheck.StateCheck {
	return liveCheck{srv: srv, audienceKey: audienceKey, want: want}
}

type liveCheck struct {
	srv         *localknock.Server
	audienceKey string
	want        []localknock.Membership
}

func (c liveCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = checkLive(c.srv, c.audienceKey, c.want)
}

func checkLive(srv *localknock.Server, audienceKey string, want []localknock.Membership) error {
	got := srv.Memberships(audienceKey)
	wantSet := map[localknock.Membership]bool{}
	for _, m := range want {
		wantSet[m] = true
	}
	gotSet := map[localknock.Membership]bool{}
	for _, m := range got {
		gotSet[m] = true
	}
	if !maps.Equal(gotSet, wantSet) {
		return fmt.Errorf("audience %q holds %s, want %s", audienceKey, describe(got), describe(want))
	}
	return nil
}

// checkLiveAfterDestroy is a CheckDestroy requiring the audience to hold exactly want.
func checkLiveAfterDestroy(srv *localknock.Server, audienceKey string, want ...localknock.Membership) resource.TestCheckFunc {
	return func(*terraform.State) error { return checkLive(srv, audienceKey, want) }
}

func describe(ms []localknock.Membership) string {
	if len(ms) > 10 {
		return fmt.Sprintf("%d memberships", len(ms))
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.UserID + "/" + m.Tenant
	}
	slices.Sort(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

// errorText matches an error holding each part in order, wherever Terraform wraps the lines.
func errorText(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, part := range parts {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(part)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

// hclUserMap is HCL for a map of count users named prefix00000.. with the given value; it
// concatenates ranges because Terraform's range() stops at 1,024 values.
func hclUserMap(prefix string, start, end int, value string) string {
	if start >= end {
		return "{}"
	}
	var ranges []string
	for from := start; from < end; from += 1000 {
		ranges = append(ranges, fmt.Sprintf("range(%d, %d)", from, min(from+1000, end)))
	}
	return fmt.Sprintf(`{ for i in concat(%s) : format("%s%%05d", i) => %s }`, strings.Join(ranges, ", "), prefix, value)
}

// regexpRFC3339 matches the start of an RFC 3339 timestamp.
var regexpRFC3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`)

func member(userID, tenant string) localknock.Membership {
	return localknock.Membership{UserID: userID, Tenant: tenant}
}

func TestAccProvider_missingAPIKey(t *testing.T) {
	t.Setenv(knockdiag.EnvAPIKey, "")
	srv := newLocalAPI(t)
	srv.CreateAudience("aud")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "knock" {
  base_url = %q
}
data "knock_audience_members" "x" {
  audience_key = "aud"
}
`, srv.URL()),
			ExpectError: errorText("Missing Knock API Key", "KNOCK_API_KEY environment variable"),
		}},
	})
}

func TestAccProvider_apiKeyFromEnvironment(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("aud", member("u1", ""))
	t.Setenv(knockdiag.EnvAPIKey, testAPIKey)
	t.Setenv(knockdiag.EnvBaseURL, srv.URL())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
data "knock_audience_members" "x" {
  audience_key = "aud"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{expectRequests(srv, 0, 0, 1)},
		}},
	})
}

// expectPriorValue checks a value of knock_audience_members.test as it was before the planned change,
// that is the refreshed state: where drift shows.
func expectPriorValue(attribute tfjsonpath.Path, check knownvalue.Check) plancheck.PlanCheck {
	return priorValueCheck{addr: membersAddr, attribute: attribute, check: check}
}

type priorValueCheck struct {
	addr      string
	attribute tfjsonpath.Path
	check     knownvalue.Check
}

func (c priorValueCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		value, err := tfjsonpath.Traverse(rc.Change.Before, c.attribute)
		if err == nil {
			err = c.check.CheckValue(value)
		}
		if err != nil {
			resp.Error = fmt.Errorf("%s: prior %s: %w", c.addr, c.attribute, err)
		}
		return
	}
	resp.Error = fmt.Errorf("%s: not in the plan", c.addr)
}

// TestAccProvider_settingsUnknownAtPlan: provider settings taken from a resource that does not exist yet
// are unknown when the provider is configured for the plan, which it rejects by name.
func TestAccProvider_settingsUnknownAtPlan(t *testing.T) {
	srv := newLocalAPI(t)
	srv.CreateAudience("aud")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `resource "terraform_data" "later" {
  input = 2
}
` + providerConfig(srv, "max_retries = terraform_data.later.output") + membersResource("test", "aud", `{ "u1" = null }`, ""),
				ExpectError: errorText("Unknown Knock Provider Setting", "max_retries is not known until apply", "Set it to a value known at plan time."),
			},
			{
				Config: `resource "terraform_data" "later" {
  input = "sk_test_later"
}
provider "knock" {
  api_key = terraform_data.later.output
}
` + membersResource("test", "aud", `{ "u1" = null }`, ""),
				ExpectError: errorText("Unknown Knock Provider Setting", "api_key is not known until apply", "or leave it unset and use the KNOCK_API_KEY environment variable"),
			},
		},
	})
}
