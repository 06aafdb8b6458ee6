package knock_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestClient_errors(t *testing.T) {
	srv, client := startLocal(t)
	ctx := context.Background()

	_, err := client.ListMemberships(ctx, "missing")
	var apiErr *knockhttp.APIError
	if !errors.As(err, &apiErr) || !knock.IsNotFound(err) {
		t.Fatalf("unknown audience: got %v, want a 404 APIError", err)
	}
	if apiErr.RequestID == "" || apiErr.Code != "resource_missing" || !strings.Contains(err.Error(), apiErr.RequestID) {
		t.Errorf("404 error lacks Knock's code or request id: %v", err)
	}

	wrong, _ := knock.New(knock.Config{BaseURL: srv.URL(), APIKey: "sk_wrong"})
	_, err = wrong.AddMembers(ctx, "x", memberships(1, ""))
	if !knockhttp.IsUnauthorized(err) {
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
	if knockhttp.StatusCode(err) != 502 || !strings.Contains(err.Error(), "not Knock's error JSON (text/html") {
		t.Errorf("proxy page: got %v", err)
	}
}
