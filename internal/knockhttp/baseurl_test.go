package knockhttp_test

import (
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

func TestParseBaseURL_acceptsHTTPSAndLoopbackIPs(t *testing.T) {
	for _, bad := range []string{"api.knock.app", "http://api.knock.app", "http://10.0.0.1:8080", "https://user:pw@api.knock.app", "ftp://api.knock.app", "http://localhost:1"} {
		if _, err := knockhttp.ParseBaseURL(bad, testAPI, testSecret); err == nil {
			t.Errorf("base URL %q: want an error", bad)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("base URL error prints the password: %v", err)
		}
	}
	for raw, want := range map[string]string{
		"https://api.knock.app": "https://api.knock.app", "http://127.0.0.1:8080": "http://127.0.0.1:8080",
		"http://127.1.2.3:8080": "http://127.1.2.3:8080", "http://[::1]:9": "http://[::1]:9", "https://localhost:1": "https://localhost:1",
		"https://api.knock.app/v1/": "https://api.knock.app", "https://proxy.example/knock/v1": "https://proxy.example/knock",
		"": testAPI.DefaultBaseURL,
	} {
		got, err := knockhttp.ParseBaseURL(raw, testAPI, testSecret)
		if err != nil || got.String() != want {
			t.Errorf("ParseBaseURL(%q) = %v, %v; want %s", raw, got, err, want)
		}
	}
}

func TestParseBaseURL_errorsHideCredentials(t *testing.T) {
	for _, bad := range []string{"https://admin:hunter2@api.knock.app/%zz", "https://admin:hunter2@api knock.app", "ftp://admin:hunter2@api.knock.app"} {
		_, err := knockhttp.ParseBaseURL(bad, testAPI, testSecret)
		if err == nil {
			t.Fatalf("base URL %q: want an error", bad)
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "admin") {
			t.Errorf("base URL %q: the error holds its credentials: %v", bad, err)
		}
	}
	_, err := knockhttp.ParseBaseURL("https://api.knock.app/%zz?key="+testSecret, testAPI, testSecret)
	if err == nil || strings.Contains(err.Error(), testSecret) {
		t.Errorf("a base URL that holds the secret: got %v, want an error without it", err)
	}
	_, err = knockhttp.ParseBaseURL("https://user:pw@api.knock.app", testAPI, testSecret)
	wantError(t, err, "the API key goes in api_key or KNOCK_API_KEY")
}

// TestParseBaseURL_plainHTTPOnlyForLoopbackIPs: the secret travels in clear text over http://, so only an
// address that cannot leave the machine will do; a name, localhost included, goes through the system's
// resolver (hosts file, DNS search domains), which may send it elsewhere.
func TestParseBaseURL_plainHTTPOnlyForLoopbackIPs(t *testing.T) {
	for _, bad := range []string{"http://localhost:8080", "http://LOCALHOST", "http://localhost.:1", "http://app.localhost:1", "http://0.0.0.0:1"} {
		_, err := knockhttp.ParseBaseURL(bad, testAPI, testSecret)
		wantError(t, err, "must use https://", "loopback IP address such as http://127.0.0.1:PORT", "a host name, localhost included", "send the API key in clear text")
	}
}
