package localknock

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// The audience types.
const (
	AudienceStatic  = "static"
	AudienceDynamic = "dynamic"
)

// DevelopmentEnvironment is the slug of the environment where Knock's content is changed; upserts
// elsewhere need force=true, and branches exist only there.
const DevelopmentEnvironment = "development"

// AudienceDefinition is an audience as the mAPI describes it: its type, name, description and, for a
// dynamic audience, its segments (OR-ed; the conditions of a segment are AND-ed).
type AudienceDefinition struct {
	Type, Name, Description string
	Segments                []Segment
	// SHA is set by the server: a hash of the fields above, which changes when any of them does.
	SHA string
	// Committed is false while the latest change is uncommitted.
	Committed bool
}

// Segment is one alternative of a dynamic audience: a user matching all its conditions is a member.
type Segment struct{ Conditions []Condition }

// Condition compares a property of the recipient with an argument (nil for operators that take none).
type Condition struct {
	Property, Operator string
	Argument           *string
}

// clone copies the segments so that callers and the store never share them.
func (d AudienceDefinition) clone() AudienceDefinition {
	if d.Segments == nil {
		return d
	}
	segments := make([]Segment, len(d.Segments))
	for i, seg := range d.Segments {
		conditions := make([]Condition, len(seg.Conditions))
		for j, c := range seg.Conditions {
			if c.Argument != nil {
				arg := *c.Argument
				c.Argument = &arg
			}
			conditions[j] = c
		}
		segments[i] = Segment{Conditions: conditions}
	}
	d.Segments = segments
	return d
}

// sameAs reports whether two definitions have the same content (SHA and Committed aside).
func (d AudienceDefinition) sameAs(other AudienceDefinition) bool {
	return computeSHA(d) == computeSHA(other)
}

// computeSHA hashes what the definition says, so that the SHA changes exactly when the definition does.
func computeSHA(d AudienceDefinition) string {
	type condition struct {
		Property, Operator string
		Argument           *string
	}
	hashed := struct {
		Type, Name, Description string
		Segments                [][]condition
	}{Type: d.Type, Name: d.Name, Description: d.Description}
	for _, seg := range d.Segments {
		conditions := make([]condition, len(seg.Conditions))
		for i, c := range seg.Conditions {
			conditions[i] = condition(c)
		}
		hashed.Segments = append(hashed.Segments, conditions)
	}
	raw, _ := json.Marshal(hashed)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// version is one state of an audience's definition.
type version struct {
	def       AudienceDefinition // SHA set, Committed unused
	updatedAt time.Time
}

// content is an audience's definition as Knock versions it: the last committed version, and the
// uncommitted change made since (draft), if any.
type content struct {
	createdAt time.Time
	committed *version
	draft     *version
	// commits holds the message of each commit, oldest first ("" for a commit without message).
	commits []string
}

// newContent is a definition committed at now, as a dashboard or an out-of-band change makes it.
func newContent(def AudienceDefinition, now time.Time) *content {
	c := &content{createdAt: now}
	c.commit(def, "", now)
	return c
}

// current is the latest version, committed or not.
func (c *content) current() *version {
	if c.draft != nil {
		return c.draft
	}
	return c.committed
}

// visible is the version a reader sees: the last committed one when uncommitted changes are hidden
// (nil when the audience was never committed).
func (c *content) visible(hideUncommitted bool) *version {
	if hideUncommitted {
		return c.committed
	}
	return c.current()
}

// commit makes def the committed version, dropping any uncommitted change.
func (c *content) commit(def AudienceDefinition, message string, now time.Time) {
	def = def.clone()
	def.SHA = computeSHA(def)
	c.committed = &version{def: def, updatedAt: now}
	c.draft = nil
	c.commits = append(c.commits, message)
}

// change records def as an uncommitted change; a definition equal to the committed one leaves no
// uncommitted change, and one equal to the current one changes nothing.
func (c *content) change(def AudienceDefinition, now time.Time) {
	switch {
	case c.committed != nil && c.committed.def.sameAs(def):
		c.draft = nil
	case c.current() != nil && c.current().def.sameAs(def):
	default:
		def = def.clone()
		def.SHA = computeSHA(def)
		c.draft = &version{def: def, updatedAt: now}
	}
}

// upsert applies an upsert's definition. With commit, the change is committed; a commit without change
// is made only with allowEmpty (a new version of identical content), else nothing happens.
func (c *content) upsert(def AudienceDefinition, commit, allowEmpty bool, message string, now time.Time) {
	if !commit {
		c.change(def, now)
		return
	}
	if c.draft == nil && c.committed != nil && c.committed.def.sameAs(def) && !allowEmpty {
		return
	}
	c.commit(def, message, now)
}

// clone copies the content for a branch, which then changes on its own.
func (c *content) clone() *content {
	out := &content{createdAt: c.createdAt, commits: slices.Clone(c.commits)}
	if c.committed != nil {
		committed := *c.committed
		committed.def = committed.def.clone()
		out.committed = &committed
	}
	if c.draft != nil {
		draft := *c.draft
		draft.def = draft.def.clone()
		out.draft = &draft
	}
	return out
}

// lookup returns the audience's content as seen from the branch ("" for the environment itself): the
// branch's own copy once it changed it there, else the environment's.
func (env *environment) lookup(branch, key string) *content {
	if c, ok := env.branches[branch][key]; ok {
		return c
	}
	if a := env.audiences[key]; a != nil {
		return a.content
	}
	return nil
}

// keys lists the audience keys seen from the branch, sorted.
func (env *environment) keys(branch string) []string {
	keys := slices.Collect(maps.Keys(env.audiences))
	for key := range env.branches[branch] {
		if env.audiences[key] == nil {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

// upsertContent writes an upsert into the environment (or its branch): a new audience gets its
// memberships store in the environment itself, so that the Knock API serves it; a branch gets its own
// copy of the content on its first change.
func (env *environment) upsertContent(branch, key string, def AudienceDefinition, commit, allowEmpty bool, message string, now time.Time) *content {
	c := env.lookup(branch, key)
	if c == nil {
		c = &content{createdAt: now}
		if branch == "" {
			env.audiences[key] = newAudience(c)
		} else {
			env.branchContents(branch)[key] = c
		}
	} else if branch != "" {
		if _, own := env.branches[branch][key]; !own {
			c = c.clone()
			env.branchContents(branch)[key] = c
		}
	}
	c.upsert(def, commit, allowEmpty, message, now)
	return c
}

func (env *environment) branchContents(branch string) map[string]*content {
	contents := env.branches[branch]
	if contents == nil {
		contents = map[string]*content{}
		env.branches[branch] = contents
	}
	return contents
}

// archive removes the audience, its memberships and its branch copies; it reports whether there was any.
func (env *environment) archive(key string) bool {
	_, found := env.audiences[key]
	delete(env.audiences, key)
	for _, contents := range env.branches {
		if _, ok := contents[key]; ok {
			delete(contents, key)
			found = true
		}
	}
	return found
}
