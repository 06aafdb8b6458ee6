package provider_test

import (
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// A knock_audience_member replaced with the same membership keeps it: no remove and add again (an add can
// start Knock workflows), in either order Terraform replaces it.
func TestAccAudienceMemberResource_replaceKeepsTheMembership(t *testing.T) {
	for name, extra := range map[string]string{
		"destroy then create":   "",
		"create_before_destroy": "lifecycle {\n    create_before_destroy = true\n  }",
	} {
		t.Run(name, func(t *testing.T) {
			srv := acctest.NewLocalAPI(t)
			srv.CreateAudience("beta")
			tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+`
resource "knock_audience_member" "m" {
  audience_key = "beta"
  user_id      = "u1"
  `+extra+`
}
`)
			tf.MustRun("apply", "-auto-approve")
			tf.MustRun("plan", "-out=tfplan", "-replace=knock_audience_member.m")
			srv.ResetRequests()
			tf.MustRun("apply", "tfplan")
			if got := srv.Requests(); got[localknock.EndpointAdd] != 0 || got[localknock.EndpointRemove] != 0 {
				t.Errorf("the replacement sent %v, want no write", got)
			}
			acctest.ExpectLiveNow(t, srv, "beta", acctest.Member("u1", ""))
			acctest.ExpectOutput(t, tf.MustRun("plan", "-detailed-exitcode"), "No changes")
		})
	}
}

// A saved destroy plan applied with another environment's key removes nothing there.
func TestAccAudienceMemberResource_savedPlanAppliedElsewhere(t *testing.T) {
	const otherKey = "sk_test_environment_b_0123456789abcdef"
	srv := localknock.StartForTest(t, acctest.APIKey, otherKey)
	srv.CreateAudience("beta")
	tf := acctest.NewCLIWorkspace(t, "provider \"knock\" {\n  base_url = \""+srv.URL()+"\"\n}\n"+`
resource "knock_audience_member" "m" {
  audience_key = "beta"
  user_id      = "u1"
}
`)
	base := tf.Env
	tf.Env = append(base, "KNOCK_API_KEY="+acctest.APIKey)
	tf.MustRun("apply", "-auto-approve")
	tf.MustRun("plan", "-destroy", "-out=tfplan")
	srv.ResetRequests()
	tf.Env = append(base, "KNOCK_API_KEY="+otherKey)
	out, code := tf.Run("apply", "tfplan")
	if code == 0 {
		t.Fatalf("the apply elsewhere passed:\n%s", out)
	}
	acctest.ExpectOutput(t, out, "Plan Made For Another Knock Target", "Nothing was sent")
	acctest.ExpectNoRequests(t, srv)
}
