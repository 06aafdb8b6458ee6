package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

var (
	_ resource.Resource                = (*audienceMembersResource)(nil)
	_ resource.ResourceWithConfigure   = (*audienceMembersResource)(nil)
	_ resource.ResourceWithImportState = (*audienceMembersResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*audienceMembersResource)(nil)
)

// NewAudienceMembersResource returns the knock_audience_members resource.
func NewAudienceMembersResource() resource.Resource {
	return &audienceMembersResource{}
}

type audienceMembersResource struct {
	client *knock.Client
}

type audienceMembersResourceModel struct {
	ID              types.String `tfsdk:"id"`
	AudienceKey     types.String `tfsdk:"audience_key"`
	Members         types.Map    `tfsdk:"members"`
	MembershipCount types.Int64  `tfsdk:"membership_count"`
}

func (r *audienceMembersResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_audience_members"
}

func (r *audienceMembersResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Declares every membership of one Knock audience. The resource is authoritative: after " +
			"apply the audience holds exactly the configured members, and memberships that are not declared are " +
			"removed. Each plan reads the audience's live memberships, so changes made outside Terraform show as drift.\n\n" +
			"Members are added with their user id only; the provider never changes user properties.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The audience key.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"audience_key": schema.StringAttribute{
				MarkdownDescription: "Key of a static Knock audience that already exists in the environment. Changing it " +
					"replaces the resource: the old audience loses the declared members and the new one gets them.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"members": schema.MapAttribute{
				MarkdownDescription: "The audience's members: a map from user id to tenant id, with `null` for a " +
					"membership without tenant. For a list of ids: `{ for id in local.user_ids : id => null }`. " +
					"A map (not a set) keeps plans fast for hundreds of thousands of members. Users that do not exist " +
					"in Knock yet are created with only their id.",
				ElementType: types.StringType,
				Required:    true,
				Validators:  []validator.Map{membersValidator{}},
			},
			"membership_count": schema.Int64Attribute{
				MarkdownDescription: "Number of memberships the audience holds, counting every (user, tenant) pair. " +
					"It differs from the number of `members` when a user is a member under several tenants, which " +
					"`members` cannot show; the plan then shows an update that removes the extra memberships.",
				Computed: true,
			},
		},
	}
}

func (r *audienceMembersResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	client, ok := req.ProviderData.(*knock.Client)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Resource Configure Type",
			fmt.Sprintf("Expected *knock.Client, got %T. This is a bug in the provider; please report it.", req.ProviderData))
		return
	}
	r.client = client
}

// ModifyPlan plans membership_count as the number of declared members, so that extra live memberships
// (a user under several tenants) show as an update.
func (r *audienceMembersResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var members types.Map
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("members"), &members)...)
	if resp.Diagnostics.HasError() {
		return
	}
	count := types.Int64Unknown()
	if !members.IsUnknown() && !members.IsNull() {
		count = types.Int64Value(int64(len(members.Elements())))
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("membership_count"), count)...)
}

func (r *audienceMembersResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan audienceMembersResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.converge(ctx, &plan, &resp.State, &resp.Diagnostics)
}

func (r *audienceMembersResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan audienceMembersResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.converge(ctx, &plan, &resp.State, &resp.Diagnostics)
}

// stateSetter is the part of tfsdk.State that converge needs.
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// converge makes the audience hold exactly the planned members: it lists what is live, adds what is
// missing, then removes what is not declared. Adds go first so that a member moving between tenants is
// never out of the audience. If a write fails, the state records what Knock holds by then, so the next
// plan shows exactly the remainder.
func (r *audienceMembersResource) converge(ctx context.Context, plan *audienceMembersResourceModel, state stateSetter, diags *diag.Diagnostics) {
	audienceKey := plan.AudienceKey.ValueString()
	desired, d := membershipsFromMap(plan.Members)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	live, err := r.client.ListMemberships(ctx, audienceKey)
	if err != nil {
		addAPIError(diags, "Unable to Read Audience Members", "listing the members of", audienceKey, len(desired), err)
		return
	}
	toAdd, toRemove := knock.Diff(desired, live)
	tflog.Debug(ctx, "Computed audience membership changes", map[string]any{
		"audience_key": audienceKey, "live": len(live), "desired": len(desired), "to_add": len(toAdd), "to_remove": len(toRemove),
	})

	plan.ID = plan.AudienceKey
	added, err := r.client.AddMembers(ctx, audienceKey, toAdd)
	if err != nil {
		diags.AddError("Unable to Add Audience Members",
			apiErrorDetail("adding members to", audienceKey, len(toAdd), err)+"\n\n"+partialDetail(audienceKey, "added to", added, len(toAdd)))
		r.saveHeld(ctx, plan, live, toAdd[:added], nil, state, diags)
		return
	}
	removed, err := r.client.RemoveMembers(ctx, audienceKey, toRemove)
	if err != nil {
		diags.AddError("Unable to Remove Audience Members",
			apiErrorDetail("removing members from", audienceKey, len(toRemove), err)+"\n\n"+partialDetail(audienceKey, "removed from", removed, len(toRemove)))
		r.saveHeld(ctx, plan, live, toAdd, toRemove[:removed], state, diags)
		return
	}
	plan.MembershipCount = types.Int64Value(int64(len(desired)))
	diags.Append(state.Set(ctx, plan)...)
}

func partialDetail(audienceKey, verb string, done, total int) string {
	return fmt.Sprintf("%s of %s were %s audience %q before the error. Terraform state records what the audience "+
		"holds now, so the next plan shows the remaining changes and the next apply finishes them.",
		thousands(done), plural(total, "member"), verb, audienceKey)
}

func (r *audienceMembersResource) saveHeld(ctx context.Context, plan *audienceMembersResourceModel, live, added, removed []knock.Membership, state stateSetter, diags *diag.Diagnostics) {
	held := heldAfterWrites(live, added, removed)
	plan.Members = membersMapFromLive(held, tenantsByUser(plan.Members))
	plan.MembershipCount = types.Int64Value(int64(len(held)))
	diags.Append(state.Set(ctx, plan)...)
}

func (r *audienceMembersResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state audienceMembersResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	audienceKey := state.AudienceKey.ValueString()
	live, err := r.client.ListMemberships(ctx, audienceKey)
	if knock.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Audience Not Found",
			fmt.Sprintf("The audience %q no longer exists in Knock, so it is removed from the Terraform state. "+
				"The next plan proposes to add its members again, which fails until the audience exists.", audienceKey))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Audience Members", "listing the members of", audienceKey, len(state.Members.Elements()), err)
		return
	}
	state.ID = state.AudienceKey
	state.Members = membersMapFromLive(live, tenantsByUser(state.Members))
	state.MembershipCount = types.Int64Value(int64(len(live)))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the memberships this resource declares and leaves any other membership alone.
func (r *audienceMembersResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state audienceMembersResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	audienceKey := state.AudienceKey.ValueString()
	declared, d := membershipsFromMap(state.Members)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	knock.SortMemberships(declared)
	removed, err := r.client.RemoveMembers(ctx, audienceKey, declared)
	if knock.IsNotFound(err) {
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Remove Audience Members",
			apiErrorDetail("removing members from", audienceKey, len(declared), err)+"\n\n"+
				fmt.Sprintf("%s of %s were removed before the error; run terraform destroy again to remove the rest.", thousands(removed), plural(len(declared), "member")))
	}
}

func (r *audienceMembersResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Invalid Import ID", "Import a knock_audience_members resource by its audience key, "+
			"for example: terraform import knock_audience_members.beta beta-testers")
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("audience_key"), req, resp)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
