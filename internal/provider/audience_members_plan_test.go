package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

func TestPlannedUpdate_summaryAndGuard(t *testing.T) {
	prior := audienceMembersObject{
		Members:         membersValue(map[string]string{"u1": "", "u2": "acme"}),
		MembershipCount: countValue(3), // u2 is also live under another tenant
		Settings:        map[string]tftypes.Value{},
	}
	desired := []knock.Membership{{UserID: "u2", Tenant: "acme"}, {UserID: "u3"}}
	for i := range 1500 {
		desired = append(desired, knock.Membership{UserID: "new-" + thousands(i)})
	}
	diags := plannedUpdate("beta", prior.settings(), prior, desired)
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityWarning ||
		diags[0].Summary != "beta: +1,501 / -2 members, 3 write requests" {
		t.Fatalf("summary = %+v", diags)
	}

	prior.Settings["max_removals"] = tftypes.NewValue(tftypes.Number, 1)
	diags = plannedUpdate("beta", prior.settings(), prior, desired)
	if len(diags) != 1 || !hasError(diags) || !strings.Contains(diags[0].Detail, "removes 2 memberships") {
		t.Fatalf("guard = %+v", diags)
	}

	if diags := changeSummary("beta", prior.settings(), 0, 0); diags != nil {
		t.Errorf("a plan without changes got %+v", diags)
	}
}
