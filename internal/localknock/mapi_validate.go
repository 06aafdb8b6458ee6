package localknock

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
)

// operators are the spec's AudienceCondition operators, each with whether it needs an argument. The
// local API keeps its own list rather than importing the provider's: it stands in for Knock, so a
// mistake in the provider's list shows up as a disagreement instead of being repeated here.
var operators = map[string]bool{
	"equal_to": true, "not_equal_to": true,
	"greater_than": true, "less_than": true, "greater_than_or_equal_to": true, "less_than_or_equal_to": true,
	"contains": true, "not_contains": true, "contains_all": true, "not_contains_all": true,
	"is_timestamp_before": true, "is_timestamp_on_or_after": true, "is_timestamp_between": true, "is_between": true,
	"empty": false, "not_empty": false, "exists": false, "not_exists": false,
	"is_timestamp": false, "is_timestamp_before_now": false, "is_timestamp_on_or_after_now": false,
	"is_audience_member": true, "is_not_audience_member": true,
}

// propertyPattern is the local API's rule for a condition's property, as Knock publishes none beyond
// its examples (recipient.plan, recipient.created_at): a path expression rooted at recipient, data,
// tenant or actor, then one or more identifiers (a letter or underscore, then letters, digits or
// underscores) separated by dots.
var propertyPattern = regexp.MustCompile(`^(recipient|data|tenant|actor)(\.[A-Za-z_][A-Za-z0-9_]*)+$`)

type conditionRequest struct {
	Property string          `json:"property"`
	Operator string          `json:"operator"`
	Argument json.RawMessage `json:"argument"`
}

type segmentRequest struct {
	Conditions []conditionRequest `json:"conditions"`
}

// audienceRequest is the body of upsert and validate.
type audienceRequest struct {
	Audience *struct {
		Type        string           `json:"type"`
		Name        string           `json:"name"`
		Description *string          `json:"description"`
		Segments    []segmentRequest `json:"segments"`
	} `json:"audience"`
}

// definition checks what the request says by itself and returns the definition it asks for, or the
// problems with it, each on its field.
func (req audienceRequest) definition() (AudienceDefinition, []fieldError) {
	a := req.Audience
	if a == nil {
		return AudienceDefinition{}, []fieldError{{Field: "audience", Message: "is required", Type: "required"}}
	}
	def := AudienceDefinition{Type: a.Type, Name: a.Name}
	if a.Description != nil {
		def.Description = *a.Description
	}
	var errs []fieldError
	if a.Name == "" {
		errs = append(errs, fieldError{Field: "audience.name", Message: "can't be blank", Type: "required"})
	}
	switch a.Type {
	case AudienceStatic:
		if len(a.Segments) > 0 {
			errs = append(errs, fieldError{Field: "audience.segments", Message: "is only allowed for dynamic audiences", Type: "invalid"})
		}
	case AudienceDynamic:
		if len(a.Segments) == 0 {
			errs = append(errs, fieldError{Field: "audience.segments", Message: "should have at least 1 item(s)", Type: "length"})
		}
		def.Segments = make([]Segment, len(a.Segments))
		for i, seg := range a.Segments {
			field := fmt.Sprintf("audience.segments[%d].conditions", i)
			if len(seg.Conditions) == 0 {
				errs = append(errs, fieldError{Field: field, Message: "should have at least 1 item(s)", Type: "length"})
			}
			def.Segments[i].Conditions = make([]Condition, len(seg.Conditions))
			for j, c := range seg.Conditions {
				var condErrs []fieldError
				def.Segments[i].Conditions[j], condErrs = c.condition(fmt.Sprintf("%s[%d]", field, j))
				errs = append(errs, condErrs...)
			}
		}
	case "":
		errs = append(errs, fieldError{Field: "audience.type", Message: "can't be blank", Type: "required"})
	default:
		errs = append(errs, fieldError{Field: "audience.type", Message: "must be one of: static, dynamic", Type: "inclusion"})
	}
	return def, errs
}

// condition checks one condition; field is its path in the request.
func (req conditionRequest) condition(field string) (Condition, []fieldError) {
	c := Condition{Property: req.Property, Operator: req.Operator}
	var errs []fieldError
	switch {
	case req.Property == "":
		errs = append(errs, fieldError{Field: field + ".property", Message: "can't be blank", Type: "required"})
	case !propertyPattern.MatchString(req.Property):
		errs = append(errs, fieldError{Field: field + ".property", Type: "format",
			Message: "must be a path expression such as recipient.plan: recipient, data, tenant or actor, then identifiers separated by dots"})
	}
	takesArgument, known := operators[req.Operator]
	switch {
	case req.Operator == "":
		errs = append(errs, fieldError{Field: field + ".operator", Message: "can't be blank", Type: "required"})
	case !known:
		errs = append(errs, fieldError{Field: field + ".operator", Message: "is not a known operator", Type: "inclusion"})
	}
	// An argument given to an operator that takes none is kept as sent: whether Knock drops or refuses
	// it is unconfirmed.
	var arg *string
	if len(req.Argument) > 0 && string(req.Argument) != "null" {
		arg = new(string)
		if err := json.Unmarshal(req.Argument, arg); err != nil {
			return c, append(errs, fieldError{Field: field + ".argument", Message: "must be a string", Type: "type"})
		}
	}
	c.Argument = arg
	if takesArgument && (arg == nil || *arg == "") {
		errs = append(errs, fieldError{Field: field + ".argument", Message: "is required for operator " + req.Operator, Type: "required"})
	}
	return c, errs
}

// checkAgainstStore checks what depends on the environment (seen from the branch): the type of an
// existing audience cannot change, and is_audience_member and is_not_audience_member name another
// existing audience without making membership circular.
func (env *environment) checkAgainstStore(branch, key string, def AudienceDefinition) []fieldError {
	var errs []fieldError
	if c := env.lookup(branch, key); c != nil && c.current().def.Type != def.Type {
		errs = append(errs, fieldError{Field: "audience.type", Type: "immutable",
			Message: fmt.Sprintf("cannot change from %s to %s: the type of an audience is fixed when it is created", c.current().def.Type, def.Type)})
	}
	for i, seg := range def.Segments {
		for j, c := range seg.Conditions {
			if c.Operator != "is_audience_member" && c.Operator != "is_not_audience_member" {
				continue
			}
			field := fmt.Sprintf("audience.segments[%d].conditions[%d].argument", i, j)
			switch target := *c.Argument; {
			case target == key:
				errs = append(errs, fieldError{Field: field, Message: "cannot name the audience itself", Type: "invalid"})
			case env.lookup(branch, target) == nil:
				errs = append(errs, fieldError{Field: field, Type: "not_found",
					Message: "must name an existing audience of environment " + strconv.Quote(env.slug) + ": " + strconv.Quote(target) + " does not exist"})
			case env.refersTo(branch, target, key, map[string]bool{}):
				errs = append(errs, fieldError{Field: field, Type: "invalid",
					Message: strconv.Quote(target) + " depends on " + strconv.Quote(key) + ": membership would be circular"})
			}
		}
	}
	return errs
}

// refersTo reports whether audience from depends on audience to through audience-membership
// conditions, directly or through others.
func (env *environment) refersTo(branch, from, to string, seen map[string]bool) bool {
	if seen[from] {
		return false
	}
	seen[from] = true
	c := env.lookup(branch, from)
	if c == nil {
		return false
	}
	for _, target := range audienceReferences(c.current().def) {
		if target == to || env.refersTo(branch, target, to, seen) {
			return true
		}
	}
	return false
}

// audienceReferences lists the audiences a definition's membership conditions name.
func audienceReferences(def AudienceDefinition) []string {
	var out []string
	for _, seg := range def.Segments {
		for _, c := range seg.Conditions {
			if (c.Operator == "is_audience_member" || c.Operator == "is_not_audience_member") && c.Argument != nil {
				out = append(out, *c.Argument)
			}
		}
	}
	return out
}
