package knockdiag

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
)

// The environment variables the provider reads its settings from, named in the advice of diagnostics.
const (
	EnvAPIKey            = "KNOCK_API_KEY"
	EnvBaseURL           = "KNOCK_BASE_URL"
	EnvBranch            = "KNOCK_BRANCH"
	EnvServiceToken      = knockmgmt.EnvServiceToken
	EnvManagementBaseURL = "KNOCK_MANAGEMENT_BASE_URL"
	EnvEnvironment       = "KNOCK_ENVIRONMENT"
)

// APIErrorDetail is the detail of every diagnostic about a failed Knock call: what was being done, to
// which audience and how many members, Knock's own words with the request id, and what to do about the
// errors whose fix is known.
func APIErrorDetail(action, audienceKey string, count int, err error) string {
	detail := fmt.Sprintf("Knock's API failed while %s audience %q", action, audienceKey)
	if count > 0 {
		detail += fmt.Sprintf(" (%s)", Plural(count, "member"))
	}
	detail += fmt.Sprintf(".\n\n%s", err)
	switch {
	case knockhttp.IsUnauthorized(err):
		detail += "\n\nKnock refused the API key. Check the provider's api_key or the " + EnvAPIKey + " environment " +
			"variable: it must be the secret key (sk_...) of the Knock environment that holds the audience."
	case knock.IsNotFound(err):
		detail += "\n\n" + AudienceNotFoundAdvice(audienceKey)
	case knockhttp.IsForeignNotFound(err):
		detail += "\n\nThe server answered 404 but not Knock's not-found answer (error JSON with code " + knockhttp.NotFoundCode +
			"), so it is probably not Knock's API. Nothing in Terraform state was changed. Check base_url (or the " + EnvBaseURL +
			" environment variable): leave it unset for " + knock.DefaultBaseURL + ", or set it to the API itself, not a page or a proxy path."
	case knockhttp.IsSchemeMismatch(err):
		detail += "\n\nCheck base_url (or the " + EnvBaseURL + " environment variable): its scheme is not the one the server " +
			"speaks. Knock's API is " + knock.DefaultBaseURL + "; http:// is only for a local API on a loopback address."
	case knockhttp.StatusCode(err) == http.StatusUnprocessableEntity:
		// Knock refuses membership writes on a dynamic audience; with a service token the plan says so first
		// (internal/audience), without one this is where the user learns it.
		detail += fmt.Sprintf("\n\nIf audience %q is a dynamic audience, its members are the users matching its conditions, "+
			"computed by Knock, and cannot be added or removed: remove the membership resources of this audience, or make it "+
			"static. With the provider's service_token (or %s) set, terraform plan reports this before any change.", audienceKey, EnvServiceToken)
	case errors.Is(err, context.DeadlineExceeded):
		detail += "\n\nThe operation ran past its deadline. For a large audience, raise it in the timeouts block of " +
			"knock_audience_members (for example timeouts { update = \"2h\" }); a refresh costs one list request per 50 " +
			"members. The data source, knock_audience_member and the list resource allow " + FormatDuration(knock.DefaultOperationTimeout) +
			" for each call to Knock."
	case errors.Is(err, context.Canceled):
		detail += "\n\nThe run was cancelled."
	case knockhttp.IsUnreachable(err):
		detail += "\n\nNo connection to Knock could be made. Check base_url (or the " + EnvBaseURL + " environment variable): " +
			"leave it unset for " + knock.DefaultBaseURL + ". Otherwise check that this machine resolves and reaches that host " +
			"(DNS, firewall, proxy settings in HTTPS_PROXY)."
	}
	return detail
}

// AudienceNotFoundAdvice says what to do about an audience Knock does not have.
func AudienceNotFoundAdvice(audienceKey string) string {
	return fmt.Sprintf("The audience %q does not exist in this Knock environment (and branch). Create it as a static "+
		"audience in the Knock dashboard, or check audience_key and that the API key belongs to the right environment.", audienceKey)
}

// FormatDuration writes d as a timeouts value ("1h", "90m", "30s").
func FormatDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}
