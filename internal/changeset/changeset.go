// Package changeset is the ownership model of knock_audience_members: which memberships of an audience a
// resource owns (its scope), what its state shows of them, and the exact change an apply sends, as
// (user, tenant) pairs. The plan computes the change once; the apply checks and executes it, and never
// computes a wider one. Pure: no Terraform and no network, so that its invariants are unit-tested and fuzzed.
package changeset

import (
	"cmp"
	"fmt"
	"slices"
)

// Membership is one (user, tenant) pair of an audience. Tenant "" is a membership without tenant.
type Membership struct {
	UserID string // the Knock user's id
	Tenant string // the tenant's id, "" for none
}

// String is how every message names a membership: user "u1" without tenant, user "u1" under tenant
// "acme".
func (m Membership) String() string {
	if m.Tenant == "" {
		return fmt.Sprintf("user %q without tenant", m.UserID)
	}
	return fmt.Sprintf("user %q under tenant %q", m.UserID, m.Tenant)
}

// SortMemberships orders memberships by user id, then tenant (no tenant first).
func SortMemberships(ms []Membership) {
	slices.SortFunc(ms, CompareMemberships)
}

// CompareMemberships is SortMemberships' order.
func CompareMemberships(a, b Membership) int {
	if c := cmp.Compare(a.UserID, b.UserID); c != 0 {
		return c
	}
	return cmp.Compare(a.Tenant, b.Tenant)
}

// Scope is the part of an audience that one resource owns.
type Scope struct {
	// Tenant "" is the whole audience; otherwise only the memberships under that tenant.
	Tenant string
	// Authoritative: every membership in the slice that is not declared goes. Managed-only (false): only
	// what the resource declared before and no longer declares goes.
	Authoritative bool
}

// Holds reports whether m lies in the scope's slice of the audience.
func (s Scope) Holds(m Membership) bool { return s.Tenant == "" || m.Tenant == s.Tenant }

// Slice returns the memberships of live in the scope's slice: live itself, without a copy, for the whole
// audience.
func (s Scope) Slice(live []Membership) []Membership {
	if s.Tenant == "" {
		return live
	}
	out := make([]Membership, 0, len(live))
	for _, m := range live {
		if s.Holds(m) {
			out = append(out, m)
		}
	}
	return out
}

// Declared turns a members list (Members) into memberships, in its order: under a tenant scope every
// member is under that tenant.
func (s Scope) Declared(members []Membership) []Membership {
	out := make([]Membership, len(members))
	for i, m := range members {
		if s.Tenant != "" {
			m.Tenant = s.Tenant
		}
		out[i] = m
	}
	return out
}

// Change is what one apply sends: the memberships to add and to remove, each sorted and without repeats.
type Change struct {
	Add    []Membership
	Remove []Membership
}

// Empty reports whether the change sends nothing.
func (c Change) Empty() bool { return len(c.Add) == 0 && len(c.Remove) == 0 }

// Plan computes the change that makes the scope hold desired, from basis, the audience as the plan saw it.
// An authoritative scope removes every membership of its slice of basis that is not desired; a managed-only
// one removes what it owned (declared before) and no longer desires, if basis holds it. Nothing outside
// basis is ever removed, and nothing in basis is added again.
func Plan(s Scope, desired, basis, owned []Membership) Change {
	desired, basis = Sorted(desired), Sorted(basis)
	c := Change{Add: Minus(desired, basis)}
	candidates := basis
	if !s.Authoritative {
		candidates = Sorted(owned)
	}
	inDesired, inBasis := cursor{list: desired}, cursor{list: basis}
	for _, m := range candidates {
		if s.Holds(m) && !inDesired.holds(m) && inBasis.holds(m) {
			c.Remove = append(c.Remove, m)
		}
	}
	return c
}

// Check verifies that c can follow from a plan of scope s from basis, the audience as the plan saw it,
// towards desired: it adds only desired memberships and removes only undesired ones of the scope's slice
// that basis holds, a managed-only scope only those it owned (a create's basis is empty: it removes
// nothing). The apply runs it before sending anything, so that no change set the plan's values do not
// support is ever sent.
func (c Change) Check(s Scope, desired, basis, owned []Membership) error {
	desired = Sorted(desired)
	add, remove := Sorted(c.Add), Sorted(c.Remove)
	inDesired := cursor{list: desired}
	for _, m := range add {
		if !inDesired.holds(m) {
			return fmt.Errorf("the planned change adds %s, which the configuration does not declare", m)
		}
	}
	inAdd, inBasis, inOwned := cursor{list: add}, cursor{list: Sorted(basis)}, cursor{list: Sorted(owned)}
	inDesired = cursor{list: desired}
	for _, m := range remove {
		switch {
		case inAdd.holds(m):
			return fmt.Errorf("the planned change adds and removes %s", m)
		case inDesired.holds(m):
			return fmt.Errorf("the planned change removes %s, which the configuration declares", m)
		case !s.Holds(m):
			return fmt.Errorf("the planned change removes %s, outside tenant %q", m, s.Tenant)
		case !inBasis.holds(m):
			return fmt.Errorf("the planned change removes %s, which the plan did not see in the audience", m)
		case !s.Authoritative && !inOwned.holds(m):
			return fmt.Errorf("the planned change removes %s, which this managed-only resource never declared", m)
		}
	}
	return nil
}

// Drift is how the audience differs from what the plan saw, as a read made at apply shows it.
type Drift struct {
	// Appeared are memberships of the scope's slice that the plan did not see and does not add: left
	// alone, for the next plan to show.
	Appeared []Membership
	// AlreadyAdded and AlreadyRemoved are planned changes that had happened by the time of the read.
	AlreadyAdded, AlreadyRemoved []Membership
}

// Empty reports whether the read matched what the plan saw, as far as the change is concerned.
func (d Drift) Empty() bool {
	return len(d.Appeared) == 0 && len(d.AlreadyAdded) == 0 && len(d.AlreadyRemoved) == 0
}

// Recheck narrows c to what is still to do against live, a read made after the plan: it drops adds that
// are live already and removes that are gone. It never adds to c. basis is what the plan saw; for an
// authoritative scope, the memberships of its slice that are live but neither in basis nor added are
// reported as Appeared.
func (c Change) Recheck(s Scope, basis, live []Membership) (Change, Drift) {
	add, remove, live := Sorted(c.Add), Sorted(c.Remove), Sorted(live)
	var next Change
	var drift Drift
	inLive := cursor{list: live}
	for _, m := range add {
		if inLive.holds(m) {
			drift.AlreadyAdded = append(drift.AlreadyAdded, m)
		} else {
			next.Add = append(next.Add, m)
		}
	}
	inLive = cursor{list: live}
	for _, m := range remove {
		if inLive.holds(m) {
			next.Remove = append(next.Remove, m)
		} else {
			drift.AlreadyRemoved = append(drift.AlreadyRemoved, m)
		}
	}
	if s.Authoritative {
		// What is live and neither seen by the plan nor added by it appeared since.
		inBasis, inAdd := cursor{list: Sorted(basis)}, cursor{list: add}
		for _, m := range live {
			if s.Holds(m) && !inBasis.holds(m) && !inAdd.holds(m) {
				drift.Appeared = append(drift.Appeared, m)
			}
		}
	}
	return next, drift
}

// Project is what the state shows of live for scope s: the members list, the memberships the list cannot
// show (a user live under several tenants, in a whole-audience authoritative scope), and the number of
// memberships. prior is the members list of the state before, whose tenant wins when a user has several;
// owned, for a managed-only scope, is what the resource declared: nothing else is its business.
func Project(s Scope, live, prior, owned []Membership) (members, hidden []Membership, count int) {
	live, prior = Sorted(live), Sorted(prior)
	switch {
	case !s.Authoritative:
		inLive, priorTenant := cursor{list: live}, userCursor{list: prior}
		for _, m := range Sorted(owned) {
			if !inLive.holds(m) || len(members) > 0 && members[len(members)-1].UserID == m.UserID {
				continue
			}
			members = append(members, Membership{UserID: m.UserID, Tenant: priorTenant.tenant(m.UserID)})
		}
		return members, nil, len(members)
	case s.Tenant != "":
		for _, m := range live {
			if m.Tenant == s.Tenant {
				members = append(members, Membership{UserID: m.UserID})
			}
		}
		return members, nil, len(members)
	}
	// live is sorted by user, then tenant: a user's memberships are consecutive, the one without tenant
	// first. The state's tenant stays while it is live; otherwise the smallest shows.
	members = make([]Membership, 0, len(live))
	priorTenant := userCursor{list: prior}
	for start := 0; start < len(live); {
		end := start + 1
		for end < len(live) && live[end].UserID == live[start].UserID {
			end++
		}
		shown := live[start]
		if end-start > 1 {
			want := priorTenant.tenant(shown.UserID)
			for _, m := range live[start:end] {
				if m.Tenant == want {
					shown = m
				}
			}
			for _, m := range live[start:end] {
				if m != shown {
					hidden = append(hidden, m)
				}
			}
		}
		members = append(members, shown)
		start = end
	}
	return members, hidden, len(live)
}

// Basis is the audience as a state shows it, sorted: its members list, read through the scope, and the
// memberships the list cannot show.
func Basis(s Scope, members, hidden []Membership) []Membership {
	return union(Sorted(s.Declared(members)), Sorted(hidden))
}

// After is what the audience holds when the writes stopped part way, sorted: basis, plus the adds that
// went through, minus the removes that went through.
func After(basis, added, removed []Membership) []Membership {
	return Minus(union(Sorted(basis), Sorted(added)), removed)
}

// Sorted returns ms in SortMemberships' order without repeats: ms itself when it is so already, as
// Terraform's members maps and the client's listings are, so that the usual case costs one comparison per
// membership and no copy. Every function here works on sorted lists, walking them in step: at a million
// memberships that is several times cheaper than sets, which outgrow the processor's caches.
func Sorted(ms []Membership) []Membership {
	for i := 1; i < len(ms); i++ {
		if CompareMemberships(ms[i-1], ms[i]) >= 0 {
			out := slices.Clone(ms)
			SortMemberships(out)
			return slices.Compact(out)
		}
	}
	return ms
}

// cursor answers, for memberships asked in increasing order, whether a sorted list holds each: one pass
// over the list for all the questions.
type cursor struct {
	list []Membership
	next int
}

func (c *cursor) holds(m Membership) bool {
	for c.next < len(c.list) && CompareMemberships(c.list[c.next], m) < 0 {
		c.next++
	}
	return c.next < len(c.list) && c.list[c.next] == m
}

// userCursor answers, for user ids asked in increasing order, the tenant a members list gives each (""
// for a user it lacks).
type userCursor struct {
	list []Membership
	next int
}

func (c *userCursor) tenant(userID string) string {
	for c.next < len(c.list) && c.list[c.next].UserID < userID {
		c.next++
	}
	if c.next < len(c.list) && c.list[c.next].UserID == userID {
		return c.list[c.next].Tenant
	}
	return ""
}

// Minus is a without the memberships of b, sorted.
func Minus(a, b []Membership) []Membership { return filter(a, b, false) }

// Intersect is the memberships of a that b holds too, sorted.
func Intersect(a, b []Membership) []Membership { return filter(a, b, true) }

// filter is the memberships of a that b holds (in) or lacks (!in), sorted.
func filter(a, b []Membership, in bool) []Membership {
	inB := cursor{list: Sorted(b)}
	var out []Membership
	for _, m := range Sorted(a) {
		if inB.holds(m) == in {
			out = append(out, m)
		}
	}
	return out
}

// union merges two sorted lists without repeats into one.
func union(a, b []Membership) []Membership {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]Membership, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := CompareMemberships(a[i], b[j]); {
		case c < 0:
			out = append(out, a[i])
			i++
		case c > 0:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// SetOf returns the memberships as a set.
func SetOf(ms []Membership) map[Membership]struct{} {
	set := make(map[Membership]struct{}, len(ms))
	for _, m := range ms {
		set[m] = struct{}{}
	}
	return set
}
