package claims_test

import (
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/claims"
)

// A successor is an applied object of the same authoritative scope: a managed-only sibling created in the
// same process is not one, so a destroy next to it keeps its own limits.
func TestRegistry_successorOnlyInAnAuthoritativeScope(t *testing.T) {
	two := int64(2)
	for _, authoritative := range []bool{true, false} {
		var r claims.Registry
		scope := changeset.Scope{Tenant: "acme", Authoritative: authoritative}
		r.Register("aud", "", []claims.Claim{{Fingerprint: 7, Scope: scope, Authoritative: authoritative,
			Memberships: []changeset.Membership{{UserID: "a", Tenant: "acme"}}, Limits: claims.Limits{MaxRemovals: &two}}})
		r.Adopt("aud", 7, "new")
		limits, ok := r.SuccessorLimits("aud", "old", scope)
		if ok != authoritative || ok && limits.MaxRemovals != &two {
			t.Errorf("authoritative = %t: successor %t, limits %+v", authoritative, ok, limits)
		}
		if _, ok := r.SuccessorLimits("aud", "new", scope); ok {
			t.Errorf("authoritative = %t: an object is its own successor", authoritative)
		}
	}
}
