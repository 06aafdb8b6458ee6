package knock

// Diff compares the desired memberships with the live ones and returns what to add and what to remove
// so that the audience holds exactly desired. Both results are sorted by user, then tenant, so that
// batches are deterministic. It runs in O(n log n) for n memberships; duplicates count once.
func Diff(desired, live []Membership) (toAdd, toRemove []Membership) {
	liveSet := make(map[Membership]struct{}, len(live))
	for _, m := range live {
		liveSet[m] = struct{}{}
	}
	desiredSet := make(map[Membership]struct{}, len(desired))
	for _, m := range desired {
		if _, dup := desiredSet[m]; dup {
			continue
		}
		desiredSet[m] = struct{}{}
		if _, ok := liveSet[m]; !ok {
			toAdd = append(toAdd, m)
		}
	}
	for m := range liveSet {
		if _, ok := desiredSet[m]; !ok {
			toRemove = append(toRemove, m)
		}
	}
	SortMemberships(toAdd)
	SortMemberships(toRemove)
	return toAdd, toRemove
}
