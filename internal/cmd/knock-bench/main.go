// Command knock-bench measures the provider end to end with the real terraform CLI against the local
// Knock API, side by side with a Terraform-only baseline (a terraform_data resource holding the same
// map(string)), and checks the performance targets (wall time, request floors, growth, memory). `make bench` runs it:
//
//	make bench N=1000,10000,100000 REPEAT=1 LATENCY=0s
//
// The baseline reads the members the way ours does (-members-from: a map(string) variable, or
// jsondecode(file())); a second baseline, shown but not judged, reads them as users also do, from the
// JSON file with file() and a for expression (up to N=100,000, -file-baseline-max: above, Terraform
// alone takes minutes a step). For each size and repeat it applies N members, runs a no-op plan, then
// applies a 1% change, for the provider and the baselines, and prints one table: wall times; Knock's
// request floor as a time of its own (floor_s: the requests the step cannot avoid at Knock's rate
// tiers, which no provider can beat); ours / max(baseline, floor); requests by endpoint, requests in
// flight, and peak RSS and CPU time of the provider and of Terraform. Ours is judged against
// max(baseline, floor): up to N=1,000 by the seconds over it (at most 0.5 s a terraform command, for
// the provider's start-ups, which a ratio of small times magnifies), above by the ratio (at most 1.5).
// After the no-op plan it also plans a configuration that only reads the data source on the same
// audience, and prints that beside the resource's no-op plan of the same run.
//
// With -resources M (make bench RESOURCES=M; 0 turns it off) it then runs the many-small-resources
// scenario: M knock_audience_member resources, one per user id through for_each, on one audience, against
// M terraform_data holding the same input, created then planned again, and prints its rows and the
// batch sizes of the add requests after the table. It exits non-zero only when a
// terraform command fails or times out, a no-op plan is not empty, or the audience ends up wrong;
// performance targets that are missed are reported as FAIL lines.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run())
}

type options struct {
	sizes           []int
	repeat          int
	terraform       string
	binDir          string
	latency         time.Duration
	timeout         time.Duration
	membersFrom     string
	resources       int
	fileBaselineMax int // the largest size that runs baselineFile
}

// defaultFileBaselineMax keeps baselineFile to sizes where Terraform alone does not take minutes a step:
// at a million members it would add about 20 minutes to the run.
const defaultFileBaselineMax = 100_000

// variants are the variants run at size n.
func (o options) variants(n int) []variant {
	if n > o.fileBaselineMax {
		return []variant{ours, oursFile, baseline}
	}
	return []variant{ours, oursFile, baseline, baselineFile}
}

func parseFlags() (options, error) {
	var o options
	sizes := flag.String("n", "1000,10000,100000", "comma-separated numbers of members")
	flag.IntVar(&o.repeat, "repeat", 1, "runs per size; the table shows the median of each cell")
	flag.StringVar(&o.terraform, "terraform", "", "terraform binary (default: terraform on PATH)")
	flag.StringVar(&o.binDir, "bin", "bin", "directory holding terraform-provider-knock (make build)")
	flag.DurationVar(&o.latency, "latency", 0, "latency the local Knock API adds to every request, e.g. 50ms")
	flag.DurationVar(&o.timeout, "timeout", 0, "limit for one terraform command; a size that exceeds it is given up (0: 15m per 100,000 members, at least 15m)")
	flag.StringVar(&o.membersFrom, "members-from", "tfvars", "how ours and the baseline (baseline_s) read the members: tfvars (a map(string) variable) or jsondecode "+
		"(jsondecode(file()) of members.json); the second baseline (baseline_file_s) reads members.json with a for expression either way")
	flag.IntVar(&o.fileBaselineMax, "file-baseline-max", defaultFileBaselineMax, "largest N that runs the second baseline (baseline_file_s); above the default, Terraform alone takes minutes a step (0: none)")
	flag.IntVar(&o.resources, "resources", 1000, "knock_audience_member resources of the many-small-resources scenario (0: not run)")
	flag.Parse()
	if flag.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	for f := range strings.SplitSeq(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 2_000_000 {
			return o, fmt.Errorf("-n: %q is not a size between 1 and 2000000", f)
		}
		if !slices.Contains(o.sizes, n) {
			o.sizes = append(o.sizes, n)
		}
	}
	switch {
	case o.repeat < 1 || o.repeat > 100:
		return o, fmt.Errorf("-repeat %d: want 1 to 100", o.repeat)
	case o.latency < 0 || o.latency > 10*time.Second:
		return o, fmt.Errorf("-latency %s: want 0 to 10s", o.latency)
	case o.timeout < 0:
		return o, fmt.Errorf("-timeout %s: want a positive duration, or 0 for the default", o.timeout)
	case o.fileBaselineMax < 0:
		return o, fmt.Errorf("-file-baseline-max %d: want 0 or more", o.fileBaselineMax)
	case o.resources < 0 || o.resources > 100_000:
		return o, fmt.Errorf("-resources %d: want 0 to 100000", o.resources)
	case o.membersFrom != "tfvars" && o.membersFrom != "jsondecode":
		return o, fmt.Errorf("-members-from %q: want tfvars or jsondecode", o.membersFrom)
	}
	return o, nil
}

func run() int {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "knock-bench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b, cleanup, err := setup(ctx, o)
	defer cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "knock-bench:", err)
		return 1
	}

	results := make([]*sizeResult, 0, len(o.sizes))
	failed := false
	for _, n := range o.sizes {
		r := &sizeResult{n: n}
		results = append(results, r)
	repeats:
		for rep := 1; rep <= o.repeat; rep++ {
			var byVariant [numVariants][numSteps]measure
			var lookups []measure
			for _, v := range variantOrder(rep, o.variants(n)) {
				ms, lookup, err := b.runVariant(ctx, n, rep, v)
				if ctx.Err() != nil {
					fmt.Fprintln(os.Stderr, "knock-bench: interrupted; cleaned up")
					return 130
				}
				if err != nil {
					r.err, failed = err, true
					reportFailure(fmt.Sprintf("N=%d", n), err)
					break repeats
				}
				byVariant[v] = ms
				fmt.Fprintf(os.Stderr, "knock-bench: N=%d run %d/%d %-13s create %.2fs, noop-plan %.2fs, change-1%% %.2fs\n",
					n, rep, o.repeat, v, ms[stepCreate].wall.Seconds(), ms[stepNoopPlan].wall.Seconds(), ms[stepChange].wall.Seconds())
				if v == ours {
					lookups = append(lookups, lookup)
					fmt.Fprintf(os.Stderr, "knock-bench: N=%d run %d/%d %-13s data-source plan %.2fs\n", n, rep, o.repeat, v, lookup.wall.Seconds())
				}
			}
			r.runs = append(r.runs, byVariant)
			r.lookups = append(r.lookups, lookups...)
		}
	}

	var small *sizeResult
	if o.resources > 0 {
		if small = b.runSmall(ctx, o); ctx.Err() != nil {
			fmt.Fprintln(os.Stderr, "knock-bench: interrupted; cleaned up")
			return 130
		}
		failed = failed || small.err != nil
	}

	printReport(os.Stdout, o, b, results, small)
	if failed {
		return 1
	}
	return 0
}

// variantOrder reverses the variants from one repeat to the next, so that drift on the machine hits
// them alike.
func variantOrder(rep int, variants []variant) []variant {
	if rep%2 == 0 {
		variants = slices.Clone(variants)
		slices.Reverse(variants)
	}
	return variants
}

// setup finds the binaries and prepares the temporary directory: a CLI configuration whose dev_overrides
// point Terraform at the provider that make build wrote.
func setup(ctx context.Context, o options) (*bench, func(), error) {
	cleanup := func() {}
	tf := o.terraform
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			return nil, cleanup, errors.New("no terraform on PATH; pass -terraform")
		}
	}
	tf, err := filepath.Abs(tf)
	if err != nil {
		return nil, cleanup, err
	}
	provider, err := filepath.Abs(filepath.Join(o.binDir, "terraform-provider-knock"))
	if err != nil {
		return nil, cleanup, err
	}
	if fi, err := os.Stat(provider); err != nil || fi.Mode()&0o111 == 0 {
		return nil, cleanup, fmt.Errorf("%s is missing or not executable: run make build", provider)
	}
	root, err := os.MkdirTemp("", "knock-bench-")
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = func() { _ = os.RemoveAll(root) }
	cliConfig := filepath.Join(root, "terraform.rc")
	rc := fmt.Sprintf("disable_checkpoint = true\n\nprovider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		"knock-tf/knock", filepath.Dir(provider))
	if err := os.WriteFile(cliConfig, []byte(rc), 0o600); err != nil {
		return nil, cleanup, err
	}

	// Drop the caller's TF_* and KNOCK_* settings (TF_LOG, a CLI configuration, credentials): they
	// would change what is measured.
	env := make([]string, 0, len(os.Environ())+2)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") && !strings.HasPrefix(kv, "KNOCK_") && !strings.HasPrefix(kv, "CHECKPOINT_") {
			env = append(env, kv)
		}
	}
	env = append(env, "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+cliConfig)

	b := &bench{terraform: tf, root: root, baseEnv: env,
		latency: o.latency, timeout: o.timeout, membersFrom: o.membersFrom, loadAtStart: loadAverage()}
	vctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(vctx, tf, "version")
	cmd.Env = env
	version, err := cmd.Output()
	if err != nil {
		return nil, cleanup, fmt.Errorf("%s version: %w", tf, err)
	}
	fmt.Fprintf(os.Stderr, "knock-bench: %s, provider %s, work dir %s\n",
		strings.SplitN(string(version), "\n", 2)[0], provider, root)
	return b, cleanup, nil
}

func reportFailure(what string, err error) {
	fmt.Fprintf(os.Stderr, "\nknock-bench: giving up on %s: %v\n", what, err)
	var re *runError
	if errors.As(err, &re) && re.logTail != "" {
		fmt.Fprintf(os.Stderr, "--- end of the terraform output ---\n%s\n---\n", re.logTail)
	}
}
