package provider

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// loggingTransport logs every request to Knock once, at debug level, with the request id Knock support
// asks for. Headers are never logged, and the API key is masked in case it turns up anywhere else.
type loggingTransport struct {
	next   http.RoundTripper
	apiKey string
}

func (t *loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := tflog.MaskAllFieldValuesStrings(req.Context(), t.apiKey)
	ctx = tflog.MaskMessageStrings(ctx, t.apiKey)
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	fields := map[string]any{
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

// logRetry logs each retry of a request to Knock at debug level.
func logRetry(apiKey string) func(context.Context, knockhttp.Retry) {
	return func(ctx context.Context, r knockhttp.Retry) {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, apiKey)
		tflog.Debug(ctx, "Retrying Knock API request", map[string]any{
			"method": r.Method, "path": r.Path, "attempt": r.Attempt, "status": r.Status,
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
