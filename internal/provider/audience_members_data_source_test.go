package provider

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

	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

const dataAddr = "data.knock_audience_members.test"

func dataSourceConfig(srv *localknock.Server, attributes string) string {
	return providerConfig(srv) + fmt.Sprintf(`
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
	srv := newLocalAPI(t)
	srv.AddMemberships("readers", member("u2", "globex"), member("u1", ""), member("u2", "acme"))
	srv.SetUser(localknock.User{ID: "u1", Name: "Ada Lovelace", Email: "ada@example.com", Timezone: "Europe/London"})
	return srv
}

// TestAccAudienceMembersDataSource_basic: ids and tenants in the resource's shape, a user under two
// tenants shown once with the smallest tenant and counted twice, and no user properties in state.
func TestAccAudienceMembersDataSource_basic(t *testing.T) {
	srv := newReadersAudience(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
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
				expectRequests(srv, 0, 0, 1),
			},
		}},
	})
}

func TestAccAudienceMembersDataSource_tenant(t *testing.T) {
	srv := newReadersAudience(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
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
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
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
					"added_at":     knownvalue.StringRegexp(regexpRFC3339),
					"created_at":   knownvalue.StringRegexp(regexpRFC3339),
					"updated_at":   knownvalue.StringRegexp(regexpRFC3339),
				})),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("users").AtMapKey("u2").AtMapKey("name"), knownvalue.Null()),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("users"), knownvalue.MapSizeExact(2)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("members"), knownvalue.MapSizeExact(2)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(3)),
				expectRequests(srv, 0, 0, 1),
			},
		}, {
			Config: dataSourceConfig(srv, "audience_key = \"readers\"\ntenant = \"acme\"\ninclude_user_properties = true"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("users"), knownvalue.MapExact(map[string]knownvalue.Check{
					"u2": knownvalue.ObjectPartial(map[string]knownvalue.Check{"email": knownvalue.Null(), "added_at": knownvalue.StringRegexp(regexpRFC3339)}),
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
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: dataSourceConfig(srv, `audience_key = "readers"`) + `
resource "knock_audience_members" "copy" {
  audience_key = "readers-copy"
  members      = data.knock_audience_members.test.members
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				expectLive(srv, "readers-copy", member("u1", ""), member("u2", "acme")),
			},
		}},
	})
}

func TestAccAudienceMembersDataSource_manyPages(t *testing.T) {
	srv := newLocalAPI(t)
	for i := range 120 {
		srv.AddMemberships("many", member(fmt.Sprintf("user-%03d", i), ""))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: srv.ResetRequests,
			Config:    dataSourceConfig(srv, `audience_key = "many"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(120)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("user_ids"), knownvalue.ListSizeExact(120)),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("user_ids").AtSliceIndex(119), knownvalue.StringExact("user-119")),
				statecheck.ExpectKnownValue(dataAddr, tfjsonpath.New("members").AtMapKey("user-000"), knownvalue.Null()),
				// Read once during plan: 3 pages of at most 50.
				expectRequests(srv, 0, 0, 3),
			},
		}},
	})
}

func TestAccAudienceMembersDataSource_unknownAudience(t *testing.T) {
	srv := newLocalAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      dataSourceConfig(srv, `audience_key = "missing"`),
			ExpectError: errorText("Unable to Read Audience Members", `audience "missing"`, "HTTP 404", `The audience "missing" does not exist`),
		}},
	})
}

// TestAccAudienceMembersDataSource_invalidIDs: found at validate, before any request.
func TestAccAudienceMembersDataSource_invalidIDs(t *testing.T) {
	srv := newReadersAudience(t)
	srv.ResetRequests()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      dataSourceConfig(srv, `audience_key = "readers "`),
				ExpectError: errorText("Invalid Audience Key", `audience_key is "readers ", which has whitespace at the start or end`),
			},
			{
				Config:      dataSourceConfig(srv, "audience_key = \"readers\"\ntenant = \"\""),
				ExpectError: errorText("Invalid Tenant", `tenant is "", which is empty or only whitespace`),
			},
			{
				PreConfig: func() { expectNoRequests(t, srv) },
				Config:    dataSourceConfig(srv, `audience_key = "readers"`),
			},
		},
	})
}

// TestAccAudienceMembersDataSource_notNormalForm: an id Terraform would store as another id stops the
// read, instead of landing in state (and in a copy) as a user who is not the member.
func TestAccAudienceMembersDataSource_notNormalForm(t *testing.T) {
	srv := newLocalAPI(t)
	srv.AddMemberships("accents", member("jose\u0301", ""), member("ana", ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      dataSourceConfig(srv, `audience_key = "accents"`),
			ExpectError: errorText("Audience Holds IDs Terraform Cannot Name", `audience "accents" holds 1 membership`),
		}},
	})
}

// TestAccAudienceMembersDataSource_example applies the data source's documented example with the real
// terraform CLI: the copy of one audience into another, the members of one audience not in another,
// the users' emails as a sensitive output, and the postcondition that stops the plan, before any write,
// when the audience is smaller than expected.
func TestAccAudienceMembersDataSource_example(t *testing.T) {
	skipUnlessAcceptance(t)
	t.Parallel()
	tf := newExampleTerraform(t, "data-sources/knock_audience_members")
	// The example is a documentation snippet; a root module needs the provider's source address.
	versions := "terraform {\n  required_providers {\n    knock = {\n      source = \"knock-tf/knock\"\n    }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(tf.dir, "versions.tf"), []byte(versions), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := newLocalAPI(t)
	srv.AddMemberships("beta-testers", member("ana", ""), member("bo", "acme"), member("bo", "globex"), member("cy", ""))
	srv.SetUser(localknock.User{ID: "ana", Email: "ana@example.com"})
	srv.SetUser(localknock.User{ID: "cy", Email: "cy@example.com"})
	srv.AddMemberships("newsletter", member("ana", ""))
	srv.CreateAudience("beta-testers-copy")
	tf.env = append(tf.env, knockdiag.EnvBaseURL+"="+srv.URL(), knockdiag.EnvAPIKey+"="+testAPIKey)

	out, code := tf.run("plan", "-var=beta_min_members=5")
	if code != 1 || !errorText("Resource postcondition failed", "beta-testers holds 4 memberships, fewer than 5").MatchString(out) {
		t.Fatalf("plan with beta_min_members = 5: exit %d, want 1 with the postcondition's message:\n%s", code, out)
	}
	if got := srv.Requests()[localknock.EndpointAdd]; got != 0 {
		t.Errorf("the failed plan sent %d add requests", got)
	}

	tf.mustRun("apply", "-auto-approve")
	if err := checkLive(srv, "beta-testers-copy", []localknock.Membership{member("ana", ""), member("bo", "acme"), member("cy", "")}); err != nil {
		t.Error(err)
	}
	var notInNewsletter []string
	if err := json.Unmarshal([]byte(tf.mustRun("output", "-json", "beta_testers_not_in_newsletter")), &notInNewsletter); err != nil {
		t.Fatal(err)
	}
	if want := []string{"bo", "cy"}; !slices.Equal(notInNewsletter, want) {
		t.Errorf("beta_testers_not_in_newsletter = %q, want %q", notInNewsletter, want)
	}
	if out := tf.mustRun("output"); !regexp.MustCompile(`beta_emails = <sensitive>`).MatchString(out) {
		t.Errorf("terraform output shows beta_emails, want it hidden:\n%s", out)
	}
	var emails []string
	if err := json.Unmarshal([]byte(tf.mustRun("output", "-json", "beta_emails")), &emails); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ana@example.com", "cy@example.com"}; !slices.Equal(emails, want) {
		t.Errorf("beta_emails = %q, want %q", emails, want)
	}
	if out, code := tf.run("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after apply is not empty (exit %d):\n%s", code, out)
	}
}
