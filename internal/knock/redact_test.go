package knock_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// TestClient_neverPutsTheKeyInAnError: a server that echoes the key (in its error body, a header, a
// redirect, an answer that is not JSON) must not get it into an error, which becomes a diagnostic.
func TestClient_neverPutsTheKeyInAnError(t *testing.T) {
	tests := map[string]http.HandlerFunc{
		"error JSON": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"code":"%[1]s","message":"key %[1]s is not valid","type":"%[1]s","errors":[{"field":"%[1]s","message":"%[1]s"}]}`, testKey)
		},
		"proxy page": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte("<html>Authorization: " + r.Header.Get("Authorization") + "</html>"))
		},
		"request id header": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(knock.RequestIDHeader, testKey)
			w.WriteHeader(http.StatusBadRequest)
		},
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/login?key="+testKey, http.StatusFound)
		},
		"200 that is not JSON": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(testKey))
		},
	}
	for name, handler := range tests {
		t.Run(name, func(t *testing.T) {
			ts, _ := countingServer(t, handler)
			_, err := newClient(t, knock.Config{BaseURL: ts.URL}).ListMemberships(context.Background(), "aud")
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("the error holds the API key: %v", err)
			}
		})
	}
}

// TestClient_redactsTheKeyBeforeCuttingAnErrorPage: an error page is cut to a short snippet; a key that
// crosses the cut must not leave its first characters in the error, at any position.
func TestClient_redactsTheKeyBeforeCuttingAnErrorPage(t *testing.T) {
	for offset := 180; offset <= 200; offset++ {
		ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(strings.Repeat("x", offset) + r.Header.Get("Authorization")[len("Bearer "):] + " trailer"))
		})
		_, err := newClient(t, knock.Config{BaseURL: ts.URL}).ListMemberships(context.Background(), "aud")
		if err == nil {
			t.Fatal("want an error")
		}
		if strings.Contains(err.Error(), testKey[:3]) || strings.Contains(err.Error(), "[REDA...") {
			t.Errorf("key at offset %d: the error holds part of the key or of its redaction: %v", offset, err)
		}
	}
}
