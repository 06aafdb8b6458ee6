package audience

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
)

var (
	_ validator.Object         = argumentRule{}
	_ validator.String         = operatorRule{}
	_ resource.ConfigValidator = segmentsRule{}
	_ resource.ConfigValidator = commitMessageRule{}
)

// operatorRule accepts the operators of Knock's AudienceCondition.
type operatorRule struct{}

func (operatorRule) Description(context.Context) string {
	return "one of " + strings.Join(knockmgmt.Operators, ", ")
}

func (v operatorRule) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (operatorRule) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	op := req.ConfigValue.ValueString()
	for _, known := range knockmgmt.Operators {
		if op == known {
			return
		}
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Audience Condition Operator",
		fmt.Sprintf("%s is %q, which is not an operator of Knock's audience conditions. Use one of: %s.",
			req.Path, op, strings.Join(knockmgmt.Operators, ", ")))
}

// argumentRule requires an argument for the operators that compare with one, and forbids it for the
// others (empty, exists, is_timestamp_before_now...), which Knock would otherwise ignore or refuse.
type argumentRule struct{}

func (argumentRule) Description(context.Context) string {
	return "argument is set exactly when the operator takes one"
}

func (v argumentRule) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (argumentRule) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var c conditionModel
	if resp.Diagnostics.Append(req.ConfigValue.As(ctx, &c, basetypes.ObjectAsOptions{})...); resp.Diagnostics.HasError() {
		return
	}
	if c.Operator.IsNull() || c.Operator.IsUnknown() || c.Argument.IsUnknown() {
		return
	}
	op := c.Operator.ValueString()
	argPath := req.Path.AtName("argument")
	switch takes := knockmgmt.OperatorTakesArgument(op); {
	case takes && c.Argument.IsNull():
		resp.Diagnostics.AddAttributeError(argPath, "Missing Audience Condition Argument",
			fmt.Sprintf("The condition on property %q uses operator %q, which compares the property with an argument, "+
				"and %s is not set. Set argument to the value to compare with (for is_audience_member, the key of the other audience).",
				c.Property.ValueString(), op, argPath))
	case !takes && !c.Argument.IsNull():
		resp.Diagnostics.AddAttributeError(argPath, "Unexpected Audience Condition Argument",
			fmt.Sprintf("The condition on property %q uses operator %q, which takes no argument, and %s is %q. Remove argument.",
				c.Property.ValueString(), op, argPath, c.Argument.ValueString()))
	}
}

// segmentsRule requires segments on a dynamic audience and forbids them on a static one.
type segmentsRule struct{}

func (segmentsRule) Description(context.Context) string {
	return "segments are set for a dynamic audience and only for one"
}

func (v segmentsRule) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (segmentsRule) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var audienceType types.String
	var segments types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("type"), &audienceType)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("segments"), &segments)...)
	if resp.Diagnostics.HasError() || audienceType.IsNull() || audienceType.IsUnknown() || segments.IsUnknown() {
		return
	}
	switch audienceType.ValueString() {
	case knockmgmt.TypeDynamic:
		if segments.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("segments"), "Missing Audience Segments",
				"type is \"dynamic\" and segments is not set. A dynamic audience's members are the users matching its "+
					"segments: add at least one segments { conditions = [...] }, or set type = \"static\" to manage members yourself.")
		}
	case knockmgmt.TypeStatic:
		if !segments.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("segments"), "Unexpected Audience Segments",
				"type is \"static\" and segments is set. A static audience's members are added and removed explicitly "+
					"(knock_audience_members): remove segments, or set type = \"dynamic\" for members computed from conditions.")
		}
	}
}

// commitMessageRule: Knock only uses a commit message on a commit.
type commitMessageRule struct{}

func (commitMessageRule) Description(context.Context) string {
	return "commit_message is set only with commit = true"
}

func (v commitMessageRule) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (commitMessageRule) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var commit types.Bool
	var message types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("commit"), &commit)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("commit_message"), &message)...)
	if resp.Diagnostics.HasError() || message.IsNull() || message.IsUnknown() || commit.IsUnknown() {
		return
	}
	if !commit.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("commit_message"), "Commit Message Without Commit",
			fmt.Sprintf("commit_message is %q and commit is not true, so nothing is committed and the message would be lost. "+
				"Set commit = true to commit each change with this message, or remove commit_message.", message.ValueString()))
	}
}
