package provider_test

import (
	"os"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/provider"
)

// TestQuietLogsTerraformDrops: with no TF_LOG and no TF_LOG_PROVIDER the plugin's loggers are off unless
// their own variable says otherwise; with TF_LOG set, nothing changes.
func TestQuietLogsTerraformDrops(t *testing.T) {
	unset := func(names ...string) {
		for _, name := range names {
			t.Setenv(name, "") // restores the variable after the test
			_ = os.Unsetenv(name)
		}
	}
	unset("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_KNOCK")
	t.Setenv("TF_LOG_SDK_PROTO", "DEBUG")
	provider.QuietLogsTerraformDrops()
	for name, want := range map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF", "TF_LOG_PROVIDER_KNOCK": "OFF", "TF_LOG_SDK_PROTO": "DEBUG"} {
		if got := os.Getenv(name); got != want {
			t.Errorf("without TF_LOG: %s = %q, want %q", name, got, want)
		}
	}

	unset("TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_KNOCK")
	t.Setenv("TF_LOG", "TRACE")
	provider.QuietLogsTerraformDrops()
	if _, set := os.LookupEnv("TF_LOG_SDK"); set {
		t.Errorf("with TF_LOG=TRACE: TF_LOG_SDK = %q, want it unset", os.Getenv("TF_LOG_SDK"))
	}
}
