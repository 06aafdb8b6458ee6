package audiencemembers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
)

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
func membersFromJSON(raw []byte) (list []changeset.Membership, isNull bool, err error) {
	s := jsonScanner{data: raw}
	if s.literal("null") {
		return nil, true, s.end()
	}
	if !s.byte('{') {
		return nil, false, errors.New("not an object of user ids")
	}
	list = []changeset.Membership{}
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
		list = append(list, changeset.Membership{UserID: userID, Tenant: tenant})
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
