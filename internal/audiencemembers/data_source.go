package audiencemembers

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

// DataSource reads an audience: its members, user ids and count, and optionally its users' properties.
//
// The knock_audience_members data source is served at the plugin-protocol level, for the reasons the
// resource of that name is (resource.go): through the framework, a list of ten-attribute
// objects cost a value per member and attribute, and a plan reading 100,000 members took 41 s and 1.16 GB.
// Here the answer is written straight to msgpack from the listing, so the provider holds the memberships
// once, as Go strings, and their encoding.
//
// Its calls to Knock carry no deadline of their own: the client bounds every call whose context has none
// with its OperationTimeout (knock.DefaultOperationTimeout by default), as it did under the framework.
type DataSource struct {
	data func() *providerdata.Data // as Resource's
}

// NewDataSource is the data source; data returns what the provider's Configure published last.
func NewDataSource(data func() *providerdata.Data) *DataSource {
	return &DataSource{data: data}
}

// userPropertyNames are the attributes of each element of users, in the order the schema lists them.
var userPropertyNames = []string{"name", "email", "phone_number", "avatar", "timezone", "created_at", "updated_at", "added_at"}

var (
	// audienceMembersDataType follows from the schema, so that the two cannot disagree.
	audienceMembersDataType = DataSourceSchema().ValueType().(tftypes.Object) //nolint:forcetypeassert // a schema's block is an object; a panic at init is the test
)

// DataSourceSchema is the data source's schema.
func DataSourceSchema() *tfprotov6.Schema {
	markdown := tfprotov6.StringKindMarkdown
	userProperty := func(name, description string) *tfprotov6.SchemaAttribute {
		return &tfprotov6.SchemaAttribute{Name: name, Type: tftypes.String, Computed: true, DescriptionKind: markdown, Description: description}
	}
	return &tfprotov6.Schema{
		Version: 0,
		Block: &tfprotov6.SchemaBlock{
			DescriptionKind: markdown,
			Description: "Reads the memberships of a Knock audience, every page of it, for lookups: copy an audience into a " +
				"`knock_audience_members` resource (`members = data.knock_audience_members.a.members`), compare audiences " +
				"(`user_ids`), or stop a pipeline when an audience is smaller than expected (`membership_count` in a " +
				"`postcondition`).\n\n" +
				"**What lands in state.** User ids and tenants, always (`members`, `user_ids`, `membership_count`). The users' " +
				"properties (name, email, phone number, avatar, time zone, timestamps) are personal data: they are read only " +
				"with `include_user_properties = true`, into `users`, which is sensitive. Terraform then hides them in plans " +
				"and outputs, but the state, and a saved plan file, hold them in clear text like every sensitive value: " +
				"protect the state backend accordingly, or leave them out.\n\n" +
				"**Cost.** Knock lists at most 50 memberships a request, so a read costs ceil(N/50) list requests, paced by " +
				"the provider's `read_requests_per_second`, and no more. " + dataSourceCostNote,
			Attributes: []*tfprotov6.SchemaAttribute{
				{
					Name: "audience_key", Type: tftypes.String, Required: true, DescriptionKind: markdown,
					Description: "Key of the audience to read. An audience that does not exist is an error.",
				},
				{
					Name: "tenant", Type: tftypes.String, Optional: true, DescriptionKind: markdown,
					Description: "Only return the memberships under this tenant. Unset returns every membership. Knock's list " +
						"cannot filter, so the whole audience is listed either way.",
				},
				{
					Name: "include_user_properties", Type: tftypes.Bool, Optional: true, DescriptionKind: markdown,
					Description: "Also read the users' standard properties into `users`. Default `false`: only user ids and " +
						"tenants are read and stored. The properties are personal data; see `users`.",
				},
				{
					Name: "members", Type: membersMapType, Computed: true, DescriptionKind: markdown,
					Description: "The memberships in `knock_audience_members`'s own shape: a map from user id to tenant, `null` for " +
						"a membership without tenant, so that `members = data.knock_audience_members.a.members` copies an audience. " +
						"A map holds one entry per user: a user who is a member under several tenants appears once, with the " +
						"smallest of their tenants (no tenant first, then tenant ids in byte order), and their other memberships " +
						"only count in `membership_count`; a copy does not get them. To copy every membership of a multi-tenant " +
						"audience, read it once per tenant (`tenant`) into one resource per tenant. With `tenant` set, every value " +
						"is that tenant; a resource with `tenant` set wants `null` values instead: " +
						"`{ for id in data.knock_audience_members.a.user_ids : id => null }`.",
				},
				{
					Name: "user_ids", Type: tftypes.List{ElementType: tftypes.String}, Computed: true, DescriptionKind: markdown,
					Description: "The distinct user ids of the memberships, sorted. For comparisons, such as the members of one " +
						"audience that are not in another: `setsubtract(data.knock_audience_members.a.user_ids, data.knock_audience_members.b.user_ids)`.",
				},
				{
					Name: "membership_count", Type: tftypes.Number, Computed: true, DescriptionKind: markdown,
					Description: "Number of memberships: every (user, tenant) pair, so more than the number of `user_ids` when " +
						"a user is a member under several tenants.",
				},
				{
					Name: "users", Computed: true, Sensitive: true, DescriptionKind: markdown,
					Description: "Only with `include_user_properties = true`, else null: a map from user id (the keys of " +
						"`members`) to the user's standard properties, so that `users[id].email` looks one up. Custom " +
						"properties are not read. Sensitive, because it is personal data: an output that uses it needs " +
						"`sensitive = true`, and the state holds it in clear text.",
					NestedType: &tfprotov6.SchemaObject{
						Nesting: tfprotov6.SchemaObjectNestingModeMap,
						Attributes: []*tfprotov6.SchemaAttribute{
							userProperty("name", "The user's name."),
							userProperty("email", "The user's email address."),
							userProperty("phone_number", "The user's phone number."),
							userProperty("avatar", "URL of the user's avatar."),
							userProperty("timezone", "The user's time zone."),
							userProperty("created_at", "When the user was created (RFC 3339)."),
							userProperty("updated_at", "When the user was last updated (RFC 3339)."),
							userProperty("added_at", "When the membership shown in `members` was added to the audience (RFC 3339)."),
						},
					},
				},
			},
		},
	}
}

// dataSourceCostNote says what a read costs; the numbers make bench measured are in the large-audiences guide.
const dataSourceCostNote = "A plan that only reads the data source costs about what the resource's refresh of the same audience " +
	"costs; at 100,000 members most of it is Knock's floor: 2,000 list requests at the read tier of 200 a second take " +
	"about 10 s. `include_user_properties` adds the properties to the provider's memory and the state, about their " +
	"size in JSON. The guide \"Large audiences\" has the times and memory `make bench` measured."

// membersLookup is the configuration of one read.
type membersLookup struct {
	audienceKey, tenant tftypes.Value
	includeUsers        tftypes.Value
}

func decodeMembersLookup(dv *tfprotov6.DynamicValue) (membersLookup, error) {
	if dv == nil {
		return membersLookup{}, fmt.Errorf("decoding knock_audience_members: no configuration")
	}
	value, err := dv.Unmarshal(audienceMembersDataType)
	if err != nil {
		return membersLookup{}, fmt.Errorf("decoding knock_audience_members: %w", err)
	}
	var attrs map[string]tftypes.Value
	if err := value.As(&attrs); err != nil {
		return membersLookup{}, fmt.Errorf("decoding knock_audience_members: %w", err)
	}
	return membersLookup{audienceKey: attrs["audience_key"], tenant: attrs["tenant"], includeUsers: attrs["include_user_properties"]}, nil
}

// ValidateDataResourceConfig checks the audience key and tenant before any request.
func (d *DataSource) ValidateDataResourceConfig(_ context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	resp := &tfprotov6.ValidateDataResourceConfigResponse{}
	config, err := decodeMembersLookup(req.Config)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Invalid Configuration", err.Error(), nil)
		return resp, nil
	}
	if key := config.audienceKey; key.IsKnown() && !key.IsNull() {
		if problem := knockdiag.IDProblem(stringOf(key)); problem != "" {
			resp.Diagnostics = append(resp.Diagnostics, knockdiag.Error("Invalid Audience Key",
				fmt.Sprintf("audience_key is %q, which %s. Write the key exactly as the Knock dashboard shows it under Audiences.", stringOf(key), problem),
				pathAudienceKey)...)
		}
	}
	if tenant := config.tenant; tenant.IsKnown() && !tenant.IsNull() {
		if problem := knockdiag.IDProblem(stringOf(tenant)); problem != "" {
			resp.Diagnostics = append(resp.Diagnostics, knockdiag.Error("Invalid Tenant",
				fmt.Sprintf("tenant is %q, which %s. Write the tenant id exactly as Knock knows it, or remove tenant to read every membership.", stringOf(tenant), problem),
				pathTenant)...)
		}
	}
	return resp, nil
}

// ReadDataSource lists the audience and returns it in the resource's shape.
func (d *DataSource) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	resp := &tfprotov6.ReadDataSourceResponse{}
	config, err := decodeMembersLookup(req.Config)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Read Audience Members", err.Error(), nil)
		return resp, nil
	}
	client, diags := configuredClient(d.data())
	if diags != nil {
		resp.Diagnostics = diags
		return resp, nil
	}
	audienceKey := stringOf(config.audienceKey)
	var includeUsers bool
	if config.includeUsers.IsKnown() && !config.includeUsers.IsNull() {
		_ = config.includeUsers.As(&includeUsers)
	}

	// Both listings come sorted by user id, then tenant with no tenant first, and without repeats: the
	// first membership of each user is the one members shows.
	var memberships []changeset.Membership
	var entries []knock.AudienceMember
	if includeUsers {
		entries, err = client.ListMembers(ctx, audienceKey)
		memberships = make([]changeset.Membership, len(entries))
		for i, e := range entries {
			memberships[i] = e.Membership()
		}
	} else {
		// Skips decoding the user objects, which Knock sends either way.
		memberships, err = client.ListMemberships(ctx, audienceKey)
	}
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Read Audience Members", knockdiag.APIErrorDetail("listing the members of", audienceKey, 0, err), nil)
		return resp, nil
	}
	if !config.tenant.IsNull() {
		memberships, entries = underTenant(memberships, entries, stringOf(config.tenant))
	}
	// Terraform turns every string into Unicode normal form C, so such an id would land in state as
	// another id than Knock's, and a copy would add a user who is not the member.
	if diags := knockdiag.NormalFormDiagnostics(audienceKey, memberships); diags != nil {
		resp.Diagnostics = diags
		return resp, nil
	}
	state, err := encodeDataSourceState(config, includeUsers, memberships, entries)
	if err != nil {
		resp.Diagnostics = knockdiag.Error("Unable to Read Audience Members", err.Error(), nil)
		return resp, nil
	}
	resp.State = &tfprotov6.DynamicValue{MsgPack: state}
	return resp, nil
}

// underTenant keeps the memberships under tenant, and the entries beside them when there are any.
func underTenant(memberships []changeset.Membership, entries []knock.AudienceMember, tenant string) ([]changeset.Membership, []knock.AudienceMember) {
	kept := 0
	for i := range memberships {
		if memberships[i].Tenant != tenant {
			continue
		}
		memberships[kept] = memberships[i]
		if entries != nil {
			entries[kept] = entries[i]
		}
		kept++
	}
	if entries != nil {
		entries = slices.Clip(entries[:kept])
	}
	return memberships[:kept], entries
}

// encodeDataSourceState writes the data source's object as Terraform's msgpack (cty's: an object is a map
// from attribute name to value, null is nil), in one pass over the memberships, sorted by user id then
// tenant. entries, when includeUsers, are the listing entries beside memberships.
func encodeDataSourceState(config membersLookup, includeUsers bool, memberships []changeset.Membership, entries []knock.AudienceMember) ([]byte, error) {
	users := 0
	for i := range memberships {
		if i == 0 || memberships[i].UserID != memberships[i-1].UserID {
			users++
		}
	}
	var buf bytes.Buffer
	buf.Grow(64 + users*40)
	enc := msgpack.NewEncoder(&buf)
	// Writes to a bytes.Buffer cannot fail; only the configuration's values can.
	_ = enc.EncodeMapLen(len(audienceMembersDataType.AttributeTypes))
	for _, attr := range []struct {
		name  string
		value tftypes.Value
	}{{"audience_key", config.audienceKey}, {"tenant", config.tenant}, {"include_user_properties", config.includeUsers}} {
		_ = enc.EncodeString(attr.name)
		if err := encodeConfigValue(enc, attr.value); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", attr.name, err)
		}
	}
	firstOfUser := func(i int) bool { return i == 0 || memberships[i].UserID != memberships[i-1].UserID }

	_ = enc.EncodeString("members")
	_ = enc.EncodeMapLen(users)
	for i, m := range memberships {
		if !firstOfUser(i) {
			continue
		}
		_ = enc.EncodeString(m.UserID)
		if m.Tenant == "" {
			_ = enc.EncodeNil()
		} else {
			_ = enc.EncodeString(m.Tenant)
		}
	}

	_ = enc.EncodeString("user_ids")
	_ = enc.EncodeArrayLen(users)
	for i, m := range memberships {
		if firstOfUser(i) {
			_ = enc.EncodeString(m.UserID)
		}
	}

	_ = enc.EncodeString("membership_count")
	_ = enc.EncodeInt(int64(len(memberships)))

	_ = enc.EncodeString("users")
	if !includeUsers {
		_ = enc.EncodeNil()
		return buf.Bytes(), nil
	}
	_ = enc.EncodeMapLen(users)
	for i, e := range entries {
		if !firstOfUser(i) {
			continue
		}
		_ = enc.EncodeString(e.UserID)
		_ = enc.EncodeMapLen(len(userPropertyNames))
		for _, p := range []struct {
			name  string
			value *string
		}{
			{"name", e.User.Name}, {"email", e.User.Email}, {"phone_number", e.User.PhoneNumber}, {"avatar", e.User.Avatar},
			{"timezone", e.User.Timezone}, {"created_at", e.User.CreatedAt}, {"updated_at", e.User.UpdatedAt}, {"added_at", &e.AddedAt},
		} {
			_ = enc.EncodeString(p.name)
			if p.value == nil {
				_ = enc.EncodeNil()
			} else {
				_ = enc.EncodeString(*p.value)
			}
		}
	}
	return buf.Bytes(), nil
}

// encodeConfigValue writes a known string or bool of the configuration, or nil for null.
func encodeConfigValue(enc *msgpack.Encoder, v tftypes.Value) error {
	if v.IsNull() {
		return enc.EncodeNil()
	}
	if !v.IsKnown() {
		return fmt.Errorf("the value is not known")
	}
	switch {
	case v.Type().Is(tftypes.String):
		var s string
		if err := v.As(&s); err != nil {
			return err
		}
		return enc.EncodeString(s)
	case v.Type().Is(tftypes.Bool):
		var b bool
		if err := v.As(&b); err != nil {
			return err
		}
		return enc.EncodeBool(b)
	}
	return fmt.Errorf("unexpected type %s", v.Type())
}
