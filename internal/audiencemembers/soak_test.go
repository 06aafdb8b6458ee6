//go:build soak

package audiencemembers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// TestSoak runs 50 applies of random membership changes with the real terraform CLI while the local
// Knock API injects a random fault schedule, and checks after each apply that the state matches what
// the audience holds (and, when the apply succeeded, what the configuration declares). Run it with
// `make soak`; it is tagged so that `make test` keeps its time.
func TestSoak(t *testing.T) {
	terraformPath := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraformPath == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH is not set; run make soak")
	}
	const applies = 50
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SOAK_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	t.Logf("seed %d (set SOAK_SEED to repeat)", seed)

	dir := t.TempDir()
	rc := filepath.Join(dir, "terraform.rc")
	acctest.WriteDevOverrides(t, rc, acctest.BuildProvider(t))

	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("soak")
	work := filepath.Join(dir, "config")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	terraform := func(args ...string) ([]byte, error) {
		cmd := exec.Command(terraformPath, append([]string{"-chdir=" + work}, args...)...)
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.Bytes(), err
	}

	universe := make([]string, 4000)
	for i := range universe {
		universe[i] = fmt.Sprintf("user-%05d", i)
	}
	tenants := []string{"", "", "", "acme", "globex"}
	desired := map[string]string{}
	failed, mismatches := 0, 0
	for apply := 1; apply <= applies; apply++ {
		// Move a random 2% to 30% of the universe in or out of the audience, or to another tenant.
		for range 80 + rng.IntN(1100) {
			id := universe[rng.IntN(len(universe))]
			if _, ok := desired[id]; ok && rng.IntN(3) == 0 {
				delete(desired, id)
			} else {
				desired[id] = tenants[rng.IntN(len(tenants))]
			}
		}
		writeFile(t, filepath.Join(work, "members.json"), string(mustJSON(t, tenantsJSON(desired))))
		writeFile(t, filepath.Join(work, "main.tf"), fmt.Sprintf(`
terraform {
  required_providers {
    knock = { source = "knock-tf/knock" }
  }
}
provider "knock" {
  base_url = %q
  api_key  = %q
}
resource "knock_audience_members" "soak" {
  audience_key = "soak"
  members      = jsondecode(file("${path.module}/members.json"))
}
`, srv.URL(), acctest.APIKey))
		scheduleRandomFaults(srv, rng)

		_, _, wasInState := soakState(t, terraform)
		out, err := terraform("apply", "-auto-approve", "-input=false", "-no-color")
		srv.ClearFaults()
		if err != nil {
			failed++
			if !strings.Contains(string(out), "Audience Members") {
				t.Fatalf("apply %d failed without the documented error:\n%s", apply, out)
			}
		}
		stateMembers, stateCount, inState := soakState(t, terraform)
		live := srv.Memberships("soak")
		if problem := compareSoak(desired, live, stateMembers, stateCount, inState, err == nil, !wasInState); problem != "" {
			mismatches++
			t.Errorf("apply %d: %s", apply, problem)
		}
	}
	fmt.Printf("soak: %d applies (%d failed with the documented error), %d faults injected, mismatches = %d\n",
		applies, failed, srv.FaultsInjected(), mismatches)

	// Once the faults stop, one apply converges and the plan after it is empty.
	if out, err := terraform("apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		t.Fatalf("the apply without faults failed:\n%s", out)
	}
	stateMembers, stateCount, inState := soakState(t, terraform)
	if problem := compareSoak(desired, srv.Memberships("soak"), stateMembers, stateCount, inState, true, false); problem != "" {
		t.Errorf("after the faults: %s", problem)
	}
	if out, err := terraform("plan", "-detailed-exitcode", "-input=false", "-no-color"); err != nil {
		t.Errorf("the plan after the faults is not empty (%v):\n%s", err, out)
	}
}

// scheduleRandomFaults gives each endpoint a schedule of pass-throughs and faults for the next apply.
func scheduleRandomFaults(srv *localknock.Server, rng *rand.Rand) {
	kinds := []localknock.Fault{
		{Status: 429}, {Status: 429, RetryAfterMs: 20}, {Status: 429, RetryAfter: "0"}, {Status: 500}, {Status: 503},
		{Status: 502, Body: "<html>Bad gateway</html>"}, {DropConnection: true}, {TruncateBody: true}, {Delay: 50 * time.Millisecond},
	}
	for _, endpoint := range []localknock.Endpoint{localknock.EndpointAdd, localknock.EndpointRemove, localknock.EndpointList} {
		var schedule []localknock.Fault
		for range rng.IntN(8) {
			if rng.IntN(2) == 0 {
				schedule = append(schedule, localknock.Fault{})
			} else {
				schedule = append(schedule, kinds[rng.IntN(len(kinds))])
			}
		}
		srv.InjectFaults(endpoint, schedule...)
	}
}

// compareSoak returns what is wrong, or "". The state must describe what the audience holds; after a
// successful apply that is exactly the configuration. A create that failed records no state, and a create
// never removes: after one that follows a failed create, the audience holds what is declared and may
// still hold what the failed one added, which the next plan shows and removes.
func compareSoak(desired map[string]string, live []localknock.Membership, state map[string]string, count int, inState, succeeded, created bool) string {
	liveByUser := map[string]string{}
	for _, m := range live {
		liveByUser[m.UserID] = m.Tenant
	}
	if succeeded && created {
		for userID, tenant := range desired {
			if !slices.Contains(live, localknock.Membership{UserID: userID, Tenant: tenant}) {
				return fmt.Sprintf("the create succeeded but the audience lacks %s/%s", userID, tenant)
			}
		}
		if !equalMembers(state, desired) || count != len(desired) {
			return fmt.Sprintf("the create succeeded but state holds %d members (count %d), not the %d declared", len(state), count, len(desired))
		}
		return ""
	}
	if succeeded && (len(live) != len(desired) || !equalMembers(desired, liveByUser)) {
		return fmt.Sprintf("the apply succeeded but the audience holds %d memberships, not the %d declared", len(live), len(desired))
	}
	if !inState {
		if succeeded {
			return "the apply succeeded but the resource is not in state"
		}
		return ""
	}
	memberships := make([]changeset.Membership, len(live))
	for i, m := range live {
		memberships[i] = changeset.Membership{UserID: m.UserID, Tenant: m.Tenant}
	}
	prior := make([]changeset.Membership, 0, len(desired))
	for userID, tenant := range desired {
		prior = append(prior, changeset.Membership{UserID: userID, Tenant: tenant})
	}
	changeset.SortMemberships(prior)
	shown, _, _ := changeset.Project(changeset.Scope{Authoritative: true}, memberships, prior, nil)
	want := make(map[string]string, len(shown))
	for _, m := range shown {
		want[m.UserID] = m.Tenant
	}
	if !equalMembers(state, want) || count != len(live) {
		return fmt.Sprintf("state holds %d members (count %d); the audience holds %d memberships", len(state), count, len(live))
	}
	return ""
}

func equalMembers(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func soakState(t *testing.T, terraform func(...string) ([]byte, error)) (map[string]string, int, bool) {
	out, err := terraform("show", "-json")
	if err != nil {
		t.Fatalf("terraform show: %v\n%s", err, out)
	}
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Values struct {
						Members         map[string]*string `json:"members"`
						MembershipCount int                `json:"membership_count"`
					} `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(out, &state); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	if len(state.Values.RootModule.Resources) == 0 {
		return nil, 0, false
	}
	values := state.Values.RootModule.Resources[0].Values
	members := make(map[string]string, len(values.Members))
	for id, tenant := range values.Members {
		if tenant != nil {
			members[id] = *tenant
		} else {
			members[id] = ""
		}
	}
	return members, values.MembershipCount, true
}

func tenantsJSON(members map[string]string) map[string]*string {
	out := make(map[string]*string, len(members))
	for id, tenant := range members {
		if tenant != "" {
			out[id] = &tenant
		} else {
			out[id] = nil
		}
	}
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func writeFile(t *testing.T, path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
