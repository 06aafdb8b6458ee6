package audiencemembers

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
)

var (
	nullString    = tftypes.NewValue(tftypes.String, nil)
	unknownString = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
)

// objectWith is a knock_audience_members value built with tftypes, the reference the codec must agree with:
// every attribute of the table null but the ones set here, so that a new attribute needs nothing here.
func objectWith(members tftypes.Value, tenant tftypes.Value) tftypes.Value {
	attrs := map[string]tftypes.Value{}
	for _, a := range attributes {
		attrs[a.name] = tftypes.NewValue(a.typ, nil)
	}
	attrs[attrID] = stringValue("beta")
	attrs[attrAudienceKey] = stringValue("beta")
	attrs[attrMembers] = members
	attrs[attrMembershipCount] = tftypes.NewValue(tftypes.Number, tftypes.UnknownValue)
	attrs[attrTimeouts] = tftypes.NewValue(objectType.AttributeTypes[attrTimeouts], map[string]tftypes.Value{
		"create": stringValue("10m"), "read": nullString, "update": nullString, "delete": nullString,
	})
	attrs[attrTenant] = tenant
	attrs[attrMaxRemovals] = tftypes.NewValue(tftypes.Number, 25)
	return tftypes.NewValue(objectType, attrs)
}

func randomMembers(rng *rand.Rand, n int) tftypes.Value {
	elems := make(map[string]tftypes.Value, n)
	for i := range n {
		var tenant tftypes.Value
		switch rng.IntN(4) {
		case 0:
			tenant = unknownString
		case 1:
			tenant = stringValue(fmt.Sprintf("tenant-%d", rng.IntN(3)))
		default:
			tenant = nullString
		}
		// Keys of every msgpack string size class, and non-ASCII ones.
		elems[fmt.Sprintf("user-%d-%s-é", i, strings.Repeat("x", rng.IntN(300)))] = tenant
	}
	return tftypes.NewValue(membersMapType, elems)
}

// assertSameValue fails t unless got decodes, through tftypes, to want.
func assertSameValue(t *testing.T, want tftypes.Value, got *tfprotov6.DynamicValue) {
	t.Helper()
	value, err := got.Unmarshal(objectType)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := want.Diff(value)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("%d differences, first at %s", len(diffs), diffs[0].Path)
	}
}

// TestMembersCodec_agreesWithTftypes decodes what tftypes encodes and checks that re-encoding gives the
// same value back, for members that are null, unknown, empty, and large with null, known and unknown
// tenants.
func TestMembersCodec_agreesWithTftypes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string]tftypes.Value{
		"null members":    objectWith(tftypes.NewValue(membersMapType, nil), nullString),
		"unknown members": objectWith(tftypes.NewValue(membersMapType, tftypes.UnknownValue), unknownString),
		"empty members":   objectWith(tftypes.NewValue(membersMapType, map[string]tftypes.Value{}), stringValue("acme")),
		"100 members":     objectWith(randomMembers(rng, 100), nullString),
		"70,000 members":  objectWith(randomMembers(rng, 70000), nullString), // map32 header
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			dv, err := tfprotov6.NewDynamicValue(objectType, want)
			if err != nil {
				t.Fatal(err)
			}
			obj, isNull, err := decodeObject(&dv)
			if err != nil || isNull {
				t.Fatalf("decode: %v (null %v)", err, isNull)
			}
			encoded, err := obj.encode()
			if err != nil {
				t.Fatal(err)
			}
			assertSameValue(t, want, encoded)

			// Decoding the members agrees with tftypes element by element.
			var wantAttrs map[string]tftypes.Value
			_ = want.As(&wantAttrs)
			wantMembers := wantAttrs["members"]
			if obj.Members.IsNull() != wantMembers.IsNull() || obj.Members.IsKnown() != wantMembers.IsKnown() {
				t.Fatalf("members null %v known %v, want null %v known %v", obj.Members.IsNull(), obj.Members.IsKnown(), wantMembers.IsNull(), wantMembers.IsKnown())
			}
			var wantElems map[string]tftypes.Value
			if wantMembers.IsKnown() && !wantMembers.IsNull() {
				_ = wantMembers.As(&wantElems)
			}
			seen := 0
			err = obj.Members.each(func(userID, tenant string, kind tenantKind) error {
				seen++
				w, ok := wantElems[userID]
				switch {
				case !ok:
					return fmt.Errorf("unexpected member %q", userID)
				case !w.IsKnown() && kind != tenantUnknown, w.IsKnown() && w.IsNull() && kind != tenantNull,
					w.IsKnown() && !w.IsNull() && (kind != tenantKnown || stringOf(w) != tenant):
					return fmt.Errorf("members[%q] = %q (kind %d), want %s", userID, tenant, kind, w)
				}
				return nil
			})
			if err != nil || seen != len(wantElems) {
				t.Fatalf("visited %d of %d members: %v", seen, len(wantElems), err)
			}
		})
	}
}

func TestMembersCodec_list(t *testing.T) {
	// Out of order, as a client other than Terraform may encode it.
	members := membersOfList([]changeset.Membership{{UserID: "u2", Tenant: "acme"}, {UserID: "u1"}, {UserID: "u3"}})
	list, err := members.list()
	if want := []changeset.Membership{{UserID: "u1"}, {UserID: "u2", Tenant: "acme"}, {UserID: "u3"}}; err != nil || !slices.Equal(list, want) {
		t.Fatalf("list = %v, %v; want %v, sorted by user id whatever the encoding's order", list, err, want)
	}
	var twice bytes.Buffer
	enc := msgpack.NewEncoder(&twice)
	_ = enc.EncodeMapLen(2)
	for range 2 {
		_, _ = enc.EncodeString("u1"), enc.EncodeNil()
	}
	if _, err := (membersAttr{msgpack: twice.Bytes()}).list(); err == nil || !strings.Contains(err.Error(), `the key "u1" appears twice`) {
		t.Errorf("list() of a map with a key twice: %v", err)
	}
	// The map encoded by tftypes (sorted keys) decodes to the same list, and announces its length.
	dv, err := tfprotov6.NewDynamicValue(objectType, objectWith(tftypes.NewValue(membersMapType, map[string]tftypes.Value{
		"u2": stringValue("acme"), "u1": nullString,
	}), nullString))
	if err != nil {
		t.Fatal(err)
	}
	obj, _, err := decodeObject(&dv)
	if err != nil {
		t.Fatal(err)
	}
	if fromTftypes, err := obj.Members.list(); err != nil || !slices.Equal(fromTftypes, []changeset.Membership{{UserID: "u1"}, {UserID: "u2", Tenant: "acme"}}) || obj.Members.len() != 2 {
		t.Fatalf("tftypes' encoding decodes to %v (%v), length %d", fromTftypes, err, obj.Members.len())
	}
	if corrupt := (membersAttr{msgpack: []byte{0xdf, 0x7f, 0xff, 0xff, 0xff}}); corrupt.len() != 2 || nullMembers.len() != 0 {
		t.Errorf("a header announcing 2^31 entries in 5 bytes gives len %d, null %d", corrupt.len(), nullMembers.len())
	}
	withUnknown := objectWith(tftypes.NewValue(membersMapType, map[string]tftypes.Value{"u1": unknownString}), nullString)
	if dv, err = tfprotov6.NewDynamicValue(objectType, withUnknown); err != nil {
		t.Fatal(err)
	}
	if obj, _, err = decodeObject(&dv); err != nil {
		t.Fatal(err)
	}
	if _, err := obj.Members.list(); err == nil || !strings.Contains(err.Error(), `the tenant of member "u1" is unknown`) {
		t.Errorf("list() of an unknown tenant: %v", err)
	}
}

// BenchmarkMembersCodec is a ReadResource's own work on a 100,000-member state: decode the object and its
// members, then encode it back.
func BenchmarkMembersCodec(b *testing.B) {
	elems := make(map[string]tftypes.Value, 100000)
	for i := range 100000 {
		elems[fmt.Sprintf("user-%07d", i)] = nullString
	}
	dv, err := tfprotov6.NewDynamicValue(objectType, objectWith(tftypes.NewValue(membersMapType, elems), nullString))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		obj, _, err := decodeObject(&dv)
		if err != nil {
			b.Fatal(err)
		}
		list, err := obj.Members.list()
		if err != nil || len(list) != len(elems) {
			b.Fatalf("decoded %d members: %v", len(list), err)
		}
		obj.Members = membersOfList(list)
		if _, err := obj.encode(); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecodeAudienceMembers feeds arbitrary bytes to the decoder: it must return an error or a value
// that encodes back, never panic. Seeds: f.Add below, and testdata/fuzz.
func FuzzDecodeAudienceMembers(f *testing.F) {
	for _, members := range []tftypes.Value{
		tftypes.NewValue(membersMapType, nil),
		tftypes.NewValue(membersMapType, tftypes.UnknownValue),
		tftypes.NewValue(membersMapType, map[string]tftypes.Value{"u1": nullString, "u2": stringValue("acme"), "u3": unknownString}),
	} {
		dv, err := tfprotov6.NewDynamicValue(objectType, objectWith(members, nullString))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(dv.MsgPack)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, isNull, err := decodeObject(&tfprotov6.DynamicValue{MsgPack: data})
		if err != nil || isNull {
			return
		}
		_, _ = obj.Members.list()
		_, _ = validateMembers(obj.Members)
		if _, err := obj.encode(); err != nil {
			t.Fatalf("a decoded value does not encode: %v", err)
		}
	})
}
