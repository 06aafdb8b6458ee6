package audiencemembers_test

import (
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
)

// Warnings are for what needs attention. A routine change is shown by the plan's members diff, with no
// warning at plan or at apply; a change that uses most of a guard rail's allowance warns.
func TestAccAudienceMembersResource_warnsOnlyForAttention(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("aud", acctest.Member("a", ""), acctest.Member("b", ""), acctest.Member("c", ""), acctest.Member("d", ""))
	config := func(members string) string {
		return acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", members, "max_removals = 2")
	}
	tf := acctest.NewCLIWorkspace(t, config(`{ "a" = null, "b" = null, "c" = null, "d" = null }`))
	tf.MustRun("apply", "-auto-approve")

	tf.Write("main.tf", config(`{ "a" = null, "b" = null, "c" = null, "e" = null }`))
	out := tf.MustRun("plan", "-out=tfplan")
	acctest.ExpectOutput(t, out, `\+ "e" = null`, `- "d" = null`)
	acctest.ExpectNoOutput(t, out, `Warning: aud`)
	out = tf.MustRun("apply", "tfplan")
	acctest.ExpectNoOutput(t, out, `Warning: aud`)

	// Two removals under max_removals = 2: the plan warns, naming additions and removals.
	tf.Write("main.tf", config(`{ "a" = null, "c" = null, "f" = null }`))
	out = tf.MustRun("plan")
	acctest.ExpectOutput(t, out, `Warning: aud: removals close to max_removals`, `removes 2 memberships`, `max_removals = 2 allows 2`,
		`adds 1 membership \("f"\)`, `"b", "e"`)
}
