package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// maxReportedEntries bounds how many bad members entries are named one by one, so that a generated map
// with thousands of bad entries still gives a readable error.
const maxReportedEntries = 5

var _ validator.Map = membersValidator{}

// membersValidator rejects empty user ids and empty tenants in a members map, in one pass over it.
type membersValidator struct{}

func (membersValidator) Description(_ context.Context) string {
	return "keys are non-empty user ids; values are non-empty tenant ids or null"
}

func (v membersValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (membersValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var emptyTenants []string
	for userID, value := range req.ConfigValue.Elements() {
		if userID == "" {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Member User ID",
				`members has an entry with an empty key (""). Each key is a Knock user id: fill in the user id or remove the entry. `+
					`When the map is built with a for expression, filter out empty ids: { for id in ids : id => null if id != "" }.`)
			continue
		}
		if tenant, ok := value.(types.String); ok && !tenant.IsNull() && !tenant.IsUnknown() && tenant.ValueString() == "" {
			emptyTenants = append(emptyTenants, userID)
		}
	}
	slices.Sort(emptyTenants)
	for i, userID := range emptyTenants {
		if i == maxReportedEntries {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Member Tenant",
				fmt.Sprintf("%d more members have an empty tenant (\"\"); write null instead for memberships without tenant.", len(emptyTenants)-i))
			break
		}
		resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(userID), "Invalid Member Tenant",
			fmt.Sprintf(`members[%q] is "" (an empty tenant). Write null for a membership without tenant, or the tenant id, for example "%s" = null.`, userID, userID))
	}
}
