package audiencemembers

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestUpgradeStateJSON_agreesWithTftypes converts a stored state as tftypes would, including an attribute
// an older schema had.
func TestUpgradeStateJSON_agreesWithTftypes(t *testing.T) {
	raw := []byte(`{"id":"beta/acme","audience_key":"beta","tenant":"acme","members":{"u1":null,"u2":"acme"},` +
		`"membership_count":2,"max_removals":null,"timeouts":null,"retired_attribute":true}`)
	want, err := (&tfprotov6.RawState{JSON: raw}).UnmarshalWithOpts(objectType, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	dv, err := upgradeStateJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	assertSameValue(t, want, dv)
	for _, bad := range []string{`{"members":["u1"]}`, `{"members":{"u1":1}}`, `{"membership_count":"many"}`, `[`} {
		if _, err := upgradeStateJSON([]byte(bad)); err == nil {
			t.Errorf("upgradeStateJSON(%s) gave no error", bad)
		}
	}
}

// FuzzMembersFromJSON: the one-pass reader of a stored members object agrees with encoding/json on every
// valid document (the state around members is parsed before, so only valid JSON reaches it), and
// refuses what is not an object of strings or nulls.
func FuzzMembersFromJSON(f *testing.F) {
	for _, seed := range []string{`null`, `{}`, ` { "u1" : null , "u2":"acme" } `, `{"b":null,"a":"t"}`, `{"é\u00e9\"\\/\ud83d\ude00":"x\ty"}`,
		`{"u1":1}`, `["u1"]`, `{"u1":null,"u1":"acme"}`, `"u1"`, `{"\ud800":null}`, "{\"\xff\":null}"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		var want map[string]*string
		wantErr := json.Unmarshal(raw, &want)
		list, isNull, err := membersFromJSON(raw)
		if wantErr != nil {
			if err == nil {
				t.Fatalf("membersFromJSON(%s) = %v, encoding/json refuses it: %v", raw, list, wantErr)
			}
			return
		}
		if err != nil {
			// A key twice is the one document encoding/json reads (the last wins) and we refuse.
			if !strings.Contains(err.Error(), "appears twice") {
				t.Fatalf("membersFromJSON(%s): %v, encoding/json reads %v", raw, err, want)
			}
			return
		}
		if isNull != (want == nil) || len(list) != len(want) {
			t.Fatalf("membersFromJSON(%s) = %v (null %t), encoding/json %v", raw, list, isNull, want)
		}
		for _, m := range list {
			tenant, ok := want[m.UserID]
			if !ok || tenant != nil && *tenant != m.Tenant || tenant == nil && m.Tenant != "" {
				t.Fatalf("membersFromJSON(%s) has %+v, encoding/json %v", raw, m, want)
			}
		}
		if !slices.IsSortedFunc(list, compareUsers) {
			t.Fatalf("membersFromJSON(%s) = %v, not sorted by user id", raw, list)
		}
	})
}
