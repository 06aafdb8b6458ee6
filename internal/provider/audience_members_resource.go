package provider

import (
	"context"
	"fmt"
	"math/big"
	"slices"
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
	// locks holds a *sync.Mutex per audience key, so that resources on the same audience in one run
	// never interleave their list, add and remove passes.
	locks sync.Map
}

func (r *audienceMembersResource) lock(audienceKey string) func() {
	mu, _ := r.locks.LoadOrStore(audienceKey, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}

func newAudienceMembersResource(p *knockProvider) *audienceMembersResource {
	return &audienceMembersResource{provider: p}
}

var (
	pathAudienceKey = tftypes.NewAttributePath().WithAttributeName("audience_key")
	pathMembers     = tftypes.NewAttributePath().WithAttributeName("members")
)

func (r *audienceMembersResource) schema() *tfprotov6.Schema {
	markdown := tfprotov6.StringKindMarkdown
	return &tfprotov6.Schema{
		Version: 0,
		Block: &tfprotov6.SchemaBlock{
			DescriptionKind: markdown,
			Description: "Declares every membership of one Knock audience. The resource is authoritative: after " +
				"apply the audience holds exactly the configured members, and memberships that are not declared are " +
				"removed. Each plan reads the audience's live memberships, so changes made outside Terraform show as drift.\n\n" +
				"Members are added with their user id only; the provider never changes user properties.",
			Attributes: []*tfprotov6.SchemaAttribute{
				{
					Name: "id", Type: tftypes.String, Computed: true, DescriptionKind: markdown,
					Description: "The audience key.",
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
						"A map (not a set) keeps plans fast for hundreds of thousands of members. Users that do not exist " +
						"in Knock yet are created with only their id.",
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
	resp.Diagnostics = append(resp.Diagnostics, validateMembers(config.Members)...)
	resp.Diagnostics = append(resp.Diagnostics, validateTimeouts(config.Timeouts)...)
	return resp, nil
}

// validateMembers rejects empty user ids and empty tenants in one pass. Values known only at apply are
// checked then by Terraform against the plan, so unknowns are skipped here.
func validateMembers(members tftypes.Value) []*tfprotov6.Diagnostic {
	if !members.IsKnown() || members.IsNull() {
		return nil
	}
	elems, err := membersElements(members)
	if err != nil {
		return errorDiagnostics("Invalid Members", err.Error(), pathMembers)
	}
	var diags []*tfprotov6.Diagnostic
	var emptyTenants []string
	for userID, tenant := range elems {
		if userID == "" {
			diags = append(diags, errorDiagnostics("Invalid Member User ID",
				`members has an entry with an empty key (""). Each key is a Knock user id: fill in the user id or remove the entry. `+
					`When the map is built with a for expression, filter out empty ids: { for id in ids : id => null if id != "" }.`,
				pathMembers)...)
			continue
		}
		if tenant.IsKnown() && !tenant.IsNull() && stringOf(tenant) == "" {
			emptyTenants = append(emptyTenants, userID)
		}
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
	return diags
}

// maxReportedEntries bounds how many bad members entries are named one by one, so that a generated map
// with thousands of bad entries still gives a readable error.
const maxReportedEntries = 5

func (r *audienceMembersResource) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	resp := &tfprotov6.UpgradeResourceStateResponse{}
	if req.Version != 0 {
		resp.Diagnostics = errorDiagnostics("Unsupported State Version",
			fmt.Sprintf("The state of this knock_audience_members has schema version %d, newer than this provider knows (0). Use the provider version that wrote it, or a newer one.", req.Version), nil)
		return resp, nil
	}
	value, err := req.RawState.UnmarshalWithOpts(audienceMembersType, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Read Prior State", err.Error(), nil)
		return resp, nil
	}
	dv, err := tfprotov6.NewDynamicValue(audienceMembersType, value)
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Read Prior State", err.Error(), nil)
		return resp, nil
	}
	resp.UpgradedState = &dv
	return resp, nil
}

// PlanResourceChange plans id as the audience key and membership_count as the number of declared
// members, so that extra live memberships (a user under several tenants) show as an update.
func (r *audienceMembersResource) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp := &tfprotov6.PlanResourceChangeResponse{PlannedPrivate: req.PriorPrivate}
	planned, destroy, err := decodeAudienceMembers(req.ProposedNewState)
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Plan Audience Members", err.Error(), nil)
		return resp, nil
	}
	if destroy {
		resp.PlannedState = req.ProposedNewState
		return resp, nil
	}
	prior, creating, err := decodeAudienceMembers(req.PriorState)
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Plan Audience Members", err.Error(), nil)
		return resp, nil
	}

	planned.ID = planned.AudienceKey
	planned.MembershipCount = tftypes.NewValue(tftypes.Number, tftypes.UnknownValue)
	if planned.Members.IsKnown() && !planned.Members.IsNull() {
		elems, err := membersElements(planned.Members)
		if err != nil {
			resp.Diagnostics = errorDiagnostics("Unable to Plan Audience Members", err.Error(), pathMembers)
			return resp, nil
		}
		planned.MembershipCount = countValue(len(elems))
	}
	if !creating && !prior.AudienceKey.Equal(planned.AudienceKey) {
		resp.RequiresReplace = []*tftypes.AttributePath{pathAudienceKey}
	}
	resp.PlannedState, err = planned.encode()
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Plan Audience Members", err.Error(), nil)
	}
	return resp, nil
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
	if destroying {
		prior, _, err := decodeAudienceMembers(req.PriorState)
		if err != nil {
			resp.Diagnostics = errorDiagnostics("Unable to Apply Audience Members", err.Error(), nil)
			return resp, nil
		}
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
	if req.PriorState == nil || isNullValue(req.PriorState) {
		operation = "create"
	}
	ctx, cancel := withTimeout(ctx, planned.Timeouts, operation)
	defer cancel()
	var live []knock.Membership
	liveKnown := false
	if operation == "update" {
		live, liveKnown = r.recentRead(ctx, req.PriorState, req.PlannedPrivate)
	}
	newState, diags := r.converge(ctx, client, planned, operation == "create", live, liveKnown)
	resp.Diagnostics = diags
	resp.Private = nil
	// A create that fails records nothing: Terraform would mark a recorded object tainted and replace
	// it, and the replacement's delete would remove members the audience held before this apply. The
	// next apply's create compares with the live audience, so it sends only what is still missing.
	if newState != nil && (operation == "update" || !hasError(diags)) {
		if resp.NewState, err = newState.encode(); err != nil {
			resp.Diagnostics = append(resp.Diagnostics, errorDiagnostics("Unable to Apply Audience Members", err.Error(), nil)...)
		}
		if !hasError(resp.Diagnostics) {
			resp.Private = newReadStamp(time.Now())
		}
	}
	return resp, nil
}

// recentRead returns the memberships of the prior state when its read stamp is recent enough to stand
// for the live audience (see read_stamp.go), and when the state can show every live membership.
func (r *audienceMembersResource) recentRead(ctx context.Context, priorState *tfprotov6.DynamicValue, private []byte) ([]knock.Membership, bool) {
	age, ok := readStampAge(private, time.Now())
	if !ok || age > r.provider.planReadMaxAge() {
		return nil, false
	}
	prior, isNull, err := decodeAudienceMembers(priorState)
	if err != nil || isNull {
		return nil, false
	}
	members, err := membersMap(prior.Members)
	var count big.Float
	if err != nil || !prior.MembershipCount.IsKnown() || prior.MembershipCount.IsNull() || prior.MembershipCount.As(&count) != nil {
		return nil, false
	}
	if n, _ := count.Int64(); n != int64(len(members)) {
		// A user is live under several tenants: only a full read shows which.
		return nil, false
	}
	tflog.Debug(ctx, "Diffing against the plan's read of the audience", map[string]any{"read_age_ms": age.Milliseconds(), "members": len(members)})
	return membershipsOf(members), true
}

// converge makes the audience hold exactly the planned members: it lists what is live (unless the plan's
// recent read is given), adds what is missing, then removes what is not declared. Adds go first so that a member moving between tenants is
// never out of the audience. If a write fails, the returned state records what Knock holds by then, so
// the next plan shows exactly the remainder. A nil state means nothing was written.
func (r *audienceMembersResource) converge(ctx context.Context, client *knock.Client, planned audienceMembersObject, creating bool, live []knock.Membership, liveKnown bool) (*audienceMembersObject, []*tfprotov6.Diagnostic) {
	audienceKey := stringOf(planned.AudienceKey)
	members, err := membersMap(planned.Members)
	if err != nil {
		return nil, errorDiagnostics("Unable to Apply Audience Members", err.Error(), pathMembers)
	}
	desired := membershipsOf(members)
	defer r.lock(audienceKey)()
	if !liveKnown {
		if live, err = client.ListMemberships(ctx, audienceKey); err != nil {
			return nil, errorDiagnostics("Unable to Read Audience Members", apiErrorDetail("listing the members of", audienceKey, len(desired), err), nil)
		}
	}
	toAdd, toRemove := knock.Diff(desired, live)
	tflog.Debug(ctx, "Computed audience membership changes", map[string]any{
		"audience_key": audienceKey, "live": len(live), "desired": len(desired), "to_add": len(toAdd), "to_remove": len(toRemove),
	})

	state := planned
	added, err := client.AddMembers(ctx, audienceKey, toAdd)
	if err != nil {
		state.setHeld(heldAfterWrites(live, added, nil), members)
		return &state, errorDiagnostics("Unable to Add Audience Members",
			apiErrorDetail("adding members to", audienceKey, len(toAdd), err)+"\n\n"+partialDetail(audienceKey, "Added", "to", len(added), len(toAdd), creating), nil)
	}
	removed, err := client.RemoveMembers(ctx, audienceKey, toRemove)
	if err != nil {
		state.setHeld(heldAfterWrites(live, toAdd, removed), members)
		return &state, errorDiagnostics("Unable to Remove Audience Members",
			apiErrorDetail("removing members from", audienceKey, len(toRemove), err)+"\n\n"+partialDetail(audienceKey, "Removed", "from", len(removed), len(toRemove), creating), nil)
	}
	return &state, nil
}

// setHeld records what the audience holds after an incomplete apply.
func (o *audienceMembersObject) setHeld(held []knock.Membership, declared map[string]string) {
	o.Members = membersValue(membersFromLive(held, declared))
	o.MembershipCount = countValue(len(held))
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
	audienceKey := stringOf(prior.AudienceKey)
	members, err := membersMap(prior.Members)
	if err != nil {
		return errorDiagnostics("Unable to Remove Audience Members", err.Error(), pathMembers)
	}
	declared := membershipsOf(members)
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
	prior, err := membersMap(current.Members)
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
	current.ID = current.AudienceKey
	current.Members = membersValue(membersFromLive(live, prior))
	current.MembershipCount = countValue(len(live))
	if resp.NewState, err = current.encode(); err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Read Audience Members", err.Error(), nil)
	}
	resp.Private = newReadStamp(time.Now())
	return resp, nil
}

func (r *audienceMembersResource) ImportResourceState(_ context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	resp := &tfprotov6.ImportResourceStateResponse{}
	if req.ID == "" {
		resp.Diagnostics = errorDiagnostics("Invalid Import ID", "Import a knock_audience_members resource by its audience key, "+
			"for example: terraform import knock_audience_members.beta beta-testers", nil)
		return resp, nil
	}
	state, err := audienceMembersObject{
		ID:              stringValue(req.ID),
		AudienceKey:     stringValue(req.ID),
		Members:         tftypes.NewValue(membersMapType, nil),
		MembershipCount: tftypes.NewValue(tftypes.Number, nil),
		Timeouts:        tftypes.NewValue(timeoutsType, nil),
	}.encode()
	if err != nil {
		resp.Diagnostics = errorDiagnostics("Unable to Import Audience Members", err.Error(), nil)
		return resp, nil
	}
	resp.ImportedResources = []*tfprotov6.ImportedResource{{TypeName: audienceMembersTypeName, State: state}}
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
