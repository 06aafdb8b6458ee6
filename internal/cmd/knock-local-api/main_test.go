package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/localknock"
)

func TestNameEnvironments(t *testing.T) {
	keys := []string{"sk_a", "sk_b", "sk_c"}
	srv := localknock.New(keys...)
	if err := nameEnvironments(srv, keys, []string{"sk_a=production", "sk_b=development", "sk_c=staging"}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"sk_a": "production", "sk_b": "development", "sk_c": "staging"} {
		if got := srv.EnvironmentSlug(key); got != want {
			t.Errorf("%s is %q, want %q", key, got, want)
		}
	}

	for _, tc := range []struct{ pairs, want string }{
		{"sk_a", "want KEY=SLUG"},
		{"sk_a=", "want KEY=SLUG"},
		{"sk_x=staging", "not one of -api-key's"},
		{"sk_c=development", `two environments would be named "development"`},
		{"sk_a=qa,sk_b=qa", `two environments would be named "qa"`},
	} {
		err := nameEnvironments(localknock.New(keys...), keys, strings.Split(tc.pairs, ","))
		if err == nil || !strings.Contains(err.Error(), tc.want) ||
			slices.ContainsFunc(append(keys, "sk_x"), func(k string) bool { return strings.Contains(err.Error(), k) }) {
			t.Errorf("%s: error %v, want one saying %q without a key", tc.pairs, err, tc.want)
		}
	}
}
