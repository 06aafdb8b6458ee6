package audiencemembers

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
)

// restType is the object type without members, which tftypes decodes and encodes.
var restType = tftypes.Object{AttributeTypes: func() map[string]tftypes.Type {
	types := maps.Clone(objectType.AttributeTypes)
	delete(types, "members")
	return types
}()}

// members is the one large attribute of knock_audience_members: up to a million entries that cross the
// plugin protocol in every call. tftypes builds a Value per element, with several allocations each,
// which made decoding and encoding members the largest provider-side cost of a plan at 100,000. So
// members goes straight between msgpack and Go strings here, and tftypes handles the dozen small
// attributes, which it validates and converts as before. The msgpack is the one Terraform speaks
// (cty's): an object is a map from attribute name to value, null is nil, and an unknown value is an
// extension.
//
// membersAttr is the members attribute as msgpack: as it crossed the protocol, so that a value passed
// through (a plan of unchanged members) is copied and never decoded, or as membersOf built it.
type membersAttr struct{ msgpack []byte }

var (
	nullMembers = membersAttr{msgpack: []byte{msgpcode.Nil}}
	// unknownMembers is an unknown value as cty encodes one: an extension of type 0 with no data.
	unknownMembers = membersAttr{msgpack: []byte{msgpcode.Ext8, 0, 0}}
	errNotString   = errors.New("a members value is not a string")
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
func (m membersAttr) list() ([]changeset.Membership, error) {
	out := make([]changeset.Membership, 0, m.len())
	err := m.each(func(userID, tenant string, kind tenantKind) error {
		if kind == tenantUnknown {
			return fmt.Errorf("the tenant of member %q is unknown", userID)
		}
		out = append(out, changeset.Membership{UserID: userID, Tenant: tenant})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sortedByUser(out)
}

// sortedByUser sorts decoded members by user id, if they are not already, and refuses a user id that
// appears twice (no map has that; a client other than Terraform might send it).
func sortedByUser(list []changeset.Membership) ([]changeset.Membership, error) {
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

func compareUsers(a, b changeset.Membership) int { return strings.Compare(a.UserID, b.UserID) }

// membersOfList encodes a members list in its order, "" tenants as null; Terraform sorts the keys of
// what it is handed.
func membersOfList(list []changeset.Membership) membersAttr {
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
