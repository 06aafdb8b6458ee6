package knockdiag

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"golang.org/x/text/unicode/norm"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// IDProblem says what is wrong with a user id, tenant or audience key, or "" when nothing is. Knock
// compares ids byte for byte, so whitespace at either end or a control character makes another id than
// the one meant, and one that no dashboard shows.
func IDProblem(id string) string {
	switch {
	case strings.TrimSpace(id) == "":
		return "is empty or only whitespace"
	case strings.TrimSpace(id) != id:
		return "has whitespace at the start or end"
	case knockhttp.DotSegment(id):
		return "is . or .., which a URL reads as a step in its path, not as a name; Knock's ids are sent as path segments"
	case utf8.RuneCountInString(id) > knock.MaxIDLength:
		return fmt.Sprintf("is %d characters long, more than %d", utf8.RuneCountInString(id), knock.MaxIDLength)
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return "contains a control character (such as a newline or tab)"
	case !utf8.ValidString(id):
		return "is not valid UTF-8"
	}
	return ""
}

// NormalFormDiagnostics is CheckNormalForm as an error diagnostic, or nil.
func NormalFormDiagnostics(audienceKey string, live []changeset.Membership) []*tfprotov6.Diagnostic {
	if err := CheckNormalForm(audienceKey, live); err != nil {
		return Error("Audience Holds IDs Terraform Cannot Name", err.Error()+".", nil)
	}
	return nil
}

// CheckNormalForm refuses live memberships whose user id or tenant is not in Unicode normal form C.
// Terraform turns every string into that form, so such an id could not be written into the state as it
// is: the plan would show one id and the apply remove another (jose + combining accent against josé).
func CheckNormalForm(audienceKey string, live []changeset.Membership) error {
	var odd []changeset.Membership
	for _, m := range live {
		if !norm.NFC.IsNormalString(m.UserID) || !norm.NFC.IsNormalString(m.Tenant) {
			odd = append(odd, m)
		}
	}
	if len(odd) == 0 {
		return nil
	}
	changeset.SortMemberships(odd)
	return fmt.Errorf("audience %q holds %s whose user id or tenant is not in Unicode normal form C (%s, with escapes: %s). "+
		"Terraform normalises every string to that form, so it cannot name these memberships exactly, and a plan could "+
		"show one id while the apply changes another. Nothing was sent to Knock. Rename the users or tenants in Knock to "+
		"their normalised form (NFC), or remove these memberships outside Terraform",
		audienceKey, Plural(len(odd), "membership"), ExampleList(odd), fmt.Sprintf("%+q", odd[0].UserID))
}
