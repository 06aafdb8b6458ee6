package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each variant's configuration must read the members file that writeMembers writes for it, whatever
// -members-from says.
func TestWriteMembers_writesTheFileTheConfigReads(t *testing.T) {
	for _, from := range []string{"tfvars", "jsondecode"} {
		b := &bench{membersFrom: from}
		for v := range numVariants {
			dir := t.TempDir()
			if err := b.writeMembers(dir, v, 1, 2); err != nil {
				t.Fatal(err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) != 1 {
				t.Fatalf("-members-from=%s %s: wrote %v (%v), want one file", from, v, entries, err)
			}
			name, config := entries[0].Name(), b.config(v)
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			var want string
			switch {
			case name == "members.json" && strings.Contains(config, membersJSON):
				want = `{"user-0000001":null,"user-0000002":null}` + "\n"
			case name == "members.auto.tfvars.json" && strings.Contains(config, "var.members"):
				want = `{"members":{"user-0000001":null,"user-0000002":null}}` + "\n"
			case name == exportFile && strings.Contains(config, `members_file = "${path.module}/`+exportFile+`"`):
				zr, err := gzip.NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if data, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
				want = "user-0000001\nuser-0000002\n"
			default:
				t.Fatalf("-members-from=%s %s: wrote %s for a configuration that does not read it:\n%s", from, v, name, config)
			}
			if string(data) != want {
				t.Errorf("-members-from=%s %s: %s holds %q, want %q", from, v, name, data, want)
			}
		}
	}
	if config := (&bench{membersFrom: "jsondecode"}).config(baselineFile); !strings.Contains(config, "{ for id, tenant in "+membersJSON+" : id => tenant }") {
		t.Errorf("baselineFile with -members-from=jsondecode does not read members.json through a for expression:\n%s", config)
	}
}
