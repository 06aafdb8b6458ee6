package localknock

import (
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// environment is what one secret key sees: its audiences and its users; on the mAPI it is named by
// its slug. Branches hold definitions only: memberships are data, not versioned content, so the Knock
// API sees the audiences of the environment itself.
type environment struct {
	slug      string
	audiences map[string]*audience
	branches  map[string]map[string]*content
	users     map[string]*User
	windows   map[Endpoint]*rateWindow
}

func newEnvironment(slug string) *environment {
	return &environment{
		slug:      slug,
		audiences: map[string]*audience{},
		branches:  map[string]map[string]*content{},
		users:     map[string]*User{},
		windows:   map[Endpoint]*rateWindow{},
	}
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
	// Properties are the user's custom properties (JSON values: string, float64, bool, nil, []any,
	// map[string]any), listed beside the standard ones and read by dynamic audiences' conditions.
	Properties map[string]any
}

type entry struct {
	membership Membership
	seq        uint64
	addedAt    time.Time
	removed    bool
}

// audience is an audience of one environment: its definition (content) and, for a static audience,
// its memberships. It keeps them in a map for O(1) add and remove, and in insertion order for
// pagination: a cursor is the sequence number of the last entry served, found again by binary search.
// Removed entries stay in order as tombstones until they are half of it, then order is compacted.
type audience struct {
	content *content
	members map[Membership]*entry
	order   []*entry
	removed int
	nextSeq uint64
}

func newAudience(c *content) *audience {
	return &audience{content: c, members: map[Membership]*entry{}}
}

// dynamic reports whether the audience's members come from its segments.
func (a *audience) dynamic() bool {
	return a.content.current().def.Type == AudienceDynamic
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

// Cursors are opaque to clients, as Knock's are: a named value ("seq" for a static audience's
// memberships, "uid" for a dynamic audience's, "key" for the mAPI's audiences), base64-encoded.
func encodeNamedCursor(name, value string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(name + ":" + value))
}

func decodeNamedCursor(name, cursor string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", false
	}
	value, ok := strings.CutPrefix(string(raw), name+":")
	return value, ok && value != ""
}

func encodeCursor(seq uint64) string {
	return encodeNamedCursor("seq", strconv.FormatUint(seq, 10))
}

func decodeCursor(cursor string) (uint64, bool) {
	raw, ok := decodeNamedCursor("seq", cursor)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(raw, 10, 64)
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

// audience returns the audience of the environment itself (no branch), nil when there is none.
func (env *environment) audience(key string) *audience {
	return env.audiences[key]
}

// ensureStaticAudience returns the audience, creating an empty static one (named by its key, committed)
// when there is none, as Knock's create_audience=true does.
func (env *environment) ensureStaticAudience(key string, now time.Time) *audience {
	a, ok := env.audiences[key]
	if !ok {
		a = newAudience(newContent(AudienceDefinition{Type: AudienceStatic, Name: key}, now))
		env.audiences[key] = a
	}
	return a
}
