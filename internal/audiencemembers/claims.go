package audiencemembers

import (
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/claims"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// What a knock_audience_members declares and removes, as claims (claims.Registry) that the other
// resources of the run are checked against.
//
// claimsFor describes what a knock_audience_members declares and removes.
func (s membersSettings) claimsFor(audienceKey string, declared, removed []changeset.Membership, successor uint64) []claims.Claim {
	mode := "authoritative"
	if !s.authoritative {
		mode = "managed-only"
	}
	scope := "the whole audience"
	if s.tenant != "" {
		scope = fmt.Sprintf("tenant %q", s.tenant)
	}
	describe := fmt.Sprintf("a knock_audience_members on audience %q, %s of %s", audienceKey, mode, scope)
	fp := fingerprint(s, declared)
	if declared == nil {
		fp = fingerprint(s, removed) // a destroy: the resource is known by what it declared
	}
	var out []claims.Claim
	if declared != nil {
		out = append(out, claims.Claim{Fingerprint: fp, Resource: describe + ", declaring " + knockdiag.Plural(len(declared), "member") + examplesOf(declared),
			Scope: s.scope(), Authoritative: s.authoritative, Memberships: declared, Limits: s.limits()})
	}
	if len(removed) > 0 {
		out = append(out, claims.Claim{Fingerprint: fp, Successor: successor, Resource: describe, Scope: s.scope(), Removes: true, Memberships: removed})
	}
	return out
}

// fingerprint identifies a knock_audience_members by its scope and memberships, independent of their order.
func fingerprint(settings membersSettings, desired []changeset.Membership) uint64 {
	var sum uint64
	for _, m := range desired {
		sum ^= membershipHash(m)
	}
	return sum ^ scopeHash(settings, len(desired))
}

// fingerprintOf is the fingerprint of the memberships a state declares, read straight from the members
// msgpack: a create's apply computes it once, for a map of up to a million entries.
func fingerprintOf(obj object) uint64 {
	settings := obj.settings()
	var sum uint64
	n := 0
	err := obj.Members.each(func(userID, tenant string, kind tenantKind) error {
		if kind == tenantUnknown {
			return errUnknownTenant
		}
		if settings.tenant != "" {
			tenant = settings.tenant
		}
		sum ^= membershipHash(changeset.Membership{UserID: userID, Tenant: tenant})
		n++
		return nil
	})
	if err != nil {
		return 0
	}
	return sum ^ scopeHash(settings, n)
}

var errUnknownTenant = errors.New("a member's tenant is unknown")

func scopeHash(settings membersSettings, members int) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%t\x00%d", settings.tenant, settings.authoritative, members)
	return h.Sum64()
}

func membershipHash(m changeset.Membership) uint64 {
	h := fnv.New64a()
	h.Write([]byte(m.UserID))
	h.Write([]byte{0})
	h.Write([]byte(m.Tenant))
	return h.Sum64()
}
