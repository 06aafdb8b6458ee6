package audience

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/idvalidator"
	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

// TypeName is the type of the resource, the data source and the list resource.
const TypeName = "knock_audience"

var (
	_ resource.Resource                     = (*audienceResource)(nil)
	_ resource.ResourceWithConfigure        = (*audienceResource)(nil)
	_ resource.ResourceWithConfigValidators = (*audienceResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*audienceResource)(nil)
	_ resource.ResourceWithImportState      = (*audienceResource)(nil)
	_ resource.ResourceWithIdentity         = (*audienceResource)(nil)
)

// NewResource returns the knock_audience resource.
func NewResource() resource.Resource { return &audienceResource{} }

// audienceResource is knock_audience: an audience's definition, written through Knock's Management API.
type audienceResource struct {
	data *providerdata.Data
}

// resourceModel is the definition and the settings of how it is written; the settings are Terraform's
// own and never read from Knock.
type resourceModel struct {
	definitionModel
	Commit           types.Bool   `tfsdk:"commit"`
	CommitMessage    types.String `tfsdk:"commit_message"`
	Force            types.Bool   `tfsdk:"force"`
	ArchiveOnDestroy types.Bool   `tfsdk:"archive_on_destroy"`
}

// identityModel is the resource identity (Terraform 1.12+): what an import block can name.
type identityModel struct {
	Key         types.String `tfsdk:"key"`
	Environment types.String `tfsdk:"environment"`
}

func (m definitionModel) identity() identityModel {
	return identityModel{Key: m.Key, Environment: m.Environment}
}

func (m resourceModel) writeOptions() knockmgmt.WriteOptions {
	return knockmgmt.WriteOptions{Force: m.Force.ValueBool(), Commit: m.Commit.ValueBool(), CommitMessage: m.CommitMessage.ValueString()}
}

// writes reports whether applying m over prior (nil: a create) sends the definition to Knock: when the
// definition changes, or when commit is turned on (which commits what is there). The other settings
// change only the state.
func (m resourceModel) writes(prior *resourceModel) bool {
	return prior == nil || !m.sameDefinition(prior.definitionModel) || m.Commit.ValueBool() && !prior.Commit.ValueBool()
}

func (r *audienceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_audience"
}

func (r *audienceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Declares a Knock audience, static or dynamic, through Knock's Management API (the provider's " +
			"`service_token`), in the provider's `environment` (default `development`) and `branch`.\n\n" +
			"A **static** audience's members are added and removed explicitly (`knock_audience_members`, `knock_audience_member`); " +
			"a **dynamic** audience's members are the users matching its `segments`, computed by Knock.\n\n" +
			"Knock versions audiences as content: a change is made in `development` (optionally on a branch), committed " +
			"(`commit = true`), and promoted to the other environments in Knock's dashboard or CLI. Knock refuses changes " +
			"outside `development` unless they are forced: a plan that would write to another environment fails unless " +
			"`force = true`.\n\n" +
			"Creating an audience whose key already exists in the environment takes it over: its definition becomes the " +
			"configuration's. Import it first to see it.\n\n" +
			"~> **Destroy keeps the audience.** Knock can only archive an audience, and archiving it archives it in **all** " +
			"environments. So destroying this resource (or replacing it) only removes it from the Terraform state, with a " +
			"warning, unless `archive_on_destroy = true`.",
		Attributes: map[string]schema.Attribute{
			"key": schema.StringAttribute{
				MarkdownDescription: descKey + " Changing it replaces the resource.",
				Required:            true,
				Validators:          []validator.String{idvalidator.ID{}},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "`static` (members added and removed explicitly) or `dynamic` (members computed from " +
					"`segments`). Knock cannot change an audience's type, so changing it replaces the audience, which needs " +
					"`archive_on_destroy = true` applied first (see `archive_on_destroy`).",
				Required:      true,
				Validators:    []validator.String{stringvalidator.OneOf(knockmgmt.TypeStatic, knockmgmt.TypeDynamic)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name":        schema.StringAttribute{MarkdownDescription: descName, Required: true},
			"description": schema.StringAttribute{MarkdownDescription: descDescription, Optional: true},
			"segments":    resourceSegments(),
			"sha":         schema.StringAttribute{MarkdownDescription: descSHA, Computed: true},
			"environment": schema.StringAttribute{
				MarkdownDescription: descEnvironment + " Changing the provider's environment replaces the resource: " +
					"the audience is then written to the new environment, and the one in the old environment is kept " +
					"(or archived everywhere, with `archive_on_destroy`).",
				Computed: true,
			},
			"commit": schema.BoolAttribute{
				MarkdownDescription: "Commit each change Terraform writes, so that it can be promoted to other environments. " +
					"Default `false`: changes stay uncommitted in the environment (and branch), as Knock's dashboard leaves them. " +
					"Turning it on commits the audience's current content at the next apply.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"commit_message": schema.StringAttribute{
				MarkdownDescription: "Message of the commits that `commit = true` makes.",
				Optional:            true,
			},
			"force": schema.BoolAttribute{
				MarkdownDescription: "Write to an environment other than `development`, which Knock refuses unless forced " +
					"(its `force` parameter bypasses the development-only check). Default `false`: a plan that would write " +
					"outside `development` fails and says so. Prefer committing in `development` and promoting in Knock.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"archive_on_destroy": schema.BoolAttribute{
				MarkdownDescription: "Archive the audience in Knock when the resource is destroyed or replaced. " +
					"**Knock archives an audience in ALL environments at once**, production included, whichever environment " +
					"this provider manages. Default `false`: destroy removes the audience from the Terraform state only, " +
					"with a warning, and the audience stays in Knock. Set it, and apply, before the destroy or replacement " +
					"it is meant for: a destroy uses the value in the state.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
		},
	}
}

func (r *audienceResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"key":         identityschema.StringAttribute{RequiredForImport: true, Description: descKey},
			"environment": identityschema.StringAttribute{RequiredForImport: true, Description: descEnvironment},
		},
	}
}

func (r *audienceResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{segmentsRule{}, commitMessageRule{}}
}

func (r *audienceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := providerdata.From(req.ProviderData, "Resource", &resp.Diagnostics); data != nil {
		r.data = data
	}
}

func (r *audienceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.upsert(ctx, &plan, "creating")...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *audienceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.writes(&state) {
		resp.Diagnostics.Append(r.upsert(ctx, &plan, "updating")...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

// upsert writes plan's definition to Knock and records the SHA Knock answers.
func (r *audienceResource) upsert(ctx context.Context, plan *resourceModel, action string) diag.Diagnostics {
	client, diags := r.data.RequireManagement(TypeName)
	if diags.HasError() {
		return diags
	}
	key, environment := plan.Key.ValueString(), plan.Environment.ValueString()
	loc, d := location(r.data, environment)
	if diags.Append(d...); diags.HasError() {
		return diags
	}
	def, d := plan.definition(ctx)
	if diags.Append(d...); diags.HasError() {
		return diags
	}
	saved, err := client.UpsertAudience(ctx, loc, key, def, plan.writeOptions())
	if err != nil {
		diags.AddError("Unable to Write Audience", apiErrorDetail(action, key, environment, err))
		return diags
	}
	tflog.Debug(ctx, "Wrote audience", map[string]any{"audience_key": key, "environment": environment, "commit": plan.Commit.ValueBool()})
	plan.SHA = optionalString(saved.SHA)
	return diags
}

func (r *audienceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, diags := r.data.RequireManagement(TypeName)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	key, environment := state.Key.ValueString(), state.Environment.ValueString()
	loc, diags := location(r.data, environment)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	live, err := client.GetAudience(ctx, loc, key)
	if knockmgmt.IsNotFound(err) {
		tflog.Info(ctx, "Audience gone from Knock, removing it from state", map[string]any{"audience_key": key, "environment": environment})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Audience", apiErrorDetail("reading", key, environment, err))
		return
	}
	state.setFrom(live, environment)
	state.setDefaults()
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
}

// setDefaults fills the settings an import leaves null with their defaults, as a configuration that
// leaves them out has them.
func (m *resourceModel) setDefaults() {
	for _, b := range []*types.Bool{&m.Commit, &m.Force, &m.ArchiveOnDestroy} {
		if b.IsNull() {
			*b = types.BoolValue(false)
		}
	}
}

func (r *audienceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	key, environment := state.Key.ValueString(), state.Environment.ValueString()
	if !state.ArchiveOnDestroy.ValueBool() {
		resp.Diagnostics.AddWarning(keptSummary, keptDetail(key, environment))
		return
	}
	client, diags := r.data.RequireManagement(TypeName)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	err := client.ArchiveAudience(ctx, environment, key)
	if err != nil && !knockmgmt.IsNotFound(err) {
		resp.Diagnostics.AddError("Unable to Archive Audience", apiErrorDetail("archiving", key, environment, err))
		return
	}
	tflog.Info(ctx, "Archived audience in every environment", map[string]any{"audience_key": key})
}

const keptSummary = "Audience Kept in Knock"

// keptDetail is the warning of a destroy that keeps the audience, at plan and at apply.
func keptDetail(key, environment string) string {
	return fmt.Sprintf("Destroying knock_audience %q removes it from the Terraform state only: the audience stays in Knock "+
		"(environment %q and every other). Knock can only archive an audience, in all environments at once, so Terraform "+
		"does so only when archive_on_destroy = true is in the state. To archive it, set archive_on_destroy = true, apply, "+
		"then destroy; or archive it in Knock's dashboard.", key, environment)
}

func (r *audienceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if r.data == nil {
		return
	}
	key, environment := req.ID, r.data.Environment
	if req.ID == "" {
		var id identityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &id)...)
		if resp.Diagnostics.HasError() {
			return
		}
		key, environment = id.Key.ValueString(), id.Environment.ValueString()
	}
	if environment != r.data.Environment {
		resp.Diagnostics.AddAttributeError(path.Root("environment"), "Audience Environment Mismatch",
			fmt.Sprintf("The import names audience %q of environment %q, and this provider manages environment %q. "+
				"Import it with a provider whose environment is %q (an alias), or import it by key into this one.",
				key, environment, r.data.Environment, environment))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("key"), key)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("environment"), environment)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, identityModel{Key: types.StringValue(key), Environment: types.StringValue(environment)})...)
}
