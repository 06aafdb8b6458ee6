package audience

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
)

// The operators whose argument is another audience's key.
const (
	operatorIsAudienceMember    = "is_audience_member"
	operatorIsNotAudienceMember = "is_not_audience_member"
)

// conditionModel is one condition of a segment.
type conditionModel struct {
	Property types.String `tfsdk:"property"`
	Operator types.String `tfsdk:"operator"`
	Argument types.String `tfsdk:"argument"`
}

// segmentModel is one segment: its conditions are AND-ed.
type segmentModel struct {
	Conditions types.List `tfsdk:"conditions"`
}

var (
	conditionType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"property": types.StringType, "operator": types.StringType, "argument": types.StringType,
	}}
	segmentType = types.ObjectType{AttrTypes: map[string]attr.Type{"conditions": types.ListType{ElemType: conditionType}}}
)

// definitionModel is what the resource, the data source and the list resource share: an audience's
// definition as Knock holds it.
type definitionModel struct {
	Key         types.String `tfsdk:"key"`
	Type        types.String `tfsdk:"type"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Segments    types.List   `tfsdk:"segments"`
	SHA         types.String `tfsdk:"sha"`
	Environment types.String `tfsdk:"environment"`
}

// setFrom records Knock's audience a, read in environment: state follows Knock.
func (m *definitionModel) setFrom(a knockmgmt.Audience, environment string) {
	m.Key = types.StringValue(a.Key)
	m.Type = types.StringValue(a.Type)
	m.Name = types.StringValue(a.Name)
	m.Description = optionalString(a.Description)
	m.Segments = segmentsValue(a.Type, a.Segments)
	m.SHA = optionalString(a.SHA)
	m.Environment = types.StringValue(environment)
}

// sameDefinition reports whether m and o declare the same audience content (the SHA aside).
func (m definitionModel) sameDefinition(o definitionModel) bool {
	return m.Type.Equal(o.Type) && m.Name.Equal(o.Name) && m.Description.Equal(o.Description) && m.Segments.Equal(o.Segments)
}

// known reports whether every part of the definition that is sent to Knock is known.
func (m definitionModel) known() bool {
	return !m.Type.IsUnknown() && !m.Name.IsUnknown() && !m.Description.IsUnknown() && fullyKnown(m.Segments)
}

// definition is what an upsert or a validation sends; the caller checked known().
func (m definitionModel) definition(ctx context.Context) (knockmgmt.Definition, diag.Diagnostics) {
	def := knockmgmt.Definition{Type: m.Type.ValueString(), Name: m.Name.ValueString(), Description: m.Description.ValueString()}
	if m.Segments.IsNull() {
		return def, nil
	}
	var segments []segmentModel
	diags := m.Segments.ElementsAs(ctx, &segments, false)
	for _, s := range segments {
		var conditions []conditionModel
		diags.Append(s.Conditions.ElementsAs(ctx, &conditions, false)...)
		segment := knockmgmt.Segment{Conditions: make([]knockmgmt.Condition, 0, len(conditions))}
		for _, c := range conditions {
			segment.Conditions = append(segment.Conditions, knockmgmt.Condition{
				Property: c.Property.ValueString(), Operator: c.Operator.ValueString(), Argument: c.Argument.ValueStringPointer(),
			})
		}
		def.Segments = append(def.Segments, segment)
	}
	return def, diags
}

// segmentsValue is Knock's segments as the segments attribute: null for a static audience, whose
// configuration cannot have them.
func segmentsValue(audienceType string, segments []knockmgmt.Segment) types.List {
	if audienceType != knockmgmt.TypeDynamic {
		return types.ListNull(segmentType)
	}
	elems := make([]attr.Value, 0, len(segments))
	for _, s := range segments {
		conditions := make([]attr.Value, 0, len(s.Conditions))
		for _, c := range s.Conditions {
			conditions = append(conditions, types.ObjectValueMust(conditionType.AttrTypes, map[string]attr.Value{
				"property": types.StringValue(c.Property),
				"operator": types.StringValue(c.Operator),
				"argument": types.StringPointerValue(c.Argument),
			}))
		}
		elems = append(elems, types.ObjectValueMust(segmentType.AttrTypes, map[string]attr.Value{
			"conditions": types.ListValueMust(conditionType, conditions),
		}))
	}
	return types.ListValueMust(segmentType, elems)
}

// optionalString maps Knock's empty string (or absent field) to null, which is what a configuration
// that leaves the attribute out holds.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// fullyKnown reports whether v and everything inside it is known.
func fullyKnown(v attr.Value) bool {
	if v.IsUnknown() {
		return false
	}
	var elems []attr.Value
	switch v := v.(type) {
	case types.List:
		elems = v.Elements()
	case types.Object:
		for _, e := range v.Attributes() {
			elems = append(elems, e)
		}
	}
	for _, e := range elems {
		if !fullyKnown(e) {
			return false
		}
	}
	return true
}
