package knockhttp_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

func TestIsUnreachable_onlyForConnectFailures(t *testing.T) {
	if knockhttp.IsUnreachable(errors.New("x")) || knockhttp.IsUnreachable(&knockhttp.APIError{StatusCode: 502}) {
		t.Error("IsUnreachable is true for other errors")
	}
}

// TestIsNotFound_onlyKnocksOwnAnswer: a 404 means an unknown object only when Knock says so in its
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
			_, err := get(newClient(t, knockhttp.Config{BaseURL: ts.URL}))
			if knockhttp.StatusCode(err) != http.StatusNotFound || knockhttp.IsNotFound(err) != tc.want || knockhttp.IsForeignNotFound(err) == tc.want {
				t.Errorf("IsNotFound(%v) = %v, want %v", err, knockhttp.IsNotFound(err), tc.want)
			}
		})
	}
}

// TestAPIError_carriesKnocksFields: Knock's code, message, field errors and request id reach the error
// and its text, and errors.As finds it.
func TestAPIError_carriesKnocksFields(t *testing.T) {
	ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(knockhttp.RequestIDHeader, "req_123")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"code":"invalid_params","message":"bad","type":"invalid_request_error","errors":[{"field":"audience.name","message":"can't be blank","type":"required"}]}`))
	})
	_, err := get(newClient(t, knockhttp.Config{BaseURL: ts.URL}))
	var apiErr *knockhttp.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want an *APIError", err)
	}
	if apiErr.Code != "invalid_params" || apiErr.RequestID != "req_123" || len(apiErr.FieldErrors) != 1 || apiErr.FieldErrors[0].Field != "audience.name" {
		t.Errorf("APIError = %+v", apiErr)
	}
	wantError(t, err, "HTTP 422 Unprocessable Entity (invalid_params): bad; audience.name: can't be blank [request id req_123]")
	if knockhttp.IsUnauthorized(err) || !knockhttp.IsUnauthorized(&knockhttp.APIError{StatusCode: 403}) {
		t.Error("IsUnauthorized is wrong")
	}
}
