package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
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
	claims   claims
	// locks holds a *sync.Mutex per audience key, so that resources on the same audience in one run
	// never interleave their list, add and remove passes.
	locks sync.Map
}

func (r *audienceMembersResource) lock(audienceKey string) func() {
	mu, _ := r.locks.LoadOrStore(audienceKey, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()        //nolint:forcetypeassert // locks holds only *sync.Mutex
	return mu.(*sync.Mutex).Unlock //nolint:forcetypeassert // locks holds only *sync.Mutex
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
				"Members are added with their user id only; the provider never changes user properties.",
			Attributes: []*tfprotov6.SchemaAttribute{
				{
					Name: "id", Type: tftypes.String, Computed: true, DescriptionKind: markdown,
					Description: "The audience key, or `AUDIENCE_KEY/TENANT` for a resource with `tenant` set.",
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
						"configuration does not declare, which an authoritative resource would remove: `warn` (the " +
						"default) shows how many, with examples, in the plan; `error` fails the plan and shows the import " +
						"command that adopts the audience instead.",
				},
				{
					Name: "max_removals", Type: tftypes.Number, Optional: true, DescriptionKind: markdown,
					Description: "Fail the plan (and the apply, before anything is sent) when it would remove more than " +
						"this many memberships. The protection against an empty data source or file wiping an audience.",
				},
				{
					Name: "max_removal_percent", Type: tftypes.Number, Optional: true, DescriptionKind: markdown,
					Description: "Like `max_removals`, as a percentage (0 to 100) of the memberships the resource's scope " +
						"holds. With both set, the smaller limit applies.",
				},
				{
					Name: "membership_count", Type: tftypes.Number, Computed: true, DescriptionKind: markdown,
					Description: "Number of memberships the audience holds, counting every (user, tenant) pair. " +
						"It differs from the number of `members` when a user is a member under several tenants, which " +
						"`members` cannot show; the plan then shows an update that removes the extra memberships.",
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
	if config.AudienceKey.IsKnown() && !config.AudienceKey.IsNull() && stringOf(config.AudienceKey) == "" {
		resp.Diagnostics = errorDiagnostics("Invalid Audience Key",
			`audience_key is "" (empty). Set it to the key of a static Knock audience, as shown in the Knock dashboard under Audiences.`,
			pathAudienceKey)
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
		case kind == tenantKnown && tenant == "":
			emptyTenants = append(emptyTenants, userID)
		}
		return nil
	})
	if err != nil {
		return errorDiagnostics("Invalid Members", err.Error(), pathMembers), tenantedMembers{}
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

// PlanResourceChange plans id as the audience key and membership_count as the number of declared
// members, so that extra live memberships (a user under several tenants) show as an update. It also
// applies the guard rails that can be checked before anything is sent.
func (r *audienceMembersResource) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp := &tfprotov6.PlanResourceChangeResponse{PlannedPrivate: req.PriorPrivate}
	planned, destroying, err := decodeAudienceMembers(req.ProposedNewState)
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Plan Audience Members", err.Error(), nil)
		return resp, nil
	}
	prior, creating, err := decodeAudienceMembers(req.PriorState)
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Plan Audience Members", err.Error(), nil)
		return resp, nil
	}
	if destroying {
		resp.PlannedState = req.ProposedNewState
		if settings := prior.settings(); !creating && settings.keepOnDestroy {
			resp.Diagnostics = []*tfprotov6.Diagnostic{{
				Severity: tfprotov6.DiagnosticSeverityWarning,
				Summary:  "Audience Members Kept on Destroy",
				Detail: fmt.Sprintf("on_destroy = \"keep\": destroying this resource leaves its memberships in %s in Knock; "+
					"Terraform only forgets them.", settings.scopeLabel(stringOf(prior.AudienceKey))),
			}}
		}
		return resp, nil
	}

	settings := planned.settings()
	planned.ID = resourceID(planned)
	planned.MembershipCount = tftypes.NewValue(tftypes.Number, tftypes.UnknownValue)
	var members map[string]string
	if planned.Members.IsKnown() && !planned.Members.IsNull() {
		members = map[string]string{}
		tenantsKnown := true
		err := planned.Members.each(func(userID, tenant string, kind tenantKind) error {
			members[userID] = tenant
			tenantsKnown = tenantsKnown && kind != tenantUnknown
			return nil
		})
		if err != nil {
			resp.Diagnostics = errorDiagnostics("Unable to Plan Audience Members", err.Error(), pathMembers)
			return resp, nil
		}
		planned.MembershipCount = countValue(len(members))
		if !tenantsKnown {
			members = nil // guard rails wait for the apply
		}
	}
	if !creating {
		for _, attr := range []struct {
			before, after tftypes.Value
			path          *tftypes.AttributePath
		}{
			{prior.AudienceKey, planned.AudienceKey, pathAudienceKey},
			{prior.Settings["tenant"], planned.Settings["tenant"], pathTenant},
		} {
			if !attr.before.Equal(attr.after) {
				resp.RequiresReplace = append(resp.RequiresReplace, attr.path)
			}
		}
	}

	audienceKey := stringOf(planned.AudienceKey)
	if members != nil && planned.AudienceKey.IsKnown() && settings.tenantKnown {
		desired := settings.declared(members)
		resp.Diagnostics = append(resp.Diagnostics, r.claims.register(audienceKey, settings, desired)...)
		if creating || len(resp.RequiresReplace) > 0 {
			diags, private := r.planCreate(ctx, audienceKey, settings, desired, planned.Timeouts)
			resp.Diagnostics = append(resp.Diagnostics, diags...)
			resp.PlannedPrivate = private
		} else if !planned.Members.Equal(prior.Members) || !planned.MembershipCount.Equal(prior.MembershipCount) {
			resp.Diagnostics = append(resp.Diagnostics, plannedUpdate(audienceKey, settings, prior, desired)...)
		}
	}
	if hasError(resp.Diagnostics) {
		return resp, nil
	}
	resp.PlannedState, err = planned.encode()
	if err == nil {
		resp.PlannedIdentity, err = identityOf(planned)
	}
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Plan Audience Members", err.Error(), nil)
	}
	return resp, nil
}

var pathTenant = tftypes.NewAttributePath().WithAttributeName("tenant")

const createAudienceAdvice = "\n\nTo let Terraform create it as a static audience, set create_audience = true."

// resourceID is the audience key, or AUDIENCE_KEY/TENANT for a tenant's slice: the import id, and unique
// among the resources that share an audience.
func resourceID(obj audienceMembersObject) tftypes.Value {
	tenant, ok := obj.Settings["tenant"]
	if !ok || tenant.IsNull() {
		return obj.AudienceKey
	}
	if !obj.AudienceKey.IsKnown() || !tenant.IsKnown() {
		return tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	}
	return stringValue(stringOf(obj.AudienceKey) + "/" + stringOf(tenant))
}

// planCreate reads the audience before a create, to say what the create would remove, and keeps the
// read in the plan's private data so that the apply need not list the audience again.
func (r *audienceMembersResource) planCreate(ctx context.Context, audienceKey string, settings membersSettings, desired []knock.Membership, timeouts tftypes.Value) ([]*tfprotov6.Diagnostic, []byte) {
	client := r.provider.client.Load()
	if client == nil {
		return nil, nil // validation only: nothing to read with
	}
	ctx, cancel := withTimeout(ctx, timeouts, "create")
	defer cancel()
	live, err := client.ListMemberships(ctx, audienceKey)
	switch {
	case knock.IsNotFound(err) && settings.createAudience:
		return nil, newPlanRead(time.Now(), nil, true)
	case knock.IsNotFound(err):
		return errorDiagnostics("Audience Not Found", apiErrorDetail("listing the members of", audienceKey, len(desired), err)+
			createAudienceAdvice, pathAudienceKey), nil
	case err != nil:
		return errorDiagnostics("Unable to Read Audience Members", apiErrorDetail("listing the members of", audienceKey, len(desired), err), nil), nil
	}
	private := newPlanRead(time.Now(), live, false)
	toAdd, toRemove := settings.changes(desired, live, nil)
	summary := changeSummary(audienceKey, settings, len(toAdd), len(toRemove))
	if len(toRemove) == 0 {
		return summary, private
	}
	if diags := settings.checkRemovals(audienceKey, len(toRemove), len(settings.held(live)), toRemove); diags != nil {
		return diags, nil
	}
	importID := settings.scopeID(audienceKey)
	detail := fmt.Sprintf("%s already holds %s that this configuration does not declare (%s). This resource is "+
		"authoritative, so the apply removes them.", settings.scopeLabel(audienceKey), plural(len(toRemove), "membership"), exampleList(toRemove))
	if settings.errorOnExisting {
		return errorDiagnostics("Audience Already Has Members",
			detail+fmt.Sprintf("\n\non_existing_members = \"error\" stops here. To adopt the audience as it is, import it and "+
				"then edit members:\n\n  terraform import knock_audience_members.NAME %s\n\nor, to keep those members, set "+
				"authoritative = false.", importID), nil), nil
	}
	return append(summary, &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityWarning, Summary: "Audience Already Has Members",
		Detail: detail + fmt.Sprintf(" To keep them, declare them, set authoritative = false, or import the audience "+
			"(terraform import knock_audience_members.NAME %s).", importID)}), private
}

// plannedUpdate works out an update's adds and removes from the refreshed state: for max_removals, and
// for the one-line summary reviewers read instead of thousands of plan lines.
func plannedUpdate(audienceKey string, settings membersSettings, prior audienceMembersObject, desired []knock.Membership) []*tfprotov6.Diagnostic {
	priorMembers, err := prior.Members.tenants()
	if err != nil {
		return nil
	}
	held := settings.declared(priorMembers)
	toAdd, toRemove := settings.changes(desired, held, held)
	removals := len(toRemove)
	total := len(held)
	if n, ok := knownNumber(prior.MembershipCount); ok {
		count, _ := n.Int64()
		total = max(total, int(count))
	}
	if settings.authoritative && settings.tenant == "" && total > len(held) {
		removals += total - len(held) // the extra tenants of users: all removed
	}
	if diags := settings.checkRemovals(audienceKey, removals, total, toRemove); diags != nil {
		return diags
	}
	return changeSummary(audienceKey, settings, len(toAdd), removals)
}

// changeSummary is a warning, the one channel a provider has into the plan output, that sums up an
// audience's change in one line. A plan without changes gets none.
func changeSummary(audienceKey string, settings membersSettings, adds, removes int) []*tfprotov6.Diagnostic {
	if adds == 0 && removes == 0 {
		return nil
	}
	name := settings.scopeID(audienceKey)
	ceil := func(n int) int { return (n + knock.MaxMembersPerRequest - 1) / knock.MaxMembersPerRequest }
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityWarning,
		Summary:  fmt.Sprintf("%s: +%s / -%s members, %s", name, thousands(adds), thousands(removes), plural(ceil(adds)+ceil(removes), "write request")),
		Detail: fmt.Sprintf("The apply adds %s to and removes %s from %s. This summary is informational; the attribute "+
			"changes above list every member.", plural(adds, "membership"), plural(removes, "membership"), settings.scopeLabel(audienceKey)),
	}}
}

func (r *audienceMembersResource) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp := &tfprotov6.ApplyResourceChangeResponse{Private: req.PlannedPrivate, NewState: req.PriorState}
	client, diags := r.provider.configuredClient()
	if diags != nil {
		resp.Diagnostics = diags
		return resp, nil
	}
	planned, destroying, err := decodeAudienceMembers(req.PlannedState)
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Apply Audience Members", err.Error(), nil)
		return resp, nil
	}
	prior, creating, err := decodeAudienceMembers(req.PriorState)
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Apply Audience Members", err.Error(), nil)
		return resp, nil
	}
	if destroying {
		ctx, cancel := withTimeout(ctx, prior.Timeouts, "delete")
		defer cancel()
		if resp.Diagnostics = r.delete(ctx, client, prior); !hasError(resp.Diagnostics) {
			if resp.NewState, err = encodeNull(); err != nil {
				resp.Diagnostics = errorDiagnostics("Unable to Apply Audience Members", err.Error(), nil)
			}
		}
		return resp, nil
	}

	operation := "update"
	if creating {
		operation = "create"
	}
	ctx, cancel := withTimeout(ctx, planned.Timeouts, operation)
	defer cancel()
	in := convergeInput{planned: planned, creating: creating}
	if creating {
		in.live, in.audienceMissing, in.liveKnown = planRead(req.PlannedPrivate, time.Now(), r.provider.planReadMaxAge())
	} else {
		priorMembers, err := prior.Members.tenants()
		if err != nil {
			resp.Diagnostics = errorDiagnostics("Unable to Apply Audience Members", err.Error(), pathMembers)
			return resp, nil
		}
		in.priorDeclared = prior.settings().declared(priorMembers)
		in.live, in.liveKnown = r.recentRead(ctx, req.PlannedPrivate, prior.MembershipCount, in.priorDeclared)
	}
	newState, diags := r.converge(ctx, client, in)
	resp.Diagnostics = diags
	resp.Private = nil
	// A create that fails records nothing: Terraform would mark a recorded object tainted and replace
	// it, and the replacement's delete would remove members the audience held before this apply. The
	// next apply's create compares with the live audience, so it sends only what is still missing.
	if newState != nil && (!creating || !hasError(diags)) {
		resp.NewState, err = newState.encode()
		if err == nil {
			resp.NewIdentity, err = identityOf(*newState)
		}
		if err != nil {
			resp.Diagnostics = append(resp.Diagnostics, errorDiagnostics("Unable to Apply Audience Members", err.Error(), nil)...)
		}
		if !hasError(resp.Diagnostics) {
			resp.Private = newReadStamp(time.Now())
		}
	}
	return resp, nil
}

// recentRead returns the prior state's memberships (priorDeclared) when its read stamp is recent enough
// to stand for the live audience (see read_stamp.go), and when the state can show every live membership.
func (r *audienceMembersResource) recentRead(ctx context.Context, private []byte, membershipCount tftypes.Value, priorDeclared []knock.Membership) ([]knock.Membership, bool) {
	age, ok := readStampAge(private, time.Now())
	if !ok || age > r.provider.planReadMaxAge() {
		return nil, false
	}
	count, known := knownNumber(membershipCount)
	if !known {
		return nil, false
	}
	if n, _ := count.Int64(); n != int64(len(priorDeclared)) {
		// A user is live under several tenants: only a full read shows which.
		return nil, false
	}
	tflog.Debug(ctx, "Diffing against the plan's read of the audience", map[string]any{"read_age_ms": age.Milliseconds(), "members": len(priorDeclared)})
	return priorDeclared, true
}

// convergeInput is what an apply knows before it changes the audience.
type convergeInput struct {
	planned audienceMembersObject
	// priorDeclared is what the prior state declares (nil on create): a managed-only resource owns it.
	priorDeclared []knock.Membership
	creating      bool
	// live is the plan's read of the audience when liveKnown; otherwise converge lists it.
	live            []knock.Membership
	liveKnown       bool
	audienceMissing bool
}

// converge makes the resource's scope of the audience hold what is planned: it lists what is live
// (unless the plan's recent read is given), adds what is missing, then removes what must go. Adds go
// first so that a member moving between tenants is never out of the audience. If a write fails, the
// returned state records what Knock holds by then, so the next plan shows exactly the remainder. A nil
// state means nothing was written.
func (r *audienceMembersResource) converge(ctx context.Context, client *knock.Client, in convergeInput) (*audienceMembersObject, []*tfprotov6.Diagnostic) {
	planned := in.planned
	settings := planned.settings()
	audienceKey := stringOf(planned.AudienceKey)
	members, err := planned.Members.tenants()
	if err != nil {
		return nil, errorDiagnostics("Unable to Apply Audience Members", err.Error(), pathMembers)
	}
	desired := settings.declared(members)
	var owned []knock.Membership
	if !settings.authoritative {
		owned = in.priorDeclared
	}
	defer r.lock(audienceKey)()
	live, audienceMissing := in.live, in.audienceMissing
	if !in.liveKnown {
		live, err = client.ListMemberships(ctx, audienceKey)
		if knock.IsNotFound(err) && settings.createAudience {
			live, audienceMissing, err = nil, true, nil
		}
		if err != nil {
			detail := apiErrorDetail("listing the members of", audienceKey, len(desired), err)
			if knock.IsNotFound(err) {
				detail += createAudienceAdvice
			}
			return nil, errorDiagnostics("Unable to Read Audience Members", detail, nil)
		}
	}
	toAdd, toRemove := settings.changes(desired, live, owned)
	tflog.Debug(ctx, "Computed audience membership changes", map[string]any{
		"audience_key": audienceKey, "tenant": settings.tenant, "authoritative": settings.authoritative,
		"live": len(live), "desired": len(desired), "to_add": len(toAdd), "to_remove": len(toRemove),
	})
	if diags := settings.checkRemovals(audienceKey, len(toRemove), len(settings.held(live)), toRemove); diags != nil {
		return nil, diags
	}

	state := planned
	add := client.AddMembers
	if settings.createAudience && audienceMissing {
		add = client.AddMembersCreatingAudience
	}
	// After a failed write only a new read says what Knock holds: a batch whose answer was lost may have
	// been applied. If that read fails too, the state assumes the failed batches were not. A failed
	// create records no state, so it needs no read.
	heldAfterFailure := func(assumed []knock.Membership) []knock.Membership {
		if in.creating {
			return assumed
		}
		reread, err := client.ListMemberships(ctx, audienceKey)
		if err != nil {
			return assumed
		}
		return reread
	}
	added, err := add(ctx, audienceKey, toAdd)
	if err != nil {
		state.setHeld(settings, heldAfterFailure(heldAfterWrites(live, added, nil)), members, append(owned, desired...))
		return &state, errorDiagnostics("Unable to Add Audience Members",
			apiErrorDetail("adding members to", audienceKey, len(toAdd), err)+"\n\n"+partialDetail(audienceKey, "Added", "to", len(added), len(toAdd), in.creating), nil)
	}
	removed, err := client.RemoveMembers(ctx, audienceKey, toRemove)
	if err != nil {
		state.setHeld(settings, heldAfterFailure(heldAfterWrites(live, toAdd, removed)), members, append(owned, desired...))
		return &state, errorDiagnostics("Unable to Remove Audience Members",
			apiErrorDetail("removing members from", audienceKey, len(toRemove), err)+"\n\n"+partialDetail(audienceKey, "Removed", "from", len(removed), len(toRemove), in.creating), nil)
	}
	return &state, nil
}

// setHeld records what the resource's scope holds after an incomplete apply.
func (o *audienceMembersObject) setHeld(settings membersSettings, held []knock.Membership, declared map[string]string, owned []knock.Membership) {
	members, count := settings.stateMembers(held, declared, owned)
	o.Members = membersOf(members)
	o.MembershipCount = countValue(count)
}

func partialDetail(audienceKey, verb, preposition string, done, total int, creating bool) string {
	detail := fmt.Sprintf("%s %s of %s %s audience %q before the error. ", verb, thousands(done), plural(total, "member"), preposition, audienceKey)
	if creating {
		return detail + "The resource is not recorded in Terraform state yet, so the next plan proposes to create it again; " +
			"that apply compares with the live audience and sends only the changes still missing, without duplicates."
	}
	return detail + "Terraform state records what the audience holds now, so the next plan shows the remaining changes " +
		"and the next apply finishes them."
}

// delete removes the memberships this resource declares and leaves any other membership alone.
func (r *audienceMembersResource) delete(ctx context.Context, client *knock.Client, prior audienceMembersObject) []*tfprotov6.Diagnostic {
	settings := prior.settings()
	if settings.keepOnDestroy {
		return nil
	}
	audienceKey := stringOf(prior.AudienceKey)
	members, err := prior.Members.tenants()
	if err != nil {
		return errorDiagnostics("Unable to Remove Audience Members", err.Error(), pathMembers)
	}
	declared := settings.declared(members)
	knock.SortMemberships(declared)
	defer r.lock(audienceKey)()
	removed, err := client.RemoveMembers(ctx, audienceKey, declared)
	if err != nil && !knock.IsNotFound(err) {
		return errorDiagnostics("Unable to Remove Audience Members",
			apiErrorDetail("removing members from", audienceKey, len(declared), err)+"\n\n"+
				fmt.Sprintf("Removed %s of %s before the error; run terraform destroy again to remove the rest.", thousands(len(removed)), plural(len(declared), "member")), nil)
	}
	return nil
}

func (r *audienceMembersResource) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp := &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}
	current, isNull, err := decodeAudienceMembers(req.CurrentState)
	if err != nil || isNull {
		if err != nil {
			resp.Diagnostics = errorDiagnostics("Unable to Read Audience Members", err.Error(), nil)
		}
		return resp, nil
	}
	client, diags := r.provider.configuredClient()
	if diags != nil {
		resp.Diagnostics = diags
		return resp, nil
	}
	ctx, cancel := withTimeout(ctx, current.Timeouts, "read")
	defer cancel()
	audienceKey := stringOf(current.AudienceKey)
	prior, err := current.Members.tenants()
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Read Audience Members", err.Error(), pathMembers)
		return resp, nil
	}
	live, err := client.ListMemberships(ctx, audienceKey)
	if knock.IsNotFound(err) {
		resp.Diagnostics = []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityWarning,
			Summary:  "Audience Not Found",
			Detail: fmt.Sprintf("The audience %q no longer exists in Knock, so it is removed from the Terraform state. "+
				"The next plan proposes to add its members again, which fails until the audience exists.", audienceKey),
		}}
		resp.NewState, err = encodeNull()
		if err != nil {
			resp.Diagnostics = errorDiagnostics("Unable to Read Audience Members", err.Error(), nil)
		}
		return resp, nil
	}
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Read Audience Members", apiErrorDetail("listing the members of", audienceKey, len(prior), err), nil)
		return resp, nil
	}
	settings := current.settings()
	var owned []knock.Membership // only a managed-only resource needs what it declared
	if !settings.authoritative {
		owned = settings.declared(prior)
	}
	members, count := settings.stateMembers(live, prior, owned)
	current.ID = resourceID(current)
	current.Members = membersOf(members)
	current.MembershipCount = countValue(count)
	resp.NewState, err = current.encode()
	if err == nil {
		resp.NewIdentity, err = identityOf(current)
	}
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Read Audience Members", err.Error(), nil)
	}
	resp.Private = newReadStamp(time.Now())
	return resp, nil
}

func (r *audienceMembersResource) ImportResourceState(_ context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	resp := &tfprotov6.ImportResourceStateResponse{}
	audienceKey, tenant, scoped := strings.Cut(req.ID, "/")
	if req.ID == "" && req.Identity != nil {
		var err error
		if audienceKey, tenant, err = importTarget(req.Identity); err != nil || audienceKey == "" {
			resp.Diagnostics = errorDiagnostics("Invalid Import Identity",
				fmt.Sprintf("An import block's identity needs audience_key (and tenant for a resource with tenant set): %v.", err), nil)
			return resp, nil
		}
		scoped = tenant != ""
	}
	if audienceKey == "" || scoped && tenant == "" {
		resp.Diagnostics = errorDiagnostics("Invalid Import ID", fmt.Sprintf("The import id %q is not AUDIENCE_KEY or AUDIENCE_KEY/TENANT. "+
			"For example: terraform import knock_audience_members.beta beta-testers, or, for a resource with tenant = \"acme\", "+
			"terraform import 'knock_audience_members.beta[\"acme\"]' beta-testers/acme", req.ID), nil)
		return resp, nil
	}
	settings := map[string]tftypes.Value{}
	if scoped {
		settings["tenant"] = stringValue(tenant)
	}
	imported := audienceMembersObject{
		AudienceKey:     stringValue(audienceKey),
		Members:         nullMembers,
		MembershipCount: tftypes.NewValue(tftypes.Number, nil),
		Timeouts:        tftypes.NewValue(timeoutsType, nil),
		Settings:        settings,
	}
	imported.ID = resourceID(imported)
	state, err := imported.encode()
	var identity *tfprotov6.ResourceIdentityData
	if err == nil {
		identity, err = identityOf(imported)
	}
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Import Audience Members", err.Error(), nil)
		return resp, nil
	}
	resp.ImportedResources = []*tfprotov6.ImportedResource{{TypeName: audienceMembersTypeName, State: state, Identity: identity}}
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
