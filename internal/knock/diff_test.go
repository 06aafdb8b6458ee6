package knock

import (
	"slices"
	"testing"
)

func TestDiff(t *testing.T) {
	m := func(user, tenant string) Membership { return Membership{UserID: user, Tenant: tenant} }
	desired := []Membership{m("a", ""), m("b", "acme"), m("c", ""), m("c", "")}
	live := []Membership{m("a", ""), m("b", ""), m("d", "x"), m("b", "acme2")}
	toAdd, toRemove := Diff(desired, live)
	if want := []Membership{m("b", "acme"), m("c", "")}; !slices.Equal(toAdd, want) {
		t.Errorf("toAdd = %v, want %v", toAdd, want)
	}
	if want := []Membership{m("b", ""), m("b", "acme2"), m("d", "x")}; !slices.Equal(toRemove, want) {
		t.Errorf("toRemove = %v, want %v", toRemove, want)
	}
	if a, r := Diff(desired, desired); len(a) != 0 || len(r) != 0 {
		t.Errorf("Diff of equal sets = +%v -%v", a, r)
	}
}

func TestBatches(t *testing.T) {
	for _, tc := range []struct{ n, size, want int }{{0, 1000, 0}, {1, 1000, 1}, {1000, 1000, 1}, {1001, 1000, 2}, {2600, 1000, 3}} {
		items := make([]int, tc.n)
		batches := Batches(items, tc.size)
		total := 0
		for _, b := range batches {
			if len(b) > tc.size || len(b) == 0 {
				t.Errorf("n=%d: batch of %d", tc.n, len(b))
			}
			total += len(b)
		}
		if len(batches) != tc.want || total != tc.n {
			t.Errorf("n=%d: %d batches holding %d, want %d holding %d", tc.n, len(batches), total, tc.want, tc.n)
		}
	}
}
