package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/coalesce"
	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
)

// TestConfigure_publishesOneProviderData: the framework's resources, data sources and list resources get
// the very value the protocol-level resources read, and the claims and locks outlive a Configure, so that
// conflicts across the two kinds of resource show at plan.
func TestConfigure_publishesOneProviderData(t *testing.T) {
	p := newKnockProvider("test", coalesce.DefaultWindows())
	before := p.currentData()
	resp := configure(t, p, map[string]string{"base_url": "http://127.0.0.1:1", "api_key": "sk_test_configure"})
	data := p.currentData()
	if data.Client == nil || data.Coalescer == nil || data.Management != nil || !data.Configured {
		t.Fatalf("configured data = %+v, want a client and a coalescer, and no Management API client without a token", data)
	}
	if data.Claims != before.Claims || data.Locks != before.Locks {
		t.Error("Configure replaced the claims or locks of the process")
	}
	for name, handed := range map[string]any{"resources": resp.ResourceData, "data sources": resp.DataSourceData, "list resources": resp.ListResourceData} {
		if handed != any(data) {
			t.Errorf("the %s got %v, not the data the protocol-level resources read", name, handed)
		}
	}
}

// configure runs p's Configure with the given string settings, every other one null, and fails the test
// on an error.
func configure(t *testing.T, p *knockProvider, settings map[string]string) provider.ConfigureResponse {
	t.Helper()
	ctx := context.Background()
	var schemaResp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &schemaResp)
	typ := schemaResp.Schema.Type().TerraformType(ctx).(tftypes.Object) //nolint:forcetypeassert // a schema is an object
	attrs := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(attrType, nil)
	}
	for name, value := range settings {
		attrs[name] = tftypes.NewValue(tftypes.String, value)
	}
	var resp provider.ConfigureResponse
	p.Configure(ctx, provider.ConfigureRequest{Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, attrs)}}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return resp
}

// TestConfigure_serviceTokenOnly: a configuration with a service token and no API key gets a Management
// API client in the development environment by default and no Knock API client; the token is scrubbed
// from an error of a server that echoes it, through the provider's own transport.
func TestConfigure_serviceTokenOnly(t *testing.T) {
	t.Setenv("KNOCK_API_KEY", "")
	t.Setenv("KNOCK_ENVIRONMENT", "")
	const token = "knock_st_configure"
	var auth string
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"code":"unauthorized","message":"token %s is not valid"}`, strings.TrimPrefix(auth, "Bearer "))
	}))
	defer echo.Close()
	p := newKnockProvider("test", coalesce.DefaultWindows())
	configure(t, p, map[string]string{"service_token": token, "management_base_url": echo.URL, "branch": "feature-1"})
	data := p.currentData()
	if data.Client != nil || data.Coalescer != nil || data.Management == nil || data.Environment != "development" || data.Branch != "feature-1" {
		t.Fatalf("configured data = %+v, want only a Management API client, in development on branch feature-1", data)
	}
	_, err := data.Management.GetAudience(context.Background(), knockmgmt.Location{Environment: data.Environment, Branch: data.Branch}, "vip")
	if auth != "Bearer "+token || err == nil || !strings.Contains(err.Error(), "token [REDACTED] is not valid") || strings.Contains(err.Error(), token) {
		t.Errorf("GetAudience sent %q and got %v; want the token sent, and scrubbed from the error", auth, err)
	}

	t.Setenv("KNOCK_ENVIRONMENT", "production")
	configure(t, p, map[string]string{"service_token": token})
	if data := p.currentData(); data.Environment != "production" {
		t.Errorf("environment from KNOCK_ENVIRONMENT = %q, want production", data.Environment)
	}
}

// TestServer_identitySchemasOfBothResources: the identity schemas come from the framework for
// knock_audience_member and from the router for knock_audience_members.
func TestServer_identitySchemasOfBothResources(t *testing.T) {
	resp, err := NewProtocol6Server("test")().GetResourceIdentitySchemas(context.Background(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatal(err, resp.Diagnostics)
	}
	for typeName, attributes := range map[string]int{"knock_audience_members": 2, "knock_audience_member": 3} {
		if schema := resp.IdentitySchemas[typeName]; schema == nil || len(schema.IdentityAttributes) != attributes {
			t.Errorf("identity schema of %s = %+v, want %d attributes", typeName, schema, attributes)
		}
	}
}
