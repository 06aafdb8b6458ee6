package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/provider"
)

// dataSourceWithProvider is HCL for the data source on audience aud, with the provider settings given.
func dataSourceWithProvider(settings string) string {
	return fmt.Sprintf(`
provider "knock" {
%s
}

data "knock_audience_members" "x" {
  audience_key = "aud"
}
`, settings)
}

// TestProvider_branchCheckedAtValidate: terraform validate reports a literal branch that cannot be sent.
func TestProvider_branchCheckedAtValidate(t *testing.T) {
	server, schemas := protocolProvider(t)
	providerType := schemas.Provider.ValueType().(tftypes.Object)
	for value, want := range map[string]string{
		"feature\n": `Invalid Knock Branch: branch is "feature\n", which has whitespace at the start or end`,
		"a\x00b":    `Invalid Knock Branch: branch is "a\x00b", which has a control character`,
		"":          `Invalid Knock Branch: branch is "", which is empty`,
		"feature-1": "",
	} {
		resp, err := server.ValidateProviderConfig(context.Background(), &tfprotov6.ValidateProviderConfigRequest{
			Config: objectValue(t, providerType, map[string]string{"branch": value}),
		})
		if err != nil {
			t.Fatal(err)
		}
		if text := diagnosticsText(resp.Diagnostics); want == "" && text != "" || !strings.Contains(text, want) {
			t.Errorf("branch = %q: diagnostics %q, want %q", value, text, want)
		}
	}
}

// TestProvider_credentialsCheckedAtValidate: terraform validate reports a literal API key, service token
// or environment of the wrong form, each credential saying where the other kind belongs.
func TestProvider_credentialsCheckedAtValidate(t *testing.T) {
	server, schemas := protocolProvider(t)
	providerType := schemas.Provider.ValueType().(tftypes.Object)
	for _, tc := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{"api_key": "knock_st_abc"}, "Invalid Knock API Key: The key from api_key is a Management API service token (knock_st_...), which works only with the Management API: it belongs in service_token"},
		{map[string]string{"service_token": "sk_test_abc"}, "Invalid Knock Service Token: The token from service_token is an environment's secret key (sk_...), which works only with the Knock API: it belongs in api_key"},
		{map[string]string{"service_token": "knock_st_abc\n"}, "Invalid Knock Service Token: The token from service_token has a trailing newline"},
		{map[string]string{"environment": "production "}, `Invalid Knock Environment: environment is "production ", which has whitespace at the start or end`},
		{map[string]string{"environment": ""}, `Invalid Knock Environment: environment is "", which is empty`},
		{map[string]string{"api_key": "sk_test_abc", "service_token": "knock_st_abc", "environment": "production"}, ""},
	} {
		resp, err := server.ValidateProviderConfig(context.Background(), &tfprotov6.ValidateProviderConfigRequest{
			Config: objectValue(t, providerType, tc.settings),
		})
		if err != nil {
			t.Fatal(err)
		}
		if text := diagnosticsText(resp.Diagnostics); tc.want == "" && text != "" || !strings.Contains(text, tc.want) {
			t.Errorf("%v: diagnostics %q, want %q", tc.settings, text, tc.want)
		}
	}
}

// protocolProvider returns the provider server and its configuration type, for calls without Terraform.
func protocolProvider(t *testing.T) (tfprotov6.ProviderServer, *tfprotov6.GetProviderSchemaResponse) {
	t.Helper()
	server := provider.NewProtocol6Server("test")()
	schemas, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return server, schemas
}

// objectValue is a value of typ with the given string attributes set and every other attribute null.
func objectValue(t *testing.T, typ tftypes.Object, set map[string]string) *tfprotov6.DynamicValue {
	t.Helper()
	attrs := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(attrType, nil)
	}
	for name, value := range set {
		attrs[name] = tftypes.NewValue(tftypes.String, value)
	}
	return dynamic(t, typ, tftypes.NewValue(typ, attrs))
}

func diagnosticsText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s: %s\n", d.Summary, d.Detail)
	}
	return b.String()
}

// TestProvider_durationSettingsCheckedAtValidate: terraform validate (ValidateProviderConfig) reports a
// plan_read_max_age that is not a duration, naming the attribute, the value and the fix; before, only
// a plan (which configures the provider) did.
func TestProvider_durationSettingsCheckedAtValidate(t *testing.T) {
	server, schemas := protocolProvider(t)
	providerType := schemas.Provider.ValueType().(tftypes.Object)
	for value, wantError := range map[string]bool{"banana": true, "-1s": true, "2h": true, "90s": false, "0s": false} {
		resp, err := server.ValidateProviderConfig(context.Background(), &tfprotov6.ValidateProviderConfigRequest{
			Config: objectValue(t, providerType, map[string]string{"plan_read_max_age": value}),
		})
		if err != nil {
			t.Fatal(err)
		}
		text := diagnosticsText(resp.Diagnostics)
		want := fmt.Sprintf(`Invalid Plan Read Max Age: plan_read_max_age is %q; write a duration from 0s to 1h, such as "60s" or "5m"`, value)
		if wantError != strings.Contains(text, want) || !wantError && text != "" {
			t.Errorf("plan_read_max_age = %q: diagnostics %q, want an error: %v", value, text, wantError)
		}
	}
}

// TestProvider_keyNeverReachesADiagnostic: a server that echoes the request's Authorization header
// in its error answer, and a base URL with credentials that does not parse.
func TestProvider_keyNeverReachesADiagnostic(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_"+r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"code":"unauthorized","message":"the key %s is not valid","status":401}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer echo.Close()
	ctx := context.Background()

	server, schemas := protocolProvider(t)
	providerType := schemas.Provider.ValueType().(tftypes.Object)
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		Config: objectValue(t, providerType, map[string]string{"base_url": echo.URL, "api_key": acctest.APIKey}),
	})
	if err != nil || len(configured.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}
	dataType := schemas.DataSourceSchemas["knock_audience_members"].ValueType().(tftypes.Object)
	read, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{
		TypeName: "knock_audience_members", Config: objectValue(t, dataType, map[string]string{"audience_key": "aud"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	text := diagnosticsText(read.Diagnostics)
	if !strings.Contains(text, "Knock refused the API key") || !strings.Contains(text, "the key [REDACTED] is not valid") || strings.Contains(text, acctest.APIKey) {
		t.Errorf("diagnostics %q: want Knock's refusal with the key redacted", text)
	}

	server, _ = protocolProvider(t)
	configured, err = server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		Config: objectValue(t, providerType, map[string]string{"base_url": "https://admin:hunter2@api.knock.app/%zz", "api_key": acctest.APIKey}),
	})
	if text := diagnosticsText(configured.Diagnostics); err != nil || !strings.Contains(text, "Invalid Knock Base URL") || strings.Contains(text, "hunter2") {
		t.Errorf("base URL with credentials: diagnostics %q, %v; want an error without the password", text, err)
	}
}
