// Package providerdata is what the provider's Configure hands to every resource, data source and list
// resource, framework or protocol level: Data, with the Knock clients and the state that the resources of
// one provider process share, and the per-audience locks of knock_audience_members. The claims registry
// (internal/claims) and knock_audience_member's coalesced calls (internal/coalesce) have packages of their
// own; Data only carries them.
package providerdata

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/knock-tf/terraform-provider-knock/internal/claims"
	"github.com/knock-tf/terraform-provider-knock/internal/coalesce"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
)

// Data is the one value Configure publishes.
type Data struct {
	// Configured is set by Configure; before it (while Terraform only validates) no client exists.
	Configured bool
	// Client calls the Knock API; nil when no API key is configured. Resources get it from RequireClient.
	Client *knock.Client
	// Management calls the Management API; nil when no service token is configured. Resources get it
	// from RequireManagement.
	Management *knockmgmt.Client
	// Environment is the Management API's environment slug, Branch the Knock branch ("" for none) of
	// both APIs.
	Environment string
	Branch      string
	// PlanReadMaxAge is how old the plan's read of an audience may be for an update to diff against it.
	PlanReadMaxAge time.Duration
	// Claims and Locks live as long as the provider process: a Configure does not reset them.
	Claims *claims.Registry
	Locks  *AudienceLocks
	// Coalescer serves the knock_audience_member resources of this configuration; nil without Client.
	Coalescer *coalesce.Coalescer
	// audienceTypes holds AudienceType's answers: audience key → func() (string, error), run once.
	audienceTypes sync.Map
}

// AudienceType returns the type of audience key in the Management API's Environment and Branch, asking
// Knock once per key however many resources ask, and concurrently: a thousand knock_audience_member
// creates on one audience cost one request. "" with no error when no service token is configured or
// Knock has no such audience.
func (d *Data) AudienceType(ctx context.Context, key string) (string, error) {
	if d.Management == nil {
		return "", nil
	}
	lookup, _ := d.audienceTypes.LoadOrStore(key, sync.OnceValues(func() (string, error) {
		a, err := d.Management.GetAudience(ctx, knockmgmt.Location{Environment: d.Environment, Branch: d.Branch}, key)
		if knockmgmt.IsNotFound(err) {
			return "", nil
		}
		return a.Type, err
	}))
	ask, ok := lookup.(func() (string, error))
	if !ok {
		return "", fmt.Errorf("audience type lookup of %q has type %T", key, lookup)
	}
	return ask()
}

// RequireClient returns the Knock API client, or an error diagnostic saying that typeName needs api_key
// (or KNOCK_API_KEY): a configuration that manages only audience definitions needs no API key.
func (d *Data) RequireClient(typeName string) (*knock.Client, diag.Diagnostics) {
	if d.Client != nil {
		return d.Client, nil
	}
	if diags := d.notConfigured(typeName); diags.HasError() {
		return nil, diags
	}
	var diags diag.Diagnostics
	diags.AddError("Missing Knock API Key", fmt.Sprintf("%s needs the secret API key (sk_...) of a Knock environment, and the "+
		"provider has none. Set api_key in the provider block, or set the %s environment variable. Keys are under "+
		"Developers > API keys in the Knock dashboard.", typeName, knockdiag.EnvAPIKey))
	return nil, diags
}

// RequireManagement returns the Management API client, or an error diagnostic saying that typeName needs
// service_token (or KNOCK_SERVICE_TOKEN): a configuration that manages only memberships needs no token.
func (d *Data) RequireManagement(typeName string) (*knockmgmt.Client, diag.Diagnostics) {
	if d.Management != nil {
		return d.Management, nil
	}
	if diags := d.notConfigured(typeName); diags.HasError() {
		return nil, diags
	}
	var diags diag.Diagnostics
	diags.AddError("Missing Knock Service Token", fmt.Sprintf("%s needs a Knock Management API service token (knock_st_...), "+
		"and the provider has none. Set service_token in the provider block, or set the %s environment variable. "+
		"Service tokens belong to the Knock account, not to an environment; an environment's secret key does not work here.",
		typeName, knockdiag.EnvServiceToken))
	return nil, diags
}

// notConfigured reports a call before Configure, which Terraform never makes outside validation.
func (d *Data) notConfigured(typeName string) diag.Diagnostics {
	var diags diag.Diagnostics
	if !d.Configured {
		diags.AddError("Provider Not Configured", fmt.Sprintf("The knock provider was not configured before %s was used. "+
			"This is a bug in the provider or Terraform; please report it.", typeName))
	}
	return diags
}

// From returns what Configure handed to a framework resource, data source or list resource (kind, for
// the error: "Resource", "Data Source", "List Resource"); nil while Terraform only validates (the provider
// is not configured yet).
func From(data any, kind string, diags *diag.Diagnostics) *Data {
	if data == nil {
		return nil
	}
	pd, ok := data.(*Data)
	if !ok {
		diags.AddError("Unexpected "+kind+" Configure Type",
			fmt.Sprintf("Expected *providerdata.Data, got %T. This is a bug in the provider; please report it.", data))
	}
	return pd
}
