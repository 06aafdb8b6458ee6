package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/idvalidator"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

var (
	_ list.ListResource              = (*audienceMemberListResource)(nil)
	_ list.ListResourceWithConfigure = (*audienceMemberListResource)(nil)
)

// NewAudienceMemberListResource returns the knock_audience_member list resource, which `terraform query`
// (Terraform 1.14+) uses to find the memberships of an audience and write the configuration that adopts them.
func NewAudienceMemberListResource() list.ListResource {
	return &audienceMemberListResource{}
}

type audienceMemberListResource struct {
	client *knock.Client
}

type audienceMemberListModel struct {
	AudienceKey types.String `tfsdk:"audience_key"`
	Tenant      types.String `tfsdk:"tenant"`
}

func (r *audienceMemberListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = audienceMemberTypeName
}

func (r *audienceMemberListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the memberships of an audience as `knock_audience_member` resources, one per " +
			"(user, tenant). Reading them lists the whole audience, one request per 50 members.",
		Attributes: map[string]schema.Attribute{
			"audience_key": schema.StringAttribute{MarkdownDescription: "Key of the audience to list.", Required: true, Validators: []validator.String{idvalidator.ID{}}},
			"tenant":       schema.StringAttribute{MarkdownDescription: "Only the memberships under this tenant.", Optional: true, Validators: []validator.String{idvalidator.ID{}}},
		},
	}
}

func (r *audienceMemberListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := providerdata.From(req.ProviderData, "List Resource", &resp.Diagnostics); data != nil {
		client, diags := data.RequireClient(audienceMemberTypeName)
		resp.Diagnostics.Append(diags...)
		r.client = client
	}
}

func (r *audienceMemberListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config audienceMemberListModel
	if diags := req.Config.Get(ctx, &config); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	audienceKey := config.AudienceKey.ValueString()
	memberships, err := r.client.ListMemberships(ctx, audienceKey)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Unable to List Audience Members", knockdiag.APIErrorDetail("listing the members of", audienceKey, 0, err))
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	changeset.SortMemberships(memberships)
	stream.Results = func(push func(list.ListResult) bool) {
		var sent int64
		for _, m := range memberships {
			if !config.Tenant.IsNull() && m.Tenant != config.Tenant.ValueString() {
				continue
			}
			if req.Limit > 0 && sent >= req.Limit {
				return
			}
			model := memberModel(audienceKey, m)
			result := req.NewListResult(ctx)
			result.DisplayName = m.UserID
			if m.Tenant != "" {
				result.DisplayName += " (tenant " + m.Tenant + ")"
			}
			result.Diagnostics.Append(result.Identity.Set(ctx, model.identity())...)
			if req.IncludeResource {
				result.Diagnostics.Append(result.Resource.Set(ctx, model)...)
			}
			sent++
			if !push(result) {
				return
			}
		}
	}
}
