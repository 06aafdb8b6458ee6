package knockmgmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The types of audience.
const (
	TypeStatic  = "static"
	TypeDynamic = "dynamic"
)

// Operators are the operators of a condition, in the order of the AudienceCondition enum of Knock's
// Management API specification.
var Operators = []string{
	"equal_to", "not_equal_to",
	"greater_than", "less_than", "greater_than_or_equal_to", "less_than_or_equal_to",
	"contains", "not_contains", "contains_all", "not_contains_all",
	"is_timestamp_before", "is_timestamp_on_or_after", "is_timestamp_between", "is_between",
	"empty", "not_empty", "exists", "not_exists",
	"is_timestamp", "is_timestamp_before_now", "is_timestamp_on_or_after_now",
	"is_audience_member", "is_not_audience_member",
}

// unaryOperators test the property alone: against nothing, or against the current time.
var unaryOperators = []string{
	"empty", "not_empty", "exists", "not_exists",
	"is_timestamp", "is_timestamp_before_now", "is_timestamp_on_or_after_now",
}

// OperatorTakesArgument reports whether a condition with operator op compares the property with an
// argument. The specification does not say; the operators that test the property alone (empty, exists,
// is_timestamp and the two comparisons with now, and their negations) take none, every other one does.
// An unknown operator reports false.
func OperatorTakesArgument(op string) bool {
	return slices.Contains(Operators, op) && !slices.Contains(unaryOperators, op)
}

// Condition is one condition of a segment: Property (a path such as recipient.plan) compared by Operator
// with Argument, nil for the operators that take none.
type Condition struct {
	Property string  `json:"property"`
	Operator string  `json:"operator"`
	Argument *string `json:"argument,omitempty"`
}

// UnmarshalJSON reads an argument that Knock writes as a number or a boolean as its JSON text, so that
// argument 30 reads as "30": the specification says "a static value (string, number, boolean)".
func (c *Condition) UnmarshalJSON(data []byte) error {
	var raw struct {
		Property string          `json:"property"`
		Operator string          `json:"operator"`
		Argument json.RawMessage `json:"argument"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*c = Condition{Property: raw.Property, Operator: raw.Operator}
	switch arg := bytes.TrimSpace(raw.Argument); {
	case len(arg) == 0 || string(arg) == "null":
	case arg[0] == '"':
		var s string
		if err := json.Unmarshal(arg, &s); err != nil {
			return err
		}
		c.Argument = &s
	case arg[0] == '{' || arg[0] == '[':
		return fmt.Errorf("condition on %q: the argument is a JSON %s, not a string, number or boolean", raw.Property, map[byte]string{'{': "object", '[': "array"}[arg[0]])
	default:
		s := string(arg)
		c.Argument = &s
	}
	return nil
}

// Segment is a list of conditions that a member meets all of; an audience's segments are alternatives.
type Segment struct {
	Conditions []Condition `json:"conditions"`
}

// Definition is what an upsert or a validation sends: Segments only for a dynamic audience.
type Definition struct {
	Type, Name, Description string
	Segments                []Segment
}

// Audience is an audience as the Management API answers it.
type Audience struct {
	Key         string    `json:"key"`
	Type        string    `json:"type"`
	Name        string    `json:"name"`
	Description string    `json:"description"` // "" for none (null)
	Environment string    `json:"environment"` // the slug of the environment it was read in
	SHA         string    `json:"sha"`         // the hash of its content, "" when the API sends none
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Segments    []Segment `json:"segments"` // dynamic audiences only
}

// CheckAnswer refuses an answer that is not an audience: a 200 with {} is a proxy or a wrong base URL.
func (a *Audience) CheckAnswer() error {
	switch {
	case a.Key == "":
		return errors.New("the answer is not an audience (it has no key), so it is not Knock's Management API (check management_base_url)")
	case a.Type == "":
		return fmt.Errorf("the answer for audience %q has no type, so it is not Knock's Management API (check management_base_url)", a.Key)
	}
	return nil
}

// body is the JSON an upsert or a validation sends: {"audience": {...}}.
func (d Definition) body() ([]byte, error) {
	type audienceJSON struct {
		Type        string     `json:"type"`
		Name        string     `json:"name"`
		Description *string    `json:"description"` // null clears it
		Segments    *[]Segment `json:"segments,omitempty"`
	}
	a := audienceJSON{Type: d.Type, Name: d.Name}
	if d.Description != "" {
		a.Description = &d.Description
	}
	if d.Type == TypeDynamic {
		// Never null: an empty list of segments or of conditions is sent as [], for the API to judge.
		segments := make([]Segment, len(d.Segments))
		for i, s := range d.Segments {
			segments[i].Conditions = s.Conditions
			if segments[i].Conditions == nil {
				segments[i].Conditions = []Condition{}
			}
		}
		a.Segments = &segments
	}
	return json.Marshal(struct {
		Audience audienceJSON `json:"audience"`
	}{a})
}
