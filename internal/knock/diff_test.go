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
