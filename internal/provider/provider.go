// Package provider is the Terraform provider for Knock audience memberships.
package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

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
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/knock-tf/terraform-provider-knock/internal/audience"
	"github.com/knock-tf/terraform-provider-knock/internal/claims"
	"github.com/knock-tf/terraform-provider-knock/internal/coalesce"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/knockmgmt"
	"github.com/knock-tf/terraform-provider-knock/internal/providerdata"
)

// defaultPlanReadMaxAge covers `terraform apply -auto-approve` on a large audience: the refresh ends,
// Terraform renders the plan, the apply starts.
const defaultPlanReadMaxAge = 60 * time.Second

var (
	_ provider.Provider                  = (*knockProvider)(nil)
	_ provider.ProviderWithFunctions     = (*knockProvider)(nil)
	_ provider.ProviderWithListResources = (*knockProvider)(nil)
)

type knockProvider struct {
	version string
	// data is what Configure published, for the resources served at the protocol level, which are built
	// before it runs. Until then it holds only the claims and locks, which live as long as the process.
	data atomic.Pointer[providerdata.Data]
	// coalesceWindows are the write windows of the coalescer each Configure makes.
	coalesceWindows coalesce.Windows
}

func newKnockProvider(version string, coalesceWindows coalesce.Windows) *knockProvider {
	p := &knockProvider{version: version, coalesceWindows: coalesceWindows}
	p.data.Store(&providerdata.Data{Claims: &claims.Registry{}, Locks: &providerdata.AudienceLocks{}})
	return p
}

// currentData returns what Configure published last (its Client is nil before Configure).
func (p *knockProvider) currentData() *providerdata.Data { return p.data.Load() }

type knockProviderModel struct {
	APIKey                 types.String `tfsdk:"api_key"`
	BaseURL                types.String `tfsdk:"base_url"`
	Branch                 types.String `tfsdk:"branch"`
	ServiceToken           types.String `tfsdk:"service_token"`
	ManagementBaseURL      types.String `tfsdk:"management_base_url"`
	Environment            types.String `tfsdk:"environment"`
	MaxRetries             types.Int64  `tfsdk:"max_retries"`
	WriteRequestsPerSecond types.Int64  `tfsdk:"write_requests_per_second"`
	ReadRequestsPerSecond  types.Int64  `tfsdk:"read_requests_per_second"`
	WriteConcurrency       types.Int64  `tfsdk:"write_concurrency"`
	PlanReadMaxAge         types.String `tfsdk:"plan_read_max_age"`
}

func (p *knockProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "knock"
	resp.Version = p.version
}

func (p *knockProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the memberships of [Knock](https://knock.app) audiences through Knock's API, and " +
			"audience definitions through its Management API. Each Knock environment has its own secret key; configure " +
			"one provider (or one alias) per environment.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "Secret API key (`sk_...`) of the Knock environment whose audience memberships to manage. " +
					"Defaults to the `" + knockdiag.EnvAPIKey + "` environment variable. Needed by the membership resources, " +
					"data source and list resource; a configuration without them needs none. Public keys (`pk_...`) and " +
					"Management API service tokens (`knock_st_...`, which go in `service_token`) do not work here.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{apiKeySetting},
			},
			"service_token": schema.StringAttribute{
				MarkdownDescription: "Knock Management API service token (`knock_st_...`) of the Knock account, for audience " +
					"definitions. Defaults to the `" + knockdiag.EnvServiceToken + "` environment variable, which Knock's " +
					"Management API SDKs read too. A configuration that manages only memberships needs none. An environment's " +
					"keys (`sk_...`, `pk_...`, which go in `api_key`) do not work here.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{serviceTokenSetting},
			},
			"management_base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of Knock's Management API. Defaults to the `" + knockdiag.EnvManagementBaseURL +
					"` environment variable, else `" + knockmgmt.DefaultBaseURL + "`. The same rules as for `base_url` apply: " +
					"`https://`, or `http://` to a loopback IP address; no redirects are followed; the service token is sent to this host.",
				Optional: true,
			},
			"environment": schema.StringAttribute{
				MarkdownDescription: "Slug of the Knock environment whose audience definitions the Management API reads and " +
					"writes. Defaults to the `" + knockdiag.EnvEnvironment + "` environment variable, else `" +
					knockmgmt.DevelopmentEnvironment + "`. `branch` applies to the Management API only in the " +
					knockmgmt.DevelopmentEnvironment + " environment.",
				Optional:   true,
				Validators: []validator.String{environmentValidator{}},
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of Knock's API. Defaults to the `" + knockdiag.EnvBaseURL + "` environment " +
					"variable, else `" + knock.DefaultBaseURL + "`. A trailing `/v1` (as in Knock's API reference) is " +
					"removed, since every request path starts with it. The provider never follows redirects, and sends " +
					"the API key to this host: see \"Passing the API key safely\" above.",
				Optional: true,
			},
			"branch": schema.StringAttribute{
				MarkdownDescription: "Knock branch to act on, sent to Knock's API as the `" + knock.BranchHeader + "` header and " +
					"to the Management API as the `branch` query parameter. Defaults to the `" + knockdiag.EnvBranch +
					"` environment variable; unset means the environment itself.",
				Optional:   true,
				Validators: []validator.String{branchValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request to Knock is retried after a connection error, "+
					"a timeout, 408, 409, 429 or 5xx, waiting as Knock's `Retry-After` headers ask, else 0.5 s doubling up to 8 s. "+
					"Retries also stop at the operation's deadline. A request that cannot connect at all (refused, unknown host) is "+
					"retried at most %d times, quickly. Default %d, at most %d.", knockhttp.DefaultConnectRetries, knockhttp.DefaultMaxRetries, knockhttp.MaxMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, knockhttp.MaxMaxRetries)},
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
				MarkdownDescription: "How old the plan's read of an audience may be for `terraform apply` to send the plan's " +
					"change set without reading the audience again. Older (a saved plan applied later, a plan reviewed for a " +
					"while, `-refresh=false`), the apply first reads the whole audience (one list request per 50 members), skips " +
					"planned changes that already happened and reports memberships that appeared since the plan; it never sends " +
					"more than the plan showed. A duration from `0s` to `1h`, such as `60s` (the default) or `5m`; `0s` always reads again.",
				Optional:   true,
				Validators: []validator.String{planReadMaxAgeSetting},
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

	checkKnown(&resp.Diagnostics, config.APIKey, "api_key", knockdiag.EnvAPIKey)
	checkKnown(&resp.Diagnostics, config.BaseURL, "base_url", knockdiag.EnvBaseURL)
	checkKnown(&resp.Diagnostics, config.Branch, "branch", knockdiag.EnvBranch)
	checkKnown(&resp.Diagnostics, config.ServiceToken, "service_token", knockdiag.EnvServiceToken)
	checkKnown(&resp.Diagnostics, config.ManagementBaseURL, "management_base_url", knockdiag.EnvManagementBaseURL)
	checkKnown(&resp.Diagnostics, config.Environment, "environment", knockdiag.EnvEnvironment)
	for name, value := range map[string]attr.Value{
		"max_retries": config.MaxRetries, "write_requests_per_second": config.WriteRequestsPerSecond,
		"read_requests_per_second": config.ReadRequestsPerSecond, "write_concurrency": config.WriteConcurrency,
		"plan_read_max_age": config.PlanReadMaxAge,
	} {
		checkKnown(&resp.Diagnostics, value, name, "")
	}
	if config.MaxRetries.IsNull() {
		config.MaxRetries = types.Int64Value(knockhttp.DefaultMaxRetries)
	}
	readMaxAge := defaultPlanReadMaxAge
	if !config.PlanReadMaxAge.IsUnknown() && !config.PlanReadMaxAge.IsNull() {
		// Validation checked a literal; a value from a variable is first known here.
		d, problem := planReadMaxAgeSetting.parse(config.PlanReadMaxAge.ValueString())
		if problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root(planReadMaxAgeSetting.attribute), planReadMaxAgeSetting.summary, problem)
		}
		readMaxAge = d
	}
	if resp.Diagnostics.HasError() {
		return
	}
	apiKey := settingOf(config.APIKey, "api_key", knockdiag.EnvAPIKey)
	baseURL := settingOf(config.BaseURL, "base_url", knockdiag.EnvBaseURL)
	branch := settingOf(config.Branch, "branch", knockdiag.EnvBranch)
	serviceToken := settingOf(config.ServiceToken, "service_token", knockdiag.EnvServiceToken)
	managementBaseURL := settingOf(config.ManagementBaseURL, "management_base_url", knockdiag.EnvManagementBaseURL)
	environment := settingOf(config.Environment, "environment", knockdiag.EnvEnvironment)
	if environment.value == "" && environment.fromEnv {
		environment.value = knockmgmt.DevelopmentEnvironment
	}

	// Found here, before any request, for values from variables and the environment (validation checked
	// literals): sent, a key with a newline fails Go's header check as a network error (retried for
	// seconds), and a key of the wrong kind gets a 401 that does not say why.
	apiKeySetting.check(&resp.Diagnostics, apiKey)
	serviceTokenSetting.check(&resp.Diagnostics, serviceToken)
	if problem := branchProblem(branch); problem != "" {
		branch.addError(&resp.Diagnostics, branchSummary, fmt.Sprintf("The branch from %s is %q, which %s.", branch.source(), branch.value, problem))
	}
	if problem := environmentProblem(environment); problem != "" {
		environment.addError(&resp.Diagnostics, environmentSummary, fmt.Sprintf("The environment from %s is %q, which %s.", environment.source(), environment.value, problem))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var secrets []string // never "", which would mask every string
	for _, secret := range []string{apiKey.value, serviceToken.value} {
		if secret != "" {
			secrets = append(secrets, secret)
		}
	}
	ctx = masked(ctx, secrets)

	userAgent := fmt.Sprintf("terraform-provider-knock/%s (+https://github.com/knock-tf/terraform-provider-knock) Terraform/%s",
		p.version, req.TerraformVersion)
	prior := p.data.Load()
	data := &providerdata.Data{Configured: true, Environment: environment.value, Branch: branch.value, PlanReadMaxAge: readMaxAge,
		Claims: prior.Claims, Locks: prior.Locks}
	if apiKey.value != "" {
		client, err := knock.New(knock.Config{
			BaseURL:          baseURL.value,
			APIKey:           apiKey.value,
			Branch:           branch.value,
			UserAgent:        userAgent,
			HTTPClient:       &http.Client{Transport: &loggingTransport{next: knock.NewTransport(), api: "Knock API", secrets: secrets}},
			MaxRetries:       int(config.MaxRetries.ValueInt64()),
			WriteRate:        int(config.WriteRequestsPerSecond.ValueInt64()),
			ReadRate:         int(config.ReadRequestsPerSecond.ValueInt64()),
			WriteConcurrency: int(config.WriteConcurrency.ValueInt64()),
			OnRetry:          logRetry("Knock API", secrets),
			// The data source, knock_audience_member and the list resource have no timeouts block: each call
			// they make to Knock gets the default read deadline of knock_audience_members, whose own calls
			// carry the deadline of their timeouts block.
		})
		if err != nil {
			baseURL.addError(&resp.Diagnostics, "Invalid Knock Base URL", fmt.Sprintf("The base URL from %s cannot be used: %s.", baseURL.source(), err))
			return
		}
		data.Client = client
		data.Coalescer = coalesce.New(client, p.coalesceWindows, time.Now)
	}
	if serviceToken.value != "" {
		management, err := knockmgmt.New(knockmgmt.Config{
			BaseURL:      managementBaseURL.value,
			ServiceToken: serviceToken.value,
			UserAgent:    userAgent,
			HTTPClient:   &http.Client{Transport: &loggingTransport{next: knockmgmt.NewTransport(), api: "Knock Management API", secrets: secrets}},
			MaxRetries:   int(config.MaxRetries.ValueInt64()),
			OnRetry:      logRetry("Knock Management API", secrets),
		})
		if err != nil {
			managementBaseURL.addError(&resp.Diagnostics, "Invalid Knock Management Base URL",
				fmt.Sprintf("The Management API base URL from %s cannot be used: %s.", managementBaseURL.source(), err))
			return
		}
		data.Management = management
	}
	tflog.Debug(ctx, "Configured Knock clients", map[string]any{
		"base_url": baseURL.value, "branch": branch.value, "api_key_set": apiKey.value != "",
		"management_base_url": managementBaseURL.value, "environment": environment.value, "service_token_set": serviceToken.value != "",
	})
	p.data.Store(data)
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
}

func (p *knockProvider) Resources(_ context.Context) []func() resource.Resource {
	// knock_audience_members is served by server.go, at the protocol level.
	return []func() resource.Resource{NewAudienceMemberResource, audience.NewResource}
}

func (p *knockProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	// The knock_audience_members data source is served by server.go, at the protocol level.
	return []func() datasource.DataSource{audience.NewDataSource}
}

// durationSetting is a provider setting written as a Go duration: its validator reports a literal that
// does not parse at terraform validate, and Configure parses it with the same rule.
type durationSetting struct {
	attribute, summary, examples string
	max                          time.Duration
}

var planReadMaxAgeSetting = durationSetting{
	attribute: "plan_read_max_age", summary: "Invalid Plan Read Max Age", max: time.Hour,
	examples: `such as "60s" or "5m" (0s: always read the audience again before changing it)`,
}

var _ validator.String = durationSetting{}

// parse returns the duration, or a sentence naming the attribute, the value and the fix.
func (s durationSetting) parse(raw string) (time.Duration, string) {
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 || d > s.max {
		return 0, fmt.Sprintf("%s is %q; write a duration from 0s to %s, %s.", s.attribute, raw, knockdiag.FormatDuration(s.max), s.examples)
	}
	return d, ""
}

func (s durationSetting) Description(context.Context) string {
	return fmt.Sprintf("a duration from 0s to %s", knockdiag.FormatDuration(s.max))
}

func (s durationSetting) MarkdownDescription(ctx context.Context) string { return s.Description(ctx) }

func (s durationSetting) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, problem := s.parse(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, s.summary, problem)
	}
}

const branchSummary = "Invalid Knock Branch"

// branchProblem is knock.BranchProblem, and an empty branch attribute, which is no branch only by mistake
// (an empty KNOCK_BRANCH is the variable unset).
func branchProblem(s setting) string {
	if s.value == "" && !s.fromEnv {
		return "is empty; remove branch to act on the environment itself, or set it to the branch's slug"
	}
	return knock.BranchProblem(s.value)
}

// branchValidator reports a literal branch that cannot be sent, at terraform validate.
type branchValidator struct{}

var _ validator.String = branchValidator{}

func (branchValidator) Description(context.Context) string {
	return "a Knock branch slug: not empty, no whitespace at either end, no control characters"
}

func (v branchValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (branchValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := branchProblem(setting{value: req.ConfigValue.ValueString(), attribute: "branch"}); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, branchSummary, fmt.Sprintf("branch is %q, which %s.", req.ConfigValue.ValueString(), problem))
	}
}

// credentialSetting is api_key or service_token: its validator reports a literal of the wrong form at
// terraform validate, and Configure checks a value from a variable or the environment with the same rule.
// Each rule names the other setting when given the other API's credential.
type credentialSetting struct {
	summary, noun string
	problem       func(string) string
}

var (
	apiKeySetting       = credentialSetting{summary: "Invalid Knock API Key", noun: "key", problem: knock.APIKeyProblem}
	serviceTokenSetting = credentialSetting{summary: "Invalid Knock Service Token", noun: "token", problem: knockmgmt.ServiceTokenProblem}
)

var _ validator.String = credentialSetting{}

// check reports what is wrong with a configured value; "" is the setting unset, which is no error here:
// each resource says which setting it needs.
func (c credentialSetting) check(diags *diag.Diagnostics, s setting) {
	if s.value == "" {
		return
	}
	if problem := c.problem(s.value); problem != "" {
		s.addError(diags, c.summary, fmt.Sprintf("The %s from %s %s.", c.noun, s.source(), problem))
	}
}

func (c credentialSetting) Description(context.Context) string {
	return fmt.Sprintf("a Knock %s of the kind this setting takes, without whitespace at either end", c.noun)
}

func (c credentialSetting) MarkdownDescription(ctx context.Context) string { return c.Description(ctx) }

func (c credentialSetting) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// The attribute's name is the path's last step; the value itself is never shown.
	c.check(&resp.Diagnostics, setting{value: req.ConfigValue.ValueString(), attribute: req.Path.String()})
}

const environmentSummary = "Invalid Knock Environment"

// environmentProblem says what is wrong with an environment slug, which the Management API takes as a
// query parameter, or "" when nothing is.
func environmentProblem(s setting) string {
	switch {
	case s.value == "":
		return "is empty; remove environment for the development environment, or set it to the environment's slug"
	case strings.TrimSpace(s.value) != s.value:
		return "has whitespace at the start or end, such as the trailing newline of a value read from a file; remove it (trimspace() in HCL)"
	case strings.ContainsFunc(s.value, unicode.IsControl):
		return "has a control character; copy the environment's slug again from the Knock dashboard"
	}
	return ""
}

// environmentValidator reports a literal environment that cannot be a slug, at terraform validate.
type environmentValidator struct{}

var _ validator.String = environmentValidator{}

func (environmentValidator) Description(context.Context) string {
	return "a Knock environment slug: not empty, no whitespace at either end, no control characters"
}

func (v environmentValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (environmentValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := environmentProblem(setting{value: req.ConfigValue.ValueString(), attribute: "environment"}); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, environmentSummary, fmt.Sprintf("environment is %q, which %s.", req.ConfigValue.ValueString(), problem))
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

// setting is a provider setting's value and where it came from: the attribute, else the environment
// variable. A diagnostic about the value names its source, which a newcomer who never wrote the attribute
// would not look for.
type setting struct {
	value, attribute, envVar string
	fromEnv                  bool
}

// settingOf prefers the configuration over the environment variable.
func settingOf(value types.String, attribute, envVar string) setting {
	if value.IsNull() {
		return setting{value: os.Getenv(envVar), attribute: attribute, envVar: envVar, fromEnv: true}
	}
	return setting{value: value.ValueString(), attribute: attribute, envVar: envVar}
}

func (s setting) source() string {
	if s.fromEnv {
		return fmt.Sprintf("the %s environment variable (%s is not set in the provider block)", s.envVar, s.attribute)
	}
	return s.attribute
}

// addError reports a problem of the value, on the attribute when the value came from it.
func (s setting) addError(diags *diag.Diagnostics, summary, detail string) {
	if s.fromEnv {
		diags.AddError(summary, detail)
		return
	}
	diags.AddAttributeError(path.Root(s.attribute), summary, detail)
}

func (p *knockProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewMembersFunction,
	}
}

func (p *knockProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewAudienceMemberListResource,
		audience.NewListResource,
	}
}
