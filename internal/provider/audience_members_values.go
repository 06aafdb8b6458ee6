package provider

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The knock_audience_members object as it crosses the plugin protocol, and its conversions to and from
// plain Go values. Each conversion is one linear pass over the members.

var (
	membersMapType = tftypes.Map{ElementType: tftypes.String}
	// audienceMembersType follows from the schema, so that the two cannot disagree.
	audienceMembersType = audienceMembersSchema().ValueType().(tftypes.Object) //nolint:forcetypeassert // a schema's block is an object; a panic at init is the test
	timeoutsType        = audienceMembersType.AttributeTypes["timeouts"]
	// settingNames are the optional, configuration-only attributes that steer ownership and guard rails.
	settingNames = []string{"authoritative", "tenant", "create_audience", "on_destroy", "on_existing_members", "max_removals", "max_removal_percent"}
)

// audienceMembersObject is a decoded knock_audience_members value. Attributes stay tftypes values
// where they may be null or unknown; members stays msgpack until a caller decodes it.
type audienceMembersObject struct {
	ID              tftypes.Value
	AudienceKey     tftypes.Value
	Members         membersAttr
	MembershipCount tftypes.Value
	Timeouts        tftypes.Value
	// Settings holds the attributes of settingNames, passed through as configured.
	Settings map[string]tftypes.Value
}

func decodeAudienceMembers(dv *tfprotov6.DynamicValue) (obj audienceMembersObject, isNull bool, err error) {
	if dv == nil {
		return obj, true, nil
	}
	data := dv.MsgPack
	if data == nil && dv.JSON != nil {
		// Terraform sends msgpack; take the slow way for any other client.
		value, err := dv.Unmarshal(audienceMembersType)
		if err != nil {
			return obj, false, fmt.Errorf("decoding knock_audience_members: %w", err)
		}
		converted, err := tfprotov6.NewDynamicValue(audienceMembersType, value)
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
	obj = audienceMembersObject{
		ID: attrs["id"], AudienceKey: attrs["audience_key"], Members: members, MembershipCount: attrs["membership_count"],
		Timeouts: attrs["timeouts"], Settings: make(map[string]tftypes.Value, len(settingNames)),
	}
	for _, name := range settingNames {
		obj.Settings[name] = attrs[name]
	}
	return obj, false, nil
}

func (o audienceMembersObject) encode() (*tfprotov6.DynamicValue, error) {
	attrs := map[string]tftypes.Value{
		"id":               o.ID,
		"audience_key":     o.AudienceKey,
		"membership_count": o.MembershipCount,
		"timeouts":         o.Timeouts,
	}
	for _, name := range settingNames {
		if value, ok := o.Settings[name]; ok {
			attrs[name] = value
		} else {
			attrs[name] = tftypes.NewValue(audienceMembersType.AttributeTypes[name], nil)
		}
	}
	rest, err := tfprotov6.NewDynamicValue(restType, tftypes.NewValue(restType, attrs))
	if err != nil {
		return nil, fmt.Errorf("encoding knock_audience_members: %w", err)
	}
	members := o.Members
	if members.msgpack == nil {
		members = nullMembers
	}
	data, err := joinMembers(rest.MsgPack, members)
	if err != nil {
		return nil, fmt.Errorf("encoding knock_audience_members: %w", err)
	}
	return &tfprotov6.DynamicValue{MsgPack: data}, nil
}

func encodeNull() (*tfprotov6.DynamicValue, error) {
	dv, err := tfprotov6.NewDynamicValue(audienceMembersType, tftypes.NewValue(audienceMembersType, nil))
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
