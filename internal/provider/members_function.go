package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ function.Function = (*membersFunction)(nil)

// NewMembersFunction returns provider::knock::members.
func NewMembersFunction() function.Function {
	return &membersFunction{}
}

type membersFunction struct{}

func (f *membersFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "members"
}

func (f *membersFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Turns a list of user ids into the members map of knock_audience_members.",
		MarkdownDescription: "Returns a map from each user id to `tenant`, or to `null` when no tenant is given, for the " +
			"`members` attribute: `members = provider::knock::members(local.user_ids)`. An empty id or an id that " +
			"appears twice is an error that names its position, so a broken export does not slip into an audience. A " +
			"null id is an error too: `id != \"\"` alone lets nulls through, so filter a list that may hold either with " +
			"`[for id in ids : id if id != null && id != \"\"]`.\n\n" +
			"-> Provider-defined functions need Terraform 1.8 or later. With an older Terraform, write the map with a " +
			"for expression: `{ for id in local.user_ids : id => null }`.",
		Parameters: []function.Parameter{
			function.ListParameter{
				Name:                "user_ids",
				ElementType:         types.StringType,
				MarkdownDescription: "The user ids, each once.",
			},
		},
		VariadicParameter: function.StringParameter{
			Name: "tenant",
			// null is "no tenant", as in the members map, so that a module can pass its optional variable through.
			AllowNullValue:      true,
			MarkdownDescription: "Optional: the tenant of every membership. Leave it out, or pass `null`, for memberships without tenant.",
		},
		Return: function.MapReturn{ElementType: types.StringType},
	}
}

func (f *membersFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var userIDs []types.String
	var tenants []types.String
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &userIDs, &tenants))
	if resp.Error != nil {
		return
	}
	tenant := types.StringNull()
	switch {
	case len(tenants) > 1:
		resp.Error = function.NewArgumentFuncError(1, fmt.Sprintf("members takes at most one tenant, got %d", len(tenants)))
		return
	case len(tenants) == 1 && !tenants[0].IsNull():
		if tenants[0].ValueString() == "" {
			resp.Error = function.NewArgumentFuncError(1, `the tenant is "" (empty): leave it out for memberships without tenant`)
			return
		}
		tenant = tenants[0]
	}
	members := make(map[string]attr.Value, len(userIDs))
	for i, id := range userIDs {
		if id.IsNull() || id.ValueString() == "" {
			what := "empty"
			if id.IsNull() {
				what = "null"
			}
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("user_ids[%d] is %s; filter null and empty ids out: [for id in ids : id if id != null && id != \"\"]", i, what))
			return
		}
		if _, repeated := members[id.ValueString()]; repeated {
			// Only on this error path is the first position looked for.
			first := slices.IndexFunc(userIDs, func(other types.String) bool { return other.ValueString() == id.ValueString() })
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("user_ids[%d] is %q, which is also user_ids[%d]; each user id may appear once (distinct() removes repeats)",
				i, id.ValueString(), first))
			return
		}
		members[id.ValueString()] = tenant
	}
	result, diags := types.MapValue(types.StringType, members)
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	resp.Error = resp.Result.Set(ctx, result)
}
