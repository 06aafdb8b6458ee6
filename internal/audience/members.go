package audience

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

// DynamicMembersSummary is the summary of the plan error of a membership resource on a dynamic audience.
const DynamicMembersSummary = "Members of a Dynamic Audience"

// DynamicMembersProblem is the detail of the plan error of typeName (knock_audience_members,
// knock_audience_member) adding members to audience key when the Management API says the audience is
// dynamic in the provider's environment; "" when it is not. Without a service token, or when Knock
// cannot answer, it says nothing: the membership's own requests then meet Knock's refusal, which
// knockdiag.APIErrorDetail explains.
func DynamicMembersProblem(ctx context.Context, data *providerdata.Data, typeName, key string) string {
	audienceType, err := data.AudienceType(ctx, key)
	if err != nil {
		tflog.Warn(ctx, "Could not read the audience's type", map[string]any{"audience_key": key, "error": err.Error()})
		return ""
	}
	if audienceType != knockmgmt.TypeDynamic {
		return ""
	}
	return fmt.Sprintf("Audience %q is a dynamic audience in environment %q: its members are the users that match its "+
		"conditions (segments), computed by Knock, and Knock refuses to add or remove them. Remove this %s, or change the "+
		"audience's conditions (knock_audience's segments) so that they select these users.", key, data.Environment, typeName)
}
