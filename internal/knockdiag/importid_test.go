package knockdiag_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

func TestImportID_roundTripsPartsWithSlashesAndPercents(t *testing.T) {
	parts := []string{"team/eu", "100%", "acme"}
	id := knockdiag.JoinImportID(parts...)
	if id != "team%2Feu/100%25/acme" {
		t.Errorf("id = %q", id)
	}
	got, err := knockdiag.SplitImportID(id, 2, 3)
	if err != nil || !slices.Equal(got, parts) {
		t.Errorf("split = %q, %v", got, err)
	}
	for id, want := range map[string]string{
		"a":       `has 1 part separated by "/"`,
		"a//b":    "has an empty part 2",
		"a/100%":  `has part "100%", which is not a valid escape`,
		"a/b/c/d": `has 4 parts`,
	} {
		if _, err := knockdiag.SplitImportID(id, 2, 3); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", id, err, want)
		}
	}
}
