package audiencemembers_test

import (
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// A saved plan is applied where it was read: an apply configured for another environment (API key) or
// another branch refuses before it sends anything.
func TestAccAudienceMembersResource_savedPlanAppliedElsewhere(t *testing.T) {
	const otherKey = "sk_test_environment_b_0123456789abcdef"
	for name, apply := range map[string][]string{
		"another environment's key": {"KNOCK_API_KEY=" + otherKey},
		"without the plan's branch": {"KNOCK_API_KEY=" + acctest.APIKey, "KNOCK_BRANCH="},
	} {
		t.Run(name, func(t *testing.T) {
			srv := localknock.StartForTest(t, acctest.APIKey, otherKey)
			srv.AddMemberships("aud", acctest.Member("a", ""), acctest.Member("b", ""))
			tf := acctest.NewCLIWorkspace(t, "provider \"knock\" {\n  base_url = \""+srv.URL()+"\"\n}\n"+
				acctest.MembersResource("test", "aud", `{ "a" = null, "b" = null }`, ""))
			base := tf.Env
			tf.Env = append(base, "KNOCK_API_KEY="+acctest.APIKey, "KNOCK_BRANCH=")
			tf.MustRun("apply", "-auto-approve")
			tf.Write("main.tf", "provider \"knock\" {\n  base_url = \""+srv.URL()+"\"\n}\n"+
				acctest.MembersResource("test", "aud", `{ "a" = null }`, ""))
			if name == "without the plan's branch" {
				tf.Env = append(base, "KNOCK_API_KEY="+acctest.APIKey, "KNOCK_BRANCH=feature-x")
			}
			tf.MustRun("plan", "-out=tfplan")
			srv.ResetRequests()
			tf.Env = append(base, apply...)
			out, code := tf.Run("apply", "tfplan")
			if code == 0 {
				t.Fatalf("the apply elsewhere passed:\n%s", out)
			}
			acctest.ExpectOutput(t, out, "Plan Made For Another Knock Target", "Nothing was sent", "terraform plan")
			acctest.ExpectNoRequests(t, srv)
		})
	}
}
