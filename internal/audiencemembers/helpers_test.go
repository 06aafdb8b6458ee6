package audiencemembers

import (
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/claims"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

// Helpers shared by this package's unit tests; those of the acceptance tests are in internal/acctest.

// testAPIKey is the key of the local Knock APIs of the unit tests.
const testAPIKey = "sk_test_unit"

// resourceOf is the resource of a provider process of its own, configured with client and plan_read_max_age
// (client nil: not configured).
func resourceOf(client *knock.Client, planReadMaxAge time.Duration) *Resource {
	data := &providerdata.Data{Client: client, PlanReadMaxAge: planReadMaxAge, Claims: &claims.Registry{}, Locks: &providerdata.AudienceLocks{}}
	return NewResource(func() *providerdata.Data { return data })
}

// objectOf is a knock_audience_members value with members and no settings, as the codec decodes it.
func objectOf(t *testing.T, members map[string]string) object {
	t.Helper()
	obj := object{Members: membersOfList(listOf(members))}
	obj.set(attrID, stringValue("beta"))
	obj.set(attrAudienceKey, stringValue("beta"))
	obj.set(attrMembershipCount, countValue(len(members)))
	dv, err := obj.encode()
	if err != nil {
		t.Fatal(err)
	}
	decoded, _, err := decodeObject(dv)
	if err != nil {
		t.Fatal(err)
	}
	return decoded
}

// listOf is a members map as the resource handles it: a list sorted by user id.
func listOf(members map[string]string) []changeset.Membership {
	out := make([]changeset.Membership, 0, len(members))
	for userID, tenant := range members {
		out = append(out, changeset.Membership{UserID: userID, Tenant: tenant})
	}
	changeset.SortMemberships(out)
	return out
}

// tenantsOf decodes members into a map, for comparisons.
func tenantsOf(t testing.TB, members membersAttr) map[string]string {
	t.Helper()
	list, err := members.list()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(list))
	for _, m := range list {
		out[m.UserID] = m.Tenant
	}
	return out
}
