// Package changeset is the ownership model of knock_audience_members: which memberships of an audience a
// resource owns (its scope), what its state shows of them, and the exact change an apply sends, as
// (user, tenant) pairs. The plan computes the change once; the apply checks and executes it, and never
// computes a wider one. Pure: no Terraform and no network, so that its invariants are unit-tested and fuzzed.
package changeset

import (
	"fmt"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// Membership is one (user, tenant) pair; Tenant "" is the membership without tenant.
type Membership = knock.Membership

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

// Declared turns a members map (user id to tenant, "" for none) into memberships: under a tenant scope
// every member is under that tenant.
func (s Scope) Declared(members map[string]string) []Membership {
	out := make([]Membership, 0, len(members))
	for userID, tenant := range members {
		if s.Tenant != "" {
			tenant = s.Tenant
		}
		out = append(out, Membership{UserID: userID, Tenant: tenant})
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
	basisSet := SetOf(basis)
	desiredSet := make(map[Membership]struct{}, len(desired))
	var c Change
	for _, m := range desired {
		if _, dup := desiredSet[m]; dup {
			continue
		}
		desiredSet[m] = struct{}{}
		if _, live := basisSet[m]; !live {
			c.Add = append(c.Add, m)
		}
	}
	candidates := owned
	if s.Authoritative {
		candidates = s.Slice(basis)
	}
	removed := make(map[Membership]struct{})
	for _, m := range candidates {
		_, stillDesired := desiredSet[m]
		_, live := basisSet[m]
		_, dup := removed[m]
		if stillDesired || !live || dup || !s.Holds(m) {
			continue
		}
		removed[m] = struct{}{}
		c.Remove = append(c.Remove, m)
	}
	knock.SortMemberships(c.Add)
	knock.SortMemberships(c.Remove)
	return c
}

// Check verifies that c can follow from a plan of scope s from basis, the audience as the plan saw it,
// towards desired: it adds only desired memberships and removes only undesired ones of the scope's slice
// that basis holds, a managed-only scope only those it owned (a create's basis is empty: it removes
// nothing). The apply runs it before sending anything, so that no change set the plan's values do not
// support is ever sent.
func (c Change) Check(s Scope, desired map[Membership]struct{}, basis, owned []Membership) error {
	seen := make(map[Membership]struct{}, len(c.Add)+len(c.Remove))
	for _, m := range c.Add {
		if _, ok := desired[m]; !ok {
			return fmt.Errorf("the planned change adds %s, which the configuration does not declare", describe(m))
		}
		seen[m] = struct{}{}
	}
	var ownedSet map[Membership]struct{}
	if !s.Authoritative {
		ownedSet = SetOf(owned)
	}
	var basisSet map[Membership]struct{}
	if len(c.Remove) > 0 {
		basisSet = SetOf(basis)
	}
	for _, m := range c.Remove {
		if _, dup := seen[m]; dup {
			return fmt.Errorf("the planned change adds and removes %s", describe(m))
		}
		seen[m] = struct{}{}
		if _, ok := desired[m]; ok {
			return fmt.Errorf("the planned change removes %s, which the configuration declares", describe(m))
		}
		if !s.Holds(m) {
			return fmt.Errorf("the planned change removes %s, outside tenant %q", describe(m), s.Tenant)
		}
		if _, ok := basisSet[m]; !ok {
			return fmt.Errorf("the planned change removes %s, which the plan did not see in the audience", describe(m))
		}
		if ownedSet != nil {
			if _, ok := ownedSet[m]; !ok {
				return fmt.Errorf("the planned change removes %s, which this managed-only resource never declared", describe(m))
			}
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
	liveSet := SetOf(live)
	var next Change
	var drift Drift
	for _, m := range c.Add {
		if _, ok := liveSet[m]; ok {
			drift.AlreadyAdded = append(drift.AlreadyAdded, m)
		} else {
			next.Add = append(next.Add, m)
		}
	}
	for _, m := range c.Remove {
		if _, ok := liveSet[m]; ok {
			next.Remove = append(next.Remove, m)
		} else {
			drift.AlreadyRemoved = append(drift.AlreadyRemoved, m)
		}
	}
	if s.Authoritative {
		// What is live and neither seen by the plan nor added by it appeared since. Deleting the explained
		// from liveSet, rather than building a set of them, keeps this to the size of the read: a create's
		// read is empty however many members it adds.
		for _, m := range basis {
			delete(liveSet, m)
		}
		for _, m := range c.Add {
			delete(liveSet, m)
		}
		for m := range liveSet {
			if s.Holds(m) {
				drift.Appeared = append(drift.Appeared, m)
			}
		}
		knock.SortMemberships(drift.Appeared)
	}
	return next, drift
}

// Project is what the state shows of live for scope s: the members map, the memberships the map cannot
// show (a user live under several tenants, in a whole-audience authoritative scope), and the number of
// memberships. prior is the state before, whose tenant wins when a user has several; owned, for a
// managed-only scope, is what the resource declared: nothing else is its business.
func Project(s Scope, live []Membership, prior map[string]string, owned []Membership) (members map[string]string, hidden []Membership, count int) {
	switch {
	case !s.Authoritative:
		liveSet := SetOf(live)
		members = make(map[string]string, len(owned))
		for _, m := range owned {
			if _, ok := liveSet[m]; ok {
				members[m.UserID] = prior[m.UserID]
			}
		}
		return members, nil, len(members)
	case s.Tenant != "":
		members = map[string]string{}
		for _, m := range live {
			if m.Tenant == s.Tenant {
				members[m.UserID] = ""
			}
		}
		return members, nil, len(members)
	}
	members = make(map[string]string, len(live))
	for _, m := range live {
		current, seen := members[m.UserID]
		switch {
		case !seen:
			members[m.UserID] = m.Tenant
		case hasTenant(prior, m.UserID, current):
			// keep the preferred tenant
		case hasTenant(prior, m.UserID, m.Tenant) || m.Tenant < current:
			members[m.UserID] = m.Tenant
		}
	}
	if len(members) < len(live) {
		seen := make(map[Membership]struct{}, len(live))
		for _, m := range live {
			_, dup := seen[m]
			seen[m] = struct{}{}
			if !dup && members[m.UserID] != m.Tenant {
				hidden = append(hidden, m)
			}
		}
		knock.SortMemberships(hidden)
	}
	return members, hidden, len(members) + len(hidden)
}

// Basis is the audience as a state shows it: its members map, read through the scope, and the memberships
// the map cannot show.
func Basis(s Scope, members map[string]string, hidden []Membership) []Membership {
	basis := s.Declared(members)
	return append(basis, hidden...)
}

// After is what the audience holds when the writes stopped part way: basis, plus the adds that went
// through, minus the removes that went through.
func After(basis, added, removed []Membership) []Membership {
	after := make(map[Membership]struct{}, len(basis)+len(added))
	for _, m := range basis {
		after[m] = struct{}{}
	}
	for _, m := range added {
		after[m] = struct{}{}
	}
	for _, m := range removed {
		delete(after, m)
	}
	out := make([]Membership, 0, len(after))
	for m := range after {
		out = append(out, m)
	}
	knock.SortMemberships(out)
	return out
}

func hasTenant(members map[string]string, userID, tenant string) bool {
	t, ok := members[userID]
	return ok && t == tenant
}

// SetOf returns the memberships as a set.
func SetOf(ms []Membership) map[Membership]struct{} {
	set := make(map[Membership]struct{}, len(ms))
	for _, m := range ms {
		set[m] = struct{}{}
	}
	return set
}

func describe(m Membership) string {
	if m.Tenant == "" {
		return fmt.Sprintf("user %q without tenant", m.UserID)
	}
	return fmt.Sprintf("user %q under tenant %q", m.UserID, m.Tenant)
}
