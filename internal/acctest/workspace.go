package acctest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// ModuleRoot is the repository's root, the directory of go.mod, found from the test's working directory
// (go test runs a test in its package's directory).
func ModuleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Workspace runs the real terraform CLI in a copy of one example, with the provider built from
// this tree (dev_overrides, no terraform init) and an environment free of the developer's Knock and
// Terraform variables.
type Workspace struct {
	t    *testing.T
	path string   // the terraform binary
	Dir  string   // the copy of the example
	Env  []string // the environment terraform runs with
}

// NewWorkspace runs terraform in dir with env.
func NewWorkspace(t *testing.T, dir string, env []string) *Workspace {
	return &Workspace{t: t, path: TerraformBinary(t), Dir: dir, Env: env}
}

// In is the workspace with failures reported to t, a subtest.
func (tf *Workspace) In(t *testing.T) *Workspace {
	sub := *tf
	sub.t = t
	return &sub
}

// NewExampleWorkspace is a copy of examples/EXAMPLE in a directory of the test's own, run with the provider
// built from this tree.
func NewExampleWorkspace(t *testing.T, example string) *Workspace {
	t.Helper()
	return NewExampleWorkspaceWith(t, example, BuildExamplesProvider(t))
}

// NewExampleWorkspaceWith is NewExampleWorkspace with the provider built in providerDir.
func NewExampleWorkspaceWith(t *testing.T, example, providerDir string) *Workspace {
	t.Helper()
	terraformPath := TerraformBinary(t)
	work := t.TempDir()
	rc := filepath.Join(work, "terraform.rc")
	WriteDevOverrides(t, rc, providerDir)
	dir := filepath.Join(work, "example")
	CopyExample(t, filepath.Join(ModuleRoot(t), "examples", filepath.FromSlash(example)), dir)

	env := append(CleanTerraformEnv(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	return &Workspace{t: t, path: terraformPath, Dir: dir, Env: env}
}

// CleanTerraformEnv is this process's environment without the developer's Knock and Terraform variables.
func CleanTerraformEnv() []string {
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

// Run runs terraform in the example's copy and returns its combined output and exit code.
func (tf *Workspace) Run(args ...string) (string, int) {
	tf.t.Helper()
	full := []string{"-chdir=" + tf.Dir}
	if len(args) > 0 {
		full = append(full, args[0], "-no-color")
		args = args[1:]
	}
	cmd := exec.Command(tf.path, append(full, args...)...)
	cmd.Env = tf.Env
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

// MustRun is Run that requires success.
func (tf *Workspace) MustRun(args ...string) string {
	tf.t.Helper()
	out, code := tf.Run(args...)
	if code != 0 {
		tf.t.Fatalf("terraform %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// TerraformBinary is the terraform binary of the acceptance tests: TF_ACC_TERRAFORM_PATH, which
// make test sets, else the one on PATH.
func TerraformBinary(t *testing.T) string {
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

// TerraformVersion is the version that terraform version -json reports, such as "1.11.4".
func TerraformVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(TerraformBinary(t), "version", "-json").Output()
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err != nil || json.Unmarshal(out, &v) != nil || v.Version == "" {
		t.Fatalf("terraform version -json: %v\n%s", err, out)
	}
	return v.Version
}

// AtLeastVersion reports whether version (such as "1.11.4" or "1.7.0-beta1") is major.minor or later.
func AtLeastVersion(version string, major, minor int) bool {
	m := regexp.MustCompile(`^(\d+)\.(\d+)\.`).FindStringSubmatch(version)
	if m == nil {
		return false
	}
	gotMajor, _ := strconv.Atoi(m[1])
	gotMinor, _ := strconv.Atoi(m[2])
	return gotMajor > major || gotMajor == major && gotMinor >= minor
}

// SkipUnlessAcceptance skips a test that runs the terraform CLI itself unless TF_ACC is set, as
// resource.Test does.
func SkipUnlessAcceptance(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
}

// BuildExamplesProvider builds the provider from this tree into a directory of the test's own and returns
// the directory, for a dev_overrides CLI configuration.
func BuildExamplesProvider(t *testing.T) string {
	t.Helper()
	SkipUnlessAcceptance(t)
	return BuildProvider(t)
}

// BuildProvider builds the provider from this tree into a directory of the test's own and returns it.
func BuildProvider(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-knock"), ModuleRoot(t))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	return dir
}

// WriteDevOverrides writes a Terraform CLI configuration that uses the provider in providerDir instead of
// the registry, so that no terraform init is needed.
func WriteDevOverrides(t *testing.T, path, providerDir string) {
	t.Helper()
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"knock-tf/knock\" = %q\n  }\n  direct {}\n}\n", providerDir)
	if err := os.WriteFile(path, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
}

// CopyExample copies an example directory, without Terraform's working files.
func CopyExample(t *testing.T, from, to string) {
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

// NewCLIWorkspace is a directory with main.tf holding hcl, for the moves that resource.Test cannot make
// (saved plan files, -refresh=false, reading the plan's warnings).
func NewCLIWorkspace(t *testing.T, hcl string) *Workspace {
	t.Helper()
	tf := NewExampleWorkspaceWith(t, "demo", BuildExamplesProvider(t))
	entries, err := os.ReadDir(tf.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		if err := os.RemoveAll(filepath.Join(tf.Dir, entry.Name())); err != nil {
			t.Fatal(err)
		}
	}
	tf.Write("versions.tf", "terraform {\n  required_providers {\n    knock = { source = \"knock-tf/knock\" }\n  }\n}\n")
	tf.Write("main.tf", hcl)
	return tf
}

// Write replaces one file of the workspace.
func (tf *Workspace) Write(name, content string) {
	tf.t.Helper()
	if err := os.WriteFile(filepath.Join(tf.Dir, name), []byte(content), 0o644); err != nil {
		tf.t.Fatal(err)
	}
}

// ExpectOutput fails the test unless out matches every pattern.
func ExpectOutput(t *testing.T, out string, patterns ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(out), " ")
	for _, pattern := range patterns {
		if !regexp.MustCompile(pattern).MatchString(flat) {
			t.Errorf("the output does not match %q:\n%s", pattern, out)
		}
	}
}

// ExpectNoOutput fails the test if out matches any pattern.
func ExpectNoOutput(t *testing.T, out string, patterns ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(out), " ")
	for _, pattern := range patterns {
		if regexp.MustCompile(pattern).MatchString(flat) {
			t.Errorf("the output matches %q:\n%s", pattern, out)
		}
	}
}

// ExpectLiveNow fails the test unless the audience holds exactly want in the local API now.
func ExpectLiveNow(t *testing.T, srv *localknock.Server, audienceKey string, want ...localknock.Membership) {
	t.Helper()
	if err := CheckLive(srv, audienceKey, want); err != nil {
		t.Error(err)
	}
}
