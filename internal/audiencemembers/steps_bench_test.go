package audiencemembers

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// BenchmarkSteps runs the calls Terraform makes to this resource in each step of make bench (create,
// no-op plan, 1% change, and the change with an apply that reads again), in process, so that the
// provider's own CPU cost per step can be profiled and compared between sizes, Terraform left out: the
// growth from 100,000 to 1,000,000 members is one of make bench's checks.
//
//	KNOCK_BENCH_SIZES=100000,1000000 go test ./internal/audiencemembers/ -run '^$' -bench Steps -benchtime 1x -cpuprofile cpu.out
//
// The local API has its rate limits off, but the client still paces its reads at Knock's 200 a second, so
// a million members take minutes; cpu-s/op is the process's CPU, the local API's included, which
// `go tool pprof -focus 'Resource\)\.'` leaves out. Each command of a step gets a resource of its own, as
// Terraform starts the provider again for each walk.
func BenchmarkSteps(b *testing.B) {
	sizes := []int{100_000}
	if env := os.Getenv("KNOCK_BENCH_SIZES"); env != "" {
		sizes = nil
		for f := range strings.SplitSeq(env, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatalf("KNOCK_BENCH_SIZES: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		h := newStepsHarness(b, n)
		b.Run(fmt.Sprintf("N=%d/create", n), func(b *testing.B) {
			defer reportCPU(b)()
			for range b.N {
				b.StopTimer()
				h.srv.RemoveMemberships("bench", h.srv.Memberships("bench")...)
				b.StartTimer()
				h.state, h.private = h.create(b, h.members)
			}
		})
		b.Run(fmt.Sprintf("N=%d/noop-plan", n), func(b *testing.B) {
			defer reportCPU(b)()
			for range b.N {
				h.plan(b, h.members)
			}
		})
		b.Run(fmt.Sprintf("N=%d/change-1%%", n), func(b *testing.B) {
			defer reportCPU(b)()
			for i := range b.N {
				b.StopTimer()
				changed := h.changed(i)
				b.StartTimer()
				h.change(b, changed, time.Minute)
			}
		})
		b.Run(fmt.Sprintf("N=%d/change-1%%-read-again", n), func(b *testing.B) {
			defer reportCPU(b)()
			for i := range b.N {
				b.StopTimer()
				changed := h.changed(b.N + i)
				b.StartTimer()
				h.change(b, changed, 0)
			}
		})
	}
}

// reportCPU reports the process's CPU time per operation (user and system, the local API's included:
// the profile tells them apart).
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type stepsHarness struct {
	srv     *localknock.Server
	client  *knock.Client
	members map[string]string
	state   map[string]string // what the last apply recorded
	private []byte
}

func newStepsHarness(b *testing.B, n int) *stepsHarness {
	srv := localknock.StartForTest(b, testAPIKey)
	for _, e := range []localknock.Endpoint{localknock.EndpointAdd, localknock.EndpointRemove, localknock.EndpointList} {
		srv.SetRateLimit(e, 0)
	}
	srv.CreateAudience("bench")
	client, err := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testAPIKey, ReadRate: knock.MaxReadRate, WriteRate: knock.MaxWriteRate})
	if err != nil {
		b.Fatal(err)
	}
	members := make(map[string]string, n)
	for i := range n {
		members[fmt.Sprintf("user-%07d", i)] = ""
	}
	return &stepsHarness{srv: srv, client: client, members: members}
}

// changed is the state's members with 1% replaced: round i removes and adds n/200 of them.
func (h *stepsHarness) changed(round int) map[string]string {
	out := make(map[string]string, len(h.state))
	for k, v := range h.state {
		out[k] = v
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for k := range out {
			if !yield(k) {
				return
			}
		}
	})
	k := max(1, len(ids)/200)
	for i := range k {
		delete(out, ids[i])
		out[fmt.Sprintf("new-%03d-%07d", round, i)] = ""
	}
	return out
}

func (h *stepsHarness) resource() *Resource { return resourceOf(h.client, time.Minute) }

// create is terraform apply of a new resource: validate and plan, then plan again and apply.
func (h *stepsHarness) create(b *testing.B, members map[string]string) (map[string]string, []byte) {
	ctx := context.Background()
	config := terraformObject(b, members, nil)
	mustOK(b, "validate", must(h.resource().ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: TypeName, Config: config})).Diagnostics)
	null := mustEncodeNull(b)
	proposed := terraformObject(b, members, nil)
	plan := func(r *Resource) *tfprotov6.PlanResourceChangeResponse {
		resp := must(r.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: TypeName, PriorState: null, ProposedNewState: proposed, Config: config}))
		mustOK(b, "plan", resp.Diagnostics)
		return resp
	}
	plan(h.resource())
	r := h.resource()
	planned := plan(r)
	resp := must(r.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: TypeName, PriorState: null,
		PlannedState: planned.PlannedState, Config: config, PlannedPrivate: planned.PlannedPrivate}))
	mustOK(b, "apply", resp.Diagnostics)
	return members, resp.Private
}

// plan is terraform plan: upgrade the stored state, validate, refresh and plan. It returns the refresh.
func (h *stepsHarness) plan(b *testing.B, members map[string]string) *tfprotov6.ReadResourceResponse {
	ctx := context.Background()
	r := h.resource()
	upgraded := must(r.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: TypeName, RawState: &tfprotov6.RawState{JSON: stateJSON(b, h.state)}}))
	mustOK(b, "upgrade", upgraded.Diagnostics)
	config := terraformObject(b, members, nil)
	mustOK(b, "validate", must(r.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: TypeName, Config: config})).Diagnostics)
	read := must(r.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: TypeName, CurrentState: upgraded.UpgradedState, Private: h.private}))
	mustOK(b, "read", read.Diagnostics)
	refreshed := reencode(b, read.NewState)
	proposed := terraformObject(b, members, ptr(len(h.state)))
	planned := must(r.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: TypeName, PriorState: refreshed,
		ProposedNewState: proposed, Config: config, PriorPrivate: read.Private}))
	mustOK(b, "plan", planned.Diagnostics)
	return read
}

// change is terraform apply of a changed members map: plan, then plan again and apply in a provider
// process whose plan_read_max_age is readMaxAge.
func (h *stepsHarness) change(b *testing.B, members map[string]string, readMaxAge time.Duration) {
	ctx := context.Background()
	read := h.plan(b, members)
	refreshed := reencode(b, read.NewState)
	config := terraformObject(b, members, nil)
	proposed := terraformObject(b, members, ptr(len(h.state)))
	r := resourceOf(h.client, readMaxAge)
	planned := must(r.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: TypeName, PriorState: refreshed,
		ProposedNewState: proposed, Config: config, PriorPrivate: read.Private}))
	mustOK(b, "plan", planned.Diagnostics)
	resp := must(r.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: TypeName, PriorState: refreshed,
		PlannedState: reencode(b, planned.PlannedState), Config: config, PlannedPrivate: planned.PlannedPrivate}))
	mustOK(b, "apply", resp.Diagnostics)
	h.state, h.private = members, resp.Private
}

// terraformObject is the object as Terraform sends it: members with sorted keys; id and membership_count
// unknown for a create (count nil) and the state's otherwise.
func terraformObject(b *testing.B, members map[string]string, count *int) *tfprotov6.DynamicValue {
	obj := object{Members: membersOfList(listOf(members))}
	obj.set(attrAudienceKey, stringValue("bench"))
	if count != nil {
		obj.set(attrID, stringValue("bench"))
		obj.set(attrMembershipCount, countValue(*count))
	}
	dv, err := obj.encode()
	if err != nil {
		b.Fatal(err)
	}
	return dv
}

// reencode is what Terraform hands back of a value the provider returned: the same value, encoded with
// sorted map keys.
func reencode(b *testing.B, dv *tfprotov6.DynamicValue) *tfprotov6.DynamicValue {
	obj, _, err := decodeObject(dv)
	if err != nil {
		b.Fatal(err)
	}
	obj.Members = membersOfList(listOf(tenantsOf(b, obj.Members)))
	out, err := obj.encode()
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// stateJSON is the state as Terraform stores it.
func stateJSON(b *testing.B, members map[string]string) []byte {
	tenants := make(map[string]*string, len(members))
	for userID, tenant := range members {
		if tenant != "" {
			tenants[userID] = &tenant
		} else {
			tenants[userID] = nil
		}
	}
	state := map[string]any{}
	for _, a := range attributes {
		state[a.name] = nil
	}
	state[attrID], state[attrAudienceKey], state[attrMembers], state[attrMembershipCount] = "bench", "bench", tenants, len(members)
	raw, err := json.Marshal(state)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

func mustEncodeNull(b *testing.B) *tfprotov6.DynamicValue {
	dv, err := encodeNull()
	if err != nil {
		b.Fatal(err)
	}
	return dv
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func mustOK(b *testing.B, what string, diags []*tfprotov6.Diagnostic) {
	b.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			b.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

func ptr[T any](v T) *T { return &v }
