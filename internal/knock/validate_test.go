package knock_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

func TestNew_refusesKeysKnockCannotUse(t *testing.T) {
	tests := map[string]string{
		"sk_test_abc\n":   "has a trailing newline",
		"sk_test_abc\r\n": "has a trailing newline",
		"sk_test_abc ":    "has trailing whitespace",
		" sk_test_abc":    "has leading whitespace",
		"\tsk_test_abc\n": "has leading and trailing whitespace",
		"sk_test\x00abc":  "has a control character",
		"pk_test_abc":     "is a publishable key (pk_...)",
		"knock_st_abc":    "is a Management API service token",
	}
	for key, want := range tests {
		_, err := knock.New(knock.Config{APIKey: key})
		wantError(t, err, want)
		if problem := knock.APIKeyProblem(key); !strings.Contains(problem, want) {
			t.Errorf("APIKeyProblem(%q) = %q, want it to contain %q", key, problem, want)
		}
	}
	if problem := knock.APIKeyProblem("sk_test_abc"); problem != "" {
		t.Errorf("a secret key: %q", problem)
	}
}

func TestNew_baseURLEndingInV1IsNormalised(t *testing.T) {
	var paths []string
	ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	})
	for _, suffix := range []string{"/v1", "/v1/", "/"} {
		client := newClient(t, knock.Config{BaseURL: ts.URL + suffix})
		if _, err := client.AddMembers(context.Background(), "aud", memberships(1, "")); err != nil {
			t.Fatal(err)
		}
	}
	for i, path := range paths {
		if path != "/v1/audiences/aud/members" {
			t.Errorf("request %d went to %q", i, path)
		}
	}
}

// TestNew_refusesBranchKnockCannotUse: a branch with a newline failed in Go's header check as a network
// error, retried four times; it is refused before any request.
func TestNew_refusesBranchKnockCannotUse(t *testing.T) {
	for branch, want := range map[string]string{
		"feature\n": "has whitespace at the start or end",
		" feature":  "has whitespace at the start or end",
		"a\x00b":    "has a control character",
	} {
		_, err := knock.New(knock.Config{APIKey: testKey, Branch: branch})
		wantError(t, err, "knock: the branch", want)
	}
	if _, err := knock.New(knock.Config{APIKey: testKey, Branch: "feature-1"}); err != nil {
		t.Errorf("branch feature-1: %v", err)
	}
}

// TestClient_refusesDotSegmentAudienceKey: "." and ".." cannot be one path segment (a URL resolves them,
// DELETE /v1/audiences/../members), so the client refuses them before any request, whatever its caller
// validated.
func TestClient_refusesDotSegmentAudienceKey(t *testing.T) {
	ts, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	client := newClient(t, knock.Config{BaseURL: ts.URL})
	ctx := context.Background()
	for _, key := range []string{".", ".."} {
		_, err := client.RemoveMembers(ctx, key, memberships(1, ""))
		wantError(t, err, fmt.Sprintf("audience key %q", key), "cannot be sent")
		_, err = client.AddMembers(ctx, key, memberships(1, ""))
		wantError(t, err, "cannot be sent")
		_, err = client.ListMemberships(ctx, key)
		wantError(t, err, "cannot be sent")
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}
