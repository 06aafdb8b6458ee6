package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

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
// Here each RPC decodes the value once and encodes it once. If a framework release fixes the context
// growth (the upstream fix is `ctx :=` in both closures) and the walks get cheap, this resource can move
// back to the framework; the acceptance tests describe its behaviour either way.

const audienceMembersTypeName = "knock_audience_members"

// audienceMembersResource declares every membership of one audience.
type audienceMembersResource struct {
	provider *knockProvider
}

func newAudienceMembersResource(p *knockProvider) *audienceMembersResource {
	return &audienceMembersResource{provider: p}
}

var (
	pathAudienceKey = tftypes.NewAttributePath().WithAttributeName("audience_key")
	pathMembers     = tftypes.NewAttributePath().WithAttributeName("members")
)

func audienceMembersSchema() *tfprotov6.Schema {
	markdown := tfprotov6.StringKindMarkdown
	return &tfprotov6.Schema{
		Version: 0,
		Block: &tfprotov6.SchemaBlock{
			DescriptionKind: markdown,
			Description: "Declares the memberships of one Knock audience. By default the resource is authoritative: after " +
				"apply the audience holds exactly the configured members, and memberships that are not declared are " +
				"removed. With `tenant` it owns only the memberships under that tenant; with `authoritative = false` it " +
				"owns only the memberships it declares. Each plan reads the audience's live memberships, so changes made " +
				"outside Terraform show as drift.\n\n" +
				"Guard rails: `max_removals` and `max_removal_percent` stop a plan that would remove too many members " +
				"(an empty data source must not wipe an audience), and a create on an audience that already has other " +
				"members warns (or, with `on_existing_members = \"error\"`, fails) before anything is sent.\n\n" +
				"**The plan is the contract.** The apply removes only the memberships its plan showed as removed, by user " +
				"id and tenant (the plan's one-line summary names the ones `members` cannot show, such as a user's membership " +
				"under another tenant), never touches a membership outside the resource's scope, and sends nothing the plan " +
				"did not show when the audience changed after the plan. A create never removes memberships: those already " +
				"in the audience show as removals in the next plan. `max_removals` and `max_removal_percent` also guard " +
				"replacements and destroy. The guide \"Choosing an ownership mode\" has the details.\n\n" +
				"Members are added with their user id only; the provider never changes user properties.",
			Attributes: []*tfprotov6.SchemaAttribute{
				{
					Name: "id", Type: tftypes.String, Computed: true, DescriptionKind: markdown,
					Description: "The audience key, or `AUDIENCE_KEY/TENANT` for a resource with `tenant` set: the import id. " +
						"Each part is escaped like a URL path segment (a `/` inside a key or tenant is written `%2F`, a `%` `%25`), " +
						"as `knock_audience_member`'s ids are.",
				},
				{
					Name: "audience_key", Type: tftypes.String, Required: true, DescriptionKind: markdown,
					Description: "Key of a static Knock audience that already exists in the environment. Changing it " +
						"replaces the resource: the old audience loses the declared members and the new one gets them.",
				},
				{
					Name: "members", Type: membersMapType, Required: true, DescriptionKind: markdown,
					Description: "The audience's members: a map from user id to tenant id, with `null` for a " +
						"membership without tenant. For a list of ids: `{ for id in local.user_ids : id => null }`. " +
						"With `tenant` set, every value must be `null`: each member is under that tenant. " +
						"A map (not a set) keeps plans fast for hundreds of thousands of members. Users that do not exist " +
						"in Knock yet are created with only their id.",
				},
				{
					Name: "tenant", Type: tftypes.String, Optional: true, DescriptionKind: markdown,
					Description: "Own only the memberships under this tenant: the resource is authoritative within that " +
						"slice of the audience and never touches memberships under other tenants or without tenant. " +
						"Use one resource per tenant (`for_each`) to declare a multi-tenant audience; a user can be a " +
						"member under several tenants. Changing it replaces the resource.",
				},
				{
					Name: "authoritative", Type: tftypes.Bool, Optional: true, DescriptionKind: markdown,
					Description: "`true` (the default): memberships in the resource's scope that are not declared are " +
						"removed. `false` (managed-only): the resource adds what it declares, removes what it declared " +
						"before and no longer does, and leaves every other membership alone; drift of its own " +
						"memberships still shows in plans.",
				},
				{
					Name: "create_audience", Type: tftypes.Bool, Optional: true, DescriptionKind: markdown,
					Description: "Create the audience as a static audience if it does not exist (Knock's " +
						"`create_audience=true` on add). Default `false`: an unknown audience is an error.",
				},
				{
					Name: "on_destroy", Type: tftypes.String, Optional: true, DescriptionKind: markdown,
					Description: "What destroying the resource does: `remove` (the default) removes the memberships it " +
						"declares; `keep` leaves them in Knock and only forgets them.",
				},
				{
					Name: "on_existing_members", Type: tftypes.String, Optional: true, DescriptionKind: markdown,
					Description: "At create, when the audience (or the tenant's slice of it) already has members that the " +
						"configuration does not declare: `warn` (the default) shows how many, with examples, in the plan; the " +
						"create leaves them, and an authoritative resource's next plan shows their removal. `error` fails the " +
						"plan and shows the import command that adopts the audience instead.",
				},
				{
					Name: "max_removals", Type: tftypes.Number, Optional: true, DescriptionKind: markdown,
					Description: "Fail the plan (and the apply, before anything is sent) when it would remove more than " +
						"this many memberships: an update, a replacement (a changed `audience_key` or `tenant`) or a destroy. The " +
						"protection against an empty data source or file wiping an audience. To destroy a guarded resource on " +
						"purpose, raise the limit and apply that first, or set `on_destroy = \"keep\"`.",
				},
				{
					Name: "max_removal_percent", Type: tftypes.Number, Optional: true, DescriptionKind: markdown,
					Description: "Like `max_removals`, as a percentage (0 to 100) of the memberships the resource's scope " +
						"holds. With both set, the smaller limit applies.",
				},
				{
					Name: "membership_count", Type: tftypes.Number, Computed: true, DescriptionKind: markdown,
					Description: "Number of memberships in the resource's scope (the whole audience, the tenant's slice, or, " +
						"with `authoritative = false`, the declared memberships that are live), counting every (user, tenant) pair. " +
						"It differs from the number of `members` when a user is a member under several tenants, which " +
						"`members` cannot show; the plan then shows an update that removes the extra memberships, and names them.",
				},
			},
			BlockTypes: []*tfprotov6.SchemaNestedBlock{timeoutsBlock()},
		},
	}
}

func (r *audienceMembersResource) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	resp := &tfprotov6.ValidateResourceConfigResponse{}
	config, _, err := decodeAudienceMembers(req.Config)
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Invalid Configuration", err.Error(), nil)
		return resp, nil
	}
	if config.AudienceKey.IsKnown() && !config.AudienceKey.IsNull() {
		if key := stringOf(config.AudienceKey); key == "" {
			resp.Diagnostics = errorDiagnostics("Invalid Audience Key",
				`audience_key is "" (empty). Set it to the key of a static Knock audience, as shown in the Knock dashboard under Audiences.`,
				pathAudienceKey)
		} else if problem := idProblem(key); problem != "" {
			resp.Diagnostics = errorDiagnostics("Invalid Audience Key",
				fmt.Sprintf("audience_key is %q, which %s. Write the key exactly as the Knock dashboard shows it under Audiences.", key, problem),
				pathAudienceKey)
		}
	}
	membersDiags, withTenant := validateMembers(config.Members)
	resp.Diagnostics = append(resp.Diagnostics, membersDiags...)
	resp.Diagnostics = append(resp.Diagnostics, validateSettings(config, withTenant)...)
	resp.Diagnostics = append(resp.Diagnostics, validateTimeouts(config.Timeouts)...)
	return resp, nil
}

// validateSettings checks the ownership and guard-rail attributes that are known. withTenant counts the
// members whose value names a tenant.
func validateSettings(config audienceMembersObject, withTenant tenantedMembers) []*tfprotov6.Diagnostic {
	var diags []*tfprotov6.Diagnostic
	attr := func(name string) *tftypes.AttributePath { return tftypes.NewAttributePath().WithAttributeName(name) }
	oneOf := func(name string, allowed ...string) {
		v := config.Settings[name]
		if v.IsKnown() && !v.IsNull() && !slices.Contains(allowed, stringOf(v)) {
			diags = append(diags, errorDiagnostics("Invalid "+name,
				fmt.Sprintf("%s is %q; write one of %q.", name, stringOf(v), allowed), attr(name))...)
		}
	}
	oneOf("on_destroy", onDestroyRemove, onDestroyKeep)
	oneOf("on_existing_members", onExistingWarn, onExistingError)

	if v := config.Settings["tenant"]; v.IsKnown() && !v.IsNull() {
		tenant := stringOf(v)
		if tenant == "" {
			diags = append(diags, errorDiagnostics("Invalid Tenant",
				`tenant is "" (empty). Set it to a tenant id, or remove it to manage the whole audience.`, attr("tenant"))...)
		} else if problem := idProblem(tenant); problem != "" {
			diags = append(diags, errorDiagnostics("Invalid Tenant",
				fmt.Sprintf("tenant is %q, which %s. Write the tenant id exactly as Knock knows it.", tenant, problem), attr("tenant"))...)
		} else if withTenant.count > 0 {
			first := withTenant.first
			diags = append(diags, errorDiagnostics("Member Tenant Set Twice",
				fmt.Sprintf("This resource has tenant = %q, so every member is under that tenant and the values of members "+
					"must be null. %s set a tenant of their own, for example members[%q]. Write null for them, or move "+
					"memberships under other tenants to the resource of that tenant.", tenant, plural(withTenant.count, "member"), first),
				pathMembers.WithElementKeyString(first))...)
		}
	}
	if n, ok := knownNumber(config.Settings["max_removals"]); ok && (n.Sign() < 0 || !n.IsInt()) {
		diags = append(diags, errorDiagnostics("Invalid max_removals",
			fmt.Sprintf("max_removals is %s; write a whole number of memberships, 0 or more (0: never remove).", n.Text('g', 10)), attr("max_removals"))...)
	}
	if n, ok := knownNumber(config.Settings["max_removal_percent"]); ok {
		if f, _ := n.Float64(); f < 0 || f > 100 {
			diags = append(diags, errorDiagnostics("Invalid max_removal_percent",
				fmt.Sprintf("max_removal_percent is %g; write a percentage from 0 to 100.", f), attr("max_removal_percent"))...)
		}
	}
	return diags
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
			diags = append(diags, errorDiagnostics("Invalid Member User ID",
				`members has an entry with an empty key (""). Each key is a Knock user id: fill in the user id or remove the entry. `+
					`When the map is built with a for expression, filter out empty ids: { for id in ids : id => null if id != "" }.`,
				pathMembers)...)
		case idProblem(userID) != "":
			badIDs++
			if badIDs <= maxReportedEntries {
				diags = append(diags, errorDiagnostics("Invalid Member User ID",
					fmt.Sprintf("members has the key %q, which %s. Each key is a Knock user id, written exactly as Knock knows it: "+
						"trim the ids where the map is built, for example { for id in ids : trimspace(id) => null }.", userID, idProblem(userID)),
					pathMembers.WithElementKeyString(userID))...)
			}
		case kind == tenantKnown && tenant == "":
			emptyTenants = append(emptyTenants, userID)
		case kind == tenantKnown && idProblem(tenant) != "":
			badIDs++
			if badIDs <= maxReportedEntries {
				diags = append(diags, errorDiagnostics("Invalid Member Tenant",
					fmt.Sprintf("members[%q] is %q, which %s. Write the tenant id exactly as Knock knows it, or null for a membership without tenant.",
						userID, tenant, idProblem(tenant)), pathMembers.WithElementKeyString(userID))...)
			}
		}
		return nil
	})
	if err != nil {
		return errorDiagnostics("Invalid Members", err.Error(), pathMembers), tenantedMembers{}
	}
	if badIDs > maxReportedEntries {
		diags = append(diags, errorDiagnostics("Invalid Member User ID",
			fmt.Sprintf("%d more entries of members have a user id or tenant that Knock would not match (see the errors above).", badIDs-maxReportedEntries),
			pathMembers)...)
	}
	slices.Sort(emptyTenants)
	for i, userID := range emptyTenants {
		if i == maxReportedEntries {
			diags = append(diags, errorDiagnostics("Invalid Member Tenant",
				fmt.Sprintf(`%d more members have an empty tenant (""); write null instead for memberships without tenant.`, len(emptyTenants)-i),
				pathMembers)...)
			break
		}
		diags = append(diags, errorDiagnostics("Invalid Member Tenant",
			fmt.Sprintf(`members[%q] is "" (an empty tenant). Write null for a membership without tenant, or the tenant id, for example "%s" = null.`, userID, userID),
			pathMembers.WithElementKeyString(userID))...)
	}
	return diags, withTenant
}

// maxReportedEntries bounds how many members a diagnostic names one by one (bad entries, examples of
// removals), so that thousands of them still give a readable message.
const maxReportedEntries = 5

func (r *audienceMembersResource) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	resp := &tfprotov6.UpgradeResourceStateResponse{}
	if req.Version != 0 {
		resp.Diagnostics = errorDiagnostics("Unsupported State Version",
			fmt.Sprintf("The state of this knock_audience_members has schema version %d, newer than this provider knows (0). Use the provider version that wrote it, or a newer one.", req.Version), nil)
		return resp, nil
	}
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics = errorDiagnostics("Unable to Read Prior State", "The state of this knock_audience_members is not JSON; "+
			"it was not written by this provider. Remove it (terraform state rm) and import the audience.", nil)
		return resp, nil
	}
	upgraded, err := upgradeStateJSON(req.RawState.JSON)
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Read Prior State", err.Error(), nil)
		return resp, nil
	}
	resp.UpgradedState = upgraded
	return resp, nil
}

func (r *audienceMembersResource) UpgradeResourceIdentity(_ context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	resp := &tfprotov6.UpgradeResourceIdentityResponse{}
	value, err := req.RawIdentity.UnmarshalWithOpts(audienceMembersIdentityType, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err == nil && req.Version != 0 {
		err = fmt.Errorf("identity version %d is newer than this provider knows (0)", req.Version)
	}
	var dv tfprotov6.DynamicValue
	if err == nil {
		dv, err = tfprotov6.NewDynamicValue(audienceMembersIdentityType, value)
	}
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Read Resource Identity", err.Error(), nil)
		return resp, nil
	}
	resp.UpgradedIdentity = &tfprotov6.ResourceIdentityData{IdentityData: &dv}
	return resp, nil
}

func (r *audienceMembersResource) MoveResourceState(_ context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: errorDiagnostics("Unsupported Resource Move",
		fmt.Sprintf("knock_audience_members cannot be moved from %s. Remove the old resource from state (terraform state rm) "+
			"and import the audience instead: terraform import knock_audience_members.NAME AUDIENCE_KEY", req.SourceTypeName), nil)}, nil
}

// GenerateResourceConfig writes the configuration that adopts an imported audience as it is.
func (r *audienceMembersResource) GenerateResourceConfig(_ context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	resp := &tfprotov6.GenerateResourceConfigResponse{}
	state, _, err := decodeAudienceMembers(req.State)
	if err == nil {
		state.ID = tftypes.NewValue(tftypes.String, nil)
		state.MembershipCount = tftypes.NewValue(tftypes.Number, nil)
		state.Timeouts = tftypes.NewValue(timeoutsType, nil)
		resp.Config, err = state.encode()
	}
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Generate Configuration", err.Error(), nil)
	}
	return resp, nil
}

func errorDiagnostics(summary, detail string, attribute *tftypes.AttributePath) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: detail, Attribute: attribute}}
}

func hasError(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}
