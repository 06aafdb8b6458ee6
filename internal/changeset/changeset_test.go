package changeset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func m(userID, tenant string) Membership { return Membership{UserID: userID, Tenant: tenant} }

func TestPlan_scopes(t *testing.T) {
	basis := []Membership{m("a", ""), m("a", "acme"), m("b", "acme"), m("c", "globex"), m("d", "")}
	for _, tc := range []struct {
		name           string
		scope          Scope
		desired, owned []Membership
		want           Change
	}{
		{
			name:    "whole audience, authoritative: every undeclared membership goes, a user's other tenants too",
			scope:   Scope{Authoritative: true},
			desired: []Membership{m("a", ""), m("e", "")},
			want:    Change{Add: []Membership{m("e", "")}, Remove: []Membership{m("a", "acme"), m("b", "acme"), m("c", "globex"), m("d", "")}},
		},
		{
			name:    "tenant slice: nothing outside acme",
			scope:   Scope{Tenant: "acme", Authoritative: true},
			desired: []Membership{m("a", "acme"), m("e", "acme")},
			want:    Change{Add: []Membership{m("e", "acme")}, Remove: []Membership{m("b", "acme")}},
		},
		{
			name:    "managed-only: only what it owned and dropped, and only if the plan saw it",
			scope:   Scope{},
			desired: []Membership{m("a", "")},
			owned:   []Membership{m("a", ""), m("d", ""), m("gone", "")},
			want:    Change{Remove: []Membership{m("d", "")}},
		},
		{
			name:    "managed-only with a tenant: owned memberships outside the tenant are never removed",
			scope:   Scope{Tenant: "acme"},
			desired: nil,
			owned:   []Membership{m("b", "acme"), m("d", "")},
			want:    Change{Remove: []Membership{m("b", "acme")}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Plan(tc.scope, tc.desired, basis, tc.owned)
			if !slices.Equal(got.Add, tc.want.Add) || !slices.Equal(got.Remove, tc.want.Remove) {
				t.Errorf("Plan = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCheck_refusesWhatNoPlanShows(t *testing.T) {
	desired := []Membership{m("a", "acme")}
	basis := []Membership{m("a", "acme"), m("b", ""), m("c", "acme")}
	for _, tc := range []struct {
		change Change
		scope  Scope
		owned  []Membership
		want   string
	}{
		{Change{Add: []Membership{m("x", "acme")}}, Scope{Tenant: "acme", Authoritative: true}, nil, `adds user "x" under tenant "acme", which the configuration does not declare`},
		{Change{Remove: []Membership{m("a", "acme")}}, Scope{Authoritative: true}, nil, `removes user "a" under tenant "acme", which the configuration declares`},
		{Change{Remove: []Membership{m("b", "")}}, Scope{Tenant: "acme", Authoritative: true}, nil, `removes user "b" without tenant, outside tenant "acme"`},
		{Change{Remove: []Membership{m("b", "")}}, Scope{}, []Membership{m("c", "")}, `removes user "b" without tenant, which this managed-only resource never declared`},
		{Change{Remove: []Membership{m("late", "acme")}}, Scope{Tenant: "acme", Authoritative: true}, nil, `removes user "late" under tenant "acme", which the plan did not see in the audience`},
	} {
		err := tc.change.Check(tc.scope, desired, basis, tc.owned)
		if err == nil || err.Error() != "the planned change "+tc.want {
			t.Errorf("Check(%+v) = %v, want %q", tc.change, err, tc.want)
		}
	}
}

func TestRecheck_neverWidens(t *testing.T) {
	scope := Scope{Authoritative: true}
	basis := []Membership{m("a", ""), m("b", "")}
	change := Change{Add: []Membership{m("c", ""), m("d", "")}, Remove: []Membership{m("a", ""), m("b", "")}}
	live := []Membership{m("b", ""), m("d", ""), m("late", ""), m("late", "acme")}
	got, drift := change.Recheck(scope, basis, live)
	if want := (Change{Add: []Membership{m("c", "")}, Remove: []Membership{m("b", "")}}); !slices.Equal(got.Add, want.Add) || !slices.Equal(got.Remove, want.Remove) {
		t.Errorf("Recheck = %+v, want %+v", got, want)
	}
	if want := []Membership{m("late", ""), m("late", "acme")}; !slices.Equal(drift.Appeared, want) {
		t.Errorf("Appeared = %v, want %v", drift.Appeared, want)
	}
	if !slices.Equal(drift.AlreadyAdded, []Membership{m("d", "")}) || !slices.Equal(drift.AlreadyRemoved, []Membership{m("a", "")}) {
		t.Errorf("drift = %+v", drift)
	}
}

func TestProject_hiddenMemberships(t *testing.T) {
	live := []Membership{m("u", ""), m("u", "acme"), m("u", "globex"), m("v", "acme"), m("v", "acme")}
	members, hidden, count := Project(Scope{Authoritative: true}, live, []Membership{m("u", "acme")}, nil)
	if want := []Membership{m("u", "acme"), m("v", "acme")}; !slices.Equal(members, want) {
		t.Errorf("members = %v, want %v", members, want)
	}
	if want := []Membership{m("u", ""), m("u", "globex")}; !slices.Equal(hidden, want) {
		t.Errorf("hidden = %v, want %v", hidden, want)
	}
	if count != 4 {
		t.Errorf("count = %d, want 4 (the repeated entry counts once)", count)
	}
	basis := Basis(Scope{Authoritative: true}, members, hidden)
	if want := []Membership{m("u", ""), m("u", "acme"), m("u", "globex"), m("v", "acme")}; !slices.Equal(basis, want) {
		t.Errorf("Basis = %v, want %v", basis, want)
	}
}

// checkInvariants is the contract as properties of one plan and one apply-time read.
func checkInvariants(scope Scope, desired, basis, owned, live []Membership) error {
	if err := sameAsReference(scope, desired, basis, owned, live, membersMap(owned)); err != nil {
		return err
	}
	c := Plan(scope, desired, basis, owned)
	desiredSet, basisSet := SetOf(desired), SetOf(basis)
	if err := c.Check(scope, desired, basis, owned); err != nil {
		return fmt.Errorf("Plan's own change fails Check: %w", err)
	}
	for _, x := range c.Remove {
		if _, ok := basisSet[x]; !ok {
			return fmt.Errorf("removes %v, which the plan never saw", x)
		}
	}
	for _, x := range c.Add {
		if _, ok := basisSet[x]; ok {
			return fmt.Errorf("adds %v, which the plan saw live", x)
		}
	}
	// Applied to what the plan saw, the change gives the scope exactly what was declared (authoritative),
	// or adds what was declared and takes away only what was owned (managed-only).
	after := SetOf(basis)
	for _, x := range c.Add {
		after[x] = struct{}{}
	}
	for _, x := range c.Remove {
		delete(after, x)
	}
	for x := range desiredSet {
		if _, ok := after[x]; !ok {
			return fmt.Errorf("%v is declared but missing after the change", x)
		}
	}
	for x := range after {
		_, isDesired := desiredSet[x]
		if scope.Authoritative && scope.Holds(x) && !isDesired {
			return fmt.Errorf("%v is in the authoritative scope, undeclared, and still there after the change", x)
		}
		if !scope.Holds(x) {
			if _, was := basisSet[x]; !was {
				return fmt.Errorf("%v outside the scope appeared", x)
			}
		}
	}
	for x := range basisSet {
		if _, still := after[x]; !still && !scope.Holds(x) {
			return fmt.Errorf("%v outside the scope was removed", x)
		}
	}
	// A create's basis is empty: any removal is refused.
	if len(c.Remove) > 0 && c.Check(scope, desired, nil, owned) == nil {
		return fmt.Errorf("Check accepts removals with no basis")
	}
	// A read at apply only narrows the change.
	narrowed, _ := c.Recheck(scope, basis, live)
	for _, x := range narrowed.Remove {
		if !slices.Contains(c.Remove, x) {
			return fmt.Errorf("Recheck removes %v, which the plan did not", x)
		}
	}
	for _, x := range narrowed.Add {
		if !slices.Contains(c.Add, x) {
			return fmt.Errorf("Recheck adds %v, which the plan did not", x)
		}
	}
	return nil
}

func randomMemberships(rng *rand.Rand, n int, tenants []string) []Membership {
	out := make([]Membership, n)
	for i := range out {
		out[i] = m(fmt.Sprintf("u%d", rng.IntN(12)), tenants[rng.IntN(len(tenants))])
	}
	return out
}

func TestPlan_invariantsOnRandomAudiences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tenants := []string{"", "", "acme", "globex"}
	for i := range 20000 {
		scope := Scope{Tenant: tenants[rng.IntN(len(tenants))], Authoritative: rng.IntN(2) == 0}
		desired := randomMemberships(rng, rng.IntN(10), tenants)
		if scope.Tenant != "" {
			for j := range desired {
				desired[j].Tenant = scope.Tenant
			}
		}
		basis := randomMemberships(rng, rng.IntN(15), tenants)
		owned := randomMemberships(rng, rng.IntN(8), tenants)
		live := randomMemberships(rng, rng.IntN(15), tenants)
		if err := checkInvariants(scope, desired, basis, owned, live); err != nil {
			t.Fatalf("case %d: scope %+v, desired %v, basis %v, owned %v, live %v: %v", i, scope, desired, basis, owned, live, err)
		}
	}
}

// FuzzPlan checks the contract on audiences the fuzzer makes up: each byte picks a user and a tenant.
func FuzzPlan(f *testing.F) {
	f.Add(uint8(0), []byte{1, 2, 3}, []byte{1, 4, 5, 6}, []byte{2}, []byte{7, 8})
	f.Add(uint8(3), []byte{}, []byte{0, 16, 32, 48}, []byte{16, 32}, []byte{0})
	f.Fuzz(func(t *testing.T, scopeByte uint8, desiredBytes, basisBytes, ownedBytes, liveBytes []byte) {
		tenants := []string{"", "acme", "globex", "a/b"}
		decode := func(bytes []byte) []Membership {
			out := make([]Membership, len(bytes))
			for i, b := range bytes {
				out[i] = m(fmt.Sprintf("user-%d", b%16), tenants[int(b/16)%len(tenants)])
			}
			return out
		}
		scope := Scope{Tenant: tenants[int(scopeByte)%len(tenants)], Authoritative: scopeByte&0x80 == 0}
		desired := decode(desiredBytes)
		if scope.Tenant != "" {
			for i := range desired {
				desired[i].Tenant = scope.Tenant
			}
		}
		if err := checkInvariants(scope, desired, decode(basisBytes), decode(ownedBytes), decode(liveBytes)); err != nil {
			t.Fatal(err)
		}
	})
}
