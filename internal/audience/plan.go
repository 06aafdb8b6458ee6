package audience

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
)

// privateTypeChange is the private state key that marks the plan of a replacement changing the type.
const privateTypeChange = "type_change"

// ModifyPlan plans the environment and the SHA, and fails the plan of a write that Knock would refuse:
// outside development without force, with a branch outside development, a type change that cannot
// archive the old audience, or a dynamic audience whose conditions Knock's validate endpoint rejects.
// A destroy that keeps the audience warns.
func (r *audienceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	var prior *resourceModel
	if !req.State.Raw.IsNull() {
		prior = &resourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
	}
	if req.Plan.Raw.IsNull() {
		if prior != nil && !prior.ArchiveOnDestroy.ValueBool() {
			resp.Diagnostics.AddWarning(keptSummary, keptDetail(prior.Key.ValueString(), prior.Environment.ValueString()))
		}
		return
	}
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, diags := r.data.RequireManagement(TypeName); diags.HasError() {
		resp.Diagnostics.Append(diags...)
		return
	}
	environment := r.data.Environment
	plan.Environment = types.StringValue(environment)
	if prior != nil && !prior.Environment.Equal(plan.Environment) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("environment"))
	}
	// A new type under the same key and environment: Knock must archive the old audience first. (Under a new
	// key, the replacement is another audience, and the old one is kept or archived as for any destroy.)
	retyped := prior != nil && !plan.Type.IsUnknown() && !plan.Type.Equal(prior.Type) &&
		plan.Key.Equal(prior.Key) && plan.Environment.Equal(prior.Environment)
	if retyped && !prior.ArchiveOnDestroy.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("type"), "Audience Type Change Needs Archive",
			fmt.Sprintf("The type of audience %q changes from %s to %s. Knock cannot change an audience's type, so Terraform "+
				"must archive the audience and create it again, and this resource keeps audiences on destroy. Either set "+
				"archive_on_destroy = true and apply it first (archiving acts in ALL environments), then change type; or give "+
				"the new audience another key.", prior.Key.ValueString(), prior.Type.ValueString(), plan.Type.ValueString()))
		return
	}
	// Knock compares a validated definition with the audience it has, so the new audience of a type
	// change cannot be validated before the old one is archived. The plan of the destroy half marks it in
	// the private state, which Terraform hands to the plan of the create half (that has no prior state).
	validate := true
	if retyped {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateTypeChange, []byte(`true`))...)
		validate = false
	} else if prior == nil {
		mark, diags := req.Private.GetKey(ctx, privateTypeChange)
		resp.Diagnostics.Append(diags...)
		validate = mark == nil
	}
	if len(resp.RequiresReplace) > 0 {
		prior = nil
	}
	if !plan.writes(prior) {
		plan.SHA = prior.SHA
		resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
		return
	}
	plan.SHA = types.StringUnknown()
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
	resp.Diagnostics.Append(r.checkWrite(ctx, plan, validate)...)
}

// checkWrite fails the plan of a write Knock would refuse: at the wrong place, or, when validate, with
// conditions its validate endpoint rejects (one request, for dynamic audiences whose whole definition is known).
func (r *audienceResource) checkWrite(ctx context.Context, plan resourceModel, validate bool) diag.Diagnostics {
	key, environment := plan.Key.ValueString(), plan.Environment.ValueString()
	loc, diags := location(r.data, environment)
	if diags.HasError() {
		return diags
	}
	if !plan.Force.IsUnknown() && !plan.Key.IsUnknown() {
		if problem := forceProblem(key, environment, plan.Force.ValueBool()); problem != "" {
			diags.AddAttributeError(path.Root("force"), "Audience Write Outside Development", problem)
			return diags
		}
	}
	if !validate || plan.Type.ValueString() != knockmgmt.TypeDynamic || plan.Key.IsUnknown() || !plan.known() ||
		plan.Force.IsUnknown() || plan.Commit.IsUnknown() || plan.CommitMessage.IsUnknown() {
		return diags
	}
	def, d := plan.definition(ctx)
	if diags.Append(d...); diags.HasError() {
		return diags
	}
	def, ok := withoutAudienceReferences(def)
	if !ok {
		return diags
	}
	err := r.data.Management.ValidateAudience(ctx, loc, key, def, plan.writeOptions())
	tflog.Debug(ctx, "Validated audience", map[string]any{"audience_key": key, "environment": environment, "valid": err == nil})
	if err == nil {
		return diags
	}
	summary := "Unable to Validate Audience"
	if knockhttp.StatusCode(err) == 422 {
		summary = "Invalid Audience Conditions"
	}
	diags.AddAttributeError(path.Root("segments"), summary, apiErrorDetail("validating", key, environment, err))
	return diags
}

// withoutAudienceReferences is def without the conditions that name another audience
// (is_audience_member, is_not_audience_member), and without the segments left empty; false when no
// segment is left. The audience they name may be created by the same apply, after this plan, and Knock
// refuses a reference to an audience it does not have yet: those conditions are checked at apply.
func withoutAudienceReferences(def knockmgmt.Definition) (knockmgmt.Definition, bool) {
	out := def
	out.Segments = nil
	for _, s := range def.Segments {
		var kept knockmgmt.Segment
		for _, c := range s.Conditions {
			if c.Operator != operatorIsAudienceMember && c.Operator != operatorIsNotAudienceMember {
				kept.Conditions = append(kept.Conditions, c)
			}
		}
		if len(kept.Conditions) > 0 {
			out.Segments = append(out.Segments, kept)
		}
	}
	return out, len(out.Segments) > 0
}
