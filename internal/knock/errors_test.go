package knock_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestIsUnreachable_onlyForConnectFailures(t *testing.T) {
	if knock.IsUnreachable(errors.New("x")) || knock.IsUnreachable(&knock.APIError{StatusCode: 502}) {
		t.Error("IsUnreachable is true for other errors")
	}
}

// TestIsNotFound_onlyKnocksOwnAnswer: a 404 means an unknown audience only when Knock says so in its
// error JSON; a 404 from a server that is not Knock (a route it lacks, an HTML page, a non-JSON body) is
// a wrong base URL, which must not make Terraform forget resources.
func TestIsNotFound_onlyKnocksOwnAnswer(t *testing.T) {
	tests := map[string]struct {
		contentType, body string
		want              bool
	}{
		"Knock's resource_missing": {"application/json", `{"code":"resource_missing","message":"The resource you requested does not exist.","status":404,"type":"invalid_request_error"}`, true},
		"route_not_found":          {"application/json", `{"code":"route_not_found","message":"No route matches","status":404,"type":"invalid_request_error"}`, false},
		"other JSON":               {"application/json", `{"error":"not found"}`, false},
		"HTML page":                {"text/html", `<html><body>404 Not Found</body></html>`, false},
		"plain text":               {"text/plain", `404 page not found`, false},
		"empty":                    {"", ``, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := newClient(t, knock.Config{BaseURL: ts.URL}).ListMemberships(context.Background(), "aud")
			if knock.StatusCode(err) != http.StatusNotFound || knock.IsNotFound(err) != tc.want {
				t.Errorf("IsNotFound(%v) = %v, want %v", err, knock.IsNotFound(err), tc.want)
			}
		})
	}
}

func TestClient_errors(t *testing.T) {
	srv, client := startLocal(t)
	ctx := context.Background()

	_, err := client.ListMemberships(ctx, "missing")
	var apiErr *knock.APIError
	if !errors.As(err, &apiErr) || !knock.IsNotFound(err) {
		t.Fatalf("unknown audience: got %v, want a 404 APIError", err)
	}
	if apiErr.RequestID == "" || apiErr.Code != "resource_missing" || !strings.Contains(err.Error(), apiErr.RequestID) {
		t.Errorf("404 error lacks Knock's code or request id: %v", err)
	}

	wrong, _ := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: "sk_wrong"})
	_, err = wrong.AddMembers(ctx, "x", memberships(1, ""))
	if !knock.IsUnauthorized(err) {
		t.Fatalf("wrong key: got %v, want 401", err)
	}
	if strings.Contains(err.Error(), "sk_wrong") {
		t.Errorf("error prints the key: %v", err)
	}

	srv.CreateAudience("aud")
	srv.InjectFaults(localknock.EndpointAdd, localknock.Fault{}, localknock.Fault{Status: 502, Body: "<html><body>Bad gateway</body></html>"})
	sequential, _ := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: testKey, WriteConcurrency: 1})
	added, err := sequential.AddMembers(ctx, "aud", memberships(2500, ""))
	if len(added) != 1000 || len(srv.Memberships("aud")) != 1000 {
		t.Errorf("added = %d (live %d) after the second of three batches failed, want the first 1000 only", len(added), len(srv.Memberships("aud")))
	}
	if knock.StatusCode(err) != 502 || !strings.Contains(err.Error(), "not Knock's error JSON (text/html") {
		t.Errorf("proxy page: got %v", err)
	}
}
