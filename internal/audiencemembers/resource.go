package audiencemembers

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

// TypeName is the resource's and the data source's type name.
const TypeName = "knock_audience_members"

// Resource declares every membership of one audience.
//
// knock_audience_members is served at the plugin-protocol level (terraform-plugin-go), not through
// terraform-plugin-framework, because its members map holds up to hundreds of thousands of entries and
// the framework walks every element several times per RPC:
//   - fwserver.MarkComputedNilsAsUnknown and fwserver.NullifyWriteOnlyAttributes (framework v1.19.0)
//     reassign the captured ctx with logging.FrameworkWithAttributePath for every element they visit, so
//     the context chain grows by one link per member, and each logging.FrameworkTrace call they make
//     walks the whole chain to find the subsystem logger: O(n²) whenever trace logging is enabled for
//     the framework, which it is under Terraform unless TF_LOG_SDK_FRAMEWORK says otherwise.
//   - Even without that bug, TransformDefaults, ReifyNullCollectionBlocks, semantic equality and the
//     two closures each walk the value again.
//
// Here each RPC decodes the value once and encodes it once. If a framework release fixes the context
// growth (the upstream fix is `ctx :=` in both closures) and the walks get cheap, this resource can move
// back to the framework; the acceptance tests describe its behaviour either way.
type Resource struct {
	// data returns what the provider's Configure published last; built before it runs, the resource
	// asks at each call.
	data func() *providerdata.Data
	// imported holds the owners of the objects imported by this provider process: an import block's plan
	// runs in the process of its import, and may refuse an import id that does not match the configuration.
	imported sync.Map
	// files holds the last members file read at each path, by path (members_file.go).
	files sync.Map
}

// importedHere reports whether this process imported the object of owner.
func (r *Resource) importedHere(owner string) bool {
	_, ok := r.imported.Load(owner)
	return ok
}

// NewResource is the resource; data returns what the provider's Configure published last.
func NewResource(data func() *providerdata.Data) *Resource {
	return &Resource{data: data}
}

// configuredClient returns the client that Configure made, or an error diagnostic when the provider has
// no API key, or when Terraform calls a resource or data source before configuring the provider.
func configuredClient(data *providerdata.Data) (*knock.Client, []*tfprotov6.Diagnostic) {
	client, diags := data.RequireClient(TypeName)
	for _, d := range diags {
		return nil, knockdiag.Error(d.Summary(), d.Detail(), nil)
	}
	return client, nil
}

// ValidateResourceConfig checks the attributes and every member before any request.
func (r *Resource) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	resp := &tfprotov6.ValidateResourceConfigResponse{}
	config, _, err := decodeObject(req.Config)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Invalid Configuration", err.Error(), nil)
		return resp, nil
	}
	resp.Diagnostics = checkAttributes(config)
	resp.Diagnostics = append(resp.Diagnostics, checkMembersSource(config)...)
	membersDiags, withTenant := validateMembers(config.Members)
	resp.Diagnostics = append(resp.Diagnostics, membersDiags...)
	resp.Diagnostics = append(resp.Diagnostics, checkMemberTenants(config, withTenant)...)
	return resp, nil
}

// checkMembersSource asks for exactly one of members and members_file.
func checkMembersSource(config object) []*tfprotov6.Diagnostic {
	switch hasMap, hasFile := !config.Members.IsNull(), config.fromFile(); {
	case hasMap && hasFile:
		return knockdiag.Error("Members Declared Twice",
			"Both members and members_file are set. Declare the members in one of them: members for a map in the configuration, "+
				"members_file for an export file.", pathMembersFile)
	case !hasMap && !hasFile:
		return knockdiag.Error("Missing Members",
			"Declare the audience's members: members = { ... } (a map from user id to tenant, or null), or members_file = "+
				"\"PATH\" for an export file. For an empty audience, write members = {}.", pathMembers)
	}
	return nil
}

// checkMemberTenants refuses members that name a tenant in a resource with tenant set. withTenant counts
// the members whose value names a tenant.
func checkMemberTenants(config object, withTenant tenantedMembers) []*tfprotov6.Diagnostic {
	tenant := config.get(attrTenant)
	if withTenant.count == 0 || !tenant.IsKnown() || tenant.IsNull() || checkTenant(attribute{name: attrTenant}, tenant) != nil {
		return nil
	}
	first := withTenant.first
	return knockdiag.Error("Member Tenant Set Twice",
		fmt.Sprintf("This resource has tenant = %q, so every member is under that tenant and the values of members "+
			"must be null. %s set a tenant of their own, for example members[%q]. Write null for them, or move "+
			"memberships under other tenants to the resource of that tenant.", stringOf(tenant), knockdiag.Plural(withTenant.count, "member"), first),
		pathMembers.WithElementKeyString(first))
}

// tenantedMembers counts the members whose value names a tenant; first is the smallest of their user ids.
type tenantedMembers struct {
	count int
	first string
}

// validateMembers rejects empty user ids and empty tenants in one pass, and counts the members whose
// value names a tenant, for validateSettings. Values known only at apply are checked then by Terraform
// against the plan, so unknowns are skipped here.
func validateMembers(members membersAttr) (diags []*tfprotov6.Diagnostic, withTenant tenantedMembers) {
	var emptyTenants []string
	badIDs := 0
	err := members.each(func(userID, tenant string, kind tenantKind) error {
		if kind == tenantKnown {
			if withTenant.count == 0 || userID < withTenant.first {
				withTenant.first = userID
			}
			withTenant.count++
		}
		switch {
		case userID == "":
			diags = append(diags, knockdiag.Error("Invalid Member User ID",
				`members has an entry with an empty key (""). Each key is a Knock user id: fill in the user id or remove the entry. `+
					`When the map is built with a for expression, filter out empty ids, and nulls, which a key cannot be: { for id in ids : id => null if id != null && id != "" }.`,
				pathMembers)...)
		case knockdiag.IDProblem(userID) != "":
			badIDs++
			if badIDs <= knockdiag.MaxReportedEntries {
				diags = append(diags, knockdiag.Error("Invalid Member User ID",
					fmt.Sprintf("members has the key %q, which %s. Each key is a Knock user id, written exactly as Knock knows it: "+
						"trim the ids where the map is built, for example { for id in ids : trimspace(id) => null }.", userID, knockdiag.IDProblem(userID)),
					pathMembers.WithElementKeyString(userID))...)
			}
		case kind == tenantKnown && tenant == "":
			emptyTenants = append(emptyTenants, userID)
		case kind == tenantKnown && knockdiag.IDProblem(tenant) != "":
			badIDs++
			if badIDs <= knockdiag.MaxReportedEntries {
				diags = append(diags, knockdiag.Error("Invalid Member Tenant",
					fmt.Sprintf("members[%q] is %q, which %s. Write the tenant id exactly as Knock knows it, or null for a membership without tenant.",
						userID, tenant, knockdiag.IDProblem(tenant)), pathMembers.WithElementKeyString(userID))...)
			}
		}
		return nil
	})
	if err != nil {
		return knockdiag.Error("Invalid Members", err.Error(), pathMembers), tenantedMembers{}
	}
	if badIDs > knockdiag.MaxReportedEntries {
		diags = append(diags, knockdiag.Error("Invalid Member User ID",
			fmt.Sprintf("%d more entries of members have a user id or tenant that Knock would not match (see the errors above).", badIDs-knockdiag.MaxReportedEntries),
			pathMembers)...)
	}
	slices.Sort(emptyTenants)
	for i, userID := range emptyTenants {
		if i == knockdiag.MaxReportedEntries {
			diags = append(diags, knockdiag.Error("Invalid Member Tenant",
				fmt.Sprintf(`%d more members have an empty tenant (""); write null instead for memberships without tenant.`, len(emptyTenants)-i),
				pathMembers)...)
			break
		}
		diags = append(diags, knockdiag.Error("Invalid Member Tenant",
			fmt.Sprintf(`members[%q] is "" (an empty tenant). Write null for a membership without tenant, or the tenant id, for example "%s" = null.`, userID, userID),
			pathMembers.WithElementKeyString(userID))...)
	}
	return diags, withTenant
}

// UpgradeResourceState reads a stored state (schema version 0), members in one pass.
func (r *Resource) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	resp := &tfprotov6.UpgradeResourceStateResponse{}
	if req.Version != 0 {
		resp.Diagnostics = knockdiag.Error("Unsupported State Version",
			fmt.Sprintf("The state of this knock_audience_members has schema version %d, newer than this provider knows (0). Use the provider version that wrote it, or a newer one.", req.Version), nil)
		return resp, nil
	}
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics = knockdiag.Error("Unable to Read Prior State", "The state of this knock_audience_members is not JSON; "+
			"it was not written by this provider. Remove it (terraform state rm) and import the audience.", nil)
		return resp, nil
	}
	upgraded, err := upgradeStateJSON(req.RawState.JSON)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Read Prior State", err.Error(), nil)
		return resp, nil
	}
	resp.UpgradedState = upgraded
	return resp, nil
}

// UpgradeResourceIdentity reads a stored identity (version 0).
func (r *Resource) UpgradeResourceIdentity(_ context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	resp := &tfprotov6.UpgradeResourceIdentityResponse{}
	value, err := req.RawIdentity.UnmarshalWithOpts(identityType, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err == nil && req.Version != 0 {
		err = fmt.Errorf("identity version %d is newer than this provider knows (0)", req.Version)
	}
	var dv tfprotov6.DynamicValue
	if err == nil {
		dv, err = tfprotov6.NewDynamicValue(identityType, value)
	}
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Read Resource Identity", err.Error(), nil)
		return resp, nil
	}
	resp.UpgradedIdentity = &tfprotov6.ResourceIdentityData{IdentityData: &dv}
	return resp, nil
}

// MoveResourceState refuses moves from other resource types, with the import that does the job.
func (r *Resource) MoveResourceState(_ context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: knockdiag.Error("Unsupported Resource Move",
		fmt.Sprintf("knock_audience_members cannot be moved from %s. Remove the old resource from state (terraform state rm) "+
			"and import the audience instead: terraform import knock_audience_members.NAME AUDIENCE_KEY", req.SourceTypeName), nil)}, nil
}

// GenerateResourceConfig writes the configuration that adopts an imported audience as it is.
func (r *Resource) GenerateResourceConfig(_ context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	resp := &tfprotov6.GenerateResourceConfigResponse{}
	state, _, err := decodeObject(req.State)
	if err == nil {
		resp.Config, err = configOf(state).encode()
	}
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Generate Configuration", err.Error(), nil)
	}
	return resp, nil
}
