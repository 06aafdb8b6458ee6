package audience

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/knock-tf/terraform-provider-knock/internal/idvalidator"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

var (
	_ datasource.DataSource              = (*audienceDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*audienceDataSource)(nil)
)

// NewDataSource returns the knock_audience data source.
func NewDataSource() datasource.DataSource { return &audienceDataSource{} }

// audienceDataSource is the knock_audience data source: an audience's definition, read by key.
type audienceDataSource struct {
	data *providerdata.Data
}

func (d *audienceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_audience"
}

func (d *audienceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the definition of a Knock audience by key through Knock's Management API (the provider's " +
			"`service_token`), in the provider's `environment` and `branch`: its type, name, description and, for a dynamic " +
			"audience, its segments. An audience that does not exist fails the read.",
		Attributes: map[string]schema.Attribute{
			"key":         schema.StringAttribute{MarkdownDescription: descKey, Required: true, Validators: []validator.String{idvalidator.ID{}}},
			"type":        schema.StringAttribute{MarkdownDescription: "`static` or `dynamic`.", Computed: true},
			"name":        schema.StringAttribute{MarkdownDescription: descName, Computed: true},
			"description": schema.StringAttribute{MarkdownDescription: descDescription, Computed: true},
			"segments":    dataSourceSegments(),
			"sha":         schema.StringAttribute{MarkdownDescription: descSHA, Computed: true},
			"environment": schema.StringAttribute{MarkdownDescription: descEnvironment, Computed: true},
		},
	}
}

func (d *audienceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if data := providerdata.From(req.ProviderData, "Data Source", &resp.Diagnostics); data != nil {
		d.data = data
	}
}

func (d *audienceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model definitionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, diags := d.data.RequireManagement(TypeName)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	key, environment := model.Key.ValueString(), d.data.Environment
	loc, diags := location(d.data, environment)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	live, err := client.GetAudience(ctx, loc, key)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Audience", apiErrorDetail("reading", key, environment, err))
		return
	}
	model.setFrom(live, environment)
	resp.Diagnostics.Append(resp.State.Set(ctx, model)...)
}
