package audiencemembers_test

import (
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// Every replacement path keeps the plan contract: a replacement within one audience is one net change, so
// nothing its new object declares again is removed and added back (an add can trigger Knock workflows).

// expectRemovesOnly checks that the apply sent remove remove requests and no add: a replacement adds
// nothing back.
func expectRemovesOnly(t *testing.T, srv *localknock.Server, remove int) {
	t.Helper()
	got := srv.Requests()
	if got[localknock.EndpointAdd] != 0 || got[localknock.EndpointRemove] != remove {
		t.Errorf("%d add and %d remove requests, want none and %d", got[localknock.EndpointAdd], got[localknock.EndpointRemove], remove)
	}
}

func replaceWorkspace(t *testing.T, srv *localknock.Server, extra string) *acctest.Workspace {
	t.Helper()
	srv.AddMemberships("aud", acctest.Member("a", ""), acctest.Member("b", ""))
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+acctest.MembersResource("test", "aud", `{ "a" = null, "b" = null }`, extra))
	tf.MustRun("apply", "-auto-approve")
	srv.ResetRequests()
	return tf
}

// terraform plan -replace and replace_triggered_by: the plan is not refused as the resource claiming its
// own audience twice, and a saved plan's apply sends no write.
func TestAccAudienceMembersResource_replaceIsOneNetChange(t *testing.T) {
	for name, extra := range map[string]string{"whole audience": "", "tenant slice": `tenant = "acme"`} {
		t.Run(name, func(t *testing.T) {
			srv := acctest.NewLocalAPI(t)
			tf := replaceWorkspace(t, srv, extra)
			tf.MustRun("plan", "-out=tfplan", "-replace=knock_audience_members.test")
			srv.ResetRequests()
			tf.MustRun("apply", "tfplan")
			expectRemovesOnly(t, srv, 0)
			out := tf.MustRun("plan", "-detailed-exitcode")
			acctest.ExpectOutput(t, out, "No changes")
		})
	}
}

// A taint replaces the object with one that declares the same members: nothing is removed or re-added.
// With create_before_destroy the deposed object is destroyed without removing what the new object
// declares, and no later plan is stuck on it; with max_removals = 0 the replacement needs no removal.
func TestAccAudienceMembersResource_taint(t *testing.T) {
	for name, extra := range map[string]string{
		"create_before_destroy": "lifecycle {\n    create_before_destroy = true\n  }",
		"max_removals = 0":      "max_removals = 0",
	} {
		t.Run(name, func(t *testing.T) {
			srv := acctest.NewLocalAPI(t)
			tf := replaceWorkspace(t, srv, extra)
			tf.MustRun("taint", "knock_audience_members.test")
			tf.MustRun("apply", "-auto-approve")
			expectRemovesOnly(t, srv, 0)
			acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""), acctest.Member("b", ""))
			acctest.ExpectOutput(t, tf.MustRun("plan", "-detailed-exitcode"), "No changes")
		})
	}
}

// A replacement with a raised max_removals: the apply checks the limit its plan checked.
func TestAccAudienceMembersResource_replaceWithRaisedLimit(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	tf := replaceWorkspace(t, srv, "max_removals = 0")
	tf.Write("main.tf", acctest.ProviderConfig(srv)+acctest.MembersResource("test", "aud", `{ "a" = null }`, "max_removals = 1"))
	out := tf.MustRun("apply", "-auto-approve", "-replace=knock_audience_members.test")
	acctest.ExpectNoOutput(t, out, "Too Many Audience Members To Remove")
	expectRemovesOnly(t, srv, 1)
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""))
}

// replace_triggered_by: the same as terraform plan -replace.
func TestAccAudienceMembersResource_replaceTriggeredBy(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	trigger := func(v string) string {
		return "resource \"terraform_data\" \"trigger\" {\n  input = \"" + v + "\"\n}\n"
	}
	extra := "lifecycle {\n    replace_triggered_by = [terraform_data.trigger]\n  }"
	srv.AddMemberships("aud", acctest.Member("a", ""), acctest.Member("b", ""))
	body := acctest.MembersResource("test", "aud", `{ "a" = null, "b" = null }`, extra)
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+trigger("1")+body)
	tf.MustRun("apply", "-auto-approve")
	srv.ResetRequests()
	tf.Write("main.tf", acctest.ProviderConfig(srv)+trigger("2")+body)
	tf.MustRun("apply", "-auto-approve")
	expectRemovesOnly(t, srv, 0)
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""), acctest.Member("b", ""))
}

// A tenant change within one audience under create_before_destroy: the deposed slice is destroyed, and the
// new slice's memberships stay.
func TestAccAudienceMembersResource_createBeforeDestroyTenantChange(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	cbd := "lifecycle {\n    create_before_destroy = true\n  }\n"
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+acctest.MembersResource("test", "aud", `{ "a" = null, "b" = null }`, cbd+`tenant = "acme"`))
	srv.CreateAudience("aud")
	tf.MustRun("apply", "-auto-approve")
	tf.Write("main.tf", acctest.ProviderConfig(srv)+acctest.MembersResource("test", "aud", `{ "a" = null, "b" = null }`, cbd+`tenant = "globex"`))
	tf.MustRun("apply", "-auto-approve")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", "globex"), acctest.Member("b", "globex"))
	out := tf.MustRun("plan", "-detailed-exitcode")
	acctest.ExpectOutput(t, out, "No changes")
	// From a tenant's slice to the whole audience: the same users, now without tenant.
	tf.Write("main.tf", acctest.ProviderConfig(srv)+acctest.MembersResource("test", "aud", `{ "a" = null, "b" = null }`, cbd))
	tf.MustRun("apply", "-auto-approve")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""), acctest.Member("b", ""))
}

// create_before_destroy with a raised max_removals: the deposed object's destroy, after its successor's
// create, checks the limit the plan checked, not the one it was created with.
func TestAccAudienceMembersResource_createBeforeDestroyRaisedLimit(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	cbd := "lifecycle {\n    create_before_destroy = true\n  }\n"
	tf := replaceWorkspace(t, srv, cbd+"max_removals = 0")
	tf.Write("main.tf", acctest.ProviderConfig(srv)+acctest.MembersResource("test", "aud", `{ "a" = null }`, cbd+"max_removals = 1"))
	tf.MustRun("apply", "-auto-approve", "-replace=knock_audience_members.test")
	expectRemovesOnly(t, srv, 1)
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""))
	out := tf.MustRun("plan", "-detailed-exitcode")
	acctest.ExpectOutput(t, out, "No changes")
}

// A deposed object whose destroy failed (here a 500 from Knock) can be destroyed by a later run, plain or
// from a saved plan, without removing what its successor declares: it leaves the rest to its
// authoritative successor, whose update removes "b" (one remove request).
func TestAccAudienceMembersResource_deposedObjectCanAlwaysBeDestroyed(t *testing.T) {
	for _, saved := range []bool{false, true} {
		name := map[bool]string{false: "apply", true: "saved plan"}[saved]
		t.Run(name, func(t *testing.T) {
			srv := acctest.NewLocalAPI(t)
			cbd := "lifecycle {\n    create_before_destroy = true\n  }\n"
			tf := replaceWorkspace(t, srv, cbd)
			tf = tf.In(t)
			tf.Write("main.tf", acctest.ProviderConfig(srv, "max_retries = 0")+acctest.MembersResource("test", "aud", `{ "a" = null }`, cbd))
			srv.InjectFaults(localknock.EndpointRemove, localknock.Fault{Status: 500})
			if out, code := tf.Run("apply", "-auto-approve", "-replace=knock_audience_members.test"); code == 0 {
				t.Fatalf("the apply whose deposed destroy failed passed:\n%s", out)
			}
			srv.ResetRequests()
			if saved {
				tf.MustRun("plan", "-out=tfplan")
				tf.MustRun("apply", "tfplan")
			} else {
				tf.MustRun("apply", "-auto-approve")
			}
			expectRemovesOnly(t, srv, 1)
			acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""))
			acctest.ExpectOutput(t, tf.MustRun("plan", "-detailed-exitcode"), "No changes")
		})
	}
}
