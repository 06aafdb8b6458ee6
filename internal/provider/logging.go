package provider

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// loggingTransport logs every request to one of Knock's APIs once, at debug level, with the request id
// Knock support asks for. Headers are never logged, and the provider's secrets (API key, service token)
// are masked in case they turn up anywhere else.
type loggingTransport struct {
	next    http.RoundTripper
	api     string // "Knock API" or "Knock Management API", a field of every line
	secrets []string
}

// masked masks every secret in what ctx logs.
func masked(ctx context.Context, secrets []string) context.Context {
	for _, secret := range secrets {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, secret)
		ctx = tflog.MaskMessageStrings(ctx, secret)
	}
	return ctx
}

func (t *loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := masked(req.Context(), t.secrets)
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	fields := map[string]any{
		"api":         t.api,
		"method":      req.Method,
		"path":        req.URL.EscapedPath(),
		"duration_ms": time.Since(start).Milliseconds(),
	}
	if err != nil {
		fields["error"] = err.Error()
		tflog.Debug(ctx, "Knock API request failed", fields)
		return nil, err
	}
	fields["status"] = resp.StatusCode
	fields["request_id"] = resp.Header.Get(knockhttp.RequestIDHeader)
	tflog.Debug(ctx, "Knock API request", fields)
	return resp, nil
}

// logRetry logs each retry of a request to one of Knock's APIs at debug level.
func logRetry(api string, secrets []string) func(context.Context, knockhttp.Retry) {
	return func(ctx context.Context, r knockhttp.Retry) {
		tflog.Debug(masked(ctx, secrets), "Retrying Knock API request", map[string]any{
			"api": api, "method": r.Method, "path": r.Path, "attempt": r.Attempt, "status": r.Status,
			"request_id": r.RequestID, "wait_ms": r.Wait.Milliseconds(), "error": r.Err.Error(),
		})
	}
}

// The loggers of the plugin SDKs and of the provider, each with the environment variable that sets its level.
var pluginLogLevelVariables = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_KNOCK"}

// QuietLogsTerraformDrops turns the plugin's loggers off when Terraform keeps no provider logs (neither
// TF_LOG nor TF_LOG_PROVIDER is set in the environment it passes on). Unset, their levels default to
// TRACE: the provider wrote about 57 lines per resource instance that Terraform parsed and dropped, a
// quarter of the provider's CPU in a plan of 1,000 knock_audience_member. A variable that is set wins.
func QuietLogsTerraformDrops() {
	if os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	for _, name := range pluginLogLevelVariables {
		if _, set := os.LookupEnv(name); !set {
			_ = os.Setenv(name, "OFF") // cannot fail for a valid name
		}
	}
}
