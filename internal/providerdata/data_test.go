package providerdata_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

// TestData_requireNamesTheResourceAndTheSetting: a configured provider without a credential tells the
// resource that needs it which setting and variable to set; before Configure it is a bug.
func TestData_requireNamesTheResourceAndTheSetting(t *testing.T) {
	configured := &providerdata.Data{Configured: true}
	client, diags := configured.RequireClient("knock_audience_member")
	if text := diagText(diags); client != nil || !diags.HasError() || !strings.Contains(text, "Missing Knock API Key: knock_audience_member needs the secret API key") ||
		!strings.Contains(text, "Set api_key in the provider block, or set the KNOCK_API_KEY environment variable") {
		t.Errorf("RequireClient: %q", text)
	}
	management, diags := configured.RequireManagement("knock_audience")
	if text := diagText(diags); management != nil || !diags.HasError() || !strings.Contains(text, "Missing Knock Service Token: knock_audience needs a Knock Management API service token") ||
		!strings.Contains(text, "Set service_token in the provider block, or set the KNOCK_SERVICE_TOKEN environment variable") {
		t.Errorf("RequireManagement: %q", text)
	}
	for name, require := range map[string]func() diag.Diagnostics{
		"client":     func() diag.Diagnostics { _, d := (&providerdata.Data{}).RequireClient("knock_x"); return d },
		"management": func() diag.Diagnostics { _, d := (&providerdata.Data{}).RequireManagement("knock_x"); return d },
	} {
		if text := diagText(require()); !strings.Contains(text, "Provider Not Configured: The knock provider was not configured before knock_x was used") {
			t.Errorf("%s before Configure: %q", name, text)
		}
	}
}
