package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// idValidator is knockdiag.IDProblem as a framework validator, for the framework resources' and data sources' ids.
type idValidator struct{}

var _ validator.String = idValidator{}

func (idValidator) Description(context.Context) string {
	return fmt.Sprintf("a Knock id: not empty, not . or .., no whitespace at either end, no control characters, at most %d characters", knock.MaxIDLength)
}

func (v idValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (idValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := knockdiag.IDProblem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Knock ID",
			fmt.Sprintf("%s is %q, which %s. Write the id exactly as Knock shows it.", req.Path, req.ConfigValue.ValueString(), problem))
	}
}
