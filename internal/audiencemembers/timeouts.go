package audiencemembers

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// Default deadlines of knock_audience_members operations. Listing is sequential and Knock pages by 50, so
// a refresh of 1,000,000 members is 20,000 requests: about half an hour at 90 ms a request.
var defaultTimeouts = map[string]time.Duration{
	"create": 60 * time.Minute,
	"read":   knock.DefaultOperationTimeout,
	"update": 60 * time.Minute,
	"delete": 30 * time.Minute,
}

var pathTimeouts = tftypes.NewAttributePath().WithAttributeName("timeouts")

func timeoutsBlock() *tfprotov6.SchemaNestedBlock {
	attribute := func(operation string) *tfprotov6.SchemaAttribute {
		return &tfprotov6.SchemaAttribute{
			Name: operation, Type: tftypes.String, Optional: true, DescriptionKind: tfprotov6.StringKindMarkdown,
			Description: fmt.Sprintf("Deadline of the %s operation, a duration such as `30m` or `1h30m` (default `%s`). "+
				"Retries stop before it.", operation, knockdiag.FormatDuration(defaultTimeouts[operation])),
		}
	}
	return &tfprotov6.SchemaNestedBlock{
		TypeName: "timeouts",
		Nesting:  tfprotov6.SchemaNestedBlockNestingModeSingle,
		Block: &tfprotov6.SchemaBlock{
			DescriptionKind: tfprotov6.StringKindMarkdown,
			Description:     "Deadlines of the operations on large audiences.",
			Attributes:      []*tfprotov6.SchemaAttribute{attribute("create"), attribute("read"), attribute("update"), attribute("delete")},
		},
	}
}

// timeoutFor returns the configured deadline of an operation, else its default.
func timeoutFor(timeouts tftypes.Value, operation string) (time.Duration, error) {
	if !timeouts.IsKnown() || timeouts.IsNull() {
		return defaultTimeouts[operation], nil
	}
	var attrs map[string]tftypes.Value
	if err := timeouts.As(&attrs); err != nil {
		return 0, err
	}
	raw := stringOf(attrs[operation])
	if raw == "" {
		return defaultTimeouts[operation], nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf(`timeouts.%s is %q, which is not a positive duration: write it like "30m", "2h" or "1h30m"`, operation, raw)
	}
	return d, nil
}

// validateTimeouts reports every configured timeout that does not parse.
func validateTimeouts(timeouts tftypes.Value) []*tfprotov6.Diagnostic {
	var diags []*tfprotov6.Diagnostic
	for _, operation := range []string{"create", "read", "update", "delete"} {
		if _, err := timeoutFor(timeouts, operation); err != nil {
			diags = append(diags, knockdiag.Error("Invalid Timeout", err.Error(), pathTimeouts.WithAttributeName(operation))...)
		}
	}
	return diags
}

// withTimeout bounds ctx by the operation's deadline. An invalid value was reported at validation, so
// it falls back to the default here.
func withTimeout(ctx context.Context, timeouts tftypes.Value, operation string) (context.Context, context.CancelFunc) {
	d, err := timeoutFor(timeouts, operation)
	if err != nil {
		d = defaultTimeouts[operation]
	}
	return context.WithTimeout(ctx, d)
}
