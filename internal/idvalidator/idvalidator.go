// Package idvalidator holds knockdiag.IDProblem as a framework validator, for the framework resources'
// and data sources of every package: one rule for every id a configuration names.
package idvalidator

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// ID is knockdiag.IDProblem as a framework validator: an audience key, a user id or a tenant.
type ID struct{}

var _ validator.String = ID{}

// Description says what a Knock id may be.
func (ID) Description(context.Context) string {
	return fmt.Sprintf("a Knock id: not empty, not . or .., no whitespace at either end, no control characters, at most %d characters", knock.MaxIDLength)
}

// MarkdownDescription is Description.
func (v ID) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateString reports the id's problem, naming the attribute and the value.
func (ID) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := knockdiag.IDProblem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Knock ID",
			fmt.Sprintf("%s is %q, which %s. Write the id exactly as Knock shows it.", req.Path, req.ConfigValue.ValueString(), problem))
	}
}
