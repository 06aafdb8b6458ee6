// Package acctest holds the helpers of the acceptance tests, which run the real terraform CLI against a
// local Knock API: the provider factories, the local API, configurations, state and plan checks, and
// workspaces that run the CLI itself: what the acceptance tests of more than one package share.
package acctest

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

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
	"github.com/knock-tf/terraform-provider-knock/internal/provider"
)

// APIKey is the secret key of the local Knock API's environment in the tests.
const APIKey = "sk_test_acceptance"

// ProviderFactories serves the provider in the test's process, for resource.Test.
var ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"knock": func() (tfprotov6.ProviderServer, error) { return provider.NewProtocol6Server("test")(), nil },
}

// NewLocalAPI starts a local Knock API of the test's own on a free loopback port.
func NewLocalAPI(t *testing.T) *localknock.Server {
	t.Helper()
	return localknock.StartForTest(t, APIKey)
}

// ProviderConfig points the provider at the local API, with any further settings ("max_retries = 0").
func ProviderConfig(srv *localknock.Server, settings ...string) string {
	var extra strings.Builder
	for _, setting := range settings {
		extra.WriteString("  " + setting + "\n")
	}
	return fmt.Sprintf(`
provider "knock" {
  base_url = %q
  api_key  = %q
%s}
`, srv.URL(), APIKey, extra.String())
}

// ExpectRequests checks the local API's request counts since the last reset, for every Knock API endpoint.
func ExpectRequests(srv *localknock.Server, add, remove, list int) statecheck.StateCheck {
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
	for endpoint, want := range c.want {
		if got[endpoint] != want {
			resp.Error = fmt.Errorf("requests to the local Knock API: got %v, want %v", got, c.want)
			return
		}
	}
}

// ExpectLive checks that the audience holds exactly the given memberships in the local API.
func ExpectLive(srv *localknock.Server, audienceKey string, want ...localknock.Membership) statecheck.StateCheck {
	return liveCheck{srv: srv, audienceKey: audienceKey, want: want}
}

type liveCheck struct {
	srv         *localknock.Server
	audienceKey string
	want        []localknock.Membership
}

func (c liveCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = CheckLive(c.srv, c.audienceKey, c.want)
}

// CheckLive returns an error unless the audience holds exactly want in the local API.
func CheckLive(srv *localknock.Server, audienceKey string, want []localknock.Membership) error {
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
		return fmt.Errorf("audience %q holds %s, want %s", audienceKey, Describe(got), Describe(want))
	}
	return nil
}

// CheckLiveAfterDestroy is a CheckDestroy requiring the audience to hold exactly want.
func CheckLiveAfterDestroy(srv *localknock.Server, audienceKey string, want ...localknock.Membership) resource.TestCheckFunc {
	return func(*terraform.State) error { return CheckLive(srv, audienceKey, want) }
}

// Describe lists memberships for a failure message.
func Describe(ms []localknock.Membership) string {
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

// ErrorText matches an error holding each part in order, wherever Terraform wraps the lines.
func ErrorText(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, part := range parts {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(part)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

// HCLUserMap is HCL for a map of count users named prefix00000.. with the given value; it
// concatenates ranges because Terraform's range() stops at 1,024 values.
func HCLUserMap(prefix string, start, end int, value string) string {
	if start >= end {
		return "{}"
	}
	var ranges []string
	for from := start; from < end; from += 1000 {
		ranges = append(ranges, fmt.Sprintf("range(%d, %d)", from, min(from+1000, end)))
	}
	return fmt.Sprintf(`{ for i in concat(%s) : format("%s%%05d", i) => %s }`, strings.Join(ranges, ", "), prefix, value)
}

// RFC3339 matches the start of an RFC 3339 timestamp.
var RFC3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`)

// Member is a membership of the local API (tenant "" for none).
func Member(userID, tenant string) localknock.Membership {
	return localknock.Membership{UserID: userID, Tenant: tenant}
}

// ExpectPriorValue checks a value of knock_audience_members.test as it was before the planned change,
// that is the refreshed state: where drift shows.
func ExpectPriorValue(attribute tfjsonpath.Path, check knownvalue.Check) plancheck.PlanCheck {
	return priorValueCheck{addr: MembersAddr, attribute: attribute, check: check}
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
