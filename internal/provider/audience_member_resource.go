package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/audience"
	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/claims"
	"github.com/knock-tf/terraform-provider-knock/internal/coalesce"
	"github.com/knock-tf/terraform-provider-knock/internal/idvalidator"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

var (
	_ resource.Resource                = (*audienceMemberResource)(nil)
	_ resource.ResourceWithConfigure   = (*audienceMemberResource)(nil)
	_ resource.ResourceWithImportState = (*audienceMemberResource)(nil)
	_ resource.ResourceWithIdentity    = (*audienceMemberResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*audienceMemberResource)(nil)
)

// audienceMemberIdentityModel is the resource identity (Terraform 1.12+): what an import block can name.
type audienceMemberIdentityModel struct {
	AudienceKey types.String `tfsdk:"audience_key"`
	UserID      types.String `tfsdk:"user_id"`
	Tenant      types.String `tfsdk:"tenant"`
}

func (m audienceMemberResourceModel) identity() audienceMemberIdentityModel {
	return audienceMemberIdentityModel{AudienceKey: m.AudienceKey, UserID: m.UserID, Tenant: m.Tenant}
}

// audienceMemberIDFormat describes the id, for the schema and the import error.
const audienceMemberIDFormat = "`audience_key/user_id`, or `audience_key/user_id/tenant` for a membership under a tenant. " +
	"Each part is escaped like a URL path segment: a `/` inside a key or id is written `%2F`, and a `%` is written `%25`"

// NewAudienceMemberResource returns the knock_audience_member resource.
func NewAudienceMemberResource() resource.Resource {
	return &audienceMemberResource{}
}

type audienceMemberResource struct {
	client    *knock.Client
	coalescer *coalesce.Coalescer
	claims    *claims.Registry
	data      *providerdata.Data
}

// The private state keys of knock_audience_member.
const (
	// privateOwner is the resource's owner id (see claims).
	privateOwner = "owner"
	// privateTarget is where the last read or write was made (knock.Target): a destroy refuses to run
	// anywhere else, as a saved plan applied with another environment's key would.
	privateTarget = "target"
	// privateSuccessor is the id of the membership a create's plan declares. Terraform hands it to the
	// destroy of the object that create replaces, which then leaves the membership the replacement keeps.
	privateSuccessor = "successor"
)

// privateString reads a JSON string kept under key ("" when there is none).
func privateString(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}, key string) string {
	var out string
	if raw, diags := private.GetKey(ctx, key); !diags.HasError() && raw != nil {
		_ = json.Unmarshal(raw, &out)
	}
	return out
}

// setTarget records in private where this resource's client acts.
func (r *audienceMemberResource) setTarget(ctx context.Context, private interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}) diag.Diagnostics {
	raw, _ := json.Marshal(r.client.Target())
	return private.SetKey(ctx, privateTarget, raw)
}

type audienceMemberResourceModel struct {
	ID          types.String `tfsdk:"id"`
	AudienceKey types.String `tfsdk:"audience_key"`
	UserID      types.String `tfsdk:"user_id"`
	Tenant      types.String `tfsdk:"tenant"`
}

// membership maps a null tenant to "", the client's membership without tenant.
func (m audienceMemberResourceModel) membership() changeset.Membership {
	return changeset.Membership{UserID: m.UserID.ValueString(), Tenant: m.Tenant.ValueString()}
}

// memberModel is the resource's value for membership m of the audience ("" tenant: null).
func memberModel(audienceKey string, m changeset.Membership) audienceMemberResourceModel {
	tenant := types.StringNull()
	if m.Tenant != "" {
		tenant = types.StringValue(m.Tenant)
	}
	return audienceMemberResourceModel{
		ID:          types.StringValue(audienceMemberID(audienceKey, m)),
		AudienceKey: types.StringValue(audienceKey),
		UserID:      types.StringValue(m.UserID),
		Tenant:      tenant,
	}
}

func (r *audienceMemberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = audienceMemberTypeName
}

func (r *audienceMemberResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	knockID := []validator.String{idvalidator.ID{}}
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Declares one membership of a Knock audience: a user, with or without a tenant. " +
			"The resource is additive: it adds its own membership, removes only that one on destroy, and leaves every " +
			"other member of the audience alone, so that modules and `for_each` can each declare the memberships they own.\n\n" +
			"Creating a membership that already exists adopts it, with a warning in the plan; destroying the resource then removes it. " +
			"The plan of a create reads the audience, so an audience that does not exist fails the plan. " +
			"A membership removed outside Terraform leaves the state at the next refresh, and the plan creates it again. " +
			"Members are added with their user id only; user properties are never changed.\n\n" +
			"~> Do not also declare the audience with an authoritative `knock_audience_members`: it removes every " +
			"membership it does not declare, these included, and each apply would undo the other. Declare each membership " +
			"once, and use a `moved` block when renaming a resource, or the destroy of the old address can remove the " +
			"membership the new one adopted.\n\n" +
			"**Requests.** Knock cannot look up one membership: reading one lists the whole audience, one request per 50 " +
			"members. All `knock_audience_member` resources of a provider share that work. A plan or apply lists each " +
			"audience once, however many memberships it declares, and the adds (or removes) that run at the same time on " +
			"one audience go out together, up to 1,000 members a request: a create announces its add when Terraform plans " +
			"it, and a batch waits for the announced adds and for the rest of Terraform's wave (up to 1 second). Terraform " +
			"runs 10 operations at once by default, so creating 1,000 memberships on an audience costs about 100 add " +
			"requests (103 measured), destroying 20 of them 2 remove requests, and planning them ceil(audience size / 50) " +
			"list requests.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The membership's id: " + audienceMemberIDFormat + ".",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{idFromInputs{}},
			},
			"audience_key": schema.StringAttribute{
				MarkdownDescription: "Key of an existing static Knock audience. Changing it replaces the resource.",
				Required:            true,
				Validators:          knockID,
				PlanModifiers:       replace,
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "Id of the Knock user; a user that does not exist yet is created with only its id. " +
					"Changing it replaces the resource.",
				Required:      true,
				Validators:    knockID,
				PlanModifiers: replace,
			},
			"tenant": schema.StringAttribute{
				MarkdownDescription: "Tenant of the membership. Unset (null) declares the membership without tenant, which is a " +
					"different membership from any under a tenant. Changing it replaces the resource.",
				Optional:      true,
				Validators:    knockID,
				PlanModifiers: replace,
			},
		},
	}
}

// audienceMemberTypeName is the type name of the resource and of its list resource.
const audienceMemberTypeName = "knock_audience_member"

func (r *audienceMemberResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := providerdata.From(req.ProviderData, "Resource", &resp.Diagnostics); data != nil {
		client, diags := data.RequireClient(audienceMemberTypeName)
		resp.Diagnostics.Append(diags...)
		r.client, r.coalescer, r.claims, r.data = client, data.Coalescer, data.Claims, data
	}
}

// ModifyPlan records what the membership declares, or removes when destroyed, so that an authoritative
// knock_audience_members on the same audience, or a destroy that removes a membership another resource
// still declares, is reported at plan.
func (r *audienceMemberResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.claims == nil {
		return
	}
	owner := privateString(ctx, req.Private, privateOwner)
	var model audienceMemberResourceModel
	removes := req.Plan.Raw.IsNull()
	if removes {
		resp.Diagnostics.Append(req.State.Get(ctx, &model)...)
	} else {
		resp.Diagnostics.Append(req.Plan.Get(ctx, &model)...)
	}
	if resp.Diagnostics.HasError() || model.AudienceKey.IsUnknown() || model.UserID.IsUnknown() || model.Tenant.IsUnknown() {
		return
	}
	audienceKey := model.AudienceKey.ValueString()
	for _, d := range r.claims.Register(audienceKey, owner, claims.ForMember(audienceKey, model.membership(), removes)) {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			resp.Diagnostics.AddError(d.Summary, d.Detail)
		} else {
			resp.Diagnostics.AddWarning(d.Summary, d.Detail)
		}
	}
	if req.State.Raw.IsNull() && !removes && !resp.Diagnostics.HasError() {
		if problem := audience.DynamicMembersProblem(ctx, r.data, audienceMemberTypeName, audienceKey); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("audience_key"), audience.DynamicMembersSummary, problem)
			return
		}
	}
	if req.State.Raw.IsNull() && !removes && !resp.Diagnostics.HasError() && r.coalescer != nil {
		successor, _ := json.Marshal(audienceMemberID(audienceKey, model.membership()))
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateSuccessor, successor)...)
		r.planCreate(ctx, audienceKey, model.membership(), &resp.Diagnostics)
	}
}

// planCreate reads the audience, from the listing all knock_audience_member of the walk share, so that
// the plan, not the apply, says that the audience is missing or that the membership will be adopted.
// Terraform plans a create again right before applying it, so the apply says it too, from the listing
// its Create then reuses.
func (r *audienceMemberResource) planCreate(ctx context.Context, audienceKey string, m changeset.Membership, diags *diag.Diagnostics) {
	live, err := r.coalescer.Holds(ctx, audienceKey, m)
	switch {
	case knock.IsNotFound(err):
		diags.AddAttributeError(path.Root("audience_key"), "Audience Not Found",
			fmt.Sprintf("%s cannot be created. %s", describeMembership(audienceKey, m), knockdiag.AudienceNotFoundAdvice(audienceKey)))
	case err != nil:
		diags.AddError("Unable to Read Audience Member", knockdiag.APIErrorDetail("listing the members of", audienceKey, 0, err))
	case live:
		diags.AddWarning("Existing Membership Adopted",
			fmt.Sprintf("%s already exists, so Terraform adopts it instead of adding it again. Destroying this resource removes it.",
				describeMembership(audienceKey, m)))
	default:
		// Its add is on the way: batches of adds to the audience wait for it.
		r.coalescer.Expect(audienceKey, m)
	}
}

// idFromInputs plans the id from audience_key, user_id and tenant, which determine it, so that the plan
// shows it instead of (known after apply).
type idFromInputs struct{}

func (idFromInputs) Description(context.Context) string {
	return "The id follows from audience_key, user_id and tenant."
}

func (m idFromInputs) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (idFromInputs) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	var model audienceMemberResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() || model.AudienceKey.IsUnknown() || model.UserID.IsUnknown() || model.Tenant.IsUnknown() {
		return
	}
	resp.PlanValue = types.StringValue(audienceMemberID(model.AudienceKey.ValueString(), model.membership()))
}

func (r *audienceMemberResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"audience_key": identityschema.StringAttribute{RequiredForImport: true, Description: "Key of the audience."},
			"user_id":      identityschema.StringAttribute{RequiredForImport: true, Description: "Id of the user."},
			"tenant":       identityschema.StringAttribute{OptionalForImport: true, Description: "Tenant of the membership; null for none."},
		},
	}
}

func (r *audienceMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan audienceMemberResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	audienceKey, m := plan.AudienceKey.ValueString(), plan.membership()
	live, err := r.coalescer.Holds(ctx, audienceKey, m)
	if err != nil || live {
		r.coalescer.Withdraw(audienceKey, m)
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Add Audience Member", knockdiag.APIErrorDetail("listing the members of", audienceKey, 0, err))
		return
	}
	// A live membership is adopted without an add; the plan of this create, made again right before it,
	// warned of that.
	if !live {
		if err := r.coalescer.Add(ctx, audienceKey, m); err != nil {
			resp.Diagnostics.AddError("Unable to Add Audience Member", knockdiag.APIErrorDetail("adding members to", audienceKey, 1, err))
			return
		}
	}
	plan.ID = types.StringValue(audienceMemberID(audienceKey, m))
	owner := claims.NewOwner()
	if r.claims != nil {
		r.claims.Adopt(audienceKey, claims.ForMember(audienceKey, m, false)[0].Fingerprint, owner)
	}
	ownerJSON, _ := json.Marshal(owner)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateOwner, ownerJSON)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateSuccessor, nil)...)
	resp.Diagnostics.Append(r.setTarget(ctx, resp.Private)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *audienceMemberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state audienceMemberResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The framework wants an identity even when the resource leaves the state (and state from before
	// identities existed has none).
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	audienceKey, m := state.AudienceKey.ValueString(), state.membership()
	live, err := r.coalescer.Holds(ctx, audienceKey, m)
	switch {
	case knock.IsNotFound(err):
		resp.Diagnostics.AddWarning("Audience Not Found",
			fmt.Sprintf("%s is removed from Terraform state because its audience is gone. %s",
				describeMembership(audienceKey, m), knockdiag.AudienceNotFoundAdvice(audienceKey)))
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.AddError("Unable to Read Audience Member", knockdiag.APIErrorDetail("listing the members of", audienceKey, 0, err))
		return
	case !live:
		tflog.Info(ctx, "Audience membership no longer exists; removing it from state", map[string]any{
			"audience_key": audienceKey, "user_id": m.UserID, "tenant": m.Tenant,
		})
		resp.State.RemoveResource(ctx)
		return
	}
	state.ID = types.StringValue(audienceMemberID(audienceKey, m))
	resp.Diagnostics.Append(r.setTarget(ctx, resp.Private)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only carries the plan over: every attribute but the computed id requires replacement.
func (r *audienceMemberResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

func (r *audienceMemberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state audienceMemberResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var planned *knock.Target
	if raw, diags := req.Private.GetKey(ctx, privateTarget); !diags.HasError() && raw != nil && json.Unmarshal(raw, &planned) != nil {
		planned = nil
	}
	if detail := knockdiag.TargetProblem(planned, r.client.Target()); detail != "" {
		resp.Diagnostics.AddError(knockdiag.TargetProblemSummary, detail)
		return
	}
	audienceKey, m := state.AudienceKey.ValueString(), state.membership()
	owner := privateString(ctx, req.Private, privateOwner)
	// A replacement keeps the membership when the new object declares it too: the successor's plan says so
	// (destroy before create), or its create, applied first in this process, claims it (create before destroy).
	kept := privateString(ctx, req.Private, privateSuccessor) == audienceMemberID(audienceKey, m) ||
		r.claims != nil && len(r.claims.NotDeclaredByOthers(audienceKey, owner, []changeset.Membership{m})) == 0
	if !kept {
		err := r.coalescer.Remove(ctx, audienceKey, m)
		if err != nil && !knock.IsNotFound(err) {
			resp.Diagnostics.AddError("Unable to Remove Audience Member", knockdiag.APIErrorDetail("removing members from", audienceKey, 1, err))
			return
		}
	}
	if r.claims != nil && owner != "" {
		r.claims.Release(audienceKey, owner)
	}
}

func (r *audienceMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" && req.Identity != nil {
		var identity audienceMemberIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		if resp.Diagnostics.HasError() {
			return
		}
		m := changeset.Membership{UserID: identity.UserID.ValueString(), Tenant: identity.Tenant.ValueString()}
		imported := memberModel(identity.AudienceKey.ValueString(), m)
		resp.Diagnostics.Append(resp.State.Set(ctx, &imported)...)
		ownerJSON, _ := json.Marshal(claims.NewOwner())
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateOwner, ownerJSON)...)
		return
	}
	audienceKey, m, err := parseAudienceMemberID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("The import ID %q %s. Expected %s, for example `beta-testers/user-1` or `beta-testers/team%%2F7/acme`.",
				req.ID, err, audienceMemberIDFormat))
		return
	}
	imported := memberModel(audienceKey, m)
	resp.Diagnostics.Append(resp.State.Set(ctx, &imported)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, imported.identity())...)
	ownerJSON, _ := json.Marshal(claims.NewOwner())
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateOwner, ownerJSON)...)
}

// audienceMemberID is the import id: AUDIENCE_KEY/USER_ID, or AUDIENCE_KEY/USER_ID/TENANT.
func audienceMemberID(audienceKey string, m changeset.Membership) string {
	if m.Tenant == "" {
		return knockdiag.JoinImportID(audienceKey, m.UserID)
	}
	return knockdiag.JoinImportID(audienceKey, m.UserID, m.Tenant)
}

// parseAudienceMemberID reverses audienceMemberID; its errors complete the sentence "The import ID ...".
func parseAudienceMemberID(id string) (string, changeset.Membership, error) {
	parts, err := knockdiag.SplitImportID(id, 2, 3)
	if err != nil {
		return "", changeset.Membership{}, err
	}
	m := changeset.Membership{UserID: parts[1]}
	if len(parts) == 3 {
		m.Tenant = parts[2]
	}
	return parts[0], m, nil
}

// describeMembership names a membership to start a sentence: `The membership of user "u1" without tenant in audience "beta"`.
func describeMembership(audienceKey string, m changeset.Membership) string {
	return fmt.Sprintf("The membership of %s in audience %q", m, audienceKey)
}
