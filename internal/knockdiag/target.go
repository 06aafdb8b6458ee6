package knockdiag

import (
	"fmt"
	"strings"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// TargetProblemSummary is the summary of the error TargetProblem details.
const TargetProblemSummary = "Plan Made For Another Knock Target"

// TargetProblem explains why an apply must not run where it is configured, or returns "": planned is the
// target of the read its plan rests on (nil when the plan recorded none), now the apply's. A saved plan
// applied with another environment's key, another branch or another base_url would write where it never
// looked.
func TargetProblem(planned *knock.Target, now knock.Target) string {
	if planned == nil {
		return ""
	}
	diffs := planned.Differences(now)
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprintf("This plan rests on a read of Knock at %s (its refresh, or the last apply when it did not refresh), "+
		"but this apply is configured with %s. Nothing was sent to Knock.\n\n"+
		"Apply a plan where it was made: run terraform plan again, with a refresh, with the provider configured as it is now "+
		"(api_key or %s, branch or %s, base_url), or apply this plan with the configuration it was made with.",
		planned, strings.Join(diffs, ", "), EnvAPIKey, EnvBranch)
}
