package provider_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// TestAccInstall_offlineInit runs `make install` into a temporary HOME and then, with that HOME and no
// registry reachable (every proxied request fails), `terraform init` and `terraform apply` of a
// configuration that pins knock-tf/knock 0.1.0 and has a backend: what a user of the unpublished provider
// does (README, "Install"). Terraform finds the provider in its implied local
// mirror directory, ~/.terraform.d/plugins, without any CLI configuration.
func TestAccInstall_offlineInit(t *testing.T) {
	acctest.SkipUnlessAcceptance(t)
	acctest.SkipTestOnOpenTofu(t, "make install fills Terraform's implied mirror for registry.terraform.io; "+
		"OpenTofu looks for knock-tf/knock under registry.opentofu.org")
	t.Parallel()
	const version = "0.1.0"
	home := t.TempDir()
	install := exec.Command("make", "-C", acctest.ModuleRoot(t), "--no-print-directory", "install", "VERSION="+version, "HOME="+home)
	install.Env = append(os.Environ(), "HOME="+home)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	platform := runtime.GOOS + "_" + runtime.GOARCH
	plugin := filepath.Join(home, ".terraform.d", "plugins", "registry.terraform.io", "knock-tf", "knock", version, platform,
		"terraform-provider-knock_v"+version)
	if _, err := os.Stat(plugin); err != nil {
		t.Fatalf("make install did not put the provider in the implied local mirror: %v", err)
	}

	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("beta-testers")
	work := t.TempDir()
	config := fmt.Sprintf(`
terraform {
  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = %q
    }
  }
  backend "local" {
    path = "state/terraform.tfstate"
  }
}

provider "knock" {
  base_url = %q
  api_key  = %q
}

resource "knock_audience_members" "beta" {
  audience_key = "beta-testers"
  members      = { "user-1" = null, "user-2" = "acme" }
}
`, version, srv.URL(), acctest.APIKey)
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	// A CLI configuration without provider_installation: the implied one, local mirrors first.
	rc := filepath.Join(home, "terraform.rc")
	if err := os.WriteFile(rc, []byte("disable_checkpoint = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(acctest.CleanTerraformEnv(), "HOME="+home, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1", "TF_INPUT=0",
		// Nothing may be downloaded: a request to a registry goes to a proxy that is not there. The provider's
		// requests to the local API on 127.0.0.1 never use a proxy.
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=")
	tf := acctest.NewWorkspace(t, work, env)

	out := tf.MustRun("init")
	if !regexp.MustCompile(`Installing knock-tf/knock v` + regexp.QuoteMeta(version)).MatchString(out) {
		t.Errorf("terraform init did not install knock-tf/knock v%s:\n%s", version, out)
	}
	lock, err := os.ReadFile(filepath.Join(work, ".terraform.lock.hcl"))
	if err != nil || !strings.Contains(string(lock), `version     = "`+version+`"`) {
		t.Errorf("the lock file does not hold version %s (%v):\n%s", version, err, lock)
	}
	tf.MustRun("apply", "-auto-approve")
	if err := acctest.CheckLive(srv, "beta-testers", []localknock.Membership{acctest.Member("user-1", ""), acctest.Member("user-2", "acme")}); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(work, "state", "terraform.tfstate")); err != nil {
		t.Errorf("no state in the local backend's path: %v", err)
	}
	if out, code := tf.Run("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after apply is not empty (exit %d):\n%s", code, out)
	}
	tf.MustRun("destroy", "-auto-approve")
	if err := acctest.CheckLive(srv, "beta-testers", nil); err != nil {
		t.Error(err)
	}
}
