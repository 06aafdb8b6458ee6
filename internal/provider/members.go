package provider

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// The members attribute is a map(string) from user id to tenant id, null for a membership without
// tenant. Inside the provider a tenant of "" stands for null: the validator rejects "" in
// configuration, so the mapping is lossless.

// membershipsFromMap turns a known members map into memberships. Every value must be known.
func membershipsFromMap(members types.Map) ([]knock.Membership, diag.Diagnostics) {
	var diags diag.Diagnostics
	elems := members.Elements()
	out := make([]knock.Membership, 0, len(elems))
	for userID, value := range elems {
		tenant, ok := value.(types.String)
		if !ok || tenant.IsUnknown() {
			diags.AddAttributeError(path.Root("members").AtMapKey(userID), "Unknown Member Tenant",
				fmt.Sprintf("The tenant of member %q is not known at apply time. This is a bug in the provider or in a "+
					"resource the value comes from; please report it.", userID))
			return nil, diags
		}
		out = append(out, knock.Membership{UserID: userID, Tenant: tenant.ValueString()})
	}
	return out, diags
}

// tenantsByUser reads a members map from state (null or unknown: empty).
func tenantsByUser(members types.Map) map[string]string {
	if members.IsNull() || members.IsUnknown() {
		return nil
	}
	elems := members.Elements()
	out := make(map[string]string, len(elems))
	for userID, value := range elems {
		if tenant, ok := value.(types.String); ok {
			out[userID] = tenant.ValueString()
		}
	}
	return out
}

// membersMapFromLive projects live memberships onto the members map. A map holds one tenant per user;
// when a user is live under several tenants, the one in preferred (the prior state) wins, else the
// smallest ("" first). The extra memberships still count in membership_count.
func membersMapFromLive(live []knock.Membership, preferred map[string]string) types.Map {
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
	return membersMap(chosen)
}

func hasTenant(tenants map[string]string, userID, tenant string) bool {
	t, ok := tenants[userID]
	return ok && t == tenant
}

// membersMap builds the Terraform value of a user-to-tenant map.
func membersMap(tenants map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(tenants))
	for userID, tenant := range tenants {
		elems[userID] = tenantValue(tenant)
	}
	return types.MapValueMust(types.StringType, elems)
}

func tenantValue(tenant string) types.String {
	if tenant == "" {
		return types.StringNull()
	}
	return types.StringValue(tenant)
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
