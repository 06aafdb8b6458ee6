package acctest

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// MembersAddr is the address of the knock_audience_members that MembersConfig declares.
const MembersAddr = "knock_audience_members.test"

// MembersConfig declares knock_audience_members.test on audienceKey with the given members HCL.
func MembersConfig(srv *localknock.Server, audienceKey, members string) string {
	return ProviderConfig(srv) + MembersResource("test", audienceKey, members, "")
}

// ExpectMembers checks the members of knock_audience_members.test.
func ExpectMembers(members map[string]knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(MembersAddr, tfjsonpath.New("members"), knownvalue.MapExact(members))
}

// ExpectMembershipCount checks the membership_count of knock_audience_members.test.
func ExpectMembershipCount(n int64) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(MembersAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(n))
}

// EmptyPlanAfterRefresh is the step that proves a plan after the previous apply is empty.
func EmptyPlanAfterRefresh() resource.TestStep {
	return resource.TestStep{
		RefreshState:      true,
		RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
	}
}

// CheckAudienceEmptied is a CheckDestroy that requires the audience to hold none of the given memberships.
func CheckAudienceEmptied(srv *localknock.Server, audienceKey string, declared ...localknock.Membership) resource.TestCheckFunc {
	return func(*terraform.State) error {
		live := map[localknock.Membership]bool{}
		for _, m := range srv.Memberships(audienceKey) {
			live[m] = true
		}
		for _, m := range declared {
			if live[m] {
				return fmt.Errorf("after destroy, audience %q still holds %s/%s", audienceKey, m.UserID, m.Tenant)
			}
		}
		return nil
	}
}

// MembersResource is HCL for a knock_audience_members named name with extra attributes.
func MembersResource(name, audienceKey, members, extra string) string {
	return fmt.Sprintf(`
resource "knock_audience_members" %q {
  audience_key = %q
  members      = %s
  %s
}
`, name, audienceKey, members, extra)
}

// ExpectNoRequests fails the test if the local API got any request.
func ExpectNoRequests(t *testing.T, srv *localknock.Server) {
	t.Helper()
	for endpoint, n := range srv.Requests() {
		if n != 0 {
			t.Errorf("%d requests to %v, want none: the problem is found before any request", n, endpoint)
		}
	}
}
