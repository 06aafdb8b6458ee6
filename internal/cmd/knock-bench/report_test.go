package main

import (
	"strings"
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestFloorOf(t *testing.T) {
	const list, write = time.Second / localknock.KnockReadTier, time.Second / localknock.KnockWriteTier
	for _, c := range []struct {
		n    int
		s    step
		want requestFloor
		time time.Duration
	}{
		{100, stepCreate, requestFloor{list: 1, add: 1}, list + write},
		{100, stepNoopPlan, requestFloor{list: 2}, 2 * list},
		{100, stepChange, requestFloor{list: 2, add: 1, remove: 1}, 2*list + 2*write}, // k = 1
		{1_000, stepCreate, requestFloor{list: 1, add: 1}, list + write},
		{1_000, stepNoopPlan, requestFloor{list: 20}, 20 * list},
		{1_000, stepChange, requestFloor{list: 20, add: 1, remove: 1}, 20*list + 2*write}, // k = 5
		{100_000, stepCreate, requestFloor{list: 1, add: 100}, list + 100*time.Second/localknock.KnockWriteTier},
		{100_000, stepNoopPlan, requestFloor{list: 2_000}, 10 * time.Second},
		{100_000, stepChange, requestFloor{list: 2_000, add: 1, remove: 1}, 10*time.Second + 2*write}, // k = 500
	} {
		f := floorOf(c.n, c.s)
		if f != c.want {
			t.Errorf("floorOf(%d, %s) = %+v, want %+v", c.n, c.s, f, c.want)
		}
		// The tiers' rates do not divide a second exactly: allow for rounding to the nanosecond.
		if d := f.duration() - c.time; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("floorOf(%d, %s).duration() = %s, want %s", c.n, c.s, f.duration(), c.time)
		}
	}
}

func TestFloorCheck_holdsTheRequestsToFloorOf(t *testing.T) {
	reqs := func(f requestFloor) map[localknock.Endpoint]int {
		return map[localknock.Endpoint]int{localknock.EndpointList: f.list, localknock.EndpointAdd: f.add, localknock.EndpointRemove: f.remove}
	}
	for _, n := range []int{100, 1_000, 100_000} {
		for s := range numSteps {
			f := floorOf(n, s)
			if ok, text := floorCheck(n, s, reqs(f)); !ok {
				t.Errorf("N=%d %s at its floor %+v: FAIL %s", n, s, f, text)
			}
			more := f
			more.add++
			if ok, text := floorCheck(n, s, reqs(more)); ok {
				t.Errorf("N=%d %s with one add above the floor: PASS %s", n, s, text)
			}
		}
	}
	// The create's apply may read the empty audience again.
	f := floorOf(1_000, stepCreate)
	f.list++
	if ok, text := floorCheck(1_000, stepCreate, reqs(f)); !ok {
		t.Errorf("N=1000 create with a second list: FAIL %s", text)
	}
}

func TestJudge(t *testing.T) {
	s := func(seconds float64) time.Duration { return time.Duration(seconds * float64(time.Second)) }
	for _, c := range []struct {
		name              string
		n                 int
		ours, base, floor time.Duration
		want              bool
	}{
		// Up to 1,000 members, the seconds over max(baseline, floor), however large the ratio.
		{"provider start-ups at N=100 (ratio 2.77)", 100, s(0.55), s(0.20), s(0.02), true},
		{"more than the allowance at N=1000", 1_000, s(0.85), s(0.30), s(0.02), false},
		{"the floor above the baseline at N=1000", 1_000, s(1.40), s(0.30), s(1.00), true},
		// Above, the ratio, against the floor where the baseline is below it.
		{"ratio 1.5 to the floor, 2.5 to the baseline", 100_000, s(15), s(6), s(10), true},
		{"ratio 1.6 to the floor", 100_000, s(16), s(6), s(10), false},
		{"ratio 1.6 to the baseline above the floor", 10_000, s(1.6), s(1.0), s(0.5), false},
		{"small times above N=1000 are judged by the ratio", 2_000, s(0.60), s(0.30), s(0.02), false},
	} {
		if ok, text := judge(c.n, c.ours, c.base, c.floor); ok != c.want {
			t.Errorf("%s: judge(%d, %s, %s, %s) = %t (%s), want %t", c.name, c.n, c.ours, c.base, c.floor, ok, text, c.want)
		}
	}
}

func TestPrintTable_skipsTheFileBaselineAboveItsMax(t *testing.T) {
	o := options{fileBaselineMax: defaultFileBaselineMax}
	var run [numVariants][numSteps]measure
	for s := range numSteps {
		run[ours][s].wall, run[baseline][s].wall, run[baselineFile][s].wall = 3*time.Second, 2*time.Second, time.Second
	}
	results := []*sizeResult{{n: 1_000, runs: [][numVariants][numSteps]measure{run}}, {n: 1_000_000, runs: [][numVariants][numSteps]measure{run}}}
	var out strings.Builder
	printTable(&out, o, &bench{}, results)
	rows := map[string][]string{}
	for line := range strings.Lines(out.String()) {
		if f := strings.Fields(line); len(f) > 6 && f[1] == "create" {
			rows[f[0]] = f[2:7] // ours_s, baseline_s, baseline_file_s, floor_s, ratio
		}
	}
	if got := strings.Join(rows["1000"], " "); got != "3.00 2.00 1.00 0.02 1.50" {
		t.Errorf("N=1000 create: ours_s..ratio = %s, want 3.00 2.00 1.00 0.02 1.50", got)
	}
	// At a million, the floor (1 list and 1,000 adds: 16.67 s) is above the baseline.
	if got := strings.Join(rows["1000000"], " "); got != "3.00 2.00 - 16.67 0.18" {
		t.Errorf("N=1000000 create: ours_s..ratio = %s, want 3.00 2.00 - 16.67 0.18", got)
	}
	if !strings.Contains(out.String(), "baseline_file_s skipped at N=1000000, above -file-baseline-max 100000") {
		t.Errorf("no note of the skipped size:\n%s", out.String())
	}
}
