package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

type variant int

// The variants: ours, and terraform_data holding the same members read the way ours reads them
// (baseline) or read from a JSON file with file() and a for expression (baselineFile), as users also do;
// and ours reading the members from a gzipped export with members_file (oursFile), the way a warehouse
// sync does.
const (
	ours variant = iota
	baseline
	baselineFile
	oursFile
	numVariants
)

func (v variant) String() string {
	return [...]string{"ours", "baseline", "baseline-file", "ours-file"}[v]
}

// usesKnock reports whether the variant is the provider, which talks to a local Knock API.
func (v variant) usesKnock() bool { return v == ours || v == oursFile }

type step int

const (
	stepCreate step = iota
	stepNoopPlan
	stepChange
	numSteps
)

func (s step) String() string { return [...]string{"create", "noop-plan", "change-1%"}[s] }

// measure is what one step of one variant cost.
type measure struct {
	wall         time.Duration
	providerRSS  int64         // KiB, the largest of the provider processes Terraform started (ours only)
	providerCPU  time.Duration // user + system, summed over those processes (ours only)
	starts       int           // provider processes seen (ours only)
	terraformRSS int64         // KiB, Terraform's own process, sampled like the provider's
	terraformCPU time.Duration // Terraform's own process, without the providers'
	requests     map[localknock.Endpoint]int
	inFlight     int
	conns        int           // connections opened to the local API
	writeSpan    time.Duration // from the first to the last add or remove request
	writesPerSec int           // the most add and remove requests that arrived within one second
	addSizes     []int         // members of each add request, in order of arrival
}

// bench holds what every run shares.
type bench struct {
	terraform   string
	root        string // temporary directory removed at exit
	baseEnv     []string
	latency     time.Duration
	timeout     time.Duration // 0: timeoutFor's default
	membersFrom string
	loadAtStart string
}

// timeoutFor is the limit for one terraform command on n members: -timeout, else 15 minutes per 100,000
// members and at least 15 minutes (Terraform's own work on the state grows with it).
func (b *bench) timeoutFor(n int) time.Duration {
	if b.timeout > 0 {
		return b.timeout
	}
	return time.Duration(max(1, ceilDiv(n, 100_000))) * 15 * time.Minute
}

// runError is a failed step: a terraform command that failed or timed out, a non-empty no-op plan, or an
// audience that does not hold what the configuration declares.
type runError struct {
	what    string
	logTail string
}

func (e *runError) Error() string { return e.what }

// rateWindowPause is a little longer than the local API's rate-limit window (one second).
const rateWindowPause = 1100 * time.Millisecond

// changed returns how many members the 1% change removes and how many it adds (N/100 changes in total).
func changed(n int) int { return max(1, n/200) }

// runVariant applies N members, plans again, then changes 1% of them, in a fresh directory and, for
// ours, against a fresh local Knock API. For ours it also plans a configuration that only reads the
// data source, right after the no-op plan, on the same audience of N members: lookup is its cost.
func (b *bench) runVariant(ctx context.Context, n, rep int, v variant) (out [numSteps]measure, lookup measure, err error) {
	dir := filepath.Join(b.root, fmt.Sprintf("n%d-run%d-%s", n, rep, v))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return out, lookup, err
	}
	defer os.RemoveAll(dir) // a 100,000-member state and its logs take tens of MB
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(b.config(v)), 0o600); err != nil {
		return out, lookup, err
	}
	if err := b.writeMembers(dir, v, 1, n); err != nil {
		return out, lookup, err
	}

	env, api, err := b.variantEnv(v)
	if err != nil {
		return out, lookup, err
	}
	if api != nil {
		defer api.close()
	}

	k := changed(n)
	for s := range numSteps {
		args := applyArgs
		if s == stepNoopPlan {
			args = planArgs
		}
		if s == stepChange {
			// Drop the first k ids and add k new ones after the last.
			if err := b.writeMembers(dir, v, k+1, n+k); err != nil {
				return out, lookup, err
			}
		}
		label := fmt.Sprintf("N=%d run %d %s %s", n, rep, v, s)
		m, err := b.runStep(ctx, dir, env, api, b.timeoutFor(n), label, "step-"+strconv.Itoa(int(s))+".log", args...)
		if err != nil {
			return out, lookup, err
		}
		if api != nil {
			first := 1
			if s == stepChange {
				first = k + 1
			}
			if err := checkAudience(api.knock, first, n); err != nil {
				return out, lookup, &runError{what: label + ": " + err.Error()}
			}
		}
		out[s] = m
		if s == stepNoopPlan && v == ours {
			if lookup, err = b.lookupPlan(ctx, dir, env, api, n, rep); err != nil {
				return out, lookup, err
			}
		}
	}
	return out, lookup, nil
}

// lookupPlan plans a root module holding only the data source on the benchmark's audience, in its own
// directory beside the variant's: what a pipeline that reads an audience (to copy it, compare it or
// gate on its size) pays. The plan must succeed and be empty.
func (b *bench) lookupPlan(ctx context.Context, dir string, env []string, api *localAPI, n, rep int) (measure, error) {
	lookupDir := filepath.Join(dir, "lookup")
	if err := os.Mkdir(lookupDir, 0o700); err != nil {
		return measure{}, err
	}
	if err := os.WriteFile(filepath.Join(lookupDir, "main.tf"), []byte(lookupConfig), 0o600); err != nil {
		return measure{}, err
	}
	label := fmt.Sprintf("N=%d run %d ours data-source plan", n, rep)
	return b.runStep(ctx, lookupDir, env, api, b.timeoutFor(n), label, "plan.log", planArgs...)
}

// The commands of the steps: an apply, or a plan whose exit code says whether it is empty.
var (
	applyArgs = []string{"apply", "-auto-approve", "-input=false", "-no-color"}
	planArgs  = []string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}
)

// variantEnv is the environment of a variant's terraform commands; for ours it points at a fresh local
// Knock API holding the benchmark's empty audience, which the caller closes.
func (b *bench) variantEnv(v variant) ([]string, *localAPI, error) {
	env := slices.Clip(b.baseEnv)
	if !v.usesKnock() {
		return env, nil, nil
	}
	api, err := startLocalAPI(b.latency)
	if err != nil {
		return nil, nil, err
	}
	return append(env, "KNOCK_BASE_URL="+api.url, "KNOCK_API_KEY="+benchAPIKey), api, nil
}

// runStep runs one terraform command in dir with its output in logName there. With api (ours), it
// first lets the previous step's requests leave Knock's rate window (Knock counts per second and
// environment), so that each step is measured on its own, and then takes the local API's counts. The
// command must succeed, a plan with -detailed-exitcode must be empty, and ours must start the provider.
func (b *bench) runStep(ctx context.Context, dir string, env []string, api *localAPI, timeout time.Duration,
	label, logName string, args ...string,
) (measure, error) {
	if api != nil {
		time.Sleep(rateWindowPause)
		api.reset()
	}
	logFile := filepath.Join(dir, logName)
	m, code, err := b.terraformCmd(ctx, dir, env, logFile, timeout, args...)
	label += " (terraform " + args[0] + ")"
	if err != nil {
		var re *runError
		if errors.As(err, &re) {
			re.what = label + ": " + re.what
		}
		return m, err
	}
	if code != 0 {
		what := fmt.Sprintf("exit status %d", code)
		if args[0] == "plan" && code == 2 {
			what = "the plan is not empty (exit status 2)"
		}
		return m, &runError{what: label + ": " + what, logTail: tail(logFile)}
	}
	if api != nil {
		api.fill(&m)
		if m.starts == 0 {
			return m, fmt.Errorf("%s: no provider process was seen", label)
		}
	}
	return m, nil
}

// knockProvider opens the root modules of ours: the provider that make build wrote, configured from the
// environment (KNOCK_BASE_URL and KNOCK_API_KEY, set by variantEnv). It raises plan_read_max_age, as the
// large-audiences guide advises at a million members, where Terraform's own minutes between refresh and
// apply outlast the default 60 s and the apply would list the audience a second time: every size then
// does the same work per step, which the growth checks compare. The guide gives the cost of that read.
const knockProvider = `terraform {
  required_providers {
    knock = {
      source = "knock-tf/knock"
    }
  }
}

provider "knock" {
  plan_read_max_age = "1h"
}

`

const lookupConfig = knockProvider + `data "knock_audience_members" "bench" {
  audience_key = "` + benchAudience + `"
}
`

// membersJSON reads the members of members.json.
const membersJSON = `jsondecode(file("${path.module}/members.json"))`

// config is the root module of a variant. By default ours and the baseline read the members from a
// variable of type map(string) set by members.auto.tfvars.json, so that Terraform handles the very same
// value in both and the difference is the resource alone. With -members-from=jsondecode they read
// jsondecode(file(...)); the baseline's input is then an object with N attributes, not a map(string),
// which costs Terraform core about twice as much on plan at 100,000 and flatters our ratio. baselineFile
// always reads members.json through a for expression, as a user turning a file into a map would.
func (b *bench) config(v variant) string {
	switch v {
	case baselineFile:
		return "resource \"terraform_data\" \"bench\" {\n  input = { for id, tenant in " + membersJSON + " : id => tenant }\n}\n"
	case oursFile:
		// Writes at Knock's tier, the rate of the request floor that ours-file is held to; the default
		// (50 a second) leaves room for other syncs, and a create of a million takes 20 s of writes at it.
		return strings.Replace(knockProvider, "plan_read_max_age", "write_requests_per_second = 60\n  plan_read_max_age", 1) +
			`resource "knock_audience_members" "bench" {
  audience_key = "` + benchAudience + `"
  members_file = "${path.module}/` + exportFile + `"
}
`
	}
	members, variable := "var.members", "variable \"members\" {\n  type = map(string)\n}\n\n"
	if b.membersFrom == "jsondecode" {
		members, variable = membersJSON, ""
	}
	if v == baseline {
		return variable + "resource \"terraform_data\" \"bench\" {\n  input = " + members + "\n}\n"
	}
	return knockProvider + variable + `resource "knock_audience_members" "bench" {
  audience_key = "` + benchAudience + `"
  members      = ` + members + `
}
`
}

func memberID(i int) string { return fmt.Sprintf("user-%07d", i) }

// exportFile is the export oursFile reads: one user id per line, gzipped.
const exportFile = "segment.txt.gz"

// writeMembers writes the members user-<first>..user-<last>, all without tenant, as JSON (or, for
// oursFile, as a gzipped export): the file that variant v's configuration reads.
func (b *bench) writeMembers(dir string, v variant, first, last int) error {
	if v == oursFile {
		return writeExport(filepath.Join(dir, exportFile), first, last)
	}
	name, prefix, suffix := "members.auto.tfvars.json", `{"members":{`, "}}\n"
	if b.membersFrom == "jsondecode" || v == baselineFile {
		name, prefix, suffix = "members.json", "{", "}\n"
	}
	return writeIDs(filepath.Join(dir, name), prefix, ":null", suffix, first, last)
}

// writeIDs writes prefix, then the ids user-<first>..user-<last> as JSON strings each followed by after
// and separated by commas, then suffix: a map of members or a list of users, streamed (a million ids
// are 24 MB).
func writeIDs(path, prefix, after, suffix string, first, last int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	_, _ = w.WriteString(prefix)
	for i := first; i <= last; i++ {
		if i > first {
			_ = w.WriteByte(',')
		}
		_, _ = w.WriteString(`"` + memberID(i) + `"` + after)
	}
	_, _ = w.WriteString(suffix)
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// writeExport writes the ids user-<first>..user-<last>, one a line, gzipped: a warehouse export.
func writeExport(path string, first, last int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	w := bufio.NewWriterSize(zw, 1<<16)
	for i := first; i <= last; i++ {
		_, _ = w.WriteString(memberID(i) + "\n")
	}
	if err := errors.Join(w.Flush(), zw.Close()); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// checkAudience verifies that the audience holds exactly user-<first>..user-<first+n-1> without tenant,
// so that the timings are those of a correct result.
func checkAudience(srv *localknock.Server, first, n int) error {
	got := srv.Memberships(benchAudience) // sorted; zero-padded ids sort like their numbers
	if len(got) != n {
		return fmt.Errorf("the audience holds %d memberships after the step, want %d", len(got), n)
	}
	for i, m := range got {
		if want := memberID(first + i); m.UserID != want || m.Tenant != "" {
			return fmt.Errorf("the audience holds %+v where %s without tenant was expected", m, want)
		}
	}
	return nil
}

// terraformCmd runs terraform in dir with its output in logFile, for at most timeout, and returns its
// cost and exit code. Terraform runs in its own process group, so that a timeout or Ctrl-C kills it
// together with the providers it started.
func (b *bench) terraformCmd(ctx context.Context, dir string, env []string, logFile string, timeout time.Duration, args ...string) (measure, int, error) {
	var m measure
	log, err := os.Create(logFile)
	if err != nil {
		return m, 0, err
	}
	defer log.Close()

	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, b.terraform, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return m, 0, fmt.Errorf("running %s: %w", b.terraform, err)
	}
	watch := watchProviders(cmd.Process.Pid)
	err = cmd.Wait()
	m.wall = time.Since(start)
	watch.finish(&m)
	if cmd.Process != nil {
		// Sweep whatever Terraform left in its group (normally nothing; ESRCH is ignored).
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	switch {
	case ctx.Err() != nil:
		return m, 0, ctx.Err()
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		return m, 0, &runError{what: fmt.Sprintf("did not finish within %s (-timeout)", timeout), logTail: tail(logFile)}
	case cmd.ProcessState == nil:
		return m, 0, fmt.Errorf("running %s: %w", b.terraform, err)
	}
	return m, cmd.ProcessState.ExitCode(), nil
}

// tail returns the last lines of a log file, for showing why a step failed.
func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > 40 {
		lines = append([][]byte{[]byte("...")}, lines[len(lines)-40:]...)
	}
	return string(bytes.Join(lines, []byte("\n")))
}
