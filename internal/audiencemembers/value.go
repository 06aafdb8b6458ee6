package audiencemembers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// The knock_audience_members object as it crosses the plugin protocol, and its conversions to and from
// plain Go values. Each conversion is one linear pass over the members.

var (
	membersMapType = tftypes.Map{ElementType: tftypes.String}
	// objectType follows from the schema, so that the two cannot disagree.
	objectType = Schema().ValueType().(tftypes.Object) //nolint:forcetypeassert // a schema's block is an object; a panic at init is the test
)

// object is a decoded knock_audience_members value. Attributes stay tftypes values
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

// members is the one large attribute of knock_audience_members: up to a million entries that cross the
// plugin protocol in every call. tftypes builds a Value per element, with several allocations each,
// which made decoding and encoding members the largest provider-side cost of a plan at 100,000. So
// members goes straight between msgpack and Go strings here, and tftypes handles the dozen small
// attributes, which it validates and converts as before. The msgpack is the one Terraform speaks
// (cty's): an object is a map from attribute name to value, null is nil, and an unknown value is an
// extension.

var restType = tftypes.Object{AttributeTypes: func() map[string]tftypes.Type {
	types := maps.Clone(objectType.AttributeTypes)
	delete(types, "members")
	return types
}()}

// membersAttr is the members attribute as msgpack: as it crossed the protocol, so that a value passed
// through (a plan of unchanged members) is copied and never decoded, or as membersOf built it.
type membersAttr struct{ msgpack []byte }

var (
	nullMembers  = membersAttr{msgpack: []byte{msgpcode.Nil}}
	errNotString = errors.New("a members value is not a string")
)

// IsNull reports whether members is null.
func (m membersAttr) IsNull() bool {
	return len(m.msgpack) == 0 || m.msgpack[0] == msgpcode.Nil
}

// IsKnown reports whether members is known as a whole (its tenants may still be unknown).
func (m membersAttr) IsKnown() bool {
	return len(m.msgpack) == 0 || !msgpcode.IsExt(m.msgpack[0])
}

// len is the number of members a known, non-null map announces, for the capacity of a list that will
// hold them; at most one per two bytes of the encoding, so that a corrupt header cannot allocate much.
func (m membersAttr) len() int {
	if m.IsNull() || !m.IsKnown() {
		return 0
	}
	n, err := msgpack.NewDecoder(bytes.NewReader(m.msgpack)).DecodeMapLen()
	if err != nil || n < 0 {
		return 0
	}
	return min(n, len(m.msgpack)/2)
}

// tenantKind says what a member's value is: null (no tenant), a known tenant, or not known until apply.
type tenantKind int

const (
	tenantNull tenantKind = iota
	tenantKnown
	tenantUnknown
)

// each calls visit for every entry of a known, non-null members map, in the order of the encoding.
func (m membersAttr) each(visit func(userID, tenant string, kind tenantKind) error) error {
	if m.IsNull() || !m.IsKnown() {
		return nil
	}
	dec := msgpack.NewDecoder(bytes.NewReader(m.msgpack))
	n, err := dec.DecodeMapLen()
	if err != nil {
		return fmt.Errorf("decoding members: %w", err)
	}
	for range n {
		userID, err := dec.DecodeString()
		if err != nil {
			return fmt.Errorf("decoding members: %w", err)
		}
		code, err := dec.PeekCode()
		if err != nil {
			return fmt.Errorf("decoding members[%q]: %w", userID, err)
		}
		kind, tenant := tenantKnown, ""
		switch {
		case code == msgpcode.Nil:
			kind, err = tenantNull, dec.Skip()
		case msgpcode.IsExt(code):
			kind, err = tenantUnknown, dec.Skip()
		case msgpcode.IsString(code):
			tenant, err = dec.DecodeString()
		default:
			err = errNotString
		}
		if err != nil {
			return fmt.Errorf("decoding members[%q]: %w", userID, err)
		}
		if err := visit(userID, tenant, kind); err != nil {
			return err
		}
	}
	return nil
}

// list decodes members into a members list (changeset.Project's form): one membership per user id,
// sorted by user id, Tenant "" for null. Null or unknown members give an empty list; an unknown tenant is
// an error, since callers need every value. Terraform encodes maps with sorted keys, so the list comes
// out sorted with no sorting.
func (m membersAttr) list() ([]knock.Membership, error) {
	out := make([]knock.Membership, 0, m.len())
	err := m.each(func(userID, tenant string, kind tenantKind) error {
		if kind == tenantUnknown {
			return fmt.Errorf("the tenant of member %q is unknown", userID)
		}
		out = append(out, knock.Membership{UserID: userID, Tenant: tenant})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sortedByUser(out)
}

// sortedByUser sorts decoded members by user id, if they are not already, and refuses a user id that
// appears twice (no map has that; a client other than Terraform might send it).
func sortedByUser(list []knock.Membership) ([]knock.Membership, error) {
	if !slices.IsSortedFunc(list, compareUsers) {
		slices.SortStableFunc(list, compareUsers)
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].UserID == list[i].UserID {
			return nil, fmt.Errorf("decoding members: the key %q appears twice", list[i].UserID)
		}
	}
	return list, nil
}

func compareUsers(a, b knock.Membership) int { return strings.Compare(a.UserID, b.UserID) }

// membersOfList encodes a members list in its order, "" tenants as null; Terraform sorts the keys of
// what it is handed.
func membersOfList(list []knock.Membership) membersAttr {
	var buf bytes.Buffer
	buf.Grow(5 + len(list)*24)
	enc := msgpack.NewEncoder(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_ = enc.EncodeMapLen(len(list))
	for _, m := range list {
		_ = enc.EncodeString(m.UserID)
		if m.Tenant == "" {
			_ = enc.EncodeNil()
		} else {
			_ = enc.EncodeString(m.Tenant)
		}
	}
	return membersAttr{msgpack: buf.Bytes()}
}

// splitMembers cuts the msgpack of a knock_audience_members object into the members value and the
// object of the other attributes (restType). A missing members attribute reads as null.
func splitMembers(data []byte) (rest []byte, members membersAttr, isNull bool, err error) {
	reader := bytes.NewReader(data)
	offset := func() int { return len(data) - reader.Len() }
	dec := msgpack.NewDecoder(reader)
	if code, err := dec.PeekCode(); err != nil || code == msgpcode.Nil {
		return nil, members, err == nil, err
	}
	n, err := dec.DecodeMapLen()
	if err != nil {
		return nil, members, false, err
	}
	members = nullMembers
	entries := make([]byte, 0, 256)
	kept := 0
	for range n {
		start := offset()
		name, err := dec.DecodeString()
		if err != nil {
			return nil, members, false, err
		}
		valueStart := offset()
		if err := dec.Skip(); err != nil {
			return nil, members, false, fmt.Errorf("attribute %q: %w", name, err)
		}
		if name == "members" {
			members = membersAttr{msgpack: data[valueStart:offset()]}
			continue
		}
		entries = append(entries, data[start:offset()]...)
		kept++
	}
	return append(mapHeader(kept), entries...), members, false, nil
}

// joinMembers adds members to the msgpack of an object of the other attributes.
func joinMembers(rest []byte, members membersAttr) ([]byte, error) {
	reader := bytes.NewReader(rest)
	n, err := msgpack.NewDecoder(reader).DecodeMapLen()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(rest)+len(members.msgpack)+16)
	out = append(out, mapHeader(n+1)...)
	out = append(out, rest[len(rest)-reader.Len():]...)
	out = append(out, 0xa0|byte(len("members")))
	out = append(out, "members"...)
	return append(out, members.msgpack...), nil
}

func mapHeader(n int) []byte {
	var buf bytes.Buffer
	_ = msgpack.NewEncoder(&buf).EncodeMapLen(n)
	return buf.Bytes()
}

// upgradeStateJSON converts a state as Terraform stores it (JSON) to msgpack, dropping attributes this
// schema does not have.
func upgradeStateJSON(raw []byte) (*tfprotov6.DynamicValue, error) {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, err
	}
	members := nullMembers
	if membersJSON, ok := attrs["members"]; ok {
		list, isNull, err := membersFromJSON(membersJSON)
		if err != nil {
			return nil, fmt.Errorf("members: %w", err)
		}
		if !isNull {
			members = membersOfList(list)
		}
		delete(attrs, "members")
	}
	restJSON, err := json.Marshal(attrs)
	if err != nil {
		return nil, err
	}
	value, err := tftypes.ValueFromJSONWithOpts(restJSON, restType, tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true})
	if err != nil {
		return nil, err
	}
	rest, err := tfprotov6.NewDynamicValue(restType, value)
	if err != nil {
		return nil, err
	}
	data, err := joinMembers(rest.MsgPack, members)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.DynamicValue{MsgPack: data}, nil
}

// membersFromJSON reads members as a state stores it, an object from user id to tenant or null, into a
// members list: one pass, no map (at a million members a map cost more than the rest of the upgrade), and
// no sorting, since Terraform writes the keys sorted. raw is valid JSON: the state around it was parsed.
func membersFromJSON(raw []byte) (list []knock.Membership, isNull bool, err error) {
	s := jsonScanner{data: raw}
	if s.literal("null") {
		return nil, true, s.end()
	}
	if !s.byte('{') {
		return nil, false, errors.New("not an object of user ids")
	}
	list = []knock.Membership{}
	for !s.byte('}') {
		if len(list) > 0 && !s.byte(',') {
			return nil, false, errors.New("malformed object")
		}
		userID, err := s.string()
		if err != nil {
			return nil, false, err
		}
		if !s.byte(':') {
			return nil, false, errors.New("malformed object")
		}
		tenant := ""
		if !s.literal("null") {
			if tenant, err = s.string(); err != nil {
				return nil, false, fmt.Errorf("the tenant of %q: %w", userID, err)
			}
		}
		list = append(list, knock.Membership{UserID: userID, Tenant: tenant})
	}
	if err := s.end(); err != nil {
		return nil, false, err
	}
	list, err = sortedByUser(list)
	return list, false, err
}

// jsonScanner reads the few JSON forms of a members object.
type jsonScanner struct {
	data []byte
	pos  int
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) && (s.data[s.pos] == ' ' || s.data[s.pos] == '\t' || s.data[s.pos] == '\n' || s.data[s.pos] == '\r') {
		s.pos++
	}
}

// byte consumes c, after white space, if it comes next.
func (s *jsonScanner) byte(c byte) bool {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// literal consumes word, after white space, if it comes next.
func (s *jsonScanner) literal(word string) bool {
	s.skipSpace()
	if bytes.HasPrefix(s.data[s.pos:], []byte(word)) {
		s.pos += len(word)
		return true
	}
	return false
}

// string reads a JSON string. One without escapes, the usual user id, is taken as it is; any other goes
// through encoding/json, which knows every escape.
func (s *jsonScanner) string() (string, error) {
	if !s.byte('"') {
		return "", errNotString
	}
	start := s.pos
	plain := true
	for ; s.pos < len(s.data); s.pos++ {
		switch c := s.data[s.pos]; {
		case c == '"':
			s.pos++
			if text := s.data[start : s.pos-1]; plain && utf8.Valid(text) {
				return string(text), nil
			}
			var out string
			err := json.Unmarshal(s.data[start-1:s.pos], &out)
			return out, err
		case c == '\\':
			plain = false
			s.pos++ // the escaped character, so that \" does not end the string
		case c < 0x20:
			return "", errors.New("a control character in a string")
		}
	}
	return "", errors.New("an unterminated string")
}

// end refuses anything but white space after the value.
func (s *jsonScanner) end() error {
	s.skipSpace()
	if s.pos != len(s.data) {
		return errors.New("unexpected data after the members object")
	}
	return nil
}
