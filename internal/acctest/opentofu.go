package acctest

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// OpenTofuNoQuery is the reason a test of a feature OpenTofu does not have skips there. (Resource
// identities it has: OpenTofu 1.12 passes the identity tests.)
//
// The acceptance tests run on Terraform and on OpenTofu (make testacc-matrix). OpenTofu reports its own
// version as terraform_version (1.12.6 for OpenTofu 1.12.6), so tfversion.SkipBelow cannot tell it from
// Terraform 1.12; what OpenTofu lacks is skipped by name instead.
const OpenTofuNoQuery = "OpenTofu has no list resources and no query command (Terraform 1.14+)"

// cliIsOpenTofu reports whether the CLI of the acceptance tests is OpenTofu: the first line of its
// `version` output, else TF_ACC_PROVIDER_HOST, which OpenTofu runs need anyway.
var cliIsOpenTofu = sync.OnceValue(func() bool {
	if path := os.Getenv("TF_ACC_TERRAFORM_PATH"); path != "" {
		if out, err := exec.Command(path, "version").Output(); err == nil {
			return regexp.MustCompile(`(?m)^OpenTofu v`).Match(out)
		}
	}
	return os.Getenv("TF_ACC_PROVIDER_HOST") == "registry.opentofu.org"
})

// SkipOnOpenTofu is a TerraformVersionCheck that skips the test on OpenTofu, with the reason.
func SkipOnOpenTofu(reason string) tfversion.TerraformVersionCheck {
	return openTofuCheck{reason: reason}
}

type openTofuCheck struct{ reason string }

func (c openTofuCheck) CheckTerraformVersion(_ context.Context, _ tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	if cliIsOpenTofu() {
		resp.Skip = c.reason
	}
}

// SkipTestOnOpenTofu skips a test that runs the CLI itself (not through resource.Test) on OpenTofu.
func SkipTestOnOpenTofu(t *testing.T, reason string) {
	t.Helper()
	if cliIsOpenTofu() {
		t.Skip(reason)
	}
}
