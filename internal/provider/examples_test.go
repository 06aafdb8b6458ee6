package provider

// Tests of what examples/ promises: two Knock environments stay separate, every example configuration
// validates against the provider's real schema, the module-testing example's `terraform test` suites
// pass, and the CI workflow files are valid YAML of the expected shape.
//
// The acceptance tests here that run examples/ use the real terraform CLI with the provider built from
// this tree and a dev_overrides CLI configuration, as examples/demo/demo.sh does: with provider aliases,
// Terraform starts one provider process per provider configuration, which the in-process provider of
// terraform-plugin-testing cannot show (every alias of a provider name shares its one in-process server).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"gopkg.in/yaml.v3"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// The secret keys of the two environments of the local Knock API in these tests.
const (
	developmentKey = "sk_test_development"
	productionKey  = "sk_test_production"
)

// examplesDir is examples/ seen from this package's directory, where go test runs.
const examplesDir = "../../examples"

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
		return fmt.Errorf("audience %q of the environment of %s holds %s, want %s", audienceKey, apiKey, describe(got), describe(want))
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

// expectEnvironmentLive is expectLive for any environment of srv, read through the HTTP API.
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
	placeholder := []knock.Membership{{UserID: "audience-placeholder"}}
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
		"knock":           testAccProtoV6ProviderFactories["knock"],
		"knockproduction": testAccProtoV6ProviderFactories["knock"],
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
			return errors.Join(checkLive(srv, "beta-testers", nil), checkEnvironmentLive(srv, productionKey, "beta-testers"))
		},
		Steps: []resource.TestStep{
			{
				Config: config(`{ "dev-alice" = null, "qa-robot" = null }`, `{ "alice" = null, "bob" = "acme" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(devAddr, tfjsonpath.New("membership_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(prodAddr, tfjsonpath.New("members"), knownvalue.MapExact(map[string]knownvalue.Check{
						"alice": knownvalue.Null(), "bob": knownvalue.StringExact("acme"),
					})),
					expectLive(srv, "beta-testers", member("dev-alice", ""), member("qa-robot", "")),
					expectEnvironmentLive(srv, productionKey, "beta-testers", member("alice", ""), member("bob", "acme")),
				},
			},
			emptyPlanAfterRefresh(),
			{
				// A change in development leaves production alone.
				Config: config(`{ "dev-alice" = null }`, `{ "alice" = null, "bob" = "acme" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(devAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(prodAddr, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLive(srv, "beta-testers", member("dev-alice", "")),
					expectEnvironmentLive(srv, productionKey, "beta-testers", member("alice", ""), member("bob", "acme")),
				},
			},
			{
				// Production drifts: only production's resource plans a change.
				PreConfig: func() {
					client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: productionKey})
					if err == nil {
						_, err = client.AddMembers(context.Background(), "beta-testers", []knock.Membership{{UserID: "mallory"}})
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
					expectLive(srv, "beta-testers", member("dev-alice", "")),
					expectEnvironmentLive(srv, productionKey, "beta-testers", member("alice", ""), member("bob", "acme")),
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
	skipUnlessAcceptance(t)
	t.Parallel()
	tf := newExampleTerraform(t, "environments")
	srv := newTwoEnvironmentAPI(t)
	srv.CreateAudience("beta-testers") // as knock-local-api -audience does: in the first environment only
	tf.env = append(tf.env,
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
		if err := checkLive(srv, "beta-testers", development); err != nil {
			t.Errorf("development: %v", err)
		}
		if err := checkEnvironmentLive(srv, productionKey, "beta-testers", production...); err != nil {
			t.Errorf("production: %v", err)
		}
	}

	// The guide's local instructions: the production audience is created by the apply.
	tf.mustRun("apply", "-auto-approve", "-var=create_audience=true", members([]string{"dev-alice", "qa-robot"}, []string{"alice", "bob"}))
	expectEnvironments([]localknock.Membership{member("dev-alice", ""), member("qa-robot", "")},
		[]localknock.Membership{member("alice", ""), member("bob", "")})
	var counts map[string]int
	if err := json.Unmarshal([]byte(tf.mustRun("output", "-json", "membership_count")), &counts); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"development": 2, "production": 2}; !maps.Equal(counts, want) {
		t.Errorf("output membership_count = %v, want %v", counts, want)
	}
	if out, code := tf.run("plan", "-detailed-exitcode", "-var=create_audience=true", members([]string{"dev-alice", "qa-robot"}, []string{"alice", "bob"})); code != 0 {
		t.Errorf("the plan after apply is not empty (exit %d):\n%s", code, out)
	}

	tf.mustRun("apply", "-auto-approve", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	expectEnvironments([]localknock.Membership{member("dev-alice", "")},
		[]localknock.Membership{member("alice", ""), member("bob", ""), member("carol", "")})

	// The same key for both aliases would write both resources to one environment.
	sameKey := *tf
	sameKey.env = append(slices.Clone(tf.env), "TF_VAR_knock_production_api_key="+developmentKey)
	out, code := sameKey.run("plan", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	if code != 1 || !errorText("Resource precondition failed", "production and development keys are the same").MatchString(out) {
		t.Errorf("a plan with one key for both environments: exit %d, want 1 with the example's precondition error:\n%s", code, out)
	}

	// The production guard rail holds for destroy too, until the example's variable lifts it.
	out, code = tf.run("destroy", "-auto-approve", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	if code != 1 || !errorText("Too Many Audience Members To Remove", "Destroying this resource removes 3 memberships").MatchString(out) {
		t.Errorf("destroying production under max_removal_percent = 10: exit %d, want 1 with the guard rail's error:\n%s", code, out)
	}
	tf.mustRun("apply", "-auto-approve", "-var=production_max_removal_percent=100", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	tf.mustRun("destroy", "-auto-approve", "-var=production_max_removal_percent=100", members([]string{"dev-alice"}, []string{"alice", "bob", "carol"}))
	expectEnvironments(nil, nil)
}

// TestAccExamples_validate runs terraform validate on every example that is a root module (a directory
// whose .tf files hold a terraform block), so that the examples parse against the provider's schema.
func TestAccExamples_validate(t *testing.T) {
	skipUnlessAcceptance(t)
	t.Parallel()
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
	bin := buildExamplesProvider(t)
	version := terraformVersion(t)
	for _, root := range roots {
		t.Run(root, func(t *testing.T) {
			tf := newExampleTerraformWith(t, root, bin)
			if tests, _ := filepath.Glob(filepath.Join(tf.dir, "tests", "*.tftest.hcl")); len(tests) > 0 {
				if !atLeastVersion(version, 1, 7) {
					t.Skipf("terraform %s: validate checks test files too, and these need Terraform 1.7", version)
				}
				tf.mustRun("get") // the modules that test files use; local paths only
			}
			out, _ := tf.run("validate", "-json")
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
	skipUnlessAcceptance(t)
	t.Parallel()
	const module = "module-testing/beta-audience"
	version := terraformVersion(t)
	if !atLeastVersion(version, 1, 7) {
		t.Skipf("terraform %s cannot run examples/%s: terraform test needs Terraform 1.6, and mock_provider and "+
			"provider blocks that read run outputs need 1.7", version, module)
	}
	tf := newExampleTerraform(t, module)
	const apiKey = "sk_test_module_testing"
	srv := localknock.New(apiKey)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	srv.CreateAudience("beta-testers")

	// Installs the local helper modules of the test files; with dev_overrides there is no terraform init.
	if out := tf.mustRun("get"); strings.Contains(out, "Downloading") {
		t.Errorf("terraform get downloaded something:\n%s", out)
	}

	t.Run("unit", func(t *testing.T) {
		srv.ResetRequests()
		out := tf.expectTestsPass(t, "tests/unit.tftest.hcl")
		if got := srv.Requests(); got[localknock.EndpointAdd]+got[localknock.EndpointRemove]+got[localknock.EndpointList] != 0 {
			t.Errorf("the mocked unit tests sent requests to the local Knock API: %v\n%s", got, out)
		}
	})
	t.Run("integration", func(t *testing.T) {
		srv.ResetRequests()
		out := tf.expectTestsPass(t, "tests/integration.tftest.hcl", "-var=knock_base_url="+srv.URL(), "-var=knock_api_key="+apiKey)
		if got := srv.Requests(); got[localknock.EndpointAdd] == 0 || got[localknock.EndpointRemove] == 0 {
			t.Errorf("the integration tests did not add and remove members in the local Knock API: %v\n%s", got, out)
		}
		if live := srv.Memberships("beta-testers"); len(live) != 0 {
			t.Errorf("after the integration tests' teardown the audience still holds %s", describe(live))
		}
	})
}

// expectTestsPass runs `terraform test` on one test file and requires every run block in it to pass.
func (tf *exampleTerraform) expectTestsPass(t *testing.T, file string, args ...string) string {
	t.Helper()
	content, err := os.ReadFile(filepath.Join(tf.dir, file))
	if err != nil {
		t.Fatal(err)
	}
	runs := len(runBlock.FindAll(content, -1))
	sub := *tf
	sub.t = t // failures belong to the subtest
	out, code := sub.run(append([]string{"test", "-filter=" + file}, args...)...)
	if code != 0 {
		t.Fatalf("terraform test %s: exit %d\n%s", file, code, out)
	}
	if want := fmt.Sprintf("Success! %d passed, 0 failed.", runs); !strings.Contains(out, want) {
		t.Errorf("terraform test %s: want %q in the output:\n%s", file, want, out)
	}
	return out
}

// exampleTerraform runs the real terraform CLI in a copy of one example, with the provider built from
// this tree (dev_overrides, no terraform init) and an environment free of the developer's Knock and
// Terraform variables.
type exampleTerraform struct {
	t    *testing.T
	path string // the terraform binary
	dir  string // the copy of the example
	env  []string
}

func newExampleTerraform(t *testing.T, example string) *exampleTerraform {
	t.Helper()
	return newExampleTerraformWith(t, example, buildExamplesProvider(t))
}

func newExampleTerraformWith(t *testing.T, example, providerDir string) *exampleTerraform {
	t.Helper()
	terraformPath := terraformForExamples(t)
	work := t.TempDir()
	rc := filepath.Join(work, "terraform.rc")
	writeDevOverrides(t, rc, providerDir)
	dir := filepath.Join(work, "example")
	copyExample(t, filepath.Join(examplesDir, filepath.FromSlash(example)), dir)

	env := append(cleanTerraformEnv(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	return &exampleTerraform{t: t, path: terraformPath, dir: dir, env: env}
}

// cleanTerraformEnv is this process's environment without the developer's Knock and Terraform variables.
func cleanTerraformEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		// TF_LOG would mix logs into the output that the tests parse.
		if strings.HasPrefix(name, "KNOCK_") || strings.HasPrefix(name, "TF_VAR_") || strings.HasPrefix(name, "TF_CLI_") ||
			strings.HasPrefix(name, "TF_LOG") || name == "TF_WORKSPACE" || name == "TF_DATA_DIR" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// run runs terraform in the example's copy and returns its combined output and exit code.
func (tf *exampleTerraform) run(args ...string) (string, int) {
	tf.t.Helper()
	full := []string{"-chdir=" + tf.dir}
	if len(args) > 0 {
		full = append(full, args[0], "-no-color")
		args = args[1:]
	}
	cmd := exec.Command(tf.path, append(full, args...)...)
	cmd.Env = tf.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exitErr):
		return out.String(), exitErr.ExitCode()
	}
	tf.t.Fatalf("running %s: %v", strings.Join(cmd.Args, " "), err)
	return "", -1
}

// mustRun is run that requires success.
func (tf *exampleTerraform) mustRun(args ...string) string {
	tf.t.Helper()
	out, code := tf.run(args...)
	if code != 0 {
		tf.t.Fatalf("terraform %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// terraformForExamples is the terraform binary of the acceptance tests: TF_ACC_TERRAFORM_PATH, which
// make test sets, else the one on PATH.
func terraformForExamples(t *testing.T) string {
	t.Helper()
	if path := os.Getenv("TF_ACC_TERRAFORM_PATH"); path != "" {
		return path
	}
	path, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("no terraform: set TF_ACC_TERRAFORM_PATH or put terraform on PATH (make test does)")
	}
	return path
}

// terraformVersion is the version that terraform version -json reports, such as "1.11.4".
func terraformVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(terraformForExamples(t), "version", "-json").Output()
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err != nil || json.Unmarshal(out, &v) != nil || v.Version == "" {
		t.Fatalf("terraform version -json: %v\n%s", err, out)
	}
	return v.Version
}

// atLeastVersion reports whether version (such as "1.11.4" or "1.7.0-beta1") is major.minor or later.
func atLeastVersion(version string, major, minor int) bool {
	m := regexp.MustCompile(`^(\d+)\.(\d+)\.`).FindStringSubmatch(version)
	if m == nil {
		return false
	}
	gotMajor, _ := strconv.Atoi(m[1])
	gotMinor, _ := strconv.Atoi(m[2])
	return gotMajor > major || gotMajor == major && gotMinor >= minor
}

// skipUnlessAcceptance skips a test that runs the terraform CLI itself unless TF_ACC is set, as
// resource.Test does.
func skipUnlessAcceptance(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
}

// buildExamplesProvider builds the provider from this tree into a directory of the test's own and returns
// the directory, for a dev_overrides CLI configuration.
func buildExamplesProvider(t *testing.T) string {
	t.Helper()
	skipUnlessAcceptance(t)
	return buildProvider(t)
}

// buildProvider builds the provider from this tree into a directory of the test's own and returns it.
func buildProvider(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-knock"), "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	return dir
}

// writeDevOverrides writes a Terraform CLI configuration that uses the provider in providerDir instead of
// the registry, so that no terraform init is needed.
func writeDevOverrides(t *testing.T, path, providerDir string) {
	t.Helper()
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"knock-tf/knock\" = %q\n  }\n  direct {}\n}\n", providerDir)
	if err := os.WriteFile(path, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
}

// copyExample copies an example directory, without Terraform's working files.
func copyExample(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		name := d.Name()
		if d.IsDir() {
			if name == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		if name == ".terraform.lock.hcl" || strings.HasSuffix(name, ".tfstate") || strings.Contains(name, ".tfstate.") {
			return nil
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), content, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestExamples_ciWorkflows parses every YAML file under examples/ and checks the shape of the CI
// examples: GitHub Actions plans pull requests with -detailed-exitcode and applies on main, GitLab CI
// plans merge requests and applies on the default branch, each per Knock environment, with the key from
// the CI secret store and a pinned Terraform.
func TestExamples_ciWorkflows(t *testing.T) {
	var files []string
	err := filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(d.Name(), ".yml") || strings.HasSuffix(d.Name(), ".yaml")) {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, file := range files {
		rel, _ := filepath.Rel(examplesDir, file)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			content, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := yaml.Unmarshal(content, &doc); err != nil {
				t.Fatalf("not valid YAML: %v", err)
			}
			if len(doc) == 0 {
				t.Fatal("empty document")
			}
			switch {
			case strings.HasPrefix(rel, "ci/github-actions/"):
				checkGitHubWorkflow(t, doc)
				checked["github"] = true
			case filepath.Base(rel) == ".gitlab-ci.yml":
				checkGitLabCI(t, doc)
				checked["gitlab"] = true
			}
		})
	}
	if !checked["github"] || !checked["gitlab"] {
		t.Errorf("want a GitHub Actions workflow under examples/ci/github-actions and a .gitlab-ci.yml; found %v", files)
	}
}

var (
	pinnedTerraformVersion = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	knockKeyFromSecrets    = regexp.MustCompile(`^\$\{\{\s*secrets\.KNOCK_API_KEY\s*\}\}$`)
)

func checkGitHubWorkflow(t *testing.T, doc map[string]any) {
	t.Helper()
	on := yamlMap(t, doc, "on")
	yamlMap(t, on, "pull_request")
	if branches := yamlList(t, yamlMap(t, on, "push"), "branches"); !slices.Contains(branches, any("main")) {
		t.Errorf("on.push.branches = %v, want main", branches)
	}
	if v, _ := yamlMap(t, doc, "env")["TERRAFORM_VERSION"].(string); !pinnedTerraformVersion.MatchString(v) {
		t.Errorf("env.TERRAFORM_VERSION = %q, want a pinned version such as 1.11.4", v)
	}
	jobs := yamlMap(t, doc, "jobs")
	if len(jobs) == 0 {
		t.Fatal("no jobs")
	}
	environments := map[string]bool{}
	var planOnPullRequest, applyOnMain bool
	for name := range jobs {
		job := yamlMap(t, jobs, name)
		if _, ok := job["runs-on"].(string); !ok {
			t.Errorf("job %s has no runs-on", name)
		}
		if key, _ := yamlMap(t, job, "env")["KNOCK_API_KEY"].(string); !knockKeyFromSecrets.MatchString(key) {
			t.Errorf("job %s: env.KNOCK_API_KEY = %q, want ${{ secrets.KNOCK_API_KEY }}", name, key)
		}
		switch env := job["environment"].(type) {
		case string:
			environments[env] = true
		default:
			t.Errorf("job %s names no GitHub environment, whose secrets it needs", name)
		}
		if matrix, ok := job["strategy"].(map[string]any); ok {
			for _, env := range yamlList(t, yamlMap(t, matrix, "matrix"), "environment") {
				environments[fmt.Sprint(env)] = true
			}
		}
		var runs []string
		for _, step := range yamlList(t, job, "steps") {
			step, _ := step.(map[string]any)
			if uses, _ := step["uses"].(string); strings.HasPrefix(uses, "hashicorp/setup-terraform@") {
				with, _ := step["with"].(map[string]any)
				if with["terraform_version"] == nil || with["terraform_wrapper"] != false {
					t.Errorf("job %s: setup-terraform needs terraform_version and terraform_wrapper: false (the wrapper hides exit codes)", name)
				}
			}
			if run, ok := step["run"].(string); ok {
				runs = append(runs, run)
			}
		}
		script := strings.Join(runs, "\n")
		condition, _ := job["if"].(string)
		if strings.Contains(script, "plan -detailed-exitcode") && strings.Contains(condition, "pull_request") {
			planOnPullRequest = true
		}
		if strings.Contains(script, "terraform apply") && (strings.Contains(condition, "refs/heads/main") || job["needs"] != nil) {
			applyOnMain = true
		}
	}
	if !planOnPullRequest || !applyOnMain {
		t.Errorf("want a job that plans pull requests with -detailed-exitcode (%v) and jobs that apply on main (%v)", planOnPullRequest, applyOnMain)
	}
	if !environments["development"] || !environments["production"] {
		t.Errorf("jobs run in environments %v, want development and production", slices.Sorted(maps.Keys(environments)))
	}
}

func checkGitLabCI(t *testing.T, doc map[string]any) {
	t.Helper()
	if len(yamlList(t, doc, "stages")) == 0 {
		t.Error("no stages")
	}
	image, _ := yamlMap(t, yamlMap(t, doc, "default"), "image")["name"].(string)
	if name, version, _ := strings.Cut(image, ":"); name != "hashicorp/terraform" || !pinnedTerraformVersion.MatchString(version) {
		t.Errorf("default.image.name = %q, want hashicorp/terraform:<pinned version>", image)
	}
	reserved := map[string]bool{"stages": true, "variables": true, "default": true, "workflow": true, "include": true}
	// resolve merges a job with the hidden jobs it extends, as GitLab does (one level of keys).
	var resolve func(name string) map[string]any
	resolve = func(name string) map[string]any {
		job := yamlMap(t, doc, name)
		merged := map[string]any{}
		if parent, ok := job["extends"].(string); ok {
			maps.Copy(merged, resolve(parent))
		}
		maps.Copy(merged, job)
		return merged
	}
	environments := map[string]bool{}
	var planOnMergeRequest, applyOnDefaultBranch bool
	for name := range doc {
		if reserved[name] || strings.HasPrefix(name, ".") {
			continue
		}
		job := resolve(name)
		var script []string
		for _, line := range yamlList(t, job, "script") {
			script = append(script, fmt.Sprint(line))
		}
		if len(script) == 0 {
			t.Errorf("job %s has no script", name)
		}
		environment := yamlMap(t, job, "environment")
		if env, ok := environment["name"].(string); ok {
			environments[env] = true
		} else {
			t.Errorf("job %s names no environment, whose KNOCK_API_KEY it needs", name)
		}
		rules := fmt.Sprint(job["rules"])
		text := strings.Join(script, "\n")
		if strings.Contains(text, "plan -detailed-exitcode") && strings.Contains(rules, "merge_request_event") {
			planOnMergeRequest = true
		}
		if strings.Contains(text, "terraform apply") && strings.Contains(rules, "$CI_DEFAULT_BRANCH") {
			applyOnDefaultBranch = true
		}
	}
	if !planOnMergeRequest || !applyOnDefaultBranch {
		t.Errorf("want jobs that plan merge requests with -detailed-exitcode (%v) and apply on the default branch (%v)", planOnMergeRequest, applyOnDefaultBranch)
	}
	if !environments["development"] || !environments["production"] {
		t.Errorf("jobs run in environments %v, want development and production", slices.Sorted(maps.Keys(environments)))
	}
}

func yamlMap(t *testing.T, parent map[string]any, key string) map[string]any {
	t.Helper()
	m, ok := parent[key].(map[string]any)
	if !ok {
		t.Fatalf("%s: want a mapping, got %T", key, parent[key])
	}
	return m
}

func yamlList(t *testing.T, parent map[string]any, key string) []any {
	t.Helper()
	l, ok := parent[key].([]any)
	if !ok {
		t.Fatalf("%s: want a list, got %T", key, parent[key])
	}
	return l
}
