package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// Targets.
const (
	// Ours is judged against the larger of the baseline and Knock's request floor (floor_s): up to
	// overheadUpTo members by the seconds over it, above by the ratio.
	maxRatio     = 1.5
	overheadUpTo = 1_000
	// maxOverhead is allowed per terraform command (one a step) for the provider's own start-ups, which
	// a terraform_data baseline does not pay and which dwarf small sizes in a ratio. The issue estimates
	// a plugin provider's start-up at about 0.3 s a command; an idle run of N=100 measured 0.26 to 0.35 s
	// over 3 to 4 provider starts.
	maxOverhead  = 500 * time.Millisecond
	maxGrowth    = 12.0
	maxRSSAt100k = 300e6 // bytes
	growthSmall  = 10_000
	growthLarge  = 100_000
	// The data source's plan against the resource's no-op plan of the same audience, from this size on;
	// below it, both are mostly the provider's start-up.
	maxLookupRatio     = 1.2
	lookupRatioFrom    = 10_000
	maxLookupRSSAt100k = 300e6 // bytes
	// From 100,000 to 1,000,000 members growth is measured on the provider's side, as its CPU time: the
	// wall time also holds Terraform's own work and Knock's request floor, which the table shows apart.
	growthMillion    = 1_000_000
	maxGrowthMillion = 11.0
	maxRSSAtMillion  = 1e9 // bytes
	// Many small resources: the no-op plan against the baseline's, and the create's add requests
	// against Terraform's rounds of parallel operations (10 at a time by default).
	maxSmallPlanRatio = 1.25
	maxAddsPerRound   = 1.5
	tfParallelism     = 10
)

// Targets of members_file (ours-file): each step within fileFloorRatio times Knock's request floor plus
// fileFloorSlack, and at a million members Terraform's own process and the provider within their
// memory bounds: the point of the file is that the million members never enter Terraform.
const (
	fileFloorRatio             = 1.3
	fileFloorSlack             = 2 * time.Second
	maxFileTerraformRSSMillion = 300e6 // bytes
	maxFileProviderRSSMillion  = 500e6 // bytes
)

var endpoints = [...]localknock.Endpoint{localknock.EndpointAdd, localknock.EndpointRemove, localknock.EndpointList}

// sizeResult holds the completed runs of one size; err is why the size was given up.
type sizeResult struct {
	n       int
	runs    [][numVariants][numSteps]measure
	lookups []measure // ours' data-source plan, one per run
	err     error
}

// cell is the median over the runs of one variant's step.
func (r *sizeResult) cell(v variant, s step) measure {
	ms := make([]measure, len(r.runs))
	for i, run := range r.runs {
		ms[i] = run[v][s]
	}
	return medianMeasure(ms)
}

// medianMeasure is the median of each figure over the runs.
func medianMeasure(ms []measure) measure {
	var wall, span, pcpu, tcpu []time.Duration
	var prss, trss, inflight, starts, conns []int64
	busiest := 0 // the worst run, not the median: it is a limit
	reqs := make([][]int64, len(endpoints))
	for _, m := range ms {
		wall, span = append(wall, m.wall), append(span, m.writeSpan)
		prss, trss = append(prss, m.providerRSS), append(trss, m.terraformRSS)
		pcpu, tcpu = append(pcpu, m.providerCPU), append(tcpu, m.terraformCPU)
		inflight, starts = append(inflight, int64(m.inFlight)), append(starts, int64(m.starts))
		conns = append(conns, int64(m.conns))
		busiest = max(busiest, m.writesPerSec)
		for i, e := range endpoints {
			reqs[i] = append(reqs[i], int64(m.requests[e]))
		}
	}
	out := measure{wall: median(wall), writeSpan: median(span), providerRSS: median(prss), terraformRSS: median(trss),
		providerCPU: median(pcpu), terraformCPU: median(tcpu),
		inFlight: int(median(inflight)), starts: int(median(starts)), conns: int(median(conns)), writesPerSec: busiest,
		requests: map[localknock.Endpoint]int{}}
	for i, e := range endpoints {
		out.requests[e] = int(median(reqs[i]))
	}
	return out
}

func median[T int64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func mb(kib int64) float64 { return float64(kib) * 1024 / 1e6 }

func ratio(ours, base time.Duration) float64 {
	if base <= 0 {
		return 0
	}
	return ours.Seconds() / base.Seconds()
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// printReport prints the table, then one line per target.
// small is the many-small-resources scenario, nil when not run.
func printReport(w io.Writer, o options, b *bench, results []*sizeResult, small *sizeResult) {
	printTable(w, o, b, results)
	printFileTable(w, results)
	printLookupTable(w, results)
	printWritePacing(w, results)
	if small != nil {
		printSmall(w, small)
	}
	printChecks(w, o, results, small)
}

// printFileTable shows ours-file beside ours, the same members from an export file and from a map.
func printFileTable(w io.Writer, results []*sizeResult) {
	fmt.Fprintln(w, "\nMembers from an export file (ours-file: members_file, a gzipped file of one id a line) beside the members map (ours) of the same N:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N\tstep\tfile_s\tmap_s\tfloor_s\ttarget_s\tadd\tremove\tlist\tprovider_rss_MB\ttf_rss_MB\tmap_tf_rss_MB\tprovider_cpu_s\ttf_cpu_s\tmap_tf_cpu_s\t")
	for _, r := range results {
		if len(r.runs) == 0 {
			continue
		}
		for s := range numSteps {
			f, m, floor := r.cell(oursFile, s), r.cell(ours, s), floorOf(r.n, s).duration()
			fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t\n",
				r.n, s, f.wall.Seconds(), m.wall.Seconds(), floor.Seconds(), fileTarget(floor).Seconds(),
				f.requests[localknock.EndpointAdd], f.requests[localknock.EndpointRemove], f.requests[localknock.EndpointList],
				mb(f.providerRSS), mb(f.terraformRSS), mb(m.terraformRSS), f.providerCPU.Seconds(), f.terraformCPU.Seconds(), m.terraformCPU.Seconds())
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "target_s: %.1f * floor_s + %.0fs; map_*: ours with the members map. ours-file writes at Knock's tier, "+
		"write_requests_per_second = 60 (ours: the default, 50).\n", fileFloorRatio, fileFloorSlack.Seconds())
}

// fileTarget is the most a step of ours-file may take: a little over Knock's request floor.
func fileTarget(floor time.Duration) time.Duration {
	return time.Duration(fileFloorRatio*float64(floor)) + fileFloorSlack
}

// printLookupTable shows the data source's plan next to the resource's no-op plan of the same run.
func printLookupTable(w io.Writer, results []*sizeResult) {
	fmt.Fprintln(w, "\nData source: a plan that only reads data.knock_audience_members on the audience of N members, "+
		"right after the resource's no-op plan of the same run:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N	data_source_plan_s	resource_noop_plan_s	ratio	list	list_floor	provider_rss_MB	tf_rss_MB	")
	for _, r := range results {
		if len(r.lookups) == 0 {
			continue
		}
		m, noop := medianMeasure(r.lookups), r.cell(ours, stepNoopPlan)
		fmt.Fprintf(tw, "%d\t%.2f\t%.2f\t%.2f\t%d\t%d\t%.0f\t%.0f\t\n", r.n, m.wall.Seconds(), noop.wall.Seconds(),
			ratio(m.wall, noop.wall), m.requests[localknock.EndpointList], ceilDiv(r.n, localknock.MaxPageSize),
			mb(m.providerRSS), mb(m.terraformRSS))
	}
	_ = tw.Flush()
}

func printTable(w io.Writer, o options, b *bench, results []*sizeResult) {
	runs := "1 run"
	if o.repeat > 1 {
		runs = fmt.Sprintf("median of %d runs", o.repeat)
	}
	fmt.Fprintf(w, "\nknock-bench: %s, %d CPUs, local API latency %s, members from %s (ours and baseline_s), %s, load average %s at start, %s at end\n\n",
		b.terraform, runtime.NumCPU(), o.latency, o.membersFrom, runs, b.loadAtStart, loadAverage())

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N\tstep\tours_s\tbaseline_s\tbaseline_file_s\tfloor_s\tratio\tadd\tremove\tlist\tinflight\tconns\tstarts\tprovider_rss_MB\ttf_rss_MB\tbaseline_tf_rss_MB\tprovider_cpu_s\ttf_cpu_s\tbaseline_tf_cpu_s\t")
	var skipped []string // sizes without baselineFile
	for _, r := range results {
		if len(r.runs) == 0 {
			fmt.Fprintf(tw, "%d\t(failed)\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n", r.n)
			continue
		}
		runsFile := slices.Contains(o.variants(r.n), baselineFile)
		if !runsFile {
			skipped = append(skipped, fmt.Sprintf("N=%d", r.n))
		}
		for s := range numSteps {
			m, base, floor := r.cell(ours, s), r.cell(baseline, s), floorOf(r.n, s).duration()
			file := "-"
			if runsFile {
				file = fmt.Sprintf("%.2f", r.cell(baselineFile, s).wall.Seconds())
			}
			fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t%s\t%.2f\t%.2f\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t\n",
				r.n, s, m.wall.Seconds(), base.wall.Seconds(), file, floor.Seconds(), ratio(m.wall, max(base.wall, floor)),
				m.requests[localknock.EndpointAdd], m.requests[localknock.EndpointRemove], m.requests[localknock.EndpointList],
				m.inFlight, m.conns, m.starts, mb(m.providerRSS), mb(m.terraformRSS), mb(base.terraformRSS),
				m.providerCPU.Seconds(), m.terraformCPU.Seconds(), base.terraformCPU.Seconds())
		}
	}
	_ = tw.Flush()
	fmt.Fprint(w, "\nbaseline_s: terraform_data holding the members read as ours reads them; "+
		"baseline_file_s: terraform_data whose input reads members.json with file() and a for expression (not judged).\n")
	if len(skipped) > 0 {
		fmt.Fprintf(w, "baseline_file_s skipped at %s, above -file-baseline-max %d (by default %d: above, Terraform alone takes minutes a step).\n",
			strings.Join(skipped, ", "), o.fileBaselineMax, defaultFileBaselineMax)
	}
	fmt.Fprintf(w, "floor_s: what Knock's rate tiers take for the requests no provider can avoid (lists at %d/s, adds and removes at %d/s each), phase after phase: "+
		"create 1 list then ceil(N/1000) adds, noop-plan ceil(N/50) lists, change-1%% ceil(N/50) lists then ceil(k/1000) adds and as many removes (k = max(1, N/200)); "+
		"ratio: ours_s / max(baseline_s, floor_s). The provider has plan_read_max_age = \"1h\", so that no apply lists the audience again.\n",
		localknock.KnockReadTier, localknock.KnockWriteTier)
	fmt.Fprint(w, "inflight: most requests to the local API at once; conns: connections opened to it;\n"+
		"starts: provider processes Terraform started, as sampled every 10 ms; "+
		"provider_rss_MB: peak RSS of the largest of them; tf_rss_MB: peak RSS of Terraform's own process;\n"+
		"provider_cpu_s: user + system CPU time of those processes together; tf_cpu_s: that of Terraform's own process.\n")
}

// printSmall shows the many-small-resources scenario, and how many members the create's add requests carried.
func printSmall(w io.Writer, r *sizeResult) {
	fmt.Fprintf(w, "\nMany small resources: M knock_audience_member (for_each over M user ids, one audience) "+
		"against M terraform_data holding the same input:\n")
	if len(r.runs) == 0 {
		fmt.Fprintf(w, "M=%d (failed)\n", r.n)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "M\tstep\tours_s\tbaseline_s\tratio\toverhead_s\tadd\tremove\tlist\tstarts\tprovider_cpu_s\ttf_cpu_s\tbaseline_tf_cpu_s\tprovider_rss_MB\ttf_rss_MB\tbaseline_tf_rss_MB\t")
	for _, s := range smallSteps {
		m, base := r.cell(ours, s), r.cell(baseline, s)
		fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t%.2f\t%+.2f\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t%.0f\t\n",
			r.n, s, m.wall.Seconds(), base.wall.Seconds(), ratio(m.wall, base.wall), (m.wall - base.wall).Seconds(),
			m.requests[localknock.EndpointAdd], m.requests[localknock.EndpointRemove], m.requests[localknock.EndpointList],
			m.starts, m.providerCPU.Seconds(), m.terraformCPU.Seconds(), base.terraformCPU.Seconds(),
			mb(m.providerRSS), mb(m.terraformRSS), mb(base.terraformRSS))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\noverhead_s: ours minus baseline.")

	// Every run's adds together: the median run alone would hide how the batching varies.
	counts, requests, members := map[int]int{}, 0, 0
	for _, run := range r.runs {
		for _, size := range run[ours][stepCreate].addSizes {
			counts[size]++
			requests++
			members += size
		}
	}
	if requests == 0 {
		return
	}
	var histogram []string
	for _, size := range slices.Sorted(maps.Keys(counts)) {
		histogram = append(histogram, fmt.Sprintf("%d:%d", size, counts[size]))
	}
	runs := "1 run"
	if len(r.runs) > 1 {
		runs = fmt.Sprintf("%d runs together", len(r.runs))
	}
	fmt.Fprintf(w, "Members per add request of the create (members:requests, %s): %s; "+
		"%d requests, %.1f members each on average.\n", runs, strings.Join(histogram, " "),
		requests, float64(members)/float64(requests))
}

// printWritePacing shows how fast the provider sent its writes, which is what its worker pool and rate
// limiter decide (most visible with -latency).
func printWritePacing(w io.Writer, results []*sizeResult) {
	var lines []string
	for _, r := range results {
		if len(r.runs) == 0 {
			continue
		}
		for s := range numSteps {
			m := r.cell(ours, s)
			writes := m.requests[localknock.EndpointAdd] + m.requests[localknock.EndpointRemove]
			if writes < 10 || m.writeSpan <= 0 {
				continue
			}
			lines = append(lines, fmt.Sprintf("  N=%-6d %-9s %d writes in %.2fs from first to last, at most %d within one second, at most %d requests in flight",
				r.n, s, writes, m.writeSpan.Seconds(), m.writesPerSec, m.inFlight))
		}
	}
	if len(lines) > 0 {
		fmt.Fprintf(w, "\nWrite pacing (ours, steps with at least 10 writes):\n%s\n", strings.Join(lines, "\n"))
	}
}

// printChecks prints PASS or FAIL for each target that the sizes run can show.
func printChecks(w io.Writer, o options, results []*sizeResult, small *sizeResult) {
	passed, total := 0, 0
	check := func(ok bool, format string, args ...any) {
		total++
		if ok {
			passed++
		}
		fmt.Fprintf(w, "  %s  %s\n", verdict(ok), fmt.Sprintf(format, args...))
	}

	fmt.Fprintln(w, "\nRequests at the floor:")
	for _, r := range results {
		if len(r.runs) == 0 {
			continue
		}
		for s := range numSteps {
			ok, text := floorCheck(r.n, s, r.cell(ours, s).requests)
			check(ok, "N=%-6d %-9s %s", r.n, s, text)
		}
	}

	for _, r := range results {
		if len(r.runs) == 0 {
			continue
		}
		for s := range numSteps {
			ok, text := floorCheck(r.n, s, r.cell(oursFile, s).requests)
			check(ok, "N=%-6d %-9s members_file: %s", r.n, s, text)
		}
	}

	for _, r := range results {
		if len(r.lookups) == 0 {
			continue
		}
		list, pages := medianMeasure(r.lookups).requests[localknock.EndpointList], ceilDiv(r.n, localknock.MaxPageSize)
		check(list == pages, "N=%-6d %-9s list %d (ceil(N/50) = %d)", r.n, "data-source-plan", list, pages)
	}

	if o.latency > 0 {
		// The time and memory targets are set without added latency.
		fmt.Fprintf(w, "\nOverhead, ratio, growth and memory targets not checked: they apply with no added latency (-latency 0).\n")
	} else {
		fmt.Fprintf(w, "\nOurs against max(baseline, floor) wall time: ours - max <= %.2fs (one terraform command's provider start-ups) up to N=%d, ours / max <= %.1f above:\n",
			maxOverhead.Seconds(), overheadUpTo, maxRatio)
		for _, r := range results {
			if len(r.runs) == 0 {
				continue
			}
			for s := range numSteps {
				ok, text := judge(r.n, r.cell(ours, s).wall, r.cell(baseline, s).wall, floorOf(r.n, s).duration())
				check(ok, "N=%-6d %-9s %s", r.n, s, text)
			}
		}

		fmt.Fprintf(w, "\nMembers from a file (ours-file) within %.1f * floor + %.0fs:\n", fileFloorRatio, fileFloorSlack.Seconds())
		for _, r := range results {
			if len(r.runs) == 0 {
				continue
			}
			for s := range numSteps {
				f, floor := r.cell(oursFile, s).wall, floorOf(r.n, s).duration()
				check(f <= fileTarget(floor), "N=%-6d %-9s %.2fs (floor %.2fs, target %.2fs; members map %.2fs)",
					r.n, s, f.Seconds(), floor.Seconds(), fileTarget(floor).Seconds(), r.cell(ours, s).wall.Seconds())
			}
		}
		if million := find(results, growthMillion); million != nil {
			var tfPeak, providerPeak int64
			for s := range numSteps {
				tfPeak, providerPeak = max(tfPeak, million.cell(oursFile, s).terraformRSS), max(providerPeak, million.cell(oursFile, s).providerRSS)
			}
			fmt.Fprintf(w, "\nMembers from a file at N=%d: Terraform's peak RSS <= %.0f MB, the provider's <= %.0f MB:\n",
				growthMillion, maxFileTerraformRSSMillion/1e6, maxFileProviderRSSMillion/1e6)
			check(float64(tfPeak)*1024 <= maxFileTerraformRSSMillion, "terraform %.0f MB", mb(tfPeak))
			check(float64(providerPeak)*1024 <= maxFileProviderRSSMillion, "provider %.0f MB", mb(providerPeak))
		}

		small, large := find(results, growthSmall), find(results, growthLarge)
		if small != nil && large != nil {
			fmt.Fprintf(w, "\nGrowth from N=%d to N=%d <= %.0fx (ours):\n", growthSmall, growthLarge, maxGrowth)
			for s := range numSteps {
				a, z := small.cell(ours, s), large.cell(ours, s)
				tg := ratio(z.wall, a.wall)
				mg := float64(z.providerRSS) / float64(max(a.providerRSS, 1))
				check(tg <= maxGrowth && mg <= maxGrowth, "%-9s wall time %.1fx, provider peak RSS %.1fx", s, tg, mg)
			}
		}
		if large != nil {
			var peak int64
			for s := range numSteps {
				peak = max(peak, large.cell(ours, s).providerRSS)
			}
			fmt.Fprintf(w, "\nProvider peak RSS at N=%d < %.0f MB:\n", growthLarge, maxRSSAt100k/1e6)
			check(float64(peak)*1024 < maxRSSAt100k, "%.0f MB", mb(peak))
		}

		million := find(results, growthMillion)
		if large != nil && million != nil {
			fmt.Fprintf(w, "\nGrowth from N=%d to N=%d <= %.0fx on the provider's side (its CPU time; the rest is shown, not checked):\n",
				growthLarge, growthMillion, maxGrowthMillion)
			for s := range numSteps {
				a, z := large.cell(ours, s), million.cell(ours, s)
				g := ratio(z.providerCPU, a.providerCPU)
				check(a.providerCPU > 0 && g <= maxGrowthMillion,
					"%-9s provider CPU %.2fs -> %.2fs, %.1fx (wall time %.1fx, provider peak RSS %.1fx, Terraform CPU %.1fx)",
					s, a.providerCPU.Seconds(), z.providerCPU.Seconds(), g, ratio(z.wall, a.wall),
					float64(z.providerRSS)/float64(max(a.providerRSS, 1)), ratio(z.terraformCPU, a.terraformCPU))
			}
		}
		if million != nil {
			var peak int64
			for s := range numSteps {
				peak = max(peak, million.cell(ours, s).providerRSS)
			}
			fmt.Fprintf(w, "\nProvider peak RSS at N=%d <= %.0f MB:\n", growthMillion, maxRSSAtMillion/1e6)
			check(float64(peak)*1024 <= maxRSSAtMillion, "%.0f MB", mb(peak))
		}

		header := false
		for _, r := range results {
			if len(r.lookups) == 0 || r.n < lookupRatioFrom {
				continue
			}
			if !header {
				fmt.Fprintf(w, "\nData-source plan / resource no-op plan <= %.1f, provider peak RSS <= %.0f MB at N=%d:\n",
					maxLookupRatio, maxLookupRSSAt100k/1e6, growthLarge)
				header = true
			}
			m := medianMeasure(r.lookups)
			x := ratio(m.wall, r.cell(ours, stepNoopPlan).wall)
			check(x <= maxLookupRatio, "N=%-6d %-9s ratio %.2f", r.n, "data-source-plan", x)
			if r.n == growthLarge {
				check(float64(m.providerRSS)*1024 <= maxLookupRSSAt100k, "N=%-6d %-9s provider peak RSS %.0f MB", r.n, "data-source-plan", mb(m.providerRSS))
			}
		}
	}

	if small != nil && len(small.runs) > 0 {
		m, base := small.cell(ours, stepNoopPlan), small.cell(baseline, stepNoopPlan)
		fmt.Fprintf(w, "\nMany small resources (M=%d knock_audience_member on one audience of M members):\n", small.n)
		list, pages := m.requests[localknock.EndpointList], ceilDiv(small.n, localknock.MaxPageSize)
		check(list == pages, "M=%-5d %-9s list %d (ceil(M/50) = %d)", small.n, stepNoopPlan, list, pages)
		if o.latency > 0 {
			fmt.Fprintf(w, "  Ratio and add requests not checked: they apply with no added latency (-latency 0).\n")
		} else {
			x := ratio(m.wall, base.wall)
			check(x <= maxSmallPlanRatio, "M=%-5d %-9s ours/baseline %.2f <= %.2f (%.2fs against %.2fs, overhead %+.2fs)",
				small.n, stepNoopPlan, x, maxSmallPlanRatio, m.wall.Seconds(), base.wall.Seconds(), (m.wall - base.wall).Seconds())
			c, cb := small.cell(ours, stepCreate), small.cell(baseline, stepCreate)
			add, limit := c.requests[localknock.EndpointAdd], maxAddsPerRound*float64(ceilDiv(small.n, tfParallelism))
			check(float64(add) <= limit, "M=%-5d %-9s add %d <= %.0f (1.5 * ceil(M/10)); %.2fs against %.2fs, overhead %+.2fs",
				small.n, stepCreate, add, limit, c.wall.Seconds(), cb.wall.Seconds(), (c.wall - cb.wall).Seconds())
		}
	}

	var gaveUp []string
	for _, r := range results {
		if r.err != nil {
			gaveUp = append(gaveUp, fmt.Sprintf("N=%d (%v)", r.n, r.err))
		}
	}
	if small != nil && small.err != nil {
		gaveUp = append(gaveUp, fmt.Sprintf("M=%d resources (%v)", small.n, small.err))
	}
	fmt.Fprintf(w, "\n%d of %d checks pass.", passed, total)
	if len(gaveUp) > 0 {
		fmt.Fprintf(w, " Given up: %s.", strings.Join(gaveUp, "; "))
	}
	fmt.Fprintln(w)
}

// judge holds ours' wall time against the larger of the baseline's and the floor's: at most maxOverhead
// over it up to overheadUpTo members, at most maxRatio times it above.
func judge(n int, ours, base, floor time.Duration) (bool, string) {
	against := max(base, floor)
	detail := fmt.Sprintf("(ours %.2fs, baseline %.2fs, floor %.2fs)", ours.Seconds(), base.Seconds(), floor.Seconds())
	if n <= overheadUpTo {
		over := ours - against
		return over <= maxOverhead, fmt.Sprintf("overhead %+.2fs %s", over.Seconds(), detail)
	}
	x := ratio(ours, against)
	return x <= maxRatio, fmt.Sprintf("ratio %.2f %s", x, detail)
}

// requestFloor is what a step cannot do without, whatever the provider: the requests Knock needs to list
// and write the step's members, 50 a page and 1,000 an add or remove.
type requestFloor struct{ list, add, remove int }

// floorOf is the request floor of step s on n members. The create lists the audience once, which the
// benchmark starts empty, and adds everything; a refresh lists every page; the 1% change refreshes,
// then adds and removes changed(n) members each.
func floorOf(n int, s step) requestFloor {
	pages := ceilDiv(n, localknock.MaxPageSize)
	switch s {
	case stepCreate:
		return requestFloor{list: 1, add: ceilDiv(n, localknock.MaxMembersPerRequest)}
	case stepNoopPlan:
		return requestFloor{list: pages}
	default:
		writes := ceilDiv(changed(n), localknock.MaxMembersPerRequest)
		return requestFloor{list: pages, add: writes, remove: writes}
	}
}

// duration is the time Knock's rate tiers need for the floor's requests, as phases one after another:
// the lists come before the writes they decide (each page also needs the previous page's cursor), and
// the provider adds before it removes.
func (f requestFloor) duration() time.Duration {
	return atTier(f.list, localknock.KnockReadTier) + atTier(f.add, localknock.KnockWriteTier) +
		atTier(f.remove, localknock.KnockWriteTier)
}

// atTier is how long requests take at perSecond, Knock's rate for their endpoint.
func atTier(requests, perSecond int) time.Duration {
	return time.Second * time.Duration(requests) / time.Duration(perSecond)
}

// floorCheck compares one step's requests with its floor. Writes must be exactly at the floor, and so
// must a refresh's lists. The create's plan reads one page of the empty audience, but its apply may
// read again, so the create is held to at least that page and at most ceil(N/50).
func floorCheck(n int, s step, got map[localknock.Endpoint]int) (bool, string) {
	add, remove, list := got[localknock.EndpointAdd], got[localknock.EndpointRemove], got[localknock.EndpointList]
	f := floorOf(n, s)
	switch s {
	case stepCreate:
		pages := ceilDiv(n, localknock.MaxPageSize)
		return add == f.add && remove == f.remove && list >= f.list && list <= pages,
			fmt.Sprintf("add %d (floor ceil(N/1000) = %d), remove %d (%d), list %d (at least %d, at most ceil(N/50) = %d)",
				add, f.add, remove, f.remove, list, f.list, pages)
	case stepNoopPlan:
		return add == f.add && remove == f.remove && list == f.list,
			fmt.Sprintf("add %d (%d), remove %d (%d), list %d (ceil(N/50) = %d)", add, f.add, remove, f.remove, list, f.list)
	default:
		k := changed(n)
		return add == f.add && remove == f.remove && list == f.list,
			fmt.Sprintf("add %d (ceil(%d/1000) = %d), remove %d (ceil(%d/1000) = %d), list %d (refresh, ceil(N/50) = %d)",
				add, k, f.add, remove, k, f.remove, list, f.list)
	}
}

// loadAverage is the one-minute load average: the harness shares the machine, and a busy machine
// makes the wall times noisy.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.SplitN(string(data), " ", 2)[0]
}

func find(results []*sizeResult, n int) *sizeResult {
	for _, r := range results {
		if r.n == n && len(r.runs) > 0 {
			return r
		}
	}
	return nil
}
