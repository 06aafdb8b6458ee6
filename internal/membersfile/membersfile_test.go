package membersfile_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/membersfile"
)

func gzipped(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParse_formats(t *testing.T) {
	want := []changeset.Membership{{UserID: "u1"}, {UserID: "u2", Tenant: "acme"}, {UserID: "u3"}}
	for _, tc := range []struct{ name, content string }{
		{"segment.txt", "u3\nu1\r\n"},
		{"segment.csv", "user_id,tenant\nu3,\nu2,acme\r\nu1,\n"},
		{"segment.csv", "\ufefftenant,user_id\n,u1\nacme,u2\n,u3"},
		{"segment.jsonl", `{"user_id":"u1"}` + "\n" + `{"user_id":"u2","tenant":"acme"}` + "\n" + `{"user_id":"u3","tenant":null}` + "\n"},
		{"segment.ndjson.gz", `{"user_id":"u3"}` + "\n" + `{"user_id":"u2","tenant":"acme"}` + "\n" + `{"user_id":"u1"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := []byte(tc.content)
			if strings.HasSuffix(tc.name, ".gz") {
				content = gzipped(t, tc.content)
			}
			got, err := membersfile.Parse(bytes.NewReader(content), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			w := want
			if tc.name == "segment.txt" {
				w = []changeset.Membership{{UserID: "u1"}, {UserID: "u3"}}
			}
			if !slices.Equal(got.Members, w) {
				t.Errorf("members = %v, want %v", got.Members, w)
			}
			sum := sha256.Sum256(content)
			if got.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("sha256 = %s, want the file's bytes' %x", got.SHA256, sum)
			}
		})
	}
}

func TestParse_gzipByMagicBytes(t *testing.T) {
	got, err := membersfile.Parse(bytes.NewReader(gzipped(t, "user_id\nu1\n")), "export.csv")
	if err != nil || !got.Gzipped || !slices.Equal(got.Members, []changeset.Membership{{UserID: "u1"}}) {
		t.Fatalf("got %+v, %v; want u1 read through gzip", got, err)
	}
	if _, err := membersfile.Parse(strings.NewReader("u1\n"), "export.txt.gz"); err == nil || !strings.Contains(err.Error(), "not gzip-compressed") {
		t.Errorf("a .gz name without gzip content: err = %v", err)
	}
}

func TestParse_badRowsNameTheirLines(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"a.txt", "u1\n\nu2\n", "line 2: the user id is empty"},
		{"a.txt", "u1\n u2\n", `line 2: the user id " u2" has whitespace at the start or end`},
		{"a.txt", "u1\nu\x07x\n", "line 2: the user id \"u\\ax\" contains a control character"},
		{"a.txt", "u1\nu2\nu1\nu1\n", `line 4: the user "u1" appears again (first on line 1)`},
		{"a.csv", "user_id,tenant\nu1,acme\nu1,beta\n", `line 3: the user "u1" appears with another tenant ("acme", then "beta")`},
		{"a.csv", "user_id,plan\nu1,pro\n", `line 1: the header names the column "plan"`},
		{"a.csv", "tenant\nacme\n", "names no user_id column"},
		{"a.csv", "user_id,tenant\nu1, acme\n", `line 2: the tenant " acme" has whitespace`},
		{"a.jsonl", `{"user_id":"u1","plan":"pro"}`, `line 1: the key "plan" is not user_id or tenant`},
		{"a.jsonl", `{"tenant":"acme"}`, "line 1: the object has no user_id"},
		{"a.jsonl", "{\"user_id\":\"u1\"}\n\n{\"user_id\":\"u2\"}", "line 2: the line is empty"},
		{"a.txt", "x\n" + strings.Repeat("y", 70<<10) + "\n", "line 2 is longer than 64 KiB"},
	} {
		_, err := membersfile.Parse(strings.NewReader(tc.content), tc.name)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: err = %v, want it to contain %q", tc.name, tc.content, err, tc.want)
		}
	}
}

func TestParse_countsBadRowsBeyondThoseNamed(t *testing.T) {
	_, err := membersfile.Parse(strings.NewReader(" x1\n x2\n x3\n x4\n x5\n x6\n x7\n x8\n"), "a.txt")
	var rows *membersfile.RowsError
	if !errors.As(err, &rows) || len(rows.Problems) != 5 || rows.More != 3 || rows.Problems[0].Line != 1 || rows.Problems[4].Line != 5 {
		t.Fatalf("err = %#v, want lines 1-5 named and 3 more counted", err)
	}
}
