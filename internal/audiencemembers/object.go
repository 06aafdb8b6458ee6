package audiencemembers

import (
	"fmt"
	"maps"
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var (
	membersMapType = tftypes.Map{ElementType: tftypes.String}
	// objectType follows from the schema, so that the two cannot disagree.
	objectType = Schema().ValueType().(tftypes.Object) //nolint:forcetypeassert // a schema's block is an object; a panic at init is the test
)

// object is a decoded knock_audience_members value, as it crosses the plugin protocol; its conversions
// to and from plain Go values are each one linear pass over the members. Attributes stay tftypes values
// where they may be null or unknown; members stays msgpack until a caller decodes it.
type object struct {
	// attrs holds every attribute but members, by name.
	attrs   map[string]tftypes.Value
	Members membersAttr
}

// get returns an attribute's value; one the object lacks is a null of the attribute's type.
func (o object) get(name string) tftypes.Value {
	if v, ok := o.attrs[name]; ok && v.Type() != nil {
		return v
	}
	return tftypes.NewValue(objectType.AttributeTypes[name], nil)
}

// set replaces an attribute's value in a copy of the attributes, so that copies of an object stay apart.
func (o *object) set(name string, v tftypes.Value) {
	o.attrs = maps.Clone(o.attrs)
	if o.attrs == nil {
		o.attrs = map[string]tftypes.Value{}
	}
	o.attrs[name] = v
}

func decodeObject(dv *tfprotov6.DynamicValue) (obj object, isNull bool, err error) {
	if dv == nil {
		return obj, true, nil
	}
	data := dv.MsgPack
	if data == nil && dv.JSON != nil {
		// Terraform sends msgpack; take the slow way for any other client.
		value, err := dv.Unmarshal(objectType)
		if err != nil {
			return obj, false, fmt.Errorf("decoding knock_audience_members: %w", err)
		}
		converted, err := tfprotov6.NewDynamicValue(objectType, value)
		if err != nil {
			return obj, false, fmt.Errorf("decoding knock_audience_members: %w", err)
		}
		data = converted.MsgPack
	}
	rest, members, isNull, err := splitMembers(data)
	if err != nil {
		return obj, false, fmt.Errorf("decoding knock_audience_members: %w", err)
	}
	if isNull {
		return obj, true, nil
	}
	value, err := tftypes.ValueFromMsgPack(rest, restType) //nolint:staticcheck // SA1019, deliberate: the attributes besides members, without a generic value per member (see the CHANGELOG); pinned by the codec tests and FuzzDecodeAudienceMembers
	if err != nil {
		return obj, false, fmt.Errorf("decoding knock_audience_members: %w", err)
	}
	var attrs map[string]tftypes.Value
	if err := value.As(&attrs); err != nil {
		return obj, false, fmt.Errorf("decoding knock_audience_members: %w", err)
	}
	return object{attrs: attrs, Members: members}, false, nil
}

func (o object) encode() (*tfprotov6.DynamicValue, error) {
	attrs := make(map[string]tftypes.Value, len(restType.AttributeTypes))
	for name := range restType.AttributeTypes {
		attrs[name] = o.get(name)
	}
	rest, err := tfprotov6.NewDynamicValue(restType, tftypes.NewValue(restType, attrs))
	if err != nil {
		return nil, fmt.Errorf("encoding knock_audience_members: %w", err)
	}
	members := o.Members
	if members.msgpack == nil || o.fromFile() {
		members = nullMembers // a file's members travel in private state (members_file.go)
	}
	data, err := joinMembers(rest.MsgPack, members)
	if err != nil {
		return nil, fmt.Errorf("encoding knock_audience_members: %w", err)
	}
	return &tfprotov6.DynamicValue{MsgPack: data}, nil
}

func encodeNull() (*tfprotov6.DynamicValue, error) {
	dv, err := tfprotov6.NewDynamicValue(objectType, tftypes.NewValue(objectType, nil))
	return &dv, err
}

// stringOf returns a known, non-null string value, else "".
func stringOf(v tftypes.Value) string {
	var s string
	if v.IsKnown() && !v.IsNull() {
		_ = v.As(&s)
	}
	return s
}

func stringValue(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func countValue(n int) tftypes.Value {
	return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(n)))
}
