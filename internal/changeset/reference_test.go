package changeset

import (
	"fmt"
	"maps"
	"slices"
)

// The ownership model as it was computed with sets and maps, before it walked sorted lists: the reference
// that the random and fuzzed audiences compare the sorted walks with, result for result.

// sameAsReference compares Plan, Check, Recheck, After and Project with the set-based model.
func sameAsReference(scope Scope, desired, basis, owned, live []Membership, prior map[string]string) error {
	c, ref := Plan(scope, desired, basis, owned), setPlan(scope, desired, basis, owned)
	if !slices.Equal(c.Add, ref.Add) || !slices.Equal(c.Remove, ref.Remove) {
		return fmt.Errorf("Plan = %+v, the reference %+v", c, ref)
	}
	// Changes no plan made, sorted so that both name the same first offence.
	for _, change := range []Change{c, {Add: Sorted(owned), Remove: Sorted(live)}, {Add: Sorted(desired), Remove: Sorted(basis)}} {
		if got, want := change.Check(scope, desired, basis, owned), setCheck(change, scope, SetOf(desired), basis, owned); fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("Check(%+v) = %v, the reference %v", change, got, want)
		}
	}
	next, drift := c.Recheck(scope, basis, live)
	refNext, refDrift := setRecheck(c, scope, basis, live)
	if !slices.Equal(next.Add, refNext.Add) || !slices.Equal(next.Remove, refNext.Remove) || !slices.Equal(drift.Appeared, refDrift.Appeared) ||
		!slices.Equal(drift.AlreadyAdded, refDrift.AlreadyAdded) || !slices.Equal(drift.AlreadyRemoved, refDrift.AlreadyRemoved) {
		return fmt.Errorf("Recheck = %+v %+v, the reference %+v %+v", next, drift, refNext, refDrift)
	}
	if got, want := After(basis, desired, owned), setAfter(basis, desired, owned); !slices.Equal(got, want) {
		return fmt.Errorf("After = %v, the reference %v", got, want)
	}
	priorList := membersList(prior)
	members, hidden, count := Project(scope, live, priorList, owned)
	refMembers, refHidden, refCount := mapProject(scope, live, prior, owned)
	if !maps.Equal(membersMap(members), refMembers) || len(members) != len(refMembers) || !slices.Equal(hidden, refHidden) || count != refCount {
		return fmt.Errorf("Project = %v %v %d, the reference %v %v %d", members, hidden, count, refMembers, refHidden, refCount)
	}
	if !slices.IsSortedFunc(members, CompareMemberships) {
		return fmt.Errorf("Project's members %v are not sorted", members)
	}
	return nil
}

// membersList is a members map as Project takes it: sorted by user id.
func membersList(members map[string]string) []Membership {
	out := make([]Membership, 0, len(members))
	for userID, tenant := range members {
		out = append(out, Membership{UserID: userID, Tenant: tenant})
	}
	SortMemberships(out)
	return out
}

func membersMap(members []Membership) map[string]string {
	out := make(map[string]string, len(members))
	for _, m := range members {
		out[m.UserID] = m.Tenant
	}
	return out
}

// setAfter is basis, plus added, minus removed, as sets.
func setAfter(basis, added, removed []Membership) []Membership {
	after := SetOf(basis)
	for _, m := range added {
		after[m] = struct{}{}
	}
	for _, m := range removed {
		delete(after, m)
	}
	out := slices.Collect(maps.Keys(after))
	SortMemberships(out)
	return out
}

func hasTenant(members map[string]string, userID, tenant string) bool {
	t, ok := members[userID]
	return ok && t == tenant
}

func setPlan(s Scope, desired, basis, owned []Membership) Change {
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
	SortMemberships(c.Add)
	SortMemberships(c.Remove)
	return c
}
func setCheck(c Change, s Scope, desired map[Membership]struct{}, basis, owned []Membership) error {
	seen := make(map[Membership]struct{}, len(c.Add)+len(c.Remove))
	for _, m := range c.Add {
		if _, ok := desired[m]; !ok {
			return fmt.Errorf("the planned change adds %s, which the configuration does not declare", m)
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
			return fmt.Errorf("the planned change adds and removes %s", m)
		}
		seen[m] = struct{}{}
		if _, ok := desired[m]; ok {
			return fmt.Errorf("the planned change removes %s, which the configuration declares", m)
		}
		if !s.Holds(m) {
			return fmt.Errorf("the planned change removes %s, outside tenant %q", m, s.Tenant)
		}
		if _, ok := basisSet[m]; !ok {
			return fmt.Errorf("the planned change removes %s, which the plan did not see in the audience", m)
		}
		if ownedSet != nil {
			if _, ok := ownedSet[m]; !ok {
				return fmt.Errorf("the planned change removes %s, which this managed-only resource never declared", m)
			}
		}
	}
	return nil
}
func setRecheck(c Change, s Scope, basis, live []Membership) (Change, Drift) {
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
		SortMemberships(drift.Appeared)
	}
	return next, drift
}
func mapProject(s Scope, live []Membership, prior map[string]string, owned []Membership) (members map[string]string, hidden []Membership, count int) {
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
		SortMemberships(hidden)
	}
	return members, hidden, len(members) + len(hidden)
}
