package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
)

// TestAccProvider_apiKeyNeverLogged runs with trace logging and checks that the provider's log has the
// request lines but never the key, nor the service token. Not parallel: it sets logging environment
// variables.
func TestAccProvider_apiKeyNeverLogged(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "provider.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("logged")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: acctest.MembersConfig(srv, "logged", `{ "u1" = null }`)},
			{
				Config: fmt.Sprintf(`
provider "knock" {
  base_url = %q
  api_key  = "sk_test_wrong_and_secret"
  service_token = "knock_st_logged_secret"
}
resource "knock_audience_members" "test" {
  audience_key = "logged"
  members      = { "u1" = null, "u2" = null }
}
`, srv.URL()),
				ExpectError: acctest.ErrorText("HTTP 401"),
			},
			{Config: acctest.MembersConfig(srv, "logged", `{ "u1" = null }`)},
		},
	})
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The test harness logs the configuration it writes (lines starting "  | "); the key is in there by
	// design. Every other line comes from Terraform and the provider.
	var lines []string
	for line := range strings.Lines(string(raw)) {
		if !strings.HasPrefix(line, "  | ") {
			lines = append(lines, line)
		}
	}
	log := strings.Join(lines, "")
	if !strings.Contains(log, "Knock API request") || !strings.Contains(log, "request_id") {
		t.Fatalf("the provider log has no request lines (%d bytes): the check below would prove nothing", len(raw))
	}
	for _, secret := range []string{acctest.APIKey, "sk_test_wrong_and_secret", "knock_st_logged_secret"} {
		if strings.Contains(log, secret) {
			t.Errorf("the provider log contains the secret %q", secret)
		}
	}
}
