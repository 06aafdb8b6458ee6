package provider

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"golang.org/x/text/unicode/norm"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// maxIDLength bounds user ids, tenants and audience keys: far above any id Knock hands out, low enough
// that a value pasted by mistake (a file, a JSON document) is caught at validate.
const maxIDLength = 256

// idProblem says what is wrong with a user id, tenant or audience key, or "" when nothing is. Knock
// compares ids byte for byte, so whitespace at either end or a control character makes another id than
// the one meant, and one that no dashboard shows.
func idProblem(id string) string {
	switch {
	case strings.TrimSpace(id) == "":
		return "is empty or only whitespace"
	case strings.TrimSpace(id) != id:
		return "has whitespace at the start or end"
	case utf8.RuneCountInString(id) > maxIDLength:
		return fmt.Sprintf("is %d characters long, more than %d", utf8.RuneCountInString(id), maxIDLength)
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return "contains a control character (such as a newline or tab)"
	case !utf8.ValidString(id):
		return "is not valid UTF-8"
	}
	return ""
}

// idValidator is idProblem as a framework validator, for the framework resources' and data sources' ids.
type idValidator struct{}

var _ validator.String = idValidator{}

func (idValidator) Description(context.Context) string {
	return fmt.Sprintf("a Knock id: not empty, no whitespace at either end, no control characters, at most %d characters", maxIDLength)
}

func (v idValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (idValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := idProblem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Knock ID",
			fmt.Sprintf("%s is %q, which %s. Write the id exactly as Knock shows it.", req.Path, req.ConfigValue.ValueString(), problem))
	}
}

// normalFormDiagnostics is checkNormalForm as an error diagnostic, or nil.
func normalFormDiagnostics(audienceKey string, live []knock.Membership) []*tfprotov6.Diagnostic {
	if err := checkNormalForm(audienceKey, live); err != nil {
		return errorDiagnostics("Audience Holds IDs Terraform Cannot Name", err.Error()+".", nil)
	}
	return nil
}

// checkNormalForm refuses live memberships whose user id or tenant is not in Unicode normal form C.
// Terraform turns every string into that form, so such an id could not be written into the state as it
// is: the plan would show one id and the apply remove another (jose + combining accent against josé).
func checkNormalForm(audienceKey string, live []knock.Membership) error {
	var odd []knock.Membership
	for _, m := range live {
		if !norm.NFC.IsNormalString(m.UserID) || !norm.NFC.IsNormalString(m.Tenant) {
			odd = append(odd, m)
		}
	}
	if len(odd) == 0 {
		return nil
	}
	knock.SortMemberships(odd)
	return fmt.Errorf("audience %q holds %s whose user id or tenant is not in Unicode normal form C (%s, with escapes: %s). "+
		"Terraform normalises every string to that form, so it cannot name these memberships exactly, and a plan could "+
		"show one id while the apply changes another. Nothing was sent to Knock. Rename the users or tenants in Knock to "+
		"their normalised form (NFC), or remove these memberships outside Terraform",
		audienceKey, plural(len(odd), "membership"), exampleList(odd), fmt.Sprintf("%+q", odd[0].UserID))
}
