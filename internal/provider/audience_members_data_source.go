package provider

import (
	"cmp"
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

var (
	_ datasource.DataSource              = (*audienceMembersDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*audienceMembersDataSource)(nil)
)

// NewAudienceMembersDataSource returns the knock_audience_members data source.
func NewAudienceMembersDataSource() datasource.DataSource {
	return &audienceMembersDataSource{}
}

type audienceMembersDataSource struct {
	client *knock.Client
}

type audienceMembersDataSourceModel struct {
	AudienceKey     types.String                    `tfsdk:"audience_key"`
	Tenant          types.String                    `tfsdk:"tenant"`
	Members         []audienceMemberDataSourceModel `tfsdk:"members"`
	UserIDs         []string                        `tfsdk:"user_ids"`
	MembershipCount types.Int64                     `tfsdk:"membership_count"`
}

type audienceMemberDataSourceModel struct {
	UserID      types.String `tfsdk:"user_id"`
	Tenant      types.String `tfsdk:"tenant"`
	AddedAt     types.String `tfsdk:"added_at"`
	Name        types.String `tfsdk:"name"`
	Email       types.String `tfsdk:"email"`
	PhoneNumber types.String `tfsdk:"phone_number"`
	Avatar      types.String `tfsdk:"avatar"`
	Timezone    types.String `tfsdk:"timezone"`
	CreatedAt   types.String `tfsdk:"created_at"`
	UpdatedAt   types.String `tfsdk:"updated_at"`
}

func (d *audienceMembersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_audience_members"
}

func (d *audienceMembersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	userAttr := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the members of a Knock audience, every page of it, with the users' standard properties. " +
			"Entries are sorted by user id, then tenant.",
		Attributes: map[string]schema.Attribute{
			"audience_key": schema.StringAttribute{
				MarkdownDescription: "Key of the audience to read.",
				Required:            true,
				Validators:          []validator.String{idValidator{}},
			},
			"tenant": schema.StringAttribute{
				MarkdownDescription: "Only return memberships under this tenant. Unset returns every membership.",
				Optional:            true,
				Validators:          []validator.String{idValidator{}},
			},
			"members": schema.ListNestedAttribute{
				MarkdownDescription: "The memberships, one per (user, tenant) pair.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"user_id":      userAttr("The user's id."),
						"tenant":       userAttr("The membership's tenant; null for a membership without tenant."),
						"added_at":     userAttr("When the membership was added (RFC 3339)."),
						"name":         userAttr("The user's name."),
						"email":        userAttr("The user's email address."),
						"phone_number": userAttr("The user's phone number."),
						"avatar":       userAttr("URL of the user's avatar."),
						"timezone":     userAttr("The user's time zone."),
						"created_at":   userAttr("When the user was created (RFC 3339)."),
						"updated_at":   userAttr("When the user was last updated (RFC 3339)."),
					},
				},
			},
			"user_ids": schema.ListAttribute{
				MarkdownDescription: "The distinct user ids of `members`, sorted. Ready for a resource: " +
					"`{ for id in data.knock_audience_members.x.user_ids : id => null }`.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"membership_count": schema.Int64Attribute{
				MarkdownDescription: "Number of entries in `members`.",
				Computed:            true,
			},
		},
	}
}

func (d *audienceMembersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, "Data Source", &resp.Diagnostics)
}

func (d *audienceMembersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model audienceMembersDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	audienceKey := model.AudienceKey.ValueString()
	entries, err := d.client.ListMembers(ctx, audienceKey)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Audience Members", apiErrorDetail("listing the members of", audienceKey, 0, err))
		return
	}
	if !model.Tenant.IsNull() {
		entries = slices.DeleteFunc(entries, func(e knock.AudienceMember) bool {
			return e.Tenant == nil || *e.Tenant != model.Tenant.ValueString()
		})
	}
	slices.SortFunc(entries, func(a, b knock.AudienceMember) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.Membership().Tenant, b.Membership().Tenant))
	})

	model.Members = make([]audienceMemberDataSourceModel, len(entries))
	model.UserIDs = make([]string, 0, len(entries))
	for i, e := range entries {
		model.Members[i] = audienceMemberDataSourceModel{
			UserID:      types.StringValue(e.UserID),
			Tenant:      types.StringPointerValue(e.Tenant),
			AddedAt:     types.StringValue(e.AddedAt),
			Name:        types.StringPointerValue(e.User.Name),
			Email:       types.StringPointerValue(e.User.Email),
			PhoneNumber: types.StringPointerValue(e.User.PhoneNumber),
			Avatar:      types.StringPointerValue(e.User.Avatar),
			Timezone:    types.StringPointerValue(e.User.Timezone),
			CreatedAt:   types.StringPointerValue(e.User.CreatedAt),
			UpdatedAt:   types.StringPointerValue(e.User.UpdatedAt),
		}
		if i == 0 || entries[i-1].UserID != e.UserID {
			model.UserIDs = append(model.UserIDs, e.UserID)
		}
	}
	model.MembershipCount = types.Int64Value(int64(len(entries)))
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}
