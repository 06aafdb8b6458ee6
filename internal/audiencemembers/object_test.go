package audiencemembers

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// An attribute an object lacks is encoded as a null of its type: adding one to attributes
// cannot make encode panic where a value does not set it.
func TestEncode_missingAttributesAreTypedNulls(t *testing.T) {
	obj := object{}
	obj.set(attrAudienceKey, stringValue("beta"))
	dv, err := obj.encode()
	if err != nil {
		t.Fatal(err)
	}
	value, err := dv.Unmarshal(objectType)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := value.As(&attrs); err != nil {
		t.Fatal(err)
	}
	for _, a := range attributes {
		if got := attrs[a.name]; a.name != attrAudienceKey && (!got.IsNull() || !got.Type().Equal(a.typ)) {
			t.Errorf("%s = %v, want a null %v", a.name, got, a.typ)
		}
	}
}
