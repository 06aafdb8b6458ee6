package localknock

import (
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"time"
)

// environment is what one secret key sees: its audiences and its users.
type environment struct {
	audiences map[string]*audience
	users     map[string]*User
	windows   map[Endpoint]*rateWindow
}

func newEnvironment() *environment {
	return &environment{audiences: map[string]*audience{}, users: map[string]*User{}, windows: map[Endpoint]*rateWindow{}}
}

// rateWindow remembers the times of the last accepted requests, one slot per request allowed a second.
type rateWindow struct {
	accepted []time.Time
	next     int
}

// allow accepts a request at now unless the window already holds its limit of requests from the last
// second; then it says how long until a slot frees.
func (w *rateWindow) allow(now time.Time) (bool, time.Duration) {
	if oldest := w.accepted[w.next]; !oldest.IsZero() && now.Sub(oldest) < time.Second {
		return false, oldest.Add(time.Second).Sub(now)
	}
	w.accepted[w.next] = now
	w.next = (w.next + 1) % len(w.accepted)
	return true, 0
}

// allowRequest applies the endpoint's rate limit (perSecond 0: none).
func (env *environment) allowRequest(endpoint Endpoint, perSecond int, now time.Time) (bool, time.Duration) {
	if perSecond <= 0 {
		return true, 0
	}
	w := env.windows[endpoint]
	if w == nil {
		w = &rateWindow{accepted: make([]time.Time, perSecond)}
		env.windows[endpoint] = w
	}
	return w.allow(now)
}

// User is the part of a Knock user the local API keeps.
type User struct {
	ID          string
	Name        string
	Email       string
	PhoneNumber string
	Avatar      string
	Timezone    string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type entry struct {
	membership Membership
	seq        uint64
	addedAt    time.Time
	removed    bool
}

// audience keeps its memberships in a map for O(1) add and remove, and in insertion order for
// pagination: a cursor is the sequence number of the last entry served, found again by binary search.
// Removed entries stay in order as tombstones until they are half of it, then order is compacted.
type audience struct {
	members map[Membership]*entry
	order   []*entry
	removed int
	nextSeq uint64
}

func newAudience() *audience {
	return &audience{members: map[Membership]*entry{}}
}

func (a *audience) add(m Membership, now time.Time) {
	if _, ok := a.members[m]; ok {
		return
	}
	a.nextSeq++
	e := &entry{membership: m, seq: a.nextSeq, addedAt: now}
	a.members[m] = e
	a.order = append(a.order, e)
}

func (a *audience) remove(m Membership) {
	e, ok := a.members[m]
	if !ok {
		return
	}
	delete(a.members, m)
	e.removed = true
	a.removed++
	if a.removed > len(a.order)/2 {
		a.order = slices.DeleteFunc(a.order, func(e *entry) bool { return e.removed })
		a.removed = 0
	}
}

// page returns up to size live entries after the cursor's position and the cursor of the next page
// ("" when this page is the last).
func (a *audience) page(afterSeq uint64, size int) (entries []*entry, next string) {
	i := sort.Search(len(a.order), func(i int) bool { return a.order[i].seq > afterSeq })
	for ; i < len(a.order) && len(entries) < size; i++ {
		if !a.order[i].removed {
			entries = append(entries, a.order[i])
		}
	}
	for ; i < len(a.order); i++ {
		if !a.order[i].removed {
			return entries, encodeCursor(entries[len(entries)-1].seq)
		}
	}
	return entries, ""
}

// Cursors are opaque to clients, as Knock's are.
func encodeCursor(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("seq:" + strconv.FormatUint(seq, 10)))
}

func decodeCursor(cursor string) (uint64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) < 5 || string(raw[:4]) != "seq:" {
		return 0, false
	}
	seq, err := strconv.ParseUint(string(raw[4:]), 10, 64)
	return seq, err == nil
}

func (env *environment) ensureUser(id string, now time.Time) *User {
	u, ok := env.users[id]
	if !ok {
		u = &User{ID: id, CreatedAt: now, UpdatedAt: now}
		env.users[id] = u
	}
	return u
}

func (env *environment) audience(key string, create bool) *audience {
	a, ok := env.audiences[key]
	if !ok && create {
		a = newAudience()
		env.audiences[key] = a
	}
	return a
}
