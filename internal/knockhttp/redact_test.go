package knockhttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// TestClient_neverPutsTheKeyInAnError: a server that echoes the secret (in its error body, a header, a
// redirect, an answer that is not JSON) must not get it into an error, which becomes a diagnostic.
func TestClient_neverPutsTheKeyInAnError(t *testing.T) {
	tests := map[string]http.HandlerFunc{
		"error JSON": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"code":"%[1]s","message":"key %[1]s is not valid","type":"%[1]s","errors":[{"field":"%[1]s","message":"%[1]s"}]}`, testSecret)
		},
		"proxy page": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte("<html>Authorization: " + r.Header.Get("Authorization") + "</html>"))
		},
		"request id header": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(knockhttp.RequestIDHeader, testSecret)
			w.WriteHeader(http.StatusBadRequest)
		},
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/login?key="+testSecret, http.StatusFound)
		},
		"200 that is not JSON": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(testSecret))
		},
	}
	for name, handler := range tests {
		t.Run(name, func(t *testing.T) {
			ts, _ := countingServer(t, handler)
			_, err := get(newClient(t, knockhttp.Config{BaseURL: ts.URL}))
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("the error holds the secret: %v", err)
			}
		})
	}
}

// TestClient_redactsTheKeyBeforeCuttingAnErrorPage: an error page is cut to a short snippet; a secret that
// crosses the cut must not leave its first characters in the error, at any position.
func TestClient_redactsTheKeyBeforeCuttingAnErrorPage(t *testing.T) {
	for offset := 180; offset <= 200; offset++ {
		ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(strings.Repeat("x", offset) + r.Header.Get("Authorization")[len("Bearer "):] + " trailer"))
		})
		_, err := get(newClient(t, knockhttp.Config{BaseURL: ts.URL}))
		if err == nil {
			t.Fatal("want an error")
		}
		if strings.Contains(err.Error(), testSecret[:3]) || strings.Contains(err.Error(), "[REDA...") {
			t.Errorf("secret at offset %d: the error holds part of the secret or of its redaction: %v", offset, err)
		}
	}
}
