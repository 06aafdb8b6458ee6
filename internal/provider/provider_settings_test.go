package provider_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/knock-tf/terraform-provider-knock/internal/acctest"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
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

// TestAccProvider_apiKeyProblemsFoundAtConfigure: a key Knock cannot accept is refused with the
// reason, before any request (a key with a newline was a network error after seconds of retries).
func TestAccProvider_apiKeyProblemsFoundAtConfigure(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	config := func(key string) string {
		return dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", srv.URL(), key))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(acctest.APIKey + "\n"), ExpectError: acctest.ErrorText("Invalid Knock API Key", "api_key has a trailing newline", "trimspace(file(...))", "KNOCK_API_KEY")},
			{Config: config(" " + acctest.APIKey), ExpectError: acctest.ErrorText("Invalid Knock API Key", "api_key has leading whitespace")},
			{Config: config(" " + acctest.APIKey + " "), ExpectError: acctest.ErrorText("Invalid Knock API Key", "api_key has leading and trailing whitespace")},
			{Config: config("pk_test_publishable"), ExpectError: acctest.ErrorText("Invalid Knock API Key", "api_key is a publishable key (pk_...)", "secret key (sk_...)")},
		},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_apiKeyProblemNamesItsSource: a key from KNOCK_API_KEY is reported as the environment
// variable's, not as api_key, which the configuration does not set.
func TestAccProvider_apiKeyProblemNamesItsSource(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	t.Setenv(knockdiag.EnvAPIKey, acctest.APIKey+"\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: dataSourceWithProvider(fmt.Sprintf("  base_url = %q", srv.URL())),
			ExpectError: acctest.ErrorText("Invalid Knock API Key",
				"The key from the KNOCK_API_KEY environment variable (api_key is not set in the provider block) has a trailing newline"),
		}},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_branchCheckedAtConfigure: a branch that cannot be sent as a header is refused before
// any request, naming where it came from; it was four retries of "invalid header field value".
func TestAccProvider_branchCheckedAtConfigure(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	t.Setenv("KNOCK_BRANCH", "feature\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", srv.URL(), acctest.APIKey)),
				ExpectError: acctest.ErrorText("Invalid Knock Branch",
					`The branch from the KNOCK_BRANCH environment variable (branch is not set in the provider block) is "feature\n"`,
					"whitespace at the start or end", "remove it"),
			},
			{
				Config:      dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q\n  branch = \"feature\\n\"", srv.URL(), acctest.APIKey)),
				ExpectError: acctest.ErrorText("Invalid Knock Branch", `branch is "feature\n"`, "whitespace at the start or end", "trimspace()"),
			},
		},
	})
	acctest.ExpectNoRequests(t, srv)
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

// TestAccProvider_unreachableBaseURL: a host that refuses connections fails after two quick retries,
// with advice to check base_url.
func TestAccProvider_unreachableBaseURL(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "http://" + listener.Addr().String()
	_ = listener.Close()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q\n  max_retries = 10", refusing, acctest.APIKey)),
			ExpectError: acctest.ErrorText("Unable to Read Audience Members", `audience "aud"`, "could not connect", "(3 attempts)", "connection refused", "Check base_url"),
		}},
	})
}

// TestAccProvider_plainHTTPOnlyForLoopbackIPs: http://localhost is refused at configure, naming base_url:
// the name goes through the resolver, the key in clear text.
func TestAccProvider_plainHTTPOnlyForLoopbackIPs(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.CreateAudience("aud")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL(), "http://"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", "http://localhost:"+port, acctest.APIKey)),
			ExpectError: acctest.ErrorText("Invalid Knock Base URL", "base_url", "must use https://", "http://127.0.0.1:PORT", "localhost included"),
		}},
	})
	acctest.ExpectNoRequests(t, srv)
}

// TestAccProvider_baseURLEndingInV1: a base URL copied from Knock's API reference works.
func TestAccProvider_baseURLEndingInV1(t *testing.T) {
	srv := acctest.NewLocalAPI(t)
	srv.AddMemberships("aud", acctest.Member("u1", ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            dataSourceWithProvider(fmt.Sprintf("  base_url = %q\n  api_key = %q", srv.URL()+"/v1/", acctest.APIKey)),
			ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectRequests(srv, 0, 0, 1)},
		}},
	})
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
