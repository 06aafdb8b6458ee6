package audiencemembers_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// writeExport writes an export file, gzip-compressed when its name ends in .gz.
func writeExport(t *testing.T, path, content string) {
	t.Helper()
	data := []byte(content)
	if strings.HasSuffix(path, ".gz") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(data)
		_ = zw.Close()
		data = buf.Bytes()
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// fileResource is HCL for a knock_audience_members named name on the audience "aud" whose members come
// from path.
func fileResource(name, path, extra string) string {
	return fmt.Sprintf(`
resource "knock_audience_members" %q {
  audience_key = "aud"
  members_file = %q
  %s
}
`, name, path, extra)
}

func expectChange(add, remove int64, added, removed []string) statecheck.StateCheck {
	names := func(ns []string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(ns))
		for i, n := range ns {
			checks[i] = knownvalue.StringExact(n)
		}
		return knownvalue.ListExact(checks)
	}
	return statecheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("change"), knownvalue.ObjectExact(map[string]knownvalue.Check{
		"add": knownvalue.Int64Exact(add), "remove": knownvalue.Int64Exact(remove), "added": names(added), "removed": names(removed),
	}))
}

// Each format, gzipped or not: a create adds the file's members, an update sends the difference, the state
// keeps the hash and the counts, not the members, and the destroy removes them.
func TestAccAudienceMembersResource_membersFile(t *testing.T) {
	for _, tc := range []struct{ name, first, second string }{
		{"segment.txt", "u1\nu2\n", "u2\nu3\n"},
		{"segment.csv", "user_id,tenant\nu1,\nu2,acme\n", "user_id,tenant\nu2,acme\nu3,\n"},
		{"segment.jsonl", `{"user_id":"u1"}` + "\n" + `{"user_id":"u2","tenant":"acme"}` + "\n", `{"user_id":"u2","tenant":"acme"}` + "\n" + `{"user_id":"u3"}` + "\n"},
		{"segment.csv.gz", "user_id,tenant\nu1,\nu2,acme\n", "user_id,tenant\nu2,acme\nu3,\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := acctest.NewLocalAPI(t)
			srv.CreateAudience("aud")
			path := filepath.Join(t.TempDir(), tc.name)
			u2 := acctest.Member("u2", "acme")
			if tc.name == "segment.txt" {
				u2 = acctest.Member("u2", "")
			}
			config := acctest.ProviderConfig(srv) + fileResource("test", path, "")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				CheckDestroy:             acctest.CheckAudienceEmptied(srv, "aud", acctest.Member("u2", "acme"), acctest.Member("u2", ""), acctest.Member("u3", "")),
				Steps: []resource.TestStep{
					{
						PreConfig: func() { writeExport(t, path, tc.first); srv.ResetRequests() },
						Config:    config,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("members"), knownvalue.Null()),
							statecheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("declared_count"), knownvalue.Int64Exact(2)),
							statecheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("members_file_sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
							acctest.ExpectMembershipCount(2),
							acctest.ExpectLive(srv, "aud", acctest.Member("u1", ""), u2),
							// The plan reads the audience, Terraform plans again at apply, and one add sends both.
							acctest.ExpectRequests(srv, 1, 0, 2),
						},
					},
					acctest.EmptyPlanAfterRefresh(),
					{
						PreConfig: func() { writeExport(t, path, tc.second); srv.ResetRequests() },
						Config:    config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionUpdate),
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							expectChange(1, 1, []string{`user "u3" without tenant`}, []string{`user "u1" without tenant`}),
							acctest.ExpectLive(srv, "aud", u2, acctest.Member("u3", "")),
							acctest.ExpectRequests(srv, 1, 1, 1),
						},
					},
					acctest.EmptyPlanAfterRefresh(),
					{
						PreConfig:         srv.ResetRequests,
						Config:            config,
						ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
						ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 0, 0, 1)},
					},
				},
			})
		})
	}
}

// A file that changes between the plan and the apply stops the apply before anything is sent.
func TestAccAudienceMembersResource_membersFileChangedSincePlan(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	path := filepath.Join(t.TempDir(), "segment.txt")
	writeExport(t, path, "u1\nu2\n")
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+fileResource("test", path, ""))
	tf.MustRun("apply", "-auto-approve")

	writeExport(t, path, "u1\nu3\n")
	out := tf.MustRun("plan", "-out=tfplan")
	acctest.ExpectOutput(t, out, `add\s+= 2 -> 1`, `remove\s+= 0 -> 1`, `\+ "user \\"u3\\" without tenant"`, `members_file_sha256 = "[0-9a-f]{64}" -> "[0-9a-f]{64}"`)
	writeExport(t, path, "u1\n")
	srv.ResetRequests()
	out, code := tf.Run("apply", "tfplan")
	if code == 0 {
		t.Fatalf("the apply of a plan whose file changed passed:\n%s", out)
	}
	// Terraform plans again at apply, reads the new file there and refuses the apply itself, naming the hash.
	acctest.ExpectOutput(t, out, "Provider produced inconsistent final plan", `members_file_sha256`)
	if got := srv.Requests(); got[localknock.EndpointAdd]+got[localknock.EndpointRemove] != 0 {
		t.Errorf("the apply sent %v, want no write", got)
	}
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("u1", ""), acctest.Member("u2", ""))

	// A configured members_file_sha256 that is not the file's fails the plan.
	tf.Write("main.tf", acctest.ProviderConfig(srv)+fileResource("test", path, `members_file_sha256 = "`+strings.Repeat("0", 64)+`"`))
	out, code = tf.Run("plan")
	if code == 0 {
		t.Fatalf("a plan with another file's hash passed:\n%s", out)
	}
	acctest.ExpectOutput(t, out, "Members File Does Not Match Its Hash")
	// filesha256() of the file is what the plan computes.
	tf.Write("main.tf", acctest.ProviderConfig(srv)+fileResource("test", path, fmt.Sprintf(`members_file_sha256 = filesha256(%q)`, path)))
	tf.MustRun("apply", "-auto-approve")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("u1", ""))
}

// Drift made in Knock shows in the refreshed state and in the next plan, whose apply reverts it.
func TestAccAudienceMembersResource_membersFileDrift(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	path := filepath.Join(t.TempDir(), "segment.txt")
	writeExport(t, path, "u1\nu2\n")
	config := acctest.ProviderConfig(srv) + fileResource("test", path, "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					srv.AddMemberships("aud", acctest.Member("oob", "acme"))
					srv.RemoveMemberships("aud", acctest.Member("u2", ""))
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(acctest.MembersAddr, "drift.appeared", "1"),
					resource.TestCheckResourceAttr(acctest.MembersAddr, "drift.disappeared", "1"),
					resource.TestCheckResourceAttr(acctest.MembersAddr, "drift.examples.0", `user "oob" under tenant "acme"`),
					resource.TestCheckResourceAttr(acctest.MembersAddr, "drift.examples.1", `user "u2" without tenant`),
					resource.TestCheckResourceAttr(acctest.MembersAddr, "membership_count", "2"),
				),
			},
			{
				PreConfig: srv.ResetRequests,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(acctest.MembersAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectChange(1, 1, []string{`user "u2" without tenant`}, []string{`user "oob" under tenant "acme"`}),
					acctest.ExpectLive(srv, "aud", acctest.Member("u1", ""), acctest.Member("u2", "")),
					acctest.ExpectRequests(srv, 1, 1, 1),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

// The guard rails hold against an empty and a truncated export, before anything is sent.
func TestAccAudienceMembersResource_membersFileGuardRails(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	path := filepath.Join(t.TempDir(), "segment.csv")
	writeExport(t, path, "user_id\nu1\nu2\nu3\nu4\n")
	config := acctest.ProviderConfig(srv) + fileResource("test", path, "max_removal_percent = 25")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// An empty export: a header and no row.
				PreConfig:   func() { writeExport(t, path, "user_id\n"); srv.ResetRequests() },
				Config:      config,
				ExpectError: regexp.MustCompile(`Too Many Audience Members To Remove`),
			},
			{
				// A truncated export: half of the rows.
				PreConfig:   func() { writeExport(t, path, "user_id\nu1\nu2\n") },
				Config:      config,
				ExpectError: regexp.MustCompile(`Too Many Audience Members To Remove`),
			},
			{
				// One removal is within 25% of 4.
				PreConfig: func() {
					if got := srv.Requests(); got[localknock.EndpointAdd]+got[localknock.EndpointRemove] != 0 {
						t.Errorf("the refused plans sent %v, want no write", got)
					}
					writeExport(t, path, "user_id\nu1\nu2\nu3\n")
				},
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectLive(srv, "aud", acctest.Member("u1", ""), acctest.Member("u2", ""), acctest.Member("u3", ""))},
			},
			// Without the limit, the destroy that ends the test may remove them.
			{Config: acctest.ProviderConfig(srv) + fileResource("test", path, "")},
		},
	})
}

// A tenant's slice and a managed-only resource from files touch nothing outside their scope.
func TestAccAudienceMembersResource_membersFileScopes(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	srv.AddMemberships("aud", acctest.Member("other", "globex"), acctest.Member("oob", ""))
	dir := t.TempDir()
	acme, managed := filepath.Join(dir, "acme.csv"), filepath.Join(dir, "managed.jsonl")
	config := acctest.ProviderConfig(srv) +
		fileResource("acme", acme, `tenant = "acme"`) +
		fileResource("managed", managed, `authoritative = false`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					writeExport(t, acme, "user_id,tenant\na1,acme\na2,\n")
					writeExport(t, managed, `{"user_id":"m1"}`+"\n"+`{"user_id":"m2"}`+"\n")
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectLive(srv, "aud", acctest.Member("a1", "acme"), acctest.Member("a2", "acme"),
					acctest.Member("m1", ""), acctest.Member("m2", ""), acctest.Member("oob", ""), acctest.Member("other", "globex"))},
			},
			{
				PreConfig: func() {
					writeExport(t, acme, "user_id,tenant\na2,acme\n")
					writeExport(t, managed, `{"user_id":"m2"}`+"\n")
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectLive(srv, "aud", acctest.Member("a2", "acme"),
					acctest.Member("m2", ""), acctest.Member("oob", ""), acctest.Member("other", "globex"))},
			},
			{
				RefreshState:      true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A row under another tenant in a tenant's file is refused, naming it.
				PreConfig:   func() { writeExport(t, acme, "user_id,tenant\na2,globex\n") },
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Member Tenant Set Twice.*user "a2" under tenant "globex"`),
			},
		},
	})
}

// Switching between members and members_file with the same members sends nothing; import adopts into a
// file configuration.
func TestAccAudienceMembersResource_membersFileSwitchAndImport(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	srv.AddMemberships("aud", acctest.Member("u1", ""), acctest.Member("u2", "acme"))
	path := filepath.Join(t.TempDir(), "segment.csv")
	writeExport(t, path, "user_id,tenant\nu1,\nu2,acme\n")
	fileConfig := acctest.ProviderConfig(srv) + fileResource("test", path, "")
	mapConfig := acctest.ProviderConfig(srv) + acctest.MembersResource("test", "aud", `{ "u1" = null, "u2" = "acme" }`, "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: srv.ResetRequests,
				Config:    fileConfig + "import {\n  to = knock_audience_members.test\n  id = \"aud\"\n}\n",
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("members"), knownvalue.Null()),
					acctest.ExpectRequests(srv, 0, 0, 1),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
			{
				PreConfig: srv.ResetRequests,
				Config:    mapConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectMembers(map[string]knownvalue.Check{"u1": knownvalue.Null(), "u2": knownvalue.StringExact("acme")}),
					acctest.ExpectRequests(srv, 0, 0, 1),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
			{
				PreConfig: srv.ResetRequests,
				Config:    fileConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(acctest.MembersAddr, tfjsonpath.New("members"), knownvalue.Null()),
					acctest.ExpectLive(srv, "aud", acctest.Member("u1", ""), acctest.Member("u2", "acme")),
					acctest.ExpectRequests(srv, 0, 0, 1),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
		},
	})
}

// Bad input fails validate or the plan, naming the attribute or the line.
func TestAccAudienceMembersResource_membersFileBadInput(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	path := filepath.Join(t.TempDir(), "segment.csv")
	writeExport(t, path, "user_id,tenant\nu1,\n u2,\nu1,acme\n")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      acctest.ProviderConfig(srv) + fileResource("test", path, ""),
				ExpectError: regexp.MustCompile(`(?s)Invalid Members File.*line 3: the user id " u2" has whitespace.*line 4: the user "u1" appears with another tenant`),
			},
			{
				Config:      acctest.ProviderConfig(srv) + fileResource("test", path, `members = {}`),
				ExpectError: regexp.MustCompile(`Members Declared Twice`),
			},
			{
				Config:      acctest.ProviderConfig(srv) + "resource \"knock_audience_members\" \"test\" {\n  audience_key = \"aud\"\n}\n",
				ExpectError: regexp.MustCompile(`Missing Members`),
			},
			{
				Config:      acctest.ProviderConfig(srv) + fileResource("test", filepath.Join(t.TempDir(), "missing.csv"), ""),
				ExpectError: regexp.MustCompile(`(?s)Invalid Members File.*no such file`),
			},
		},
	})
	acctest.ExpectNoRequests(t, srv)
}

// Replacements from a file keep the contract: -replace and a taint (create_before_destroy, or the plain
// destroy-then-create) are one net change, and a changed audience_key moves the members.
func TestAccAudienceMembersResource_membersFileReplace(t *testing.T) {
	for name, extra := range map[string]string{
		"-replace":                         "",
		"taint":                            "",
		"taint with create_before_destroy": "lifecycle {\n    create_before_destroy = true\n  }",
	} {
		t.Run(name, func(t *testing.T) {
			srv := acctest.NewLocalAPI(t)
			srv.CreateAudience("aud")
			path := filepath.Join(t.TempDir(), "segment.txt")
			writeExport(t, path, "a\nb\n")
			tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+fileResource("test", path, extra))
			tf.MustRun("apply", "-auto-approve")
			srv.ResetRequests()
			if name == "-replace" {
				tf.MustRun("apply", "-auto-approve", "-replace=knock_audience_members.test")
			} else {
				tf.MustRun("taint", "knock_audience_members.test")
				tf.MustRun("apply", "-auto-approve")
			}
			expectRemovesOnly(t, srv, 0)
			acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""), acctest.Member("b", ""))
			acctest.ExpectOutput(t, tf.MustRun("plan", "-detailed-exitcode"), "No changes")
		})
	}

	t.Run("audience_key", func(t *testing.T) {
		srv := acctest.NewLocalAPI(t)
		srv.CreateAudience("aud")
		srv.CreateAudience("next")
		path := filepath.Join(t.TempDir(), "segment.txt")
		writeExport(t, path, "a\nb\n")
		tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+fileResource("test", path, ""))
		tf.MustRun("apply", "-auto-approve")
		tf.Write("main.tf", acctest.ProviderConfig(srv)+strings.Replace(fileResource("test", path, ""), `"aud"`, `"next"`, 1))
		tf.MustRun("apply", "-auto-approve")
		acctest.ExpectLiveNow(t, srv, "aud")
		acctest.ExpectLiveNow(t, srv, "next", acctest.Member("a", ""), acctest.Member("b", ""))
	})
}

// on_existing_members and on_destroy hold for a file as for a map.
func TestAccAudienceMembersResource_membersFileCreateAndDestroyGuards(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	srv.AddMemberships("aud", acctest.Member("old", ""))
	path := filepath.Join(t.TempDir(), "segment.txt")
	writeExport(t, path, "a\n")
	tf := acctest.NewCLIWorkspace(t, acctest.ProviderConfig(srv)+fileResource("test", path, `on_existing_members = "error"`))
	out, code := tf.Run("plan")
	if code == 0 {
		t.Fatalf("a create on an audience with other members passed with on_existing_members = \"error\":\n%s", out)
	}
	acctest.ExpectOutput(t, out, "Audience Already Has Members", `"old"`)

	tf.Write("main.tf", acctest.ProviderConfig(srv)+fileResource("test", path, `on_destroy = "keep"`))
	tf.MustRun("apply", "-auto-approve")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""), acctest.Member("old", ""))
	srv.ResetRequests()
	tf.MustRun("destroy", "-auto-approve")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""), acctest.Member("old", ""))
	expectRemovesOnly(t, srv, 0)
}

// An apply that fails before it writes anything keeps the state it had, and with it the memberships that
// state stands for: the next plan works from them, as a members map's would.
func TestAccAudienceMembersResource_membersFileFailedApplyKeepsState(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	path := filepath.Join(t.TempDir(), "segment.txt")
	writeExport(t, path, "a\nb\n")
	config := acctest.ProviderConfig(srv, `plan_read_max_age = "0s"`, "max_retries = 0") + fileResource("test", path, "")
	tf := acctest.NewCLIWorkspace(t, config)
	tf.MustRun("apply", "-auto-approve")

	// The plan reads, then the apply's own read of the audience fails: nothing is sent.
	writeExport(t, path, "a\nc\n")
	tf.MustRun("plan", "-out=tfplan")
	srv.InjectFaults(localknock.EndpointList, localknock.Fault{Status: 500})
	if out, code := tf.Run("apply", "tfplan"); code == 0 {
		t.Fatalf("the apply passed with its read failing:\n%s", out)
	}
	srv.ClearFaults()
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""), acctest.Member("b", ""))
	tf.MustRun("apply", "-auto-approve")
	acctest.ExpectLiveNow(t, srv, "aud", acctest.Member("a", ""), acctest.Member("c", ""))
	acctest.ExpectOutput(t, tf.MustRun("plan", "-detailed-exitcode"), "No changes")
}
