package examples_test

// Tests of what examples/ promises: two Knock environments stay separate, every example configuration
// validates against the provider's real schema, the module-testing example's `terraform test` suites
// pass, and the CI workflow files are valid YAML of the expected shape.
//
// The acceptance tests here that run examples/ use the real terraform CLI with the provider built from
// this tree and a dev_overrides CLI configuration, as examples/demo/demo.sh does: with provider aliases,
// Terraform starts one provider process per provider configuration, which the in-process provider of
// terraform-plugin-testing cannot show (every alias of a provider name shares its one in-process server).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// The secret keys of the two environments of the local Knock API in these tests.
const (
	developmentKey = "sk_test_development"
	productionKey  = "sk_test_production"
)

var (
	terraformBlock = regexp.MustCompile(`(?m)^terraform\s*\{`) // a root module's .tf file
	runBlock       = regexp.MustCompile(`(?m)^run\s+"`)        // a run block of a .tftest.hcl file
)

// newTwoEnvironmentAPI starts a local Knock API with a development and a production environment. Its
// test helpers (Memberships, CreateAudience, ...) act on development, the first key's environment.
func newTwoEnvironmentAPI(t *testing.T) *localknock.Server {
	t.Helper()
	srv := localknock.New(developmentKey, productionKey)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// environmentMemberships lists an audience of any environment of srv through the HTTP API, with that
// environment's key.
func environmentMemberships(srv *localknock.Server, apiKey, audienceKey string) ([]localknock.Membership, error) {
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: apiKey})
	if err != nil {
		return nil, err
	}
	listed, err := client.ListMemberships(context.Background(), audienceKey)
	if err != nil {
		return nil, fmt.Errorf("listing audience %q with key %s: %w", audienceKey, apiKey, err)
	}
	out := make([]localknock.Membership, len(listed))
	for i, m := range listed {
		out[i] = localknock.Membership{UserID: m.UserID, Tenant: m.Tenant}
	}
	return out, nil
}

// checkEnvironmentLive reports whether the audience of the key's environment holds exactly want.
func checkEnvironmentLive(srv *localknock.Server, apiKey, audienceKey string, want ...localknock.Membership) error {
	got, err := environmentMemberships(srv, apiKey, audienceKey)
	if err != nil {
		return err
	}
	if !slices.Equal(sortedMemberships(got), sortedMemberships(want)) {
		return fmt.Errorf("audience %q of the environment of %s holds %s, want %s", audienceKey, apiKey, acctest.Describe(got), acctest.Describe(want))
	}
	return nil
}

func sortedMemberships(ms []localknock.Membership) []localknock.Membership {
	out := slices.Clone(ms)
	slices.SortFunc(out, func(a, b localknock.Membership) int {
		return strings.Compare(a.UserID+"\x00"+a.Tenant, b.UserID+"\x00"+b.Tenant)
	})
	return out
}

// expectEnvironmentLive is acctest.ExpectLive for any environment of srv, read through the HTTP API.
func expectEnvironmentLive(srv *localknock.Server, apiKey, audienceKey string, want ...localknock.Membership) statecheck.StateCheck {
	return environmentLiveCheck{srv: srv, apiKey: apiKey, audienceKey: audienceKey, want: want}
}

type environmentLiveCheck struct {
	srv         *localknock.Server
	apiKey      string
	audienceKey string
	want        []localknock.Membership
}

func (c environmentLiveCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = checkEnvironmentLive(c.srv, c.apiKey, c.audienceKey, c.want...)
}

// createAudienceIn creates an empty static audience in the key's environment, as a dashboard user would.
func createAudienceIn(t *testing.T, srv *localknock.Server, apiKey, audienceKey string) {
	t.Helper()
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: apiKey})
	if err != nil {
		t.Fatal(err)
	}
	placeholder := []changeset.Membership{{UserID: "audience-placeholder"}}
	if _, err := client.AddMembersCreatingAudience(context.Background(), audienceKey, placeholder); err != nil {
		t.Fatal(err)
	}
	if _, err := client.RemoveMembers(context.Background(), audienceKey, placeholder); err != nil {
		t.Fatal(err)
	}
}

// TestAccEnvironments_providerPerEnvironment applies one configuration with a provider configuration
// per Knock environment, the same audience key in both and different members, and checks that each
// environment holds only its own members, through updates and destroy. In process, the production
// configuration is a second provider name served by its own provider instance;
// TestAccEnvironments_aliasesExample runs the same with real aliases.
func TestAccEnvironments_providerPerEnvironment(t *testing.T) {
	srv := newTwoEnvironmentAPI(t)
	srv.CreateAudience("beta-testers")
	createAudienceIn(t, srv, productionKey, "beta-testers")
	factories := map[string]func() (tfprotov6.ProviderServer, error){
		"knock":           acctest.ProviderFactories["knock"],
		"knockproduction": acctest.ProviderFactories["knock"],
	}
	config := func(development, production string) string {
		return fmt.Sprintf(`
provider "knock" {
  base_url = %[1]q
  api_key  = %[2]q
}

provider "knockproduction" {
  base_url = %[1]q
  api_key  = %[3]q
}

resource "knock_audience_members" "development" {
  audience_key = "beta-testers"
  members      = %[4]s
}

resource "knock_audience_members" "production" {
  provider     = knockproduction
  audience_key = "beta-testers"
  members      = %[5]s
}
`, srv.URL(), developmentKey, productionKey, development, production)
	}
	const devAddr, prodAddr = "knock_audience_members.development", "knock_audience_members.production"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		CheckDestroy: func(*terraform.State) error {
			return errors.Join(acctest.CheckLive(srv, "beta-testers", nil), checkEnvironmentLive(srv, productionKey, "beta-testers"))
		},
		Steps: []resource.TestStep{
			{
				Config: config(`{ "dev-alice" = null, "qa-robot" = null }`, `{ "alice" = null, "bob" = "acme" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(devAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(prodAddr, tfjsonpath.New("members"), knownvalue.MapExact(map[string]knownvalue.Check{
						"alice": knownvalue.Null(), "bob": knownvalue.StringExact("acme"),
					})),
					acctest.ExpectLive(srv, "beta-testers", acctest.Member("dev-alice", ""), acctest.Member("qa-robot", "")),
					expectEnvironmentLive(srv, productionKey, "beta-testers", acctest.Member("alice", ""), acctest.Member("bob", "acme")),
				},
			},
			acctest.EmptyPlanAfterRefresh(),
			{
				// A change in development leaves production alone.
				Config: config(`{ "dev-alice" = null }`, `{ "alice" = null, "bob" = "acme" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(devAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(prodAddr, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "beta-testers", acctest.Member("dev-alice", "")),
					expectEnvironmentLive(srv, productionKey, "beta-testers", acctest.Member("alice", ""), acctest.Member("bob", "acme")),
				},
			},
			{
				// Production drifts: only production's resource plans a change.
				PreConfig: func() {
					client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: productionKey})
					if err == nil {
						_, err = client.AddMembers(context.Background(), "beta-testers", []changeset.Membership{{UserID: "mallory"}})
					}
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: config(`{ "dev-alice" = null }`, `{ "alice" = null, "bob" = "acme" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(devAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction(prodAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectLive(srv, "beta-testers", acctest.Member("dev-alice", "")),
					expectEnvironmentLive(srv, productionKey, "beta-testers", acctest.Member("alice", ""), acctest.Member("bob", "acme")),
				},
			},
		},
	})
}

// TestAccEnvironments_aliasesExample applies examples/environments, two aliases of one provider with
// the development and the production key of one local Knock API, and checks that each environment holds
// only its own members after create, update and destroy, that a second plan is empty, and that the
// example refuses the same key for both aliases.
func TestAccEnvironments_aliasesExample(t *testing.T) {
	acctest.SkipUnlessAcceptance(t)
	t.Parallel()
	tf := acctest.NewExampleWorkspace(t, "environments")
	srv := newTwoEnvironmentAPI(t)
	srv.CreateAudience("beta-testers") // as knock-local-api -audience does: in the first environment only
	tf.Env = append(tf.Env,
		"TF_VAR_knock_base_url="+srv.URL(),
		"TF_VAR_knock_development_api_key="+developmentKey,
		"TF_VAR_knock_production_api_key="+productionKey,
	)
	members := func(development, production []string) string {
		raw, _ := json.Marshal(map[string][]string{"development": development, "production": production})
		return "-var=beta_testers=" + string(raw)
	}
	expectEnvironments := func(development, production []localknock.Membership) {
		t.Helper()
		if err := acctest.CheckLive(srv, "beta-testers", development); err != nil {
			t.Errorf("development: %v", err)
		}
		if err := checkEnvironmentLive(srv, productionKey, "beta-testers", production...); err != nil {
			t.Errorf("production: %v", err)
		}
	}

	// The guide's local instructions: the production audience is created by the apply.
	tf.MustRun("apply", "-auto-approve", "-var=create_audience=true", members([]string{"dev-alice", "qa-robot"}, []string{"alice", "bob"}))
	expectEnvironments([]localknock.Membership{acctest.Member("dev-alice", ""), acctest.Member("qa-robot", "")},
		[]localknock.Membership{acctest.Member("alice", ""), acctest.Member("bob", "")})
	var counts map[string]int
	if err := json.Unmarshal([]byte(tf.MustRun("output", "-json", "membership_count")), &counts); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"development": 2, "production": 2}; !maps.Equal(counts, want) {
		t.Errorf("output membership_count = %v, want %v", counts, want)
	}
	if out, code := tf.Run("plan", "-detailed-exitcode", "-var=create_audience=true", members([]string{"dev-alice", "qa-robot"}, []string{"alice", "bob"})); code != 0 {
		t.Errorf("the plan after apply is not empty (exit %d):\n%s", code, out)
	}

	tf.MustRun("apply", "-auto-approve", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	expectEnvironments([]localknock.Membership{acctest.Member("dev-alice", "")},
		[]localknock.Membership{acctest.Member("alice", ""), acctest.Member("bob", ""), acctest.Member("carol", "")})

	// The same key for both aliases would write both resources to one environment.
	sameKey := *tf
	sameKey.Env = append(slices.Clone(tf.Env), "TF_VAR_knock_production_api_key="+developmentKey)
	out, code := sameKey.Run("plan", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	if code != 1 || !acctest.ErrorText("Resource precondition failed", "production and development keys are the same").MatchString(out) {
		t.Errorf("a plan with one key for both environments: exit %d, want 1 with the example's precondition error:\n%s", code, out)
	}

	// The production guard rail holds for destroy too, until the example's variable lifts it.
	out, code = tf.Run("destroy", "-auto-approve", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	if code != 1 || !acctest.ErrorText("Too Many Audience Members To Remove", "Destroying this resource removes 3 memberships").MatchString(out) {
		t.Errorf("destroying production under max_removal_percent = 10: exit %d, want 1 with the guard rail's error:\n%s", code, out)
	}
	tf.MustRun("apply", "-auto-approve", "-var=production_max_removal_percent=100", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	tf.MustRun("destroy", "-auto-approve", "-var=production_max_removal_percent=100", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	expectEnvironments(nil, nil)
}

// TestAccExamples_validate runs terraform validate on every example that is a root module (a directory
// whose .tf files hold a terraform block) and on the examples of the documentation pages, so that the
// examples parse against the provider's schema.
func TestAccExamples_validate(t *testing.T) {
	acctest.SkipUnlessAcceptance(t)
	t.Parallel()
	examplesDir := filepath.Join(acctest.ModuleRoot(t), "examples")
	var roots []string
	err := filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if d.Name() == ".terraform" {
			return filepath.SkipDir
		}
		files, _ := filepath.Glob(filepath.Join(path, "*.tf"))
		for _, file := range files {
			content, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			if terraformBlock.Match(content) {
				rel, _ := filepath.Rel(examplesDir, path)
				roots = append(roots, filepath.ToSlash(rel))
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, required := range []string{"environments", "multi-tenant", "ci/audiences", "module-testing/beta-audience"} {
		if !slices.Contains(roots, required) {
			t.Fatalf("examples/%s is not among the examples found (%v)", required, roots)
		}
	}
	// The examples of the resource, data source and function pages are not root modules: each is
	// validated with a terraform block added, without its import blocks, whose targets are on the page.
	pages, err := filepath.Glob(filepath.Join(examplesDir, "*", "*", "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	pageDirs := map[string]bool{}
	for _, file := range pages {
		rel, _ := filepath.Rel(examplesDir, filepath.Dir(file))
		if kind, _, _ := strings.Cut(filepath.ToSlash(rel), "/"); kind == "resources" || kind == "data-sources" || kind == "functions" {
			pageDirs[filepath.ToSlash(rel)] = true
		}
	}
	if !pageDirs["resources/knock_audience_members"] {
		t.Fatalf("examples/resources/knock_audience_members is not among the page examples found (%v)", pageDirs)
	}
	bin := acctest.BuildExamplesProvider(t)
	version := acctest.TerraformVersion(t)
	for _, root := range append(roots, slices.Sorted(maps.Keys(pageDirs))...) {
		t.Run(root, func(t *testing.T) {
			tf := acctest.NewExampleWorkspaceWith(t, root, bin)
			if pageDirs[root] {
				imports, _ := filepath.Glob(filepath.Join(tf.Dir, "import*.tf"))
				for _, file := range imports {
					if err := os.Remove(file); err != nil {
						t.Fatal(err)
					}
				}
				tf.Write("versions.tf", "terraform {\n  required_providers {\n    knock = { source = \"knock-tf/knock\" }\n  }\n}\n")
			}
			if tests, _ := filepath.Glob(filepath.Join(tf.Dir, "tests", "*.tftest.hcl")); len(tests) > 0 {
				if !acctest.AtLeastVersion(version, 1, 7) {
					t.Skipf("terraform %s: validate checks test files too, and these need Terraform 1.7", version)
				}
				tf.MustRun("get") // the modules that test files use; local paths only
			}
			out, _ := tf.Run("validate", "-json")
			var result struct {
				Valid       bool `json:"valid"`
				Diagnostics []struct {
					Severity string `json:"severity"`
					Summary  string `json:"summary"`
					Detail   string `json:"detail"`
				} `json:"diagnostics"`
			}
			if err := json.Unmarshal([]byte(out), &result); err != nil {
				t.Fatalf("terraform validate -json: %v\n%s", err, out)
			}
			for _, d := range result.Diagnostics {
				if d.Summary != "Provider development overrides are in effect" {
					t.Errorf("examples/%s: %s: %s: %s", root, d.Severity, d.Summary, d.Detail)
				}
			}
			if !result.Valid {
				t.Errorf("examples/%s is not valid", root)
			}
		})
	}
}

// TestAccExamples_moduleTesting runs the `terraform test` suites of examples/module-testing: the unit
// tests with mock_provider, which must not reach any Knock API, and the integration tests against a
// local Knock API whose address and key are passed with -var, which must change the audience and
// leave it empty after their teardown.
func TestAccExamples_moduleTesting(t *testing.T) {
	acctest.SkipUnlessAcceptance(t)
	t.Parallel()
	const module = "module-testing/beta-audience"
	version := acctest.TerraformVersion(t)
	if !acctest.AtLeastVersion(version, 1, 7) {
		t.Skipf("terraform %s cannot run examples/%s: terraform test needs Terraform 1.6, and mock_provider and "+
			"provider blocks that read run outputs need 1.7", version, module)
	}
	tf := acctest.NewExampleWorkspace(t, module)
	const apiKey = "sk_test_module_testing"
	srv := localknock.New(apiKey)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	srv.CreateAudience("beta-testers")

	// Installs the local helper modules of the test files; with dev_overrides there is no terraform init.
	if out := tf.MustRun("get"); strings.Contains(out, "Downloading") {
		t.Errorf("terraform get downloaded something:\n%s", out)
	}

	t.Run("unit", func(t *testing.T) {
		srv.ResetRequests()
		out := expectTestsPass(t, tf, "tests/unit.tftest.hcl")
		if got := srv.Requests(); got[localknock.EndpointAdd]+got[localknock.EndpointRemove]+got[localknock.EndpointList] != 0 {
			t.Errorf("the mocked unit tests sent requests to the local Knock API: %v\n%s", got, out)
		}
	})
	t.Run("integration", func(t *testing.T) {
		srv.ResetRequests()
		out := expectTestsPass(t, tf, "tests/integration.tftest.hcl", "-var=knock_base_url="+srv.URL(), "-var=knock_api_key="+apiKey)
		if got := srv.Requests(); got[localknock.EndpointAdd] == 0 || got[localknock.EndpointRemove] == 0 {
			t.Errorf("the integration tests did not add and remove members in the local Knock API: %v\n%s", got, out)
		}
		if live := srv.Memberships("beta-testers"); len(live) != 0 {
			t.Errorf("after the integration tests' teardown the audience still holds %s", acctest.Describe(live))
		}
	})
}

// expectTestsPass runs `terraform test` on one test file and requires every run block in it to pass.
func expectTestsPass(t *testing.T, tf *acctest.Workspace, file string, args ...string) string {
	t.Helper()
	content, err := os.ReadFile(filepath.Join(tf.Dir, file))
	if err != nil {
		t.Fatal(err)
	}
	runs := len(runBlock.FindAll(content, -1))
	out, code := tf.In(t).Run(append([]string{"test", "-filter=" + file}, args...)...)
	if code != 0 {
		t.Fatalf("terraform test %s: exit %d\n%s", file, code, out)
	}
	if want := fmt.Sprintf("Success! %d passed, 0 failed.", runs); !strings.Contains(out, want) {
		t.Errorf("terraform test %s: want %q in the output:\n%s", file, want, out)
	}
	return out
}
