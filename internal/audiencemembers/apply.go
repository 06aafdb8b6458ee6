package audiencemembers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/claims"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// ApplyResourceChange executes the change set its plan computed: it checks it against the planned values,
// narrows it to what is still to do when the plan's read is stale, sends it, and reports what it sent.
func (r *Resource) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp := &tfprotov6.ApplyResourceChangeResponse{Private: req.PlannedPrivate, NewState: req.PriorState}
	client, diags := configuredClient(r.data())
	if diags != nil {
		resp.Diagnostics = diags
		return resp, nil
	}
	planned, destroying, err := decodeObject(req.PlannedState)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Apply Audience Members", err.Error(), nil)
		return resp, nil
	}
	prior, creating, err := decodeObject(req.PriorState)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Apply Audience Members", err.Error(), nil)
		return resp, nil
	}
	private := parseMembersPrivate(req.PlannedPrivate)
	if diags := checkTarget(private.Target, client.Target()); diags != nil {
		resp.Diagnostics = diags
		return resp, nil
	}
	if !creating {
		if err := private.restoreMembers(&prior); err != nil && !destroying {
			resp.Diagnostics = knockdiag.Error("Unable to Apply Audience Members", err.Error(), nil)
			return resp, nil
		} else if err != nil {
			// The destroy half of a tainted object's replacement gets the create's private state, which
			// has none of its memberships: it removes none, and the new object's next plan shows any
			// that it does not declare.
			prior.Members = nullMembers
		}
	}
	if !destroying && planned.fromFile() {
		if diags := r.rereadMembersFile(&planned); diags != nil {
			resp.Diagnostics = diags
			return resp, nil
		}
	}
	if destroying {
		ctx, cancel := withTimeout(ctx, prior.get(attrTimeouts), "delete")
		defer cancel()
		var superseded bool
		if resp.Diagnostics, superseded = r.delete(ctx, client, prior, private); !knockdiag.HasError(resp.Diagnostics) {
			if resp.NewState, err = encodeNull(); err != nil {
				resp.Diagnostics = knockdiag.Error("Unable to Apply Audience Members", err.Error(), nil)
			}
		} else if superseded {
			resp.Private = membersPrivate{Owner: private.Owner, Superseded: true}.encode()
		}
		return resp, nil
	}

	operation := "update"
	if creating {
		operation = "create"
	}
	ctx, cancel := withTimeout(ctx, planned.get(attrTimeouts), operation)
	defer cancel()
	newState, diags := r.execute(ctx, client, prior, planned, private, creating)
	resp.Diagnostics = diags
	failed := private.afterFailedApply()
	if newState != nil {
		failed = failed.withMembersOf(*newState)
	}
	resp.Private = failed.encode()
	// A create that fails records nothing: Terraform would mark a recorded object tainted and replace
	// it, and the replacement's delete would remove members the audience held before this apply. The
	// next apply's create compares with the live audience, so it sends only what is still missing.
	if newState != nil && (!creating || !knockdiag.HasError(diags)) {
		resp.NewState, err = newState.encode()
		if err == nil {
			resp.NewIdentity, err = identityOf(*newState)
		}
		if err != nil {
			resp.Diagnostics = append(resp.Diagnostics, knockdiag.Error("Unable to Apply Audience Members", err.Error(), nil)...)
		}
		if !knockdiag.HasError(resp.Diagnostics) {
			owner := private.Owner
			if owner == "" {
				owner = claims.NewOwner()
				r.data().Claims.Adopt(stringOf(planned.get(attrAudienceKey)), fingerprintOf(*newState), owner)
			}
			resp.Private = membersPrivate{ReadAt: time.Now().UTC(), Owner: owner, Target: targetOf(client)}.withMembersOf(*newState).encode()
		}
	}
	return resp, nil
}

// checkTarget refuses an apply configured for another target than its plan read.
func checkTarget(planned *knock.Target, now knock.Target) []*tfprotov6.Diagnostic {
	if detail := knockdiag.TargetProblem(planned, now); detail != "" {
		return knockdiag.Error(knockdiag.TargetProblemSummary, detail, nil)
	}
	return nil
}

// execute sends the planned change. The returned state is the planned one when every write succeeded,
// and what Knock holds when one failed, so that the next plan shows exactly the remainder. A nil state
// means nothing was written.
func (r *Resource) execute(ctx context.Context, client *knock.Client, prior, planned object, private membersPrivate, creating bool) (*object, []*tfprotov6.Diagnostic) {
	settings := planned.settings()
	scope := settings.scope()
	audienceKey := stringOf(planned.get(attrAudienceKey))
	members, err := planned.Members.list()
	if err != nil {
		return nil, knockdiag.Error("Unable to Apply Audience Members", err.Error(), pathMembers)
	}
	desired := settings.declared(members)
	var basis, owned []changeset.Membership
	if !creating {
		if basis, owned, err = priorBasis(settings, prior, private); err != nil {
			return nil, knockdiag.Error("Unable to Apply Audience Members", err.Error(), pathMembers)
		}
	}
	if private.Change == nil {
		return nil, knockdiag.Error("Plan Again",
			fmt.Sprintf("The plan that reached this apply of %s carries no change set (it was made by another version of the provider, "+
				"or members was unknown and Terraform did not plan again). Nothing was sent to Knock. Run terraform plan again.",
				settings.scopeLabel(audienceKey)), nil)
	}
	change := private.Change.change(desired)
	if err := change.Check(scope, desired, basis, owned); err != nil {
		return nil, knockdiag.Error("Plan Again",
			fmt.Sprintf("The change this apply was handed for %s does not follow from its plan: %s. Nothing was sent to Knock. "+
				"Run terraform plan again.", settings.scopeLabel(audienceKey), err), nil)
	}

	defer r.data().Locks.Lock(audienceKey)()
	var drift changeset.Drift
	if age, ok := private.age(time.Now()); !ok || age > r.data().PlanReadMaxAge {
		live, err := client.ListMemberships(ctx, audienceKey)
		switch {
		case knock.IsNotFound(err) && private.AudienceMissing:
			live = nil
		case knock.IsNotFound(err):
			return nil, knockdiag.Error("Audience Changed Since Plan",
				knockdiag.APIErrorDetail("listing the members of", audienceKey, len(desired), err)+"\n\nThe audience existed when the plan read it. "+
					"Nothing was sent. Run terraform plan again."+createAudienceAdvice, nil)
		case err != nil:
			return nil, knockdiag.Error("Unable to Read Audience Members", knockdiag.APIErrorDetail("listing the members of", audienceKey, len(desired), err), nil)
		}
		if diags := knockdiag.NormalFormDiagnostics(audienceKey, live); diags != nil {
			return nil, diags
		}
		if creating {
			basis = live // a create reports no appeared memberships: it never removes any
		}
		tflog.Debug(ctx, "Checked the planned change against the audience", map[string]any{
			"audience_key": audienceKey, "read_age_ms": age.Milliseconds(), "live": len(live),
		})
		change, drift = change.Recheck(scope, basis, live)
	}
	tflog.Debug(ctx, "Sending the planned audience membership change", map[string]any{
		"audience_key": audienceKey, "tenant": settings.tenant, "authoritative": settings.authoritative,
		"to_add": len(change.Add), "to_remove": len(change.Remove),
	})

	add := client.AddMembers
	if settings.createAudience && private.AudienceMissing {
		add = client.AddMembersCreatingAudience
	}
	// After a failed write only a new read says what Knock holds: a batch whose answer was lost may have
	// been applied. If that read fails too, the state assumes the failed batches were not. A failed
	// create records no state, so it needs no read.
	stateAfterFailure := func(added, removed []changeset.Membership) *object {
		live := changeset.After(basis, added, removed)
		if !creating {
			if reread, err := client.ListMemberships(ctx, audienceKey); err == nil {
				live = reread
			}
		}
		state := planned
		shown, _, count := changeset.Project(scope, live, members, append(owned, desired...))
		state.Members = membersOfList(shown)
		state.set(attrMembershipCount, countValue(count))
		return &state
	}
	added, err := add(ctx, audienceKey, change.Add)
	if err != nil {
		return stateAfterFailure(added, nil), knockdiag.Error("Unable to Add Audience Members",
			knockdiag.APIErrorDetail("adding members to", audienceKey, len(change.Add), err)+"\n\n"+partialDetail(audienceKey, "Added", "to", len(added), len(change.Add), creating), nil)
	}
	removed, err := client.RemoveMembers(ctx, audienceKey, change.Remove)
	if err != nil {
		return stateAfterFailure(change.Add, removed), knockdiag.Error("Unable to Remove Audience Members",
			knockdiag.APIErrorDetail("removing members from", audienceKey, len(change.Remove), err)+"\n\n"+partialDetail(audienceKey, "Removed", "from", len(removed), len(change.Remove), creating), nil)
	}
	return &planned, appliedSummary(ctx, audienceKey, settings, change, drift)
}

// appliedSummary reports how the audience differed from what the plan saw, where it did, and what the
// apply sent then. What a plan showed and the apply sent as planned needs no warning: it goes to the logs.
func appliedSummary(ctx context.Context, audienceKey string, settings membersSettings, sent changeset.Change, drift changeset.Drift) []*tfprotov6.Diagnostic {
	tflog.Info(ctx, "Applied an audience membership change", map[string]any{
		"audience_key": audienceKey, "tenant": settings.tenant, "added": len(sent.Add), "removed": len(sent.Remove),
	})
	if drift.Empty() {
		return nil
	}
	var detail strings.Builder
	fmt.Fprintf(&detail, "Sent to Knock: %s added to and %s removed from %s.", knockdiag.Plural(len(sent.Add), "membership"),
		knockdiag.Plural(len(sent.Remove), "membership"), settings.scopeLabel(audienceKey))
	if n := len(drift.AlreadyAdded) + len(drift.AlreadyRemoved); n > 0 {
		fmt.Fprintf(&detail, " %s of the plan had happened already and %s not sent again.", knockdiag.Plural(n, "change"), map[bool]string{true: "was", false: "were"}[n == 1])
	}
	if len(drift.Appeared) > 0 {
		fmt.Fprintf(&detail, " %s appeared in %s since the plan (%s): this apply leaves %s alone, and the next plan shows %s.",
			knockdiag.Plural(len(drift.Appeared), "membership"), settings.scopeLabel(audienceKey), knockdiag.NamedList(drift.Appeared, knockdiag.MaxReportedEntries),
			map[bool]string{true: "it", false: "them"}[len(drift.Appeared) == 1], map[bool]string{true: "it", false: "them"}[len(drift.Appeared) == 1])
	}
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityWarning,
		Summary: fmt.Sprintf("%s: applied +%s / -%s members in %s", settings.scopeID(audienceKey), knockdiag.Thousands(len(sent.Add)),
			knockdiag.Thousands(len(sent.Remove)), knockdiag.Plural(writeRequests(sent), "write request")),
		Detail: detail.String(),
	}}
}

func partialDetail(audienceKey, verb, preposition string, done, total int, creating bool) string {
	detail := fmt.Sprintf("%s %s of %s %s audience %q before the error. ", verb, knockdiag.Thousands(done), knockdiag.Plural(total, "member"), preposition, audienceKey)
	if creating {
		return detail + "The resource is not recorded in Terraform state yet, so the next plan proposes to create it again; " +
			"that apply compares with the live audience and sends only the changes still missing, without duplicates."
	}
	return detail + "Terraform state records what the audience holds now, so the next plan shows the remaining changes " +
		"and the next apply finishes them."
}

// delete removes the memberships this resource declares and leaves any other membership alone, and any
// that another resource of this run declares (the create half of a create_before_destroy replacement).
// private is the plan's: for the destroy half of a replacement, the successor's (planCreate), whose
// memberships stay and whose limits, the ones its plan checked, apply. superseded reports a deposed
// object whose successor this process created: if its destroy fails, its private state says so.
func (r *Resource) delete(ctx context.Context, client *knock.Client, prior object, private membersPrivate) (diags []*tfprotov6.Diagnostic, superseded bool) {
	settings := prior.settings()
	if settings.keepOnDestroy {
		return nil, false
	}
	audienceKey := stringOf(prior.get(attrAudienceKey))
	declared, inScope, err := destroyRemovals(prior)
	if err != nil {
		return knockdiag.Error("Unable to Remove Audience Members", err.Error(), pathMembers), false
	}
	action := removalsByDestroy
	limits, successorSeen := r.data().Claims.SuccessorLimits(audienceKey, private.Owner, settings.scope())
	switch next := private.Successor; {
	case next != nil:
		action = removalsByReplace
		settings = settings.withLimits(next.Limits)
		switch {
		case next.KeepAll:
			declared = nil
		case next.AudienceKey == audienceKey:
			declared = changeset.Minus(declared, next.Keep.memberships())
		}
	case successorSeen:
		action, settings, superseded = removalsByReplace, settings.withLimits(limits), true
		if private.Imported {
			declared = nil // see planReplace: a replaced import keeps what it adopted
		}
	case private.Superseded:
		// Its successor is not in this process, so what it declares is unknown here: leave everything
		// to the successor, which owns the scope.
		declared = nil
	}
	defer r.data().Locks.Lock(audienceKey)()
	toRemove := r.data().Claims.NotDeclaredByOthers(audienceKey, private.Owner, declared)
	if diags := settings.checkRemovals(action, audienceKey, len(toRemove), inScope, toRemove); diags != nil {
		return diags, superseded
	}
	removed, err := client.RemoveMembers(ctx, audienceKey, toRemove)
	if err != nil && !knock.IsNotFound(err) {
		return knockdiag.Error("Unable to Remove Audience Members",
			knockdiag.APIErrorDetail("removing members from", audienceKey, len(toRemove), err)+"\n\n"+
				fmt.Sprintf("Removed %s of %s before the error; run terraform destroy again to remove the rest.", knockdiag.Thousands(len(removed)), knockdiag.Plural(len(toRemove), "member")), nil), superseded
	}
	r.data().Claims.Release(audienceKey, private.Owner)
	return nil, superseded
}

// ReadResource refreshes the state from the live audience, within the resource's scope.
func (r *Resource) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp := &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}
	current, isNull, err := decodeObject(req.CurrentState)
	if err != nil || isNull {
		if err != nil {
			resp.Diagnostics = knockdiag.Error("Unable to Read Audience Members", err.Error(), nil)
		}
		return resp, nil
	}
	client, diags := configuredClient(r.data())
	if diags != nil {
		resp.Diagnostics = diags
		return resp, nil
	}
	ctx, cancel := withTimeout(ctx, current.get(attrTimeouts), "read")
	defer cancel()
	audienceKey := stringOf(current.get(attrAudienceKey))
	private := parseMembersPrivate(req.Private)
	live, err := client.ListMemberships(ctx, audienceKey)
	if knock.IsNotFound(err) && private.Imported {
		resp.Diagnostics = knockdiag.Error("Cannot Import: Audience Not Found",
			fmt.Sprintf("The import names the audience %q, which does not exist in this Knock environment (and branch), so there is "+
				"nothing to import. Check the import id (AUDIENCE_KEY, or AUDIENCE_KEY/TENANT with each part escaped like a URL path "+
				"segment), the provider's api_key and branch; to create the audience instead, drop the import and set create_audience = true.", audienceKey), nil)
		return resp, nil
	}
	if knock.IsNotFound(err) {
		resp.Diagnostics = []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityWarning,
			Summary:  "Audience Not Found",
			Detail: fmt.Sprintf("The audience %q no longer exists in Knock, so it is removed from the Terraform state. "+
				"The next plan proposes to add its members again, which fails until the audience exists.", audienceKey),
		}}
		resp.NewState, err = encodeNull()
		if err != nil {
			resp.Diagnostics = knockdiag.Error("Unable to Read Audience Members", err.Error(), nil)
		}
		return resp, nil
	}
	if err != nil {
		detail := knockdiag.APIErrorDetail("listing the members of", audienceKey, current.Members.len(), err)
		if errors.Is(err, context.DeadlineExceeded) {
			detail += refreshDeadlineAdvice
		}
		resp.Diagnostics = knockdiag.Error("Unable to Read Audience Members", detail, nil)
		return resp, nil
	}
	if resp.Diagnostics = knockdiag.NormalFormDiagnostics(audienceKey, live); resp.Diagnostics != nil {
		return resp, nil
	}
	settings := current.settings()
	if current.fromFile() {
		if current.Members, err = private.appliedMembers(); err != nil {
			resp.Diagnostics = knockdiag.Error("Unable to Read Audience Members", err.Error(), nil)
			return resp, nil
		}
	}
	// The state's members matter only where the read cannot say it all: what a managed-only resource
	// declared, which tenant shows for a user live under several, and, with members_file, what changed
	// since the latest apply. A refresh of a million members otherwise decodes them for nothing.
	var prior, owned []changeset.Membership
	if !settings.authoritative || settings.tenant == "" && userUnderSeveralTenants(live) || current.fromFile() {
		if prior, err = current.Members.list(); err != nil {
			resp.Diagnostics = knockdiag.Error("Unable to Read Audience Members", err.Error(), pathMembers)
			return resp, nil
		}
	}
	if !settings.authoritative {
		owned = settings.declared(prior)
	}
	members, hidden, count := changeset.Project(settings.scope(), live, prior, owned)
	var drift *memberDrift
	if current.fromFile() {
		if appeared, disappeared := changeset.Minus(members, prior), changeset.Minus(prior, members); len(appeared)+len(disappeared) > 0 {
			drift = &memberDrift{Appeared: pairsOf(appeared), Disappeared: pairsOf(disappeared)}
		}
		current.set(attrDrift, drift.value())
	}
	current.set(attrID, resourceID(current))
	current.Members = membersOfList(members)
	current.set(attrMembershipCount, countValue(count))
	resp.NewState, err = current.encode()
	if err == nil {
		resp.NewIdentity, err = identityOf(current)
	}
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Read Audience Members", err.Error(), nil)
	}
	owner := private.Owner
	if owner == "" {
		owner = claims.NewOwner() // a state from before owners: from now on the resource's plans are known as its own
	}
	resp.Private = membersPrivate{ReadAt: time.Now().UTC(), Hidden: pairsOf(hidden), Owner: owner, Imported: private.Imported,
		Superseded: private.Superseded, Target: targetOf(client), Members: private.Members, Drift: drift}.encode()
	return resp, nil
}

// userUnderSeveralTenants reports whether a sorted listing holds some user under more than one tenant.
func userUnderSeveralTenants(live []changeset.Membership) bool {
	for i := 1; i < len(live); i++ {
		if live[i].UserID == live[i-1].UserID {
			return true
		}
	}
	return false
}

// ImportResourceState adopts an audience, or a tenant's slice of it, by import id or identity; the read
// that follows fills the members.
func (r *Resource) ImportResourceState(_ context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	resp := &tfprotov6.ImportResourceStateResponse{}
	var audienceKey, tenant string
	if req.ID == "" && req.Identity != nil {
		var err error
		if audienceKey, tenant, err = importTarget(req.Identity); err != nil || audienceKey == "" {
			resp.Diagnostics = knockdiag.Error("Invalid Import Identity",
				fmt.Sprintf("An import block's identity needs audience_key (and tenant for a resource with tenant set): %v.", err), nil)
			return resp, nil
		}
	} else {
		var err error
		if audienceKey, tenant, err = parseMembersImportID(req.ID); err != nil {
			resp.Diagnostics = knockdiag.Error("Invalid Import ID", fmt.Sprintf("The import id %q %s. Expected AUDIENCE_KEY, or "+
				"AUDIENCE_KEY/TENANT for a resource with tenant set, each part escaped like a URL path segment (a \"/\" inside a key "+
				"is written %%2F, a \"%%\" %%25). For example: terraform import knock_audience_members.beta beta-testers, or, for a "+
				"resource with tenant = \"acme\", terraform import 'knock_audience_members.beta[\"acme\"]' beta-testers/acme", req.ID, err), nil)
			return resp, nil
		}
	}
	imported := object{Members: nullMembers}
	imported.set(attrAudienceKey, stringValue(audienceKey))
	if tenant != "" {
		imported.set(attrTenant, stringValue(tenant))
	}
	imported.set(attrID, resourceID(imported))
	state, err := imported.encode()
	var identity *tfprotov6.ResourceIdentityData
	if err == nil {
		identity, err = identityOf(imported)
	}
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Import Audience Members", err.Error(), nil)
		return resp, nil
	}
	owner := claims.NewOwner()
	r.imported.Store(owner, struct{}{})
	resp.ImportedResources = []*tfprotov6.ImportedResource{{
		TypeName: TypeName, State: state, Identity: identity,
		Private: membersPrivate{Owner: owner, Imported: true}.encode(),
	}}
	return resp, nil
}
