package provider

import (
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// claims remembers, for the length of one provider process, what each resource of an audience declares
// and removes, so that resources that would undo each other's work, or a destroy that would remove what
// another resource declares, are reported at plan time. Terraform does not tell a provider the resource's
// address: a resource is known by its owner, a random id kept in its private state from its create or
// import on, or, before it has one, by a fingerprint of what it declares. A resource planned again (the
// plan Terraform makes at apply, or the next run block of `terraform test`, which may keep one provider
// process) replaces its own claims instead of conflicting with them.
type claims struct {
	mu         sync.Mutex
	byAudience map[string][]claim
}

// audienceLocks holds a mutex per audience key, so that the reads and writes of the resources of one
// audience in one provider process never interleave.
type audienceLocks struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// claim is one resource's declared or removed memberships of one audience.
type claim struct {
	owner       string
	fingerprint uint64
	// successor, for the destroy half of a replacement, is the fingerprint of the object replacing it.
	successor uint64
	resource  string // how a diagnostic names the resource
	// scope is the slice of the audience an authoritative knock_audience_members owns.
	scope         changeset.Scope
	authoritative bool
	removes       bool
	memberships   []knock.Membership
}

// lock serialises the work of one audience; it returns the unlock.
func (l *audienceLocks) lock(audienceKey string) func() {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*sync.Mutex{}
	}
	mu := l.locks[audienceKey]
	if mu == nil {
		mu = &sync.Mutex{}
		l.locks[audienceKey] = mu
	}
	l.mu.Unlock()
	mu.Lock()
	return mu.Unlock
}

// claimsFor describes what a knock_audience_members declares and removes.
func (s membersSettings) claimsFor(audienceKey string, declared, removed []knock.Membership, successor uint64) []claim {
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
	var out []claim
	if declared != nil {
		out = append(out, claim{fingerprint: fp, resource: describe + ", declaring " + knockdiag.Plural(len(declared), "member"),
			scope: s.scope(), authoritative: s.authoritative, memberships: declared})
	}
	if len(removed) > 0 {
		out = append(out, claim{fingerprint: fp, successor: successor, resource: describe, scope: s.scope(), removes: true, memberships: removed})
	}
	return out
}

// memberClaims describes what a knock_audience_member declares, or removes when destroyed.
func memberClaims(audienceKey string, m knock.Membership, removes bool) []claim {
	tenant := "without tenant"
	if m.Tenant != "" {
		tenant = fmt.Sprintf("under tenant %q", m.Tenant)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "member\x00%s\x00%s", m.UserID, m.Tenant)
	return []claim{{
		fingerprint: h.Sum64(), removes: removes, memberships: []knock.Membership{m},
		resource: fmt.Sprintf("a knock_audience_member for user %q (%s) on audience %q", m.UserID, tenant, audienceKey),
	}}
}

func (c claim) sameResource(other claim) bool {
	if c.owner != "" || other.owner != "" {
		return c.owner == other.owner
	}
	return c.fingerprint == other.fingerprint
}

// register records one resource's claims on an audience, in place of its earlier ones, and reports their
// conflicts with the other resources' claims.
func (c *claims) register(audienceKey, owner string, next []claim) []*tfprotov6.Diagnostic {
	for i := range next {
		next[i].owner = owner
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byAudience == nil {
		c.byAudience = map[string][]claim{}
	}
	var kept []claim
	var diags []*tfprotov6.Diagnostic
	for _, other := range c.byAudience[audienceKey] {
		if len(next) > 0 && next[0].sameResource(other) || len(next) == 0 && owner != "" && other.owner == owner {
			continue // this resource's earlier claim
		}
		kept = append(kept, other)
		for _, mine := range next {
			if d := conflict(mine, other); d != nil {
				diags = append(diags, d)
			}
		}
	}
	c.byAudience[audienceKey] = append(kept, next...)
	return diags
}

// adopt gives a created resource's claims the owner it now has.
func (c *claims) adopt(audienceKey string, fingerprint uint64, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, other := range c.byAudience[audienceKey] {
		if other.owner == "" && other.fingerprint == fingerprint {
			c.byAudience[audienceKey][i].owner = owner
		}
	}
}

// release forgets a destroyed resource's claims.
func (c *claims) release(audienceKey, owner string) {
	if owner == "" {
		return
	}
	c.register(audienceKey, owner, nil)
}

// notDeclaredByOthers returns the memberships of ms that no other resource's claim declares.
func (c *claims) notDeclaredByOthers(audienceKey, owner string, ms []knock.Membership) []knock.Membership {
	c.mu.Lock()
	defer c.mu.Unlock()
	declared := map[knock.Membership]struct{}{}
	for _, other := range c.byAudience[audienceKey] {
		if other.removes || owner != "" && other.owner == owner {
			continue
		}
		for _, m := range other.memberships {
			declared[m] = struct{}{}
		}
	}
	if len(declared) == 0 {
		return ms
	}
	out := make([]knock.Membership, 0, len(ms))
	for _, m := range ms {
		if _, ok := declared[m]; !ok {
			out = append(out, m)
		}
	}
	return out
}

func conflict(a, b claim) *tfprotov6.Diagnostic {
	if a.removes && b.removes {
		return nil
	}
	if a.removes || b.removes {
		removal, declaration := a, b
		if b.removes {
			removal, declaration = b, a
		}
		if removal.successor != 0 && removal.successor == declaration.fingerprint && declaration.owner == "" {
			return nil // a replacement: the create half declares what its destroy half removes
		}
		shared := overlap(removal.memberships, declaration.memberships)
		if len(shared) == 0 {
			return nil
		}
		return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Audience Members Removed And Declared",
			Detail: fmt.Sprintf("This plan removes %s (%s) through %s, and another resource declares %s: %s. Terraform may "+
				"run the two in either order, so the memberships could end up missing. Nothing was sent to Knock.\n\n"+
				"If you renamed the resource, add a moved block (moved { from = OLD_ADDRESS, to = NEW_ADDRESS }). To hand "+
				"memberships over to another resource, forget the old one without removing anything (a removed block with "+
				"lifecycle { destroy = false }, or on_destroy = \"keep\" applied first), or remove them in one apply and declare "+
				"them in the next.", knockdiag.Plural(len(shared), "membership"), knockdiag.ExampleList(shared), removal.resource,
				map[bool]string{true: "it", false: "them"}[len(shared) == 1], declaration.resource)}
	}
	both := fmt.Sprintf("This resource is %s.\nAnother is %s.", a.resource, b.resource)
	for _, pair := range [][2]claim{{a, b}, {b, a}} {
		owner, other := pair[0], pair[1]
		if !owner.authoritative {
			continue
		}
		if owner.scope.Tenant == "" {
			return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Audience Claimed Twice",
				Detail: both + "\n\nAn authoritative resource for the whole audience removes every membership it does not declare, " +
					"so each apply would undo the other resource. Declare the audience in one resource, or split it with tenant = ..., " +
					"or set authoritative = false on the resources that share it."}
		}
		if other.authoritative && other.scope.Tenant == owner.scope.Tenant || !other.authoritative && anyUnder(other.memberships, owner.scope.Tenant) {
			return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Audience Tenant Claimed Twice",
				Detail: both + fmt.Sprintf("\n\nAn authoritative resource for tenant %q removes the memberships under that tenant "+
					"that it does not declare, so each apply would undo the other. Use one resource per tenant, or authoritative = false on both.", owner.scope.Tenant)}
		}
	}
	if a.authoritative || b.authoritative {
		return nil
	}
	shared := overlap(a.memberships, b.memberships)
	if len(shared) == 0 {
		return nil
	}
	return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityWarning, Summary: "Audience Members Declared Twice",
		Detail: both + fmt.Sprintf("\n\nBoth declare %s (%s). If one of them drops a membership, it removes it although "+
			"the other still declares it. Declare each membership in one resource.", knockdiag.Plural(len(shared), "membership"), knockdiag.ExampleList(shared))}
}

func anyUnder(ms []knock.Membership, tenant string) bool {
	for _, m := range ms {
		if m.Tenant == tenant {
			return true
		}
	}
	return false
}

// overlap returns the memberships in both a and b, sorted.
func overlap(a, b []knock.Membership) []knock.Membership {
	if len(a) > len(b) {
		a, b = b, a
	}
	small := changeset.SetOf(a)
	var shared []knock.Membership
	for _, m := range b {
		if _, ok := small[m]; ok {
			shared = append(shared, m)
			delete(small, m)
		}
	}
	knock.SortMemberships(shared)
	return shared
}

// fingerprint identifies a knock_audience_members by its scope and memberships, independent of their order.
func fingerprint(settings membersSettings, desired []knock.Membership) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%t\x00%d", settings.tenant, settings.authoritative, len(desired))
	sum := h.Sum64()
	for _, m := range desired {
		h.Reset()
		h.Write([]byte(m.UserID))
		h.Write([]byte{0})
		h.Write([]byte(m.Tenant))
		sum ^= h.Sum64()
	}
	return sum
}

// fingerprintOf is the fingerprint of the memberships a state declares.
func fingerprintOf(obj audienceMembersObject) uint64 {
	settings := obj.settings()
	members, err := obj.Members.tenants()
	if err != nil {
		return 0
	}
	return fingerprint(settings, settings.declared(members))
}
