package audiencemembers_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

const dataAddr = "data.knock_audience_members.test"

func dataSourceConfig(srv *localknock.Server, attributes string) string {
	return acctest.ProviderConfig(srv) + fmt.Sprintf(`
data "knock_audience_members" "test" {
%s
}
`, attributes)
}

func stringList(values ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.ListExact(checks)
}

// newReadersAudience holds u1 without tenant, with properties, and u2 under two tenants.
func newReadersAudience(t *testing.T) *localknock.Server {
	t.Helper()
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("readers", acctest.Member("u2", "globex"), acctest.Member("u1", ""), acctest.Member("u2", "acme"))
	srv.SetUser(localknock.User{ID: "u1", Name: "Ada Lovelace", Email: "ada@example.com", Timezone: "Europe/London"})
	return srv
}

// TestAccAudienceMembersDataSource_basic: ids and tenants in the resource's shape, a user under two
// tenants shown once with the smallest tenant and counted twice, and no user properties in state.
func TestAccAudienceMembersDataSource_basic(t *testing.T) {
	srv := newReadersAudience(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: srv.ResetRequests,
			Config:    dataSourceConfig(srv, `audience_key = "readers"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("members"), knownvalue.MapExact(map[string]knownvalue.Check{
					"u1": knownvalue.Null(),
					"u2": knownvalue.StringExact("acme"),
				})),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("user_ids"), stringList("u1", "u2")),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("users"), knownvalue.Null()),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("tenant"), knownvalue.Null()),
				// Read once, during plan (the apply of a data-source-only configuration reads nothing new).
				acctest.ExpectRequests(srv, 0, 0, 1),
			},
		}},
	})
}

func TestAccAudienceMembersDataSource_tenant(t *testing.T) {
	srv := newReadersAudience(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: dataSourceConfig(srv, "audience_key = \"readers\"\ntenant = \"globex\""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("members"), knownvalue.MapExact(map[string]knownvalue.Check{
					"u2": knownvalue.StringExact("globex"),
				})),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("user_ids"), stringList("u2")),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(1)),
			},
		}},
	})
}

// TestAccAudienceMembersDataSource_userProperties: the properties only when asked for, keyed by user id,
// and sensitive.
func TestAccAudienceMembersDataSource_userProperties(t *testing.T) {
	srv := newReadersAudience(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: srv.ResetRequests,
			Config:    dataSourceConfig(srv, "audience_key = \"readers\"\ninclude_user_properties = true"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectSensitiveValue(dataAddr, tfjsonpath.New("users")),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("users").AtMapKey("u1"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"name":         knownvalue.StringExact("Ada Lovelace"),
					"email":        knownvalue.StringExact("ada@example.com"),
					"timezone":     knownvalue.StringExact("Europe/London"),
					"phone_number": knownvalue.Null(),
					"avatar":       knownvalue.Null(),
					"added_at":     knownvalue.StringRegexp(acctest.RFC3339),
					"created_at":   knownvalue.StringRegexp(acctest.RFC3339),
					"updated_at":   knownvalue.StringRegexp(acctest.RFC3339),
				})),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("users").AtMapKey("u2").AtMapKey("name"), knownvalue.Null()),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("users"), knownvalue.MapSizeExact(2)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("members"), knownvalue.MapSizeExact(2)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(3)),
				acctest.ExpectRequests(srv, 0, 0, 1),
			},
		}, {
			Config: dataSourceConfig(srv, "audience_key = \"readers\"\ntenant = \"acme\"\ninclude_user_properties = true"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("users"), knownvalue.MapExact(map[string]knownvalue.Check{
					"u2": knownvalue.ObjectPartial(map[string]knownvalue.Check{"email": knownvalue.Null(), "added_at": knownvalue.StringRegexp(acctest.RFC3339)}),
				})),
			},
		}},
	})
}

// TestAccAudienceMembersDataSource_copyToResource: members copies an audience into a resource as it is,
// one membership per user.
func TestAccAudienceMembersDataSource_copyToResource(t *testing.T) {
	srv := newReadersAudience(t)
	srv.CreateAudience("readers-copy")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: dataSourceConfig(srv, `audience_key = "readers"`) + `
resource "knock_audience_members" "copy" {
  audience_key = "readers-copy"
  members      = data.knock_audience_members.test.members
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				acctest.ExpectLive(srv, "readers-copy", acctest.Member("u1", ""), acctest.Member("u2", "acme")),
			},
		}},
	})
}

func TestAccAudienceMembersDataSource_manyPages(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	for i := range 120 {
		srv.AddMemberships("many", acctest.Member(fmt.Sprintf("user-%03d", i), ""))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: srv.ResetRequests,
			Config:    dataSourceConfig(srv, `audience_key = "many"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(120)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("user_ids"), knownvalue.ListSizeExact(120)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("user_ids").AtSliceIndex(119), knownvalue.StringExact("user-119")),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("members").AtMapKey("user-000"), knownvalue.Null()),
				// Read once during plan: 3 pages of at most 50.
				acctest.ExpectRequests(srv, 0, 0, 3),
			},
		}},
	})
}

func TestAccAudienceMembersDataSource_unknownAudience(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      dataSourceConfig(srv, `audience_key = "missing"`),
			ExpectError: acctest.ErrorText("Unable to Read Audience Members", `audience "missing"`, "HTTP 404", `The audience "missing" does not exist`),
		}},
	})
}

// TestAccAudienceMembersDataSource_invalidIDs: found at validate, before any request.
func TestAccAudienceMembersDataSource_invalidIDs(t *testing.T) {
	srv := newReadersAudience(t)
	srv.ResetRequests()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      dataSourceConfig(srv, `audience_key = "readers "`),
				ExpectError: acctest.ErrorText("Invalid Audience Key", `audience_key is "readers ", which has whitespace at the start or end`),
			},
			{
				Config:      dataSourceConfig(srv, "audience_key = \"readers\"\ntenant = \"\""),
				ExpectError: acctest.ErrorText("Invalid Tenant", `tenant is "", which is empty or only whitespace`),
			},
			{
				PreConfig: func() { acctest.ExpectNoRequests(t, srv) },
				Config:    dataSourceConfig(srv, `audience_key = "readers"`),
			},
		},
	})
}

// TestAccAudienceMembersDataSource_notNormalForm: an id Terraform would store as another id stops the
// read, instead of landing in state (and in a copy) as a user who is not the member.
func TestAccAudienceMembersDataSource_notNormalForm(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("accents", acctest.Member("jose\u0301", ""), acctest.Member("ana", ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      dataSourceConfig(srv, `audience_key = "accents"`),
			ExpectError: acctest.ErrorText("Audience Holds IDs Terraform Cannot Name", `audience "accents" holds 1 membership`),
		}},
	})
}

// TestAccAudienceMembersDataSource_example applies the data source's documented example with the real
// terraform CLI: the copy of one audience into another, the members of one audience not in another,
// the users' emails as a sensitive output, and the postcondition that stops the plan, before any write,
// when the audience is smaller than expected.
func TestAccAudienceMembersDataSource_example(t *testing.T) {
	acctest.SkipUnlessAcceptance(t)
	t.Parallel()
	tf := acctest.NewExampleWorkspace(t, "data-sources/knock_audience_members")
	// The example is a documentation snippet; a root module needs the provider's source address.
	versions := "terraform {\n  required_providers {\n    knock = {\n      source = \"knock-tf/knock\"\n    }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(tf.Dir, "versions.tf"), []byte(versions), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("beta-testers", acctest.Member("ana", ""), acctest.Member("bo", "acme"), acctest.Member("bo", "globex"), acctest.Member("cy", ""))
	srv.SetUser(localknock.User{ID: "ana", Email: "ana@example.com"})
	srv.SetUser(localknock.User{ID: "cy", Email: "cy@example.com"})
	srv.AddMemberships("newsletter", acctest.Member("ana", ""))
	srv.CreateAudience("beta-testers-copy")
	tf.Env = append(tf.Env, knockdiag.EnvBaseURL+"="+srv.URL(), knockdiag.EnvAPIKey+"="+acctest.APIKey)

	out, code := tf.Run("plan", "-var=beta_min_members=5")
	if code != 1 || !acctest.ErrorText("Resource postcondition failed", "beta-testers holds 4 memberships, fewer than 5").MatchString(out) {
		t.Fatalf("plan with beta_min_members = 5: exit %d, want 1 with the postcondition's message:\n%s", code, out)
	}
	if got := srv.Requests()[localknock.EndpointAdd]; got != 0 {
		t.Errorf("the failed plan sent %d add requests", got)
	}

	tf.MustRun("apply", "-auto-approve")
	if err := acctest.CheckLive(srv, "beta-testers-copy", []localknock.Membership{acctest.Member("ana", ""), acctest.Member("bo", "acme"), acctest.Member("cy", "")}); err != nil {
		t.Error(err)
	}
	var notInNewsletter []string
	if err := json.Unmarshal([]byte(tf.MustRun("output", "-json", "beta_testers_not_in_newsletter")), &notInNewsletter); err != nil {
		t.Fatal(err)
	}
	if want := []string{"bo", "cy"}; !slices.Equal(notInNewsletter, want) {
		t.Errorf("beta_testers_not_in_newsletter = %q, want %q", notInNewsletter, want)
	}
	if out := tf.MustRun("output"); !regexp.MustCompile(`beta_emails = <sensitive>`).MatchString(out) {
		t.Errorf("terraform output shows beta_emails, want it hidden:\n%s", out)
	}
	var emails []string
	if err := json.Unmarshal([]byte(tf.MustRun("output", "-json", "beta_emails")), &emails); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ana@example.com", "cy@example.com"}; !slices.Equal(emails, want) {
		t.Errorf("beta_emails = %q, want %q", emails, want)
	}
	if out, code := tf.Run("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after apply is not empty (exit %d):\n%s", code, out)
	}
}
