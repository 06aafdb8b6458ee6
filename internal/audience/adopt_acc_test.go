package audience_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// TestAccAudience_adoptWithQuery follows the guide's recipe (audiences-as-code): terraform query writes
// the configuration of every audience and of the static audiences' members, an apply imports them
// without writing anything to Knock, and the plan after it is empty.
func TestAccAudience_adoptWithQuery(t *testing.T) {
	acctest.SkipUnlessAcceptance(t)
	acctest.SkipTestOnOpenTofu(t, acctest.OpenTofuNoQuery)
	if version := acctest.TerraformVersion(t); !acctest.AtLeastVersion(version, 1, 14) {
		t.Skipf("terraform query needs Terraform 1.14+, this is %s", version)
	}
	srv := acctest.NewManagedLocalAPI(t)
	tf := acctest.NewCLIWorkspace(t, acctest.ManagementConfig(srv))
	srv.SetAudienceDefinition("development", "beta", localknock.AudienceDefinition{Type: "static", Name: "Beta", Description: "Early access"})
	srv.AddMemberships("beta", acctest.Member("u1", ""), acctest.Member("u2", "acme"))
	srv.SetAudienceDefinition("development", "premium", premium("Premium"))
	srv.SetAudienceDefinition("development", "empty", localknock.AudienceDefinition{Type: "static", Name: "Nobody yet"})

	tf.Write("audiences.tfquery.hcl", "list \"knock_audience\" \"all\" {\n  provider = knock\n}\n")
	out := tf.MustRun("query", "-generate-config-out=audiences.tf")
	acctest.ExpectOutput(t, out, `Beta \(beta, static\)`, `Premium \(premium, dynamic\)`, `Nobody yet \(empty, static\)`)

	// The members of the static audiences, from a query file of their own.
	if err := os.Remove(filepath.Join(tf.Dir, "audiences.tfquery.hcl")); err != nil {
		t.Fatal(err)
	}
	tf.Write("members.tfquery.hcl", `
list "knock_audience_member" "beta" {
  provider = knock
  config {
    audience_key = "beta"
  }
}

list "knock_audience_member" "empty" {
  provider = knock
  config {
    audience_key = "empty"
  }
}
`)
	tf.MustRun("query", "-generate-config-out=members.tf")

	srv.ResetRequests()
	out = tf.MustRun("apply", "-auto-approve")
	acctest.ExpectOutput(t, out, `Apply complete! Resources: 5 imported, 0 added, 0 changed, 0 destroyed`)
	got := srv.Requests()
	// Nothing written, and nothing validated: the imported definitions are the configuration's.
	for _, write := range []localknock.Endpoint{localknock.EndpointAudienceUpsert, localknock.EndpointAudienceValidate,
		localknock.EndpointAudienceArchive, localknock.EndpointAdd, localknock.EndpointRemove} {
		if got[write] != 0 {
			t.Errorf("the import sent %d requests to %v, want none", got[write], write)
		}
	}
	out, code := tf.Run("plan", "-detailed-exitcode")
	if code != 0 {
		t.Errorf("the plan after the adoption is not empty (exit %d):\n%s", code, out)
	}
}
