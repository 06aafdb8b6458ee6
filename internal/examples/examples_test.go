package examples_test

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
)

// TestExamples_ciWorkflows parses every YAML file under examples/ and checks the shape of the CI
// examples: GitHub Actions plans pull requests with -detailed-exitcode and applies on main, GitLab CI
// plans merge requests and applies on the default branch, each per Knock environment, with the key from
// the CI secret store and a pinned Terraform.
func TestExamples_ciWorkflows(t *testing.T) {
	examplesDir := filepath.Join(acctest.ModuleRoot(t), "examples")
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
