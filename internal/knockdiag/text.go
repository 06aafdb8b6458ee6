// Package knockdiag holds the wording the provider's diagnostics share: Knock's errors and their fixes,
// counts and lists of memberships, and the checks of Knock ids. It has no framework types, so that the
// protocol-level and the framework resources say things alike.
package knockdiag

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
)

// Plural writes "1 member", "2,600 members".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Thousands(n) + " " + noun + "s"
}

// Thousands writes n with thousands separators: 1,000,000.
func Thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + Thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// MaxReportedEntries bounds how many members a diagnostic names one by one (bad entries, examples of
// removals), so that thousands of them still give a readable message.
const MaxReportedEntries = 5

// ExampleList names a few memberships, for diagnostics about many.
func ExampleList(ms []changeset.Membership) string {
	if len(ms) == 0 {
		return "none listed"
	}
	return "for example " + NamedList(ms, MaxReportedEntries)
}

// NamedList names up to limit memberships, and counts the rest.
func NamedList(ms []changeset.Membership, limit int) string {
	var out strings.Builder
	for i, m := range ms {
		if i == limit {
			fmt.Fprintf(&out, ", and %s more", Thousands(len(ms)-i))
			break
		}
		if i > 0 {
			out.WriteString(", ")
		}
		fmt.Fprintf(&out, "%q", m.UserID)
		if m.Tenant != "" {
			fmt.Fprintf(&out, " (tenant %q)", m.Tenant)
		}
	}
	return out.String()
}

// Error is one error diagnostic, on attribute when it is not nil.
func Error(summary, detail string, attribute *tftypes.AttributePath) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: detail, Attribute: attribute}}
}

// HasError reports whether diags hold an error.
func HasError(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}
