package provider

import (
	"maps"
	"slices"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// Inside the provider a members map is map[string]string from user id to tenant id, where "" stands
// for a membership without tenant (null in Terraform). Validation rejects "" as a tenant in
// configuration, so the mapping is lossless.

// membershipsOf lists the memberships a members map declares.
func membershipsOf(members map[string]string) []knock.Membership {
	out := make([]knock.Membership, 0, len(members))
	for userID, tenant := range members {
		out = append(out, knock.Membership{UserID: userID, Tenant: tenant})
	}
	return out
}

// membersFromLive projects live memberships onto a members map, which holds one tenant per user.
// When a user is live under several tenants, the one in preferred (the prior state) wins, else the
// smallest ("" first); the extra memberships still count in membership_count.
func membersFromLive(live []knock.Membership, preferred map[string]string) map[string]string {
	chosen := make(map[string]string, len(live))
	for _, m := range live {
		current, seen := chosen[m.UserID]
		switch {
		case !seen:
			chosen[m.UserID] = m.Tenant
		case hasTenant(preferred, m.UserID, current):
			// keep the preferred tenant
		case hasTenant(preferred, m.UserID, m.Tenant) || m.Tenant < current:
			chosen[m.UserID] = m.Tenant
		}
	}
	return chosen
}

func hasTenant(members map[string]string, userID, tenant string) bool {
	t, ok := members[userID]
	return ok && t == tenant
}

// heldAfterWrites is what the audience holds when the writes stopped part way: live, plus the adds that
// went through, minus the removes that went through.
func heldAfterWrites(live, added, removed []knock.Membership) []knock.Membership {
	held := make(map[knock.Membership]struct{}, len(live)+len(added))
	for _, m := range live {
		held[m] = struct{}{}
	}
	for _, m := range added {
		held[m] = struct{}{}
	}
	for _, m := range removed {
		delete(held, m)
	}
	return slices.Collect(maps.Keys(held))
}
