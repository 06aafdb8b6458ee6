package audience

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

var (
	_ list.ListResource              = (*audienceListResource)(nil)
	_ list.ListResourceWithConfigure = (*audienceListResource)(nil)
)

// NewListResource returns the knock_audience list resource, which `terraform query` (Terraform 1.14+)
// uses to find the audiences of an environment and write the configuration that adopts them.
func NewListResource() list.ListResource { return &audienceListResource{} }

// audienceListResource is the knock_audience list resource.
type audienceListResource struct {
	data *providerdata.Data
}

type listModel struct {
	Type types.String `tfsdk:"type"`
}

func (l *audienceListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_audience"
}

func (l *audienceListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the audiences of the provider's `environment` (and `branch`) as `knock_audience` " +
			"resources, through Knock's Management API (the provider's `service_token`).",
		Attributes: map[string]schema.Attribute{
			"type": schema.StringAttribute{
				MarkdownDescription: "Only the audiences of this type: `static` or `dynamic`. Unset: all of them.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(knockmgmt.TypeStatic, knockmgmt.TypeDynamic)},
			},
		},
	}
}

func (l *audienceListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := providerdata.From(req.ProviderData, "List Resource", &resp.Diagnostics); data != nil {
		l.data = data
	}
}

func (l *audienceListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config listModel
	diags := req.Config.Get(ctx, &config)
	client, d := l.data.RequireManagement(TypeName)
	diags.Append(d...)
	environment := l.data.Environment
	loc, d := location(l.data, environment)
	if diags.Append(d...); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	// The listing is read whole before the first result: an error midway then fails the query instead of
	// leaving it with part of the audiences.
	var audiences []knockmgmt.Audience
	err := client.ListAudiences(ctx, loc, func(a knockmgmt.Audience) error {
		if config.Type.IsNull() || a.Type == config.Type.ValueString() {
			audiences = append(audiences, a)
		}
		return nil
	})
	if err != nil {
		diags.AddError("Unable to List Audiences", fmt.Sprintf("Knock's Management API failed while listing the audiences "+
			"of environment %q.\n\n%s", environment, err))
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for i, a := range audiences {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			var model resourceModel
			model.setFrom(a, environment)
			model.setDefaults()
			result := req.NewListResult(ctx)
			result.DisplayName = a.Name + " (" + a.Key + ", " + a.Type + ")"
			result.Diagnostics.Append(result.Identity.Set(ctx, model.identity())...)
			if req.IncludeResource {
				result.Diagnostics.Append(result.Resource.Set(ctx, model)...)
			}
			if !push(result) {
				return
			}
		}
	}
}
