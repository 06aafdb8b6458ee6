// Package provider is the Terraform provider for Knock audience memberships.
package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

const (
	envAPIKey  = "KNOCK_API_KEY"
	envBaseURL = "KNOCK_BASE_URL"
	envBranch  = "KNOCK_BRANCH"
)

var (
	_ provider.Provider                  = (*knockProvider)(nil)
	_ provider.ProviderWithFunctions     = (*knockProvider)(nil)
	_ provider.ProviderWithListResources = (*knockProvider)(nil)
)

type knockProvider struct {
	version string
	// client and readMaxAge are set by Configure for the resources served outside the framework.
	client     atomic.Pointer[knock.Client]
	readMaxAge atomic.Int64
}

// planReadMaxAge is how old the plan's read of an audience may be for an update to diff against it.
func (p *knockProvider) planReadMaxAge() time.Duration { return time.Duration(p.readMaxAge.Load()) }

type knockProviderModel struct {
	APIKey                 types.String `tfsdk:"api_key"`
	BaseURL                types.String `tfsdk:"base_url"`
	Branch                 types.String `tfsdk:"branch"`
	MaxRetries             types.Int64  `tfsdk:"max_retries"`
	WriteRequestsPerSecond types.Int64  `tfsdk:"write_requests_per_second"`
	ReadRequestsPerSecond  types.Int64  `tfsdk:"read_requests_per_second"`
	WriteConcurrency       types.Int64  `tfsdk:"write_concurrency"`
	PlanReadMaxAge         types.String `tfsdk:"plan_read_max_age"`
}

// configuredClient returns the client that Configure made, or an error diagnostic when Terraform calls
// a resource before configuring the provider.
func (p *knockProvider) configuredClient() (*knock.Client, []*tfprotov6.Diagnostic) {
	if client := p.client.Load(); client != nil {
		return client, nil
	}
	return nil, errorDiagnostics("Provider Not Configured",
		"The knock provider was not configured before a resource was used. This is a bug in the provider or Terraform; please report it.", nil)
}

func (p *knockProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "knock"
	resp.Version = p.version
}

func (p *knockProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the memberships of [Knock](https://knock.app) audiences. " +
			"Each Knock environment has its own secret key; configure one provider (or one alias) per environment.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "Secret API key (`sk_...`) of the Knock environment to manage. " +
					"Defaults to the `" + envAPIKey + "` environment variable. Public keys (`pk_...`) and " +
					"Management API service tokens do not work here.",
				Optional:  true,
				Sensitive: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of Knock's API. Defaults to the `" + envBaseURL + "` environment " +
					"variable, else `" + knock.DefaultBaseURL + "`.",
				Optional: true,
			},
			"branch": schema.StringAttribute{
				MarkdownDescription: "Knock branch to act on, sent as the `" + knock.BranchHeader + "` header. " +
					"Defaults to the `" + envBranch + "` environment variable; unset means the environment itself.",
				Optional: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request to Knock is retried after a connection error, "+
					"a timeout, 408, 409, 429 or 5xx, waiting as Knock's `Retry-After` headers ask, else 0.5 s doubling up to 8 s. "+
					"Retries also stop at the operation's deadline. Default %d, at most %d.", knock.DefaultMaxRetries, knock.MaxMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, knock.MaxMaxRetries)},
			},
			"write_requests_per_second": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Most add requests, and most remove requests, started in any one second. "+
					"Knock allows %d per second per environment on each; the default, %d, leaves room for other syncs.",
					knock.MaxWriteRate, knock.DefaultWriteRate),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, knock.MaxWriteRate)},
			},
			"read_requests_per_second": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Most list requests started in any one second. Knock allows %d per second "+
					"per environment; the default is %d.", knock.MaxReadRate, knock.DefaultReadRate),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, knock.MaxReadRate)},
			},
			"write_concurrency": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many add or remove requests (of up to %d members each) are in flight "+
					"at once. Default %d, at most %d; the rate limit applies on top.", knock.MaxMembersPerRequest,
					knock.DefaultWriteConcurrency, knock.MaxWriteConcurrency),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, knock.MaxWriteConcurrency)},
			},
			"plan_read_max_age": schema.StringAttribute{
				MarkdownDescription: "How old the plan's read of an audience may be for `terraform apply` to change the " +
					"audience by exactly the diff the plan showed, without reading it again. Older (a saved plan applied later, " +
					"a plan reviewed for a while), the apply reads the whole audience again and diffs against that: one list " +
					"request per 50 members. A duration from `0s` to `1h` (the maximum), such as `60s` (the default) or `5m`; " +
					"`0s` always reads again.",
				Optional: true,
			},
		},
	}
}

func (p *knockProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config knockProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	checkKnown(&resp.Diagnostics, config.APIKey, "api_key", envAPIKey)
	checkKnown(&resp.Diagnostics, config.BaseURL, "base_url", envBaseURL)
	checkKnown(&resp.Diagnostics, config.Branch, "branch", envBranch)
	for name, value := range map[string]attr.Value{
		"max_retries": config.MaxRetries, "write_requests_per_second": config.WriteRequestsPerSecond,
		"read_requests_per_second": config.ReadRequestsPerSecond, "write_concurrency": config.WriteConcurrency,
		"plan_read_max_age": config.PlanReadMaxAge,
	} {
		checkKnown(&resp.Diagnostics, value, name, "")
	}
	if config.MaxRetries.IsNull() {
		config.MaxRetries = types.Int64Value(knock.DefaultMaxRetries)
	}
	readMaxAge := defaultPlanReadMaxAge
	if !config.PlanReadMaxAge.IsUnknown() && !config.PlanReadMaxAge.IsNull() {
		d, err := time.ParseDuration(config.PlanReadMaxAge.ValueString())
		if err != nil || d < 0 || d > time.Hour {
			resp.Diagnostics.AddAttributeError(path.Root("plan_read_max_age"), "Invalid Plan Read Max Age",
				fmt.Sprintf("plan_read_max_age is %q; write a duration from 0s to 1h, such as \"60s\" or \"5m\" (0s: always read the audience again before changing it).",
					config.PlanReadMaxAge.ValueString()))
		}
		readMaxAge = d
	}
	if resp.Diagnostics.HasError() {
		return
	}
	apiKey := valueOrEnv(config.APIKey, envAPIKey)
	baseURL := valueOrEnv(config.BaseURL, envBaseURL)
	branch := valueOrEnv(config.Branch, envBranch)

	if apiKey == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing Knock API Key",
			"The provider needs the secret API key of a Knock environment. Set api_key in the provider block, "+
				"or set the "+envAPIKey+" environment variable. Keys are under Developers > API keys in the Knock dashboard.")
		return
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, apiKey)
	ctx = tflog.MaskMessageStrings(ctx, apiKey)

	userAgent := fmt.Sprintf("terraform-provider-knock/%s (+https://github.com/knock-tf/terraform-provider-knock) Terraform/%s",
		p.version, req.TerraformVersion)
	client, err := knock.New(knock.Config{
		BaseURL:          baseURL,
		APIKey:           apiKey,
		Branch:           branch,
		UserAgent:        userAgent,
		HTTPClient:       &http.Client{Transport: &loggingTransport{next: knock.NewTransport(), apiKey: apiKey}},
		MaxRetries:       int(config.MaxRetries.ValueInt64()),
		WriteRate:        int(config.WriteRequestsPerSecond.ValueInt64()),
		ReadRate:         int(config.ReadRequestsPerSecond.ValueInt64()),
		WriteConcurrency: int(config.WriteConcurrency.ValueInt64()),
		OnRetry:          logRetry(apiKey),
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid Knock Base URL",
			fmt.Sprintf("The base URL (from base_url or %s) cannot be used: %s.", envBaseURL, err))
		return
	}
	tflog.Debug(ctx, "Configured Knock client", map[string]any{"base_url": baseURL, "branch": branch})

	p.client.Store(client)
	p.readMaxAge.Store(int64(readMaxAge))
	resp.ResourceData = client
	resp.DataSourceData = client
	resp.ListResourceData = client
}

func (p *knockProvider) Resources(_ context.Context) []func() resource.Resource {
	// knock_audience_members is served by server.go, at the protocol level.
	return []func() resource.Resource{NewAudienceMemberResource}
}

func (p *knockProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewAudienceMembersDataSource,
	}
}

// checkKnown rejects a provider setting that is not known until apply; envVar, when not "", is the
// environment variable that can stand in for it.
func checkKnown(diags *diag.Diagnostics, value attr.Value, attribute, envVar string) {
	if !value.IsUnknown() {
		return
	}
	fix := "Set it to a value known at plan time."
	if envVar != "" {
		fix = "Set it to a value known at plan time, or leave it unset and use the " + envVar + " environment variable."
	}
	diags.AddAttributeError(path.Root(attribute), "Unknown Knock Provider Setting",
		fmt.Sprintf("The provider cannot create the Knock client because %s is not known until apply. %s", attribute, fix))
}

// valueOrEnv prefers the configuration over the environment variable.
func valueOrEnv(value types.String, envVar string) string {
	if value.IsNull() {
		return os.Getenv(envVar)
	}
	return value.ValueString()
}

func (p *knockProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewMembersFunction,
	}
}

func (p *knockProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewAudienceMemberListResource,
	}
}

// clientFromProviderData returns the client that Configure handed to a resource, data source or list
// resource; nil while Terraform only validates (the provider is not configured yet).
func clientFromProviderData(data any, kind string, diags *diag.Diagnostics) *knock.Client {
	if data == nil {
		return nil
	}
	client, ok := data.(*knock.Client)
	if !ok {
		diags.AddError("Unexpected "+kind+" Configure Type",
			fmt.Sprintf("Expected *knock.Client, got %T. This is a bug in the provider; please report it.", data))
	}
	return client
}
