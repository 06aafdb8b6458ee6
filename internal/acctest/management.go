package acctest

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

// ServiceToken is the Management API service token of the local Knock API in the tests.
const ServiceToken = "knock_st_acceptance"

// NewManagedLocalAPI is NewLocalAPI that also serves the Management API to ServiceToken.
func NewManagedLocalAPI(t *testing.T) *localknock.Server {
	t.Helper()
	srv := NewLocalAPI(t)
	srv.AddServiceToken(ServiceToken)
	return srv
}

// ManagementConfig is ProviderConfig with the Management API at the local API too, and ServiceToken.
func ManagementConfig(srv *localknock.Server, settings ...string) string {
	return ProviderConfig(srv, append([]string{
		fmt.Sprintf("management_base_url = %q", srv.URL()),
		fmt.Sprintf("service_token       = %q", ServiceToken),
	}, settings...)...)
}

// AudienceRequests are request counts of the Management API's audience endpoints.
type AudienceRequests struct {
	List, Get, Upsert, Validate, Archive int
}

// ExpectAudienceRequests checks the local API's Management API request counts since the last reset.
func ExpectAudienceRequests(srv *localknock.Server, want AudienceRequests) statecheck.StateCheck {
	return requestsCheck{srv: srv, want: map[localknock.Endpoint]int{
		localknock.EndpointAudienceList: want.List, localknock.EndpointAudienceGet: want.Get,
		localknock.EndpointAudienceUpsert: want.Upsert, localknock.EndpointAudienceValidate: want.Validate,
		localknock.EndpointAudienceArchive: want.Archive,
	}}
}
