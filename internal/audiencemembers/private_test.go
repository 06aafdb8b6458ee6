package audiencemembers

import (
	"fmt"
	"slices"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
)

// TestPlannedChange_carriesALargeAddAsWhatItLeavesOut: a create that adds nearly all it declares carries
// the few it leaves out, and the apply gets back the very change the plan made.
func TestPlannedChange_carriesALargeAddAsWhatItLeavesOut(t *testing.T) {
	declared := make([]changeset.Membership, 1000)
	for i := range declared {
		declared[i] = changeset.Membership{UserID: fmt.Sprintf("user-%04d", i)}
	}
	live := []changeset.Membership{declared[3], declared[500], {UserID: "stranger"}}
	planned := changeset.Plan(changeset.Scope{Authoritative: true}, declared, live, nil)

	carried := plannedChangeOf(planned, declared)
	if !carried.AddDeclaredBut || len(carried.Add) != 2 || len(carried.Remove) != 1 {
		t.Fatalf("carried = %d adds (add_declared_but %t) and %d removes, want the 2 left out and 1 remove", len(carried.Add), carried.AddDeclaredBut, len(carried.Remove))
	}
	parsed := parseMembersPrivate(membersPrivate{Change: carried}.encode())
	if got := parsed.Change.change(declared); !slices.Equal(got.Add, planned.Add) || !slices.Equal(got.Remove, planned.Remove) {
		t.Errorf("the apply's change adds %d and removes %v, the plan's %d and %v", len(got.Add), got.Remove, len(planned.Add), planned.Remove)
	}

	small := changeset.Change{Add: declared[:10]}
	if carried := plannedChangeOf(small, declared); carried.AddDeclaredBut || len(carried.Add) != 10 {
		t.Errorf("a small add is carried as %d pairs (add_declared_but %t), want the 10 themselves", len(carried.Add), carried.AddDeclaredBut)
	}
	// An add outside what the members declare is carried as it is, for Check to refuse.
	odd := changeset.Change{Add: append(slices.Clone(declared[:900]), changeset.Membership{UserID: "zz-undeclared"})}
	if carried := plannedChangeOf(odd, declared); carried.AddDeclaredBut || len(carried.Add) != 901 {
		t.Errorf("an add beyond the declared is carried as %d pairs (add_declared_but %t), want all 901", len(carried.Add), carried.AddDeclaredBut)
	}
}
