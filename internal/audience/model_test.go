package audience

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

func TestDefinitionRoundTrip(t *testing.T) {
	premium := "premium"
	live := knockmgmt.Audience{Key: "k", Type: knockmgmt.TypeDynamic, Name: "N", SHA: "abc", Segments: []knockmgmt.Segment{
		{Conditions: []knockmgmt.Condition{{Property: "recipient.plan", Operator: "equal_to", Argument: &premium}}},
		{Conditions: []knockmgmt.Condition{{Property: "recipient.vip", Operator: "exists"}, {Property: "recipient.a", Operator: "empty"}}},
	}}
	var m definitionModel
	m.setFrom(live, "development")
	if !m.known() {
		t.Fatal("a definition read from Knock is not known")
	}
	got, diags := m.definition(context.Background())
	if diags.HasError() {
		t.Fatal(diags)
	}
	want := knockmgmt.Definition{Type: live.Type, Name: live.Name, Segments: live.Segments}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("definition = %+v, want %+v", got, want)
	}
	if !m.Description.IsNull() || m.SHA.ValueString() != "abc" || m.Environment.ValueString() != "development" {
		t.Errorf("description %v, sha %v, environment %v", m.Description, m.SHA, m.Environment)
	}
}

func TestSegmentsValue_staticIsNull(t *testing.T) {
	if v := segmentsValue(knockmgmt.TypeStatic, nil); !v.IsNull() {
		t.Errorf("static segments = %v, want null", v)
	}
	if v := segmentsValue(knockmgmt.TypeDynamic, nil); v.IsNull() || len(v.Elements()) != 0 {
		t.Errorf("dynamic segments without any = %v, want an empty list", v)
	}
}

func TestKnown_unknownArgument(t *testing.T) {
	var m definitionModel
	m.setFrom(knockmgmt.Audience{Type: knockmgmt.TypeDynamic, Name: "N", Segments: []knockmgmt.Segment{{Conditions: []knockmgmt.Condition{{Property: "p", Operator: "exists"}}}}}, "development")
	cond := m.Segments.Elements()[0].(types.Object).Attributes()["conditions"].(types.List).Elements()[0].(types.Object)
	attrs := cond.Attributes()
	attrs["argument"] = types.StringUnknown()
	unknownCond := types.ObjectValueMust(conditionType.AttrTypes, attrs)
	segment := types.ObjectValueMust(segmentType.AttrTypes, map[string]attr.Value{"conditions": types.ListValueMust(conditionType, []attr.Value{unknownCond})})
	m.Segments = types.ListValueMust(segmentType, []attr.Value{segment})
	if m.known() {
		t.Error("a definition with an unknown argument is known")
	}
}

func TestWrites(t *testing.T) {
	var base resourceModel
	base.setFrom(knockmgmt.Audience{Key: "k", Type: knockmgmt.TypeStatic, Name: "N"}, "development")
	base.setDefaults()
	if !base.writes(nil) {
		t.Error("a create does not write")
	}
	same := base
	same.Force, same.ArchiveOnDestroy, same.CommitMessage = types.BoolValue(true), types.BoolValue(true), types.StringValue("m")
	if same.writes(&base) {
		t.Error("a change of settings only writes")
	}
	renamed := base
	renamed.Name = types.StringValue("Other")
	if !renamed.writes(&base) {
		t.Error("a rename does not write")
	}
	committing := base
	committing.Commit = types.BoolValue(true)
	if !committing.writes(&base) || base.writes(&committing) {
		t.Error("turning commit on must write, turning it off must not")
	}
}

func TestForceProblem(t *testing.T) {
	if p := forceProblem("k", "development", false); p != "" {
		t.Errorf("development without force: %q", p)
	}
	if p := forceProblem("k", "production", true); p != "" {
		t.Errorf("production with force: %q", p)
	}
	p := forceProblem("beta", "production", false)
	for _, want := range []string{`"beta"`, `"production"`, "force = true", "commit = true", "promote"} {
		if !strings.Contains(p, want) {
			t.Errorf("forceProblem does not say %s: %q", want, p)
		}
	}
}

func TestLocation(t *testing.T) {
	loc, diags := location(&providerdata.Data{Branch: "feature"}, "development")
	if diags.HasError() || loc != (knockmgmt.Location{Environment: "development", Branch: "feature"}) {
		t.Errorf("development with a branch: %+v %v", loc, diags)
	}
	if _, diags := location(&providerdata.Data{Branch: "feature"}, "production"); !diags.HasError() {
		t.Error("a branch outside development is accepted")
	}
	if loc, diags := location(&providerdata.Data{}, "production"); diags.HasError() || loc != (knockmgmt.Location{Environment: "production"}) {
		t.Errorf("production without branch: %+v %v", loc, diags)
	}
}

func TestWithoutAudienceReferences(t *testing.T) {
	other := "other"
	member := knockmgmt.Condition{Property: "recipient", Operator: operatorIsAudienceMember, Argument: &other}
	plan := knockmgmt.Condition{Property: "recipient.plan", Operator: "exists"}
	def := knockmgmt.Definition{Type: knockmgmt.TypeDynamic, Name: "N", Segments: []knockmgmt.Segment{
		{Conditions: []knockmgmt.Condition{member}},
		{Conditions: []knockmgmt.Condition{plan, member}},
	}}
	got, ok := withoutAudienceReferences(def)
	want := knockmgmt.Definition{Type: knockmgmt.TypeDynamic, Name: "N", Segments: []knockmgmt.Segment{{Conditions: []knockmgmt.Condition{plan}}}}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v %v, want %+v", got, ok, want)
	}
	if _, ok := withoutAudienceReferences(knockmgmt.Definition{Segments: def.Segments[:1]}); ok {
		t.Error("a definition of audience references only is left to validate")
	}
	if len(def.Segments[1].Conditions) != 2 {
		t.Error("the definition itself was changed")
	}
}
