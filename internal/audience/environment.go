package audience

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

// location is where the mAPI calls about an audience of environment act: the provider's branch applies
// only in development, and a branch set with another environment is a mistake (Knock refuses it), said
// before any request.
func location(data *providerdata.Data, environment string) (knockmgmt.Location, diag.Diagnostics) {
	var diags diag.Diagnostics
	if data.Branch != "" && environment != knockmgmt.DevelopmentEnvironment {
		diags.AddError("Knock Branch Outside Development",
			fmt.Sprintf("The provider's branch is %q and its environment is %q. Knock's branches exist only in the %s environment: "+
				"remove branch (or unset "+knockdiag.EnvBranch+") to manage the audiences of %q, or set environment = %q to work on the branch.",
				data.Branch, environment, knockmgmt.DevelopmentEnvironment, environment, knockmgmt.DevelopmentEnvironment))
		return knockmgmt.Location{}, diags
	}
	return knockmgmt.Location{Environment: environment, Branch: data.Branch}, diags
}

// forceProblem says why an upsert to environment would be refused, or "" when it would not.
func forceProblem(key, environment string, force bool) string {
	if environment == knockmgmt.DevelopmentEnvironment || force {
		return ""
	}
	return fmt.Sprintf("The audience %q would be written to the %q environment, and Knock refuses changes outside %s unless "+
		"they are forced. The usual way is to change audiences in %s (commit = true) and promote the commit to %q in Knock's "+
		"dashboard or CLI. To write to %q directly, bypassing that workflow, set force = true on this resource.",
		key, environment, knockmgmt.DevelopmentEnvironment, knockmgmt.DevelopmentEnvironment, environment, environment)
}

// apiErrorDetail is the detail of a diagnostic about a failed mAPI call: what was being done, to which
// audience in which environment, Knock's own words (each field error on its line) and the fix when it is known.
func apiErrorDetail(action, key, environment string, err error) string {
	detail := fmt.Sprintf("Knock's Management API failed while %s audience %q in environment %q.\n\n%s", action, key, environment, err)
	var apiErr *knockhttp.APIError
	if errors.As(err, &apiErr) && len(apiErr.FieldErrors) > 0 {
		var lines strings.Builder
		for _, fe := range apiErr.FieldErrors {
			fmt.Fprintf(&lines, "\n  - %s: %s", fe.Field, fe.Message)
		}
		detail += "\n\nKnock refused these fields:" + lines.String()
	}
	switch {
	case knockhttp.IsUnauthorized(err):
		detail += "\n\nKnock refused the service token. Check the provider's service_token or the " + knockdiag.EnvServiceToken + " " +
			"environment variable: it must be a service token (knock_st_...) of the Knock account, not an environment's secret key."
	case knockmgmt.IsNotFound(err):
		detail += fmt.Sprintf("\n\nThe audience %q does not exist in environment %q. Check key and the provider's environment.", key, environment)
	case errors.Is(err, context.DeadlineExceeded):
		detail += "\n\nThe call ran past its deadline; run Terraform again."
	case knockhttp.IsUnreachable(err):
		detail += "\n\nNo connection to Knock's Management API could be made. Check management_base_url (or the " +
			knockdiag.EnvManagementBaseURL + " environment variable): leave it unset for " + knockmgmt.DefaultBaseURL + "."
	}
	return detail
}
