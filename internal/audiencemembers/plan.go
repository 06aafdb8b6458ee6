package audiencemembers

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/audience"
	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// refreshDeadlineAdvice: Terraform hands a refresh the state, not the configuration, so a raised
// timeouts.read takes effect only once an apply has recorded it.
const refreshDeadlineAdvice = "\n\nA refresh uses timeouts.read as recorded in the state. If you have just raised it in the " +
	"configuration, record it with terraform apply -refresh=false: that apply sends the change its plan shows within " +
	"timeouts.update, as every apply does."

const createAudienceAdvice = "\n\nTo let Terraform create it as a static audience, set create_audience = true."

// PlanResourceChange plans id as the audience key and membership_count as the number of declared
// members, computes the change set, applies the guard rails and reports conflicting resources.
//
// Planning computes the exact change set, as (user, tenant) pairs, and hands it to the apply in the
// planned private state; the apply checks and executes it (apply.go). An update's change
// follows from the refreshed state and the memberships the members map cannot show (private state). A
// create never removes: memberships already in the audience show up in the next plan, by name.
func (r *Resource) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp := &tfprotov6.PlanResourceChangeResponse{}
	planned, destroying, err := decodeObject(req.ProposedNewState)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Plan Audience Members", err.Error(), nil)
		return resp, nil
	}
	prior, creating, err := decodeObject(req.PriorState)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Plan Audience Members", err.Error(), nil)
		return resp, nil
	}
	priorPrivate := parseMembersPrivate(req.PriorPrivate)
	if !creating {
		if err := priorPrivate.restoreMembers(&prior); err != nil {
			resp.Diagnostics = knockdiag.Error("Unable to Plan Audience Members", err.Error(), nil)
			return resp, nil
		}
	}
	if destroying {
		resp.PlannedState = req.ProposedNewState
		resp.PlannedPrivate = req.PriorPrivate
		if !creating {
			resp.Diagnostics = r.planDestroy(prior, priorPrivate)
		}
		return resp, nil
	}

	settings := planned.settings()
	if diags := r.planMembersSource(&planned, req.Config); diags != nil {
		resp.Diagnostics = diags
		return resp, nil
	}
	planned.set(attrID, resourceID(planned))
	planned.set(attrMembershipCount, tftypes.NewValue(tftypes.Number, tftypes.UnknownValue))
	members, count, err := knownMembers(planned.Members)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Plan Audience Members", err.Error(), pathMembers)
		return resp, nil
	}
	if count >= 0 {
		planned.set(attrMembershipCount, countValue(count))
	}
	if !creating {
		resp.RequiresReplace = replacedBy(prior, planned)
	}

	audienceKey := stringOf(planned.get(attrAudienceKey))
	scopeKnown := planned.get(attrAudienceKey).IsKnown() && settings.tenantKnown
	if creating && planned.get(attrAudienceKey).IsKnown() {
		if problem := audience.DynamicMembersProblem(ctx, r.data(), TypeName, audienceKey); problem != "" {
			resp.Diagnostics = knockdiag.Error(audience.DynamicMembersSummary, problem, pathAudienceKey)
			return resp, nil
		}
	}
	var change *plannedChange // what the planned private state carries to the apply
	switch {
	case len(resp.RequiresReplace) > 0:
		// Terraform plans the create half again with no prior state; this call answers for the destroy half.
		resp.Diagnostics = r.planReplace(prior, priorPrivate, planned, settings, members)
		resp.PlannedPrivate = req.PriorPrivate
	case creating && scopeKnown:
		var private membersPrivate
		resp.Diagnostics, private = r.planCreate(ctx, audienceKey, settings, members, planned.get(attrTimeouts), priorPrivate)
		resp.PlannedPrivate, change = private.encode(), private.Change
	case creating:
		// An audience key or tenant known only at apply: Terraform plans again then, and this plan reads then.
	default:
		private := priorPrivate
		private.Change = nil
		var diags []*tfprotov6.Diagnostic
		if scopeKnown {
			diags, private.Change = r.planUpdate(ctx, audienceKey, settings, prior, priorPrivate, planned, members)
		}
		resp.Diagnostics = diags
		resp.PlannedPrivate, change = private.encode(), private.Change
	}
	if knockdiag.HasError(resp.Diagnostics) {
		return resp, nil
	}
	if planned.fromFile() {
		showFileChange(&planned, change, creating, len(resp.RequiresReplace) > 0, settings, members)
	}
	resp.PlannedState, err = planned.encode()
	if err == nil {
		resp.PlannedIdentity, err = identityOf(planned)
	}
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Plan Audience Members", err.Error(), nil)
	}
	return resp, nil
}

// planMembersSource reads members_file into planned.Members, or, for a resource with members, clears the
// attributes that only members_file has.
func (r *Resource) planMembersSource(planned *object, rawConfig *tfprotov6.DynamicValue) []*tfprotov6.Diagnostic {
	if !planned.fromFile() {
		for _, name := range []string{attrMembersFileSHA256, attrDeclaredCount, attrChange, attrDrift} {
			planned.set(name, tftypes.NewValue(objectType.AttributeTypes[name], nil))
		}
		return nil
	}
	config, _, err := decodeObject(rawConfig)
	if err != nil {
		return knockdiag.Error("Unable to Plan Audience Members", err.Error(), nil)
	}
	return r.readMembersFile(planned, config.get(attrMembersFileSHA256))
}

// showFileChange sets what a plan of a resource with members_file shows in place of a members diff:
// change, the planned change set, and drift, which the apply reverts. A plan that changes no membership
// keeps both as they are, so that it stays empty.
func showFileChange(planned *object, change *plannedChange, creating, replacing bool, settings membersSettings, members []changeset.Membership) {
	if replacing || members == nil || change == nil {
		// Terraform plans again: the create half of a replacement, or members known only at apply.
		planned.set(attrChange, tftypes.NewValue(changeType, tftypes.UnknownValue))
		planned.set(attrDrift, tftypes.NewValue(driftType, tftypes.UnknownValue))
		return
	}
	c := change.change(settings.declared(members))
	if c.Empty() && !creating {
		return
	}
	planned.set(attrChange, changeValue(c))
	planned.set(attrDrift, (*memberDrift)(nil).value())
}

// knownMembers decodes a members map in one pass: the members list when it is known with every tenant
// known (nil when any part is known only at apply), and the number of members when the map itself is
// known (-1 when it is not).
func knownMembers(members membersAttr) ([]changeset.Membership, int, error) {
	if !members.IsKnown() || members.IsNull() {
		return nil, -1, nil
	}
	out := make([]changeset.Membership, 0, members.len())
	allKnown := true
	err := members.each(func(userID, tenant string, kind tenantKind) error {
		out = append(out, changeset.Membership{UserID: userID, Tenant: tenant})
		allKnown = allKnown && kind != tenantUnknown
		return nil
	})
	if err == nil {
		out, err = sortedByUser(out)
	}
	if err != nil {
		return nil, -1, err
	}
	if !allKnown {
		return nil, len(out), nil
	}
	return out, len(out), nil
}

// resourceID is the audience key, or AUDIENCE_KEY/TENANT for a tenant's slice: the import id, and unique
// among the resources that share an audience.
func resourceID(obj object) tftypes.Value {
	audienceKey, tenant := obj.get(attrAudienceKey), obj.get(attrTenant)
	if !audienceKey.IsKnown() || !tenant.IsKnown() {
		return tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	}
	if audienceKey.IsNull() {
		return audienceKey
	}
	return stringValue(membersImportID(stringOf(audienceKey), stringOf(tenant)))
}

// priorBasis is what an update's plan saw of the audience: the refreshed state's memberships, with those
// its members map cannot show; and, for a managed-only resource, what it declared before.
func priorBasis(settings membersSettings, prior object, private membersPrivate) (basis, owned []changeset.Membership, err error) {
	priorMembers, err := prior.Members.list()
	if err != nil {
		return nil, nil, err
	}
	basis = changeset.Basis(settings.scope(), priorMembers, private.Hidden.memberships())
	if !settings.authoritative && declaredByConfiguration(prior, private) {
		owned = settings.declared(priorMembers)
	}
	return basis, owned, nil
}

// declaredByConfiguration reports whether the members of a state are what a managed-only configuration
// declared. An import, or an authoritative resource's refresh, fills them with the whole scope, which a
// managed-only resource never owned: it owns nothing from such a state, only what it declares from now on.
func declaredByConfiguration(prior object, private membersPrivate) bool {
	return !prior.settings().authoritative && !private.Imported
}

// planUpdate computes an update's change set from the refreshed state, checks it against the guard rails
// and the other resources of the audience, and sums it up. With members known only at apply, it says what
// the apply will check; Terraform plans again then, and that plan computes the change.
func (r *Resource) planUpdate(ctx context.Context, audienceKey string, settings membersSettings, prior object, private membersPrivate, planned object, members []changeset.Membership) ([]*tfprotov6.Diagnostic, *plannedChange) {
	if members == nil {
		basis, owned, err := priorBasis(settings, prior, private)
		if err != nil {
			return knockdiag.Error("Unable to Plan Audience Members", err.Error(), pathMembers), nil
		}
		return knownOnlyAtApply(audienceKey, settings, settings.scope().Slice(basis), owned), nil
	}
	desired := settings.declared(members)
	change := changeset.Change{}
	var adopted []*tfprotov6.Diagnostic
	inScope := 0
	// A no-op plan, the common case at hundreds of thousands of members, decodes nothing more: Terraform
	// encodes equal maps alike. Members that differ only in encoding plan an empty change.
	if !bytes.Equal(planned.Members.msgpack, prior.Members.msgpack) || len(private.Hidden) > 0 {
		basis, owned, err := priorBasis(settings, prior, private)
		if err != nil {
			return knockdiag.Error("Unable to Plan Audience Members", err.Error(), pathMembers), nil
		}
		change = changeset.Plan(settings.scope(), desired, basis, owned)
		if private.Imported {
			// An import adopts the audience as a create does: what the configuration leaves out stays this
			// time, and the next plan shows its removal, so that a partial import cannot empty an audience.
			adopted = existingMembers(audienceKey, settings, change.Remove, true, adoptedByImport)
			if knockdiag.HasError(adopted) {
				return adopted, nil
			}
			change.Remove = nil
		}
		inScope = len(settings.scope().Slice(basis))
		if diags := settings.checkRemovals(removalsByChange, audienceKey, len(change.Remove), inScope, change.Remove); diags != nil {
			return diags, nil
		}
	}
	diags := r.data().Claims.Register(audienceKey, private.Owner, settings.claimsFor(audienceKey, desired, change.Remove, 0))
	diags = append(diags, adopted...)
	return append(diags, changeSummary(ctx, audienceKey, settings, change, private.Hidden.memberships(), inScope)...), plannedChangeOf(change, desired)
}

// knownOnlyAtApply tells, at plan, what an update whose members are known only at apply may remove, and
// what the apply checks before it sends anything.
func knownOnlyAtApply(audienceKey string, settings membersSettings, live, owned []changeset.Membership) []*tfprotov6.Diagnostic {
	candidates := live
	if !settings.authoritative {
		candidates = owned
	}
	if len(candidates) == 0 {
		return nil
	}
	changeset.SortMemberships(candidates)
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityWarning,
		Summary:  fmt.Sprintf("%s: members is known only at apply", settings.scopeID(audienceKey)),
		Detail: fmt.Sprintf("members is known only at apply, so this plan cannot list the changes. The apply may remove any of the "+
			"%s that %s holds now (%s) that members then does not declare, and never one that appears after this plan. "+
			"It checks max_removals and max_removal_percent before it sends anything.",
			knockdiag.Plural(len(candidates), "membership"), settings.scopeLabel(audienceKey), knockdiag.ExampleList(candidates)),
	}}
}

// planCreate reads the audience before a create, to say which memberships are there already (a create
// never removes them: the next plan shows them), and keeps the read and the change set for the apply.
// replaced is the private state of the object this create replaces: Terraform plans the create half of
// a replacement with the first half's private state (empty for a plain create, and for a tainted object).
func (r *Resource) planCreate(ctx context.Context, audienceKey string, settings membersSettings, members []changeset.Membership, timeouts tftypes.Value, replaced membersPrivate) ([]*tfprotov6.Diagnostic, membersPrivate) {
	replacing := replaced.Owner
	// The replaced object's memberships ride along: its destroy gets this private state.
	private := membersPrivate{Owner: replacing, Members: replaced.Members, Drift: replaced.Drift}
	var desired []changeset.Membership
	if members != nil {
		desired = settings.declared(members)
	}
	if data := r.data(); !data.Configured && data.Client == nil {
		return nil, private // validation only: nothing to read with
	}
	client, missing := configuredClient(r.data())
	if missing != nil {
		return missing, private
	}
	if members != nil {
		register := r.data().Claims.Register
		if replacing != "" {
			register = r.data().Claims.RegisterSuccessor
		}
		if diags := register(audienceKey, replacing, settings.claimsFor(audienceKey, desired, nil, 0)); knockdiag.HasError(diags) {
			return diags, private
		}
	}
	successorOf := func(keep []changeset.Membership) *successor {
		return &successor{AudienceKey: audienceKey, Keep: pairsOf(keep), Limits: settings.limits(), KeepAll: replaced.Imported}
	}
	// The read is bounded by timeouts.read of the planned value, that is of the configuration: a refresh,
	// which sees only the state, cannot apply a new read deadline before an apply records it.
	ctx, cancel := withTimeout(ctx, timeouts, "read")
	defer cancel()
	unlock := r.data().Locks.Lock(audienceKey)
	live, err := client.ListMemberships(ctx, audienceKey)
	unlock()
	private.ReadAt, private.Target = time.Now().UTC(), targetOf(client)
	switch {
	case knock.IsNotFound(err) && settings.createAudience:
		private.AudienceMissing = true
		if members == nil {
			return nil, private
		}
		if len(desired) == 0 {
			// Knock creates an audience with the add that brings its first member; with none, every apply
			// would "create" an audience that never comes to exist.
			return knockdiag.Error("Audience Cannot Be Created Empty",
				fmt.Sprintf("The audience %q does not exist, and create_audience = true creates it with the first members "+
					"added, but members is empty. Declare at least one member, or create the audience in Knock first.", audienceKey),
				pathMembers), private
		}
		change := changeset.Plan(settings.scope(), desired, nil, nil)
		private.Change = plannedChangeOf(change, desired)
		private.Successor = successorOf(nil)
		return changeSummary(ctx, audienceKey, settings, change, nil, 0), private
	case knock.IsNotFound(err):
		return knockdiag.Error("Audience Not Found", knockdiag.APIErrorDetail("listing the members of", audienceKey, len(desired), err)+
			createAudienceAdvice, pathAudienceKey), private
	case err != nil:
		return knockdiag.Error("Unable to Read Audience Members", knockdiag.APIErrorDetail("listing the members of", audienceKey, len(desired), err), nil), private
	}
	if diags := knockdiag.NormalFormDiagnostics(audienceKey, live); diags != nil {
		return diags, private
	}
	existing := settings.scope().Slice(live)
	var diags []*tfprotov6.Diagnostic
	if members != nil {
		change := changeset.Plan(settings.scope(), desired, live, nil)
		existing = change.Remove // what an authoritative scope would remove, were this an update
		change.Remove = nil
		private.Change = plannedChangeOf(change, desired)
		private.Successor = successorOf(changeset.Minus(desired, change.Add))
		diags = changeSummary(ctx, audienceKey, settings, change, nil, 0)
	}
	adopted := existingMembers(audienceKey, settings, existing, members != nil, adoptedByCreate)
	if knockdiag.HasError(adopted) {
		return adopted, private
	}
	return append(diags, adopted...), private
}

// Who adopts an audience with the members it holds, as existingMembers starts its sentence.
const (
	adoptedByCreate = "A create"
	adoptedByImport = "The first apply after an import"
)

// existingMembers tells about the memberships of the scope that a create, or the first apply after an
// import, finds and the configuration does not declare. Neither removes them: the plan warns, the next
// plan of an authoritative resource shows their removal, and on_existing_members = "error" stops here.
// adopter names who leaves them.
func existingMembers(audienceKey string, settings membersSettings, existing []changeset.Membership, membersKnown bool, adopter string) []*tfprotov6.Diagnostic {
	if !settings.authoritative || len(existing) == 0 {
		return nil
	}
	changeset.SortMemberships(existing)
	importID := settings.scopeID(audienceKey)
	guard := "where max_removals and max_removal_percent apply if set"
	if settings.maxRemovals != nil || settings.maxRemovalPct != nil {
		guard = "where this resource's max_removals or max_removal_percent applies"
	}
	if !membersKnown {
		detail := fmt.Sprintf("members is known only at apply, so this plan cannot tell which memberships stay. %s already holds %s (%s). "+
			"%s never removes memberships: those the configuration does not declare stay, and the next plan shows their "+
			"removal, %s.", settings.scopeLabel(audienceKey), knockdiag.Plural(len(existing), "membership"), knockdiag.ExampleList(existing), adopter, guard)
		if settings.errorOnExisting {
			detail += " on_existing_members = \"error\" is checked at apply, when members is known."
		}
		return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityWarning,
			Summary: fmt.Sprintf("%s: members is known only at apply", importID), Detail: detail}}
	}
	detail := fmt.Sprintf("%s already holds %s that this configuration does not declare (%s).", settings.scopeLabel(audienceKey),
		knockdiag.Plural(len(existing), "membership"), knockdiag.ExampleList(existing))
	if settings.errorOnExisting {
		advice := fmt.Sprintf("To adopt the audience as it is, import it and then edit members:\n\n  terraform import knock_audience_members.NAME %s\n\nor, "+
			"to keep those members, set authoritative = false.", importID)
		if adopter == adoptedByImport {
			advice = "Declare them in members to keep them, or set authoritative = false to leave them alone."
		}
		return knockdiag.Error("Audience Already Has Members", detail+"\n\non_existing_members = \"error\" stops here. "+advice, nil)
	}
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityWarning, Summary: "Audience Already Has Members",
		Detail: detail + fmt.Sprintf(" %s never removes memberships: they stay, and because this resource is authoritative "+
			"the next plan shows their removal, %s. To keep them, declare them or set authoritative = false.", adopter, guard)}}
}

// planReplace answers for the destroy half of a replacement (a changed audience_key or tenant): a state
// that an import made with an id of another scope is refused, since its destroy would remove memberships
// the configured resource never owned; otherwise the guard rails count what the destroy removes.
func (r *Resource) planReplace(prior object, priorPrivate membersPrivate, planned object, settings membersSettings, members []changeset.Membership) []*tfprotov6.Diagnostic {
	priorSettings := prior.settings()
	priorKey := stringOf(prior.get(attrAudienceKey))
	if priorPrivate.Imported && !r.importedHere(priorPrivate.Owner) {
		// An import made in an earlier run, and no apply since: this run cannot tell a deliberate change
		// from an import id that never matched, so the replacement keeps what the import adopted.
		return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityWarning,
			Summary: fmt.Sprintf("%s: imported memberships kept", priorSettings.scopeID(priorKey)),
			Detail: fmt.Sprintf("This resource was imported and no apply has changed it since, so it has not yet taken over what the "+
				"import read. Replacing it leaves the memberships of %s in place; the create adds what members declares. To remove "+
				"them, apply a change to this resource before replacing it, or remove them in Knock.", priorSettings.scopeLabel(priorKey)),
		}}
	}
	if priorPrivate.Imported {
		want := settings.scopeID(stringOf(planned.get(attrAudienceKey)))
		what := fmt.Sprintf("the whole audience %q", priorKey)
		if priorSettings.tenant != "" {
			what = fmt.Sprintf("tenant %q of audience %q", priorSettings.tenant, priorKey)
		}
		configured := fmt.Sprintf("audience_key = %q", stringOf(planned.get(attrAudienceKey)))
		if settings.tenant != "" {
			configured += fmt.Sprintf(" and tenant = %q", settings.tenant)
		}
		return knockdiag.Error("Import ID Does Not Match Configuration",
			fmt.Sprintf("This resource was imported with the id %q, which adopts %s, but its configuration has %s. Terraform would "+
				"replace it, and the replacement's destroy would remove the memberships of %s, which this resource does not own. "+
				"Nothing was sent to Knock.\n\nChange the import block's id to %q.", priorSettings.scopeID(priorKey), what, configured, what, want), nil)
	}
	if priorSettings.keepOnDestroy {
		return nil
	}
	removed, inScope, err := destroyRemovals(prior)
	if err != nil {
		return knockdiag.Error("Unable to Plan Audience Members", err.Error(), pathMembers)
	}
	// The configuration's limits guard the replacement: they are what the reviewer sees.
	guard := settings
	guard.tenant, guard.authoritative = priorSettings.tenant, priorSettings.authoritative
	if diags := guard.checkRemovals(removalsByReplace, priorKey, len(removed), inScope, removed); diags != nil {
		return diags
	}
	var successor uint64
	if members != nil {
		successor = fingerprint(settings, settings.declared(members))
	}
	diags := r.data().Claims.Register(priorKey, priorPrivate.Owner, priorSettings.claimsFor(priorKey, nil, removed, successor))
	if len(removed) == 0 {
		return diags
	}
	return append(diags, &tfprotov6.Diagnostic{
		Severity: tfprotov6.DiagnosticSeverityWarning,
		Summary:  fmt.Sprintf("%s: replaced, -%s members", priorSettings.scopeID(priorKey), knockdiag.Thousands(len(removed))),
		Detail: fmt.Sprintf("Changing audience_key or tenant replaces this resource: the destroy removes the %s it declares from %s "+
			"(%s), and the create adds what members declares.", knockdiag.Plural(len(removed), "membership"), priorSettings.scopeLabel(priorKey), knockdiag.ExampleList(removed)),
	})
}

// planDestroy checks a destroy against the guard rails and the other resources of the audience.
func (r *Resource) planDestroy(prior object, private membersPrivate) []*tfprotov6.Diagnostic {
	settings := prior.settings()
	audienceKey := stringOf(prior.get(attrAudienceKey))
	if settings.keepOnDestroy {
		return []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityWarning,
			Summary:  "Audience Members Kept on Destroy",
			Detail: fmt.Sprintf("on_destroy = \"keep\": destroying this resource leaves its memberships in %s in Knock; "+
				"Terraform only forgets them.", settings.scopeLabel(audienceKey)),
		}}
	}
	removed, inScope, err := destroyRemovals(prior)
	if err != nil {
		return knockdiag.Error("Unable to Plan Audience Members", err.Error(), pathMembers)
	}
	if private.Superseded {
		// It never removes what another object declares (delete), so it claims no removal.
		removed = nil
	}
	if diags := r.data().Claims.Register(audienceKey, private.Owner, settings.claimsFor(audienceKey, nil, removed, 0)); knockdiag.HasError(diags) {
		return diags
	}
	// What another resource declares stays (delete): the deposed object of a create_before_destroy
	// replacement, planned after its successor's create, removes only what the successor dropped, within
	// the successor's limits.
	removed = r.data().Claims.NotDeclaredByOthers(audienceKey, private.Owner, removed)
	if limits, ok := r.data().Claims.SuccessorLimits(audienceKey, private.Owner, settings.scope()); ok {
		settings = settings.withLimits(limits)
	}
	return settings.checkRemovals(removalsByDestroy, audienceKey, len(removed), inScope, removed)
}

// destroyRemovals is what destroying the resource of state prior removes, the memberships it declares,
// sorted, and how many its scope holds, for the percentage guard rail.
func destroyRemovals(prior object) (removed []changeset.Membership, inScope int, err error) {
	members, err := prior.Members.list()
	if err != nil {
		return nil, 0, err
	}
	removed = prior.settings().declared(members)
	changeset.SortMemberships(removed)
	inScope = len(removed)
	if n, ok := knownNumber(prior.get(attrMembershipCount)); ok {
		count, _ := n.Int64()
		inScope = max(inScope, int(count))
	}
	return removed, inScope, nil
}

// changeSummary warns about a plan's change where it needs attention: removals that members cannot show
// (a user's memberships under other tenants, among hidden), and removals that use most of what a guard
// rail allows of the inScope memberships. Each names the additions and the removals. A routine change gets
// no warning: the plan's members diff shows every membership that comes or goes, and the logs have the sum.
func changeSummary(ctx context.Context, audienceKey string, settings membersSettings, change changeset.Change, hidden []changeset.Membership, inScope int) []*tfprotov6.Diagnostic {
	if change.Empty() {
		return nil
	}
	tflog.Info(ctx, "Planned an audience membership change", map[string]any{
		"audience_key": audienceKey, "tenant": settings.tenant, "to_add": len(change.Add), "to_remove": len(change.Remove),
	})
	both := fmt.Sprintf("The apply adds %s to and removes %s from %s, and nothing else.", knockdiag.Plural(len(change.Add), "membership"),
		knockdiag.Plural(len(change.Remove), "membership"), settings.scopeLabel(audienceKey))
	if len(change.Add) > 0 {
		both += fmt.Sprintf(" Added: %s.", knockdiag.ExampleList(change.Add))
	}
	if len(change.Remove) > 0 {
		both += fmt.Sprintf(" Removed: %s.", knockdiag.ExampleList(change.Remove))
	}
	var diags []*tfprotov6.Diagnostic
	if unseen := changeset.Intersect(change.Remove, hidden); len(unseen) > 0 {
		diags = append(diags, &tfprotov6.Diagnostic{
			Severity: tfprotov6.DiagnosticSeverityWarning,
			Summary: fmt.Sprintf("%s: +%s / -%s members, %s", settings.scopeID(audienceKey), knockdiag.Thousands(len(change.Add)),
				knockdiag.Thousands(len(change.Remove)), knockdiag.Plural(writeRequests(change), "write request")),
			Detail: both + fmt.Sprintf(" Not shown in members above, because the user is also a member under another tenant: %s.",
				knockdiag.NamedList(unseen, maxHiddenNamed)),
		})
	}
	// Most of the allowance: at least four fifths of it.
	if limit, setting := settings.removalLimit(inScope); limit > 0 && 5*len(change.Remove) >= 4*limit {
		diags = append(diags, &tfprotov6.Diagnostic{
			Severity: tfprotov6.DiagnosticSeverityWarning,
			Summary:  fmt.Sprintf("%s: removals close to %s", settings.scopeID(audienceKey), strings.Fields(setting)[0]),
			Detail: fmt.Sprintf("This change removes %s from %s (%s); %s allows %s. It adds %s%s.",
				knockdiag.Plural(len(change.Remove), "membership"), settings.scopeLabel(audienceKey), knockdiag.ExampleList(change.Remove),
				setting, knockdiag.Thousands(limit), knockdiag.Plural(len(change.Add), "membership"), examplesOf(change.Add)),
		})
	}
	return diags
}

// examplesOf is " (the first memberships of ms)", or nothing for none.
func examplesOf(ms []changeset.Membership) string {
	if len(ms) == 0 {
		return ""
	}
	return " (" + knockdiag.NamedList(ms, knockdiag.MaxReportedEntries) + ")"
}

// maxHiddenNamed bounds how many removals the members map cannot show a plan names one by one.
const maxHiddenNamed = 50

// writeRequests is how many add and remove requests a change takes.
func writeRequests(c changeset.Change) int {
	ceil := func(n int) int { return (n + knock.MaxMembersPerRequest - 1) / knock.MaxMembersPerRequest }
	return ceil(len(c.Add)) + ceil(len(c.Remove))
}
