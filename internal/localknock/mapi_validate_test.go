package localknock_test

import (
	"testing"
)

// TestMAPI_validationRules: upsert and validate make the same checks and answer Knock's 422 naming
// each invalid field.
func TestMAPI_validationRules(t *testing.T) {
	srv := startMAPI(t)
	upsert(t, srv, "other", "environment=development", staticBody("Other"))
	// loop-a is in loop-b (through loop-c) and must not depend on loop-b.
	upsert(t, srv, "loop-a", "environment=development", dynamicBody(`{"property":"recipient.plan","operator":"exists"}`))
	upsert(t, srv, "loop-c", "environment=development",
		dynamicBody(`{"property":"recipient.id","operator":"is_audience_member","argument":"loop-a"}`))
	upsert(t, srv, "loop-b", "environment=development",
		dynamicBody(`{"property":"recipient.id","operator":"is_not_audience_member","argument":"loop-c"}`))
	const cond = "audience.segments[0].conditions[0]"
	tests := []struct {
		name, body string
		fields     []string
	}{
		{"no audience", `{}`, []string{"audience"}},
		{"blank name", `{"audience":{"type":"static","name":""}}`, []string{"audience.name"}},
		{"no type", `{"audience":{"name":"A"}}`, []string{"audience.type"}},
		{"unknown type", `{"audience":{"type":"smart","name":"A"}}`, []string{"audience.type"}},
		{"static with segments", `{"audience":{"type":"static","name":"A","segments":[{"conditions":[{"property":"recipient.a","operator":"exists"}]}]}}`, []string{"audience.segments"}},
		{"dynamic without segments", `{"audience":{"type":"dynamic","name":"A"}}`, []string{"audience.segments"}},
		{"dynamic with empty segments", `{"audience":{"type":"dynamic","name":"A","segments":[]}}`, []string{"audience.segments"}},
		{"segment without conditions", `{"audience":{"type":"dynamic","name":"A","segments":[{"conditions":[{"property":"recipient.a","operator":"exists"}]},{"conditions":[]}]}}`, []string{"audience.segments[1].conditions"}},
		{"unknown operator", dynamicBody(`{"property":"recipient.a","operator":"like","argument":"x"}`), []string{cond + ".operator"}},
		{"blank operator", dynamicBody(`{"property":"recipient.a"}`), []string{cond + ".operator"}},
		{"blank property", dynamicBody(`{"operator":"exists"}`), []string{cond + ".property"}},
		{"property without root", dynamicBody(`{"property":"plan","operator":"exists"}`), []string{cond + ".property"}},
		{"root without path", dynamicBody(`{"property":"recipient","operator":"exists"}`), []string{cond + ".property"}},
		{"unknown root", dynamicBody(`{"property":"user.plan","operator":"exists"}`), []string{cond + ".property"}},
		{"empty segment in path", dynamicBody(`{"property":"recipient..plan","operator":"exists"}`), []string{cond + ".property"}},
		{"identifier starting with a digit", dynamicBody(`{"property":"recipient.1plan","operator":"exists"}`), []string{cond + ".property"}},
		{"missing argument", dynamicBody(`{"property":"recipient.plan","operator":"equal_to"}`), []string{cond + ".argument"}},
		{"null argument", dynamicBody(`{"property":"recipient.plan","operator":"greater_than","argument":null}`), []string{cond + ".argument"}},
		{"empty argument", dynamicBody(`{"property":"recipient.plan","operator":"contains","argument":""}`), []string{cond + ".argument"}},
		{"argument not a string", dynamicBody(`{"property":"recipient.age","operator":"greater_than","argument":3}`), []string{cond + ".argument"}},
		{"member of a missing audience", dynamicBody(`{"property":"recipient.id","operator":"is_audience_member","argument":"missing"}`), []string{cond + ".argument"}},
		{"member of itself", dynamicBody(`{"property":"recipient.id","operator":"is_not_audience_member","argument":"target"}`), []string{cond + ".argument"}},
		{"every problem at once", `{"audience":{"type":"dynamic","name":"","segments":[{"conditions":[{"property":"x","operator":"y"}]}]}}`,
			[]string{"audience.name", cond + ".property", cond + ".operator"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/v1/audiences/target?environment=development", "/v1/audiences/target/validate?environment=development"} {
				a := call(t, srv, token, "PUT", path, tc.body)
				for _, field := range tc.fields {
					wantError(t, a, 422, "invalid_params", field)
				}
				if errs, _ := a.body["errors"].([]any); len(errs) != len(tc.fields) {
					t.Errorf("%s: errors %v, want one on each of %v", path, a.body["errors"], tc.fields)
				}
			}
			if _, ok := srv.AudienceDefinition("development", "target"); ok {
				t.Error("a refused request created the audience")
			}
		})
	}

	circular := dynamicBody(`{"property":"recipient.id","operator":"is_audience_member","argument":"loop-b"}`)
	for _, path := range []string{"/v1/audiences/loop-a?environment=development", "/v1/audiences/loop-a/validate?environment=development"} {
		wantError(t, call(t, srv, token, "PUT", path, circular), 422, "invalid_params", cond+".argument")
	}

	accepted := []struct{ name, body string }{
		{"static without description", `{"audience":{"type":"static","name":"A"}}`},
		{"static with null segments", `{"audience":{"type":"static","name":"A","description":null,"segments":null}}`},
		{"each root", `{"audience":{"type":"dynamic","name":"A","segments":[{"conditions":[
			{"property":"recipient.plan","operator":"equal_to","argument":"pro"},
			{"property":"data.order.total_2","operator":"greater_than","argument":"3"},
			{"property":"tenant.settings._tier","operator":"not_empty"},
			{"property":"actor.id","operator":"is_audience_member","argument":"other"}]}]}}`},
		{"no argument where none is needed", dynamicBody(`{"property":"recipient.plan","operator":"not_exists"}`)},
		{"operator only validated", dynamicBody(`{"property":"recipient.tags","operator":"contains_all","argument":"a,b"}`)},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, srv, token, "PUT", "/v1/audiences/valid/validate?environment=development", tc.body)
			if a.status != 200 {
				t.Errorf("validate: %d %v", a.status, a.body)
			}
		})
	}
}

// TestMAPI_validateSavesNothing: validate answers the audience as upsert would, and changes nothing.
func TestMAPI_validateSavesNothing(t *testing.T) {
	srv := startMAPI(t)
	body := dynamicBody(`{"property":"recipient.plan","operator":"equal_to","argument":"pro"}`)
	validated := call(t, srv, token, "PUT", "/v1/audiences/pro/validate?environment=development", body)
	if validated.status != 200 {
		t.Fatalf("validate: %d %v", validated.status, validated.body)
	}
	audience := validated.body["audience"].(map[string]any)
	if audience["key"] != "pro" || audience["type"] != "dynamic" || audience["environment"] != "development" || audience["sha"] == "" || audience["segments"] == nil {
		t.Errorf("validate answered %v", audience)
	}
	wantError(t, call(t, srv, token, "GET", "/v1/audiences/pro?environment=development", ""), 404, "resource_missing", "")
	if _, ok := srv.AudienceDefinition("development", "pro"); ok {
		t.Error("validate created the audience")
	}

	created := upsert(t, srv, "pro", "environment=development&commit=true", body)
	if created["sha"] != audience["sha"] {
		t.Errorf("upsert sha %v, validate sha %v: want the same for the same definition", created["sha"], audience["sha"])
	}
	changed := call(t, srv, token, "PUT", "/v1/audiences/pro/validate?environment=development",
		dynamicBody(`{"property":"recipient.plan","operator":"equal_to","argument":"free"}`))
	if changed.status != 200 || changed.body["audience"].(map[string]any)["sha"] == created["sha"] {
		t.Errorf("validate of a change: %d %v", changed.status, changed.body)
	}
	if def, _ := srv.AudienceDefinition("development", "pro"); !def.Committed || *def.Segments[0].Conditions[0].Argument != "pro" {
		t.Errorf("after validate the definition is %+v", def)
	}
	if got := srv.Commits("development", "pro"); len(got) != 1 {
		t.Errorf("commits = %q, want the upsert's only", got)
	}
}
