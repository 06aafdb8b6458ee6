package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// apiErrorDetail is the detail of every diagnostic about a failed Knock call: what was being done, to
// which audience and how many members, Knock's own words with the request id, and what to do about the
// errors whose fix is known.
func apiErrorDetail(action, audienceKey string, count int, err error) string {
	detail := fmt.Sprintf("Knock's API failed while %s audience %q", action, audienceKey)
	if count > 0 {
		detail += fmt.Sprintf(" (%s)", plural(count, "member"))
	}
	detail += fmt.Sprintf(".\n\n%s", err)
	switch {
	case knock.IsUnauthorized(err):
		detail += "\n\nKnock refused the API key. Check the provider's api_key or the " + envAPIKey + " environment " +
			"variable: it must be the secret key (sk_...) of the Knock environment that holds the audience."
	case knock.IsNotFound(err):
		detail += "\n\n" + audienceNotFoundAdvice(audienceKey)
	case errors.Is(err, context.DeadlineExceeded):
		detail += "\n\nThe operation ran past its deadline. For a large audience, raise it in the timeouts block of " +
			"knock_audience_members (for example timeouts { update = \"2h\" }); a refresh costs one list request per 50 " +
			"members. The data source, knock_audience_member and the list resource allow " + formatDuration(defaultTimeouts["read"]) +
			" for each call to Knock."
	case errors.Is(err, context.Canceled):
		detail += "\n\nThe run was cancelled."
	case knock.IsUnreachable(err):
		detail += "\n\nNo connection to Knock could be made. Check base_url (or the " + envBaseURL + " environment variable): " +
			"leave it unset for " + knock.DefaultBaseURL + ". Otherwise check that this machine resolves and reaches that host " +
			"(DNS, firewall, proxy settings in HTTPS_PROXY)."
	}
	return detail
}

func audienceNotFoundAdvice(audienceKey string) string {
	return fmt.Sprintf("The audience %q does not exist in this Knock environment (and branch). Create it as a static "+
		"audience in the Knock dashboard, or check audience_key and that the API key belongs to the right environment.", audienceKey)
}

// plural writes "1 member", "2,600 members".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
