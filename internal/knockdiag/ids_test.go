package knockdiag

import (
	"strings"
	"testing"
)

func TestIDProblem(t *testing.T) {
	for id, want := range map[string]string{
		"user-1":                 "",
		"josé":                   "",
		"":                       "is empty or only whitespace",
		"  ":                     "is empty or only whitespace",
		" u1":                    "has whitespace at the start or end",
		"u1\n":                   "has whitespace at the start or end",
		"a\tb":                   "contains a control character (such as a newline or tab)",
		"a\x00b":                 "contains a control character (such as a newline or tab)",
		strings.Repeat("x", 257): "is 257 characters long, more than 256",
		strings.Repeat("é", 256): "",
		"\xff":                   "is not valid UTF-8",
		".":                      "is . or .., which a URL reads as a step in its path, not as a name; Knock's ids are sent as path segments",
		"..":                     "is . or .., which a URL reads as a step in its path, not as a name; Knock's ids are sent as path segments",
		"...":                    "",
	} {
		if got := IDProblem(id); got != want {
			t.Errorf("IDProblem(%q) = %q, want %q", id, got, want)
		}
	}
}
