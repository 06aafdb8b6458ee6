package localknock

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// evaluator computes the members of dynamic audiences over the users of one environment, for one
// listing: the member ids of every audience it consults are computed once. It reads each audience's
// latest definition, uncommitted changes included (which version Knock evaluates is unconfirmed).
//
// Conditions read recipient.<property> (the standard properties id, name, email, phone_number, avatar,
// timezone, created_at, updated_at, then the custom ones, with dots walking into objects); data.,
// tenant. and actor. have no value when listing members, so they read as absent. The operators
// evaluated here are equal_to, not_equal_to, greater_than, less_than, greater_than_or_equal_to,
// less_than_or_equal_to (numbers when both sides are numbers, else strings), contains and
// not_contains (substring of a string, element of a list), empty, not_empty, exists, not_exists,
// is_timestamp_before, is_timestamp_on_or_after (RFC 3339 on both sides), is_audience_member and
// is_not_audience_member (static members, or a dynamic audience's own evaluation). Each not_ operator
// is the negation of its positive one, so an absent property matches not_equal_to and not_contains.
// The other operators of the spec (contains_all, not_contains_all, is_timestamp_between, is_between,
// is_timestamp, is_timestamp_before_now, is_timestamp_on_or_after_now) pass validation but match no
// one here: their argument formats are not published.
type evaluator struct {
	env       *environment
	members   map[string]map[string]bool
	computing map[string]bool
}

func newEvaluator(env *environment) *evaluator {
	return &evaluator{env: env, members: map[string]map[string]bool{}, computing: map[string]bool{}}
}

// memberIDs is the set of user ids in the audience (nil when it does not exist). An audience met again
// while its own members are being computed has none: SetAudienceDefinition can make a cycle that the
// mAPI would refuse.
func (ev *evaluator) memberIDs(key string) map[string]bool {
	if ids, ok := ev.members[key]; ok {
		return ids
	}
	a := ev.env.audience(key)
	if a == nil || ev.computing[key] {
		return nil
	}
	ev.computing[key] = true
	defer delete(ev.computing, key)
	ids := map[string]bool{}
	if a.dynamic() {
		def := a.content.current().def
		for id, u := range ev.env.users {
			if ev.matches(def, u) {
				ids[id] = true
			}
		}
	} else {
		for m := range a.members {
			ids[m.UserID] = true
		}
	}
	ev.members[key] = ids
	return ids
}

// matches reports whether the user meets every condition of at least one segment.
func (ev *evaluator) matches(def AudienceDefinition, u *User) bool {
	return slices.ContainsFunc(def.Segments, func(seg Segment) bool {
		return !slices.ContainsFunc(seg.Conditions, func(c Condition) bool { return !ev.holds(c, u) })
	})
}

func (ev *evaluator) holds(c Condition, u *User) bool {
	value, present := recipientProperty(u, c.Property)
	var arg string
	if c.Argument != nil {
		arg = *c.Argument
	}
	switch c.Operator {
	case "equal_to":
		return present && equal(value, arg)
	case "not_equal_to":
		return !present || !equal(value, arg)
	case "greater_than":
		return present && compare(value, arg, func(n int) bool { return n > 0 })
	case "greater_than_or_equal_to":
		return present && compare(value, arg, func(n int) bool { return n >= 0 })
	case "less_than":
		return present && compare(value, arg, func(n int) bool { return n < 0 })
	case "less_than_or_equal_to":
		return present && compare(value, arg, func(n int) bool { return n <= 0 })
	case "contains":
		return present && contains(value, arg)
	case "not_contains":
		return !present || !contains(value, arg)
	case "empty":
		return empty(value)
	case "not_empty":
		return !empty(value)
	case "exists":
		return present && value != nil
	case "not_exists":
		return !present || value == nil
	case "is_timestamp_before", "is_timestamp_on_or_after":
		at, ok1 := value.(string)
		t, err1 := time.Parse(time.RFC3339Nano, at)
		bound, err2 := time.Parse(time.RFC3339Nano, arg)
		if !present || !ok1 || err1 != nil || err2 != nil {
			return false
		}
		return t.Before(bound) == (c.Operator == "is_timestamp_before")
	case "is_audience_member":
		return ev.memberIDs(arg)[u.ID]
	case "is_not_audience_member":
		return !ev.memberIDs(arg)[u.ID]
	}
	return false
}

// recipientProperty reads a recipient.<path> property of the user; false when it is absent.
func recipientProperty(u *User, path string) (any, bool) {
	rest, ok := strings.CutPrefix(path, "recipient.")
	if !ok {
		return nil, false
	}
	name, rest, nested := strings.Cut(rest, ".")
	var value any
	switch name {
	case "id":
		value = u.ID
	case "created_at":
		value = u.CreatedAt.Format(time.RFC3339Nano)
	case "updated_at":
		value = u.UpdatedAt.Format(time.RFC3339Nano)
	default:
		if standard, isStandard := u.standardProperty(name); isStandard {
			if standard == "" {
				return nil, false
			}
			value = standard
		} else if value, ok = u.Properties[name]; !ok {
			return nil, false
		}
	}
	for nested {
		object, isObject := value.(map[string]any)
		if !isObject {
			return nil, false
		}
		name, rest, nested = strings.Cut(rest, ".")
		if value, ok = object[name]; !ok {
			return nil, false
		}
	}
	return value, true
}

// standardProperty returns one of the user's optional standard string properties ("" when unset).
func (u *User) standardProperty(name string) (string, bool) {
	switch name {
	case "name":
		return u.Name, true
	case "email":
		return u.Email, true
	case "phone_number":
		return u.PhoneNumber, true
	case "avatar":
		return u.Avatar, true
	case "timezone":
		return u.Timezone, true
	}
	return "", false
}

// number reads a JSON or Go number.
func number(value any) (float64, bool) {
	switch v := value.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// equal compares a property's value with an argument, which is always a string: as numbers, as
// booleans or as strings, by the value's type.
func equal(value any, arg string) bool {
	if n, ok := number(value); ok {
		a, err := strconv.ParseFloat(arg, 64)
		return err == nil && n == a
	}
	switch v := value.(type) {
	case string:
		return v == arg
	case bool:
		b, err := strconv.ParseBool(arg)
		return err == nil && v == b
	}
	return false
}

// compare orders a value against the argument, as numbers when both are, else as strings when the
// value is one; other values match nothing.
func compare(value any, arg string, want func(int) bool) bool {
	if n, ok := number(value); ok {
		a, err := strconv.ParseFloat(arg, 64)
		if err != nil {
			return false
		}
		switch {
		case n < a:
			return want(-1)
		case n > a:
			return want(1)
		}
		return want(0)
	}
	if s, ok := value.(string); ok {
		return want(strings.Compare(s, arg))
	}
	return false
}

// contains reports whether a string value has the argument in it, or a list value an element equal to it.
func contains(value any, arg string) bool {
	switch v := value.(type) {
	case string:
		return strings.Contains(v, arg)
	case []any:
		return slices.ContainsFunc(v, func(e any) bool { return equal(e, arg) })
	case []string:
		return slices.Contains(v, arg)
	}
	return false
}

// empty is true for an absent or null property (nil), an empty string, list or object.
func empty(value any) bool {
	switch v := value.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case []string:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}
