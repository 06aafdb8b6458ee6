package membersfile_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/membersfile"
)

// referenceRows is a plain reading of the formats, written apart from the reader: lines split on "\n",
// CSV without quoting (inputs with quotes are left to encoding/csv's own tests), JSON objects decoded
// into a map. ok is false when the file is malformed as a whole.
func referenceRows(content, format string) (rows []changeset.Membership, ok bool) {
	if content == "" && format != membersfile.FormatCSV {
		return nil, true
	}
	text := strings.TrimSuffix(content, "\n")
	lines := strings.Split(text, "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	switch format {
	case membersfile.FormatLines:
		for _, l := range lines {
			rows = append(rows, changeset.Membership{UserID: l})
		}
	case membersfile.FormatJSONL:
		for _, l := range lines {
			var fields map[string]any
			if json.Unmarshal([]byte(l), &fields) != nil || fields == nil {
				return nil, false
			}
			userID, isString := fields["user_id"].(string)
			if !isString {
				return nil, false
			}
			m := changeset.Membership{UserID: userID}
			for key, v := range fields {
				switch s, isString := v.(string); {
				case key == "tenant" && isString:
					m.Tenant = s
				case key == "tenant" && v == nil, key == "user_id":
				default:
					return nil, false
				}
			}
			rows = append(rows, m)
		}
	case membersfile.FormatCSV:
		header := strings.Split(strings.TrimPrefix(lines[0], "\ufeff"), ",")
		for i := range header {
			header[i] = strings.TrimSpace(header[i])
		}
		userCol, tenantCol := slices.Index(header, "user_id"), slices.Index(header, "tenant")
		if userCol < 0 || len(header) > 2 || len(header) == 2 && tenantCol < 0 {
			return nil, false
		}
		for _, l := range lines[1:] {
			if l == "" {
				continue // encoding/csv skips empty lines
			}
			cells := strings.Split(l, ",")
			if len(cells) != len(header) {
				return nil, false
			}
			m := changeset.Membership{UserID: cells[userCol]}
			if tenantCol >= 0 {
				m.Tenant = cells[tenantCol]
			}
			rows = append(rows, m)
		}
	}
	return rows, true
}

// referenceCheck applies the row rules: valid ids, each user once.
func referenceCheck(rows []changeset.Membership) bool {
	seen := map[string]bool{}
	for _, m := range rows {
		if knockdiag.IDProblem(m.UserID) != "" || m.Tenant != "" && knockdiag.IDProblem(m.Tenant) != "" || seen[m.UserID] {
			return false
		}
		seen[m.UserID] = true
	}
	return true
}

func FuzzParse(f *testing.F) {
	f.Add("u1\nu2\n", uint8(0))
	f.Add("user_id,tenant\nu1,acme\nu2,\n", uint8(1))
	f.Add("{\"user_id\":\"u1\",\"tenant\":null}\n{\"user_id\":\"u2\"}", uint8(2))
	f.Add("user_id\nu1\n\nu1", uint8(1))
	f.Fuzz(func(t *testing.T, content string, kind uint8) {
		name := []string{"f.txt", "f.csv", "f.jsonl"}[kind%3]
		format := membersfile.FormatOf(name)
		if format == membersfile.FormatCSV && strings.ContainsAny(content, "\"") || strings.Contains(content, "\r") {
			t.Skip("quoting and bare carriage returns are encoding/csv's and bufio's to read")
		}
		got, err := membersfile.Parse(bytes.NewReader([]byte(content)), name)
		rows, ok := referenceRows(content, format)
		if !ok || !referenceCheck(rows) {
			if err == nil {
				t.Fatalf("%s %q: the reader accepted %v; the reference refuses it", name, content, got.Members)
			}
			return
		}
		if err != nil {
			t.Fatalf("%s %q: the reader refused it (%v); the reference reads %v", name, content, err, rows)
		}
		changeset.SortMemberships(rows)
		if !slices.Equal(got.Members, rows) {
			t.Fatalf("%s %q: the reader read %v; the reference %v", name, content, got.Members, rows)
		}
	})
}
