// Package claims finds, at plan time, the resources of one provider process that would undo each other's
// work on an audience. Each resource registers what it declares and, for a destroy or a shrinking plan,
// what it removes; a registration is checked against the other resources' claims on the audience, and the
// conflicts come back as the diagnostics Terraform shows: an authoritative knock_audience_members claimed
// twice (for the whole audience, or for one tenant), a membership removed by one resource and declared by
// another, a membership declared twice. At apply, a destroy asks which of the memberships it would remove
// no other resource declares, and the destroy half of a replacement takes its guard rails from its
// successor.
//
// Terraform does not tell a provider a resource's address: a resource is known by its owner (NewOwner), a
// random id kept in its private state, or until it has one by a fingerprint of what it declares.
package claims

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// Registry remembers, for the length of one provider process, what each resource of an audience declares
// and removes (see the package doc). A resource planned again (the plan Terraform makes at apply, or the
// next run block of `terraform test`, which may keep one provider process) replaces its own claims
// instead of conflicting with them.
type Registry struct {
	mu         sync.Mutex
	byAudience map[string][]Claim
}

// Claim is one resource's declared or removed memberships of one audience.
type Claim struct {
	Owner       string
	Fingerprint uint64
	// Successor, for the destroy half of a replacement, is the fingerprint of the object replacing it.
	Successor uint64
	Resource  string // how a diagnostic names the resource
	// Scope is the slice of the audience an authoritative knock_audience_members owns.
	Scope         changeset.Scope
	Authoritative bool
	Removes       bool
	// Applied: the declaring object was created by an apply of this process, so every later destroy in
	// this process leaves what it declares (NotDeclaredByOthers): the deposed object of a
	// create_before_destroy replacement, destroyed after its successor's create, can remove the rest.
	Applied     bool
	Memberships []changeset.Membership
	// Limits are the declaring resource's guard rails.
	Limits Limits
}

// Limits are a knock_audience_members' max_removals and max_removal_percent (nil: not set).
type Limits struct {
	MaxRemovals       *int64
	MaxRemovalPercent *float64
}

// SuccessorLimits returns the limits of the object that replaced owner's within scope of an audience,
// created by an apply of this process: the deposed object of a create_before_destroy replacement is
// destroyed with the limits its replacement's plan checked, not the ones it was created with. Only an
// authoritative scope tells: two resources never own one, while managed-only siblings may share theirs.
func (c *Registry) SuccessorLimits(audienceKey, owner string, scope changeset.Scope) (Limits, bool) {
	if !scope.Authoritative {
		return Limits{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, other := range c.byAudience[audienceKey] {
		if other.Applied && !other.Removes && other.Owner != owner && other.Scope == scope {
			return other.Limits, true
		}
	}
	return Limits{}, false
}

// ForMember describes what a knock_audience_member declares, or removes when destroyed.
func ForMember(audienceKey string, m changeset.Membership, removes bool) []Claim {
	h := fnv.New64a()
	fmt.Fprintf(h, "member\x00%s\x00%s", m.UserID, m.Tenant)
	return []Claim{{
		Fingerprint: h.Sum64(), Removes: removes, Memberships: []changeset.Membership{m},
		Resource: fmt.Sprintf("a knock_audience_member for %s on audience %q", m, audienceKey),
	}}
}

func (c Claim) sameResource(other Claim) bool {
	if c.Owner != "" || other.Owner != "" {
		return c.Owner == other.Owner
	}
	return c.Fingerprint == other.Fingerprint
}

// Register records one resource's claims on an audience, in place of its earlier ones, and reports their
// conflicts with the other resources' claims.
func (c *Registry) Register(audienceKey, owner string, next []Claim) []*tfprotov6.Diagnostic {
	return c.register(audienceKey, owner, next, false)
}

// RegisterSuccessor records the claims of the object that replaces a resource's current one (the create
// half of a replacement, planned with the owner of the object it replaces): they take the place of the
// resource's earlier declarations, while what its destroy half removes stays claimed. The two halves of
// one resource never conflict with each other.
func (c *Registry) RegisterSuccessor(audienceKey, owner string, next []Claim) []*tfprotov6.Diagnostic {
	return c.register(audienceKey, owner, next, true)
}

func (c *Registry) register(audienceKey, owner string, next []Claim, successor bool) []*tfprotov6.Diagnostic {
	for i := range next {
		next[i].Owner = owner
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byAudience == nil {
		c.byAudience = map[string][]Claim{}
	}
	earlier := c.byAudience[audienceKey]
	kept := earlier[:0] // filtered in place: a plan registers once per resource, so copies would be quadratic
	var diags []*tfprotov6.Diagnostic
	for _, other := range earlier {
		own := len(next) > 0 && next[0].sameResource(other) || len(next) == 0 && owner != "" && other.Owner == owner
		if own && (!successor || !other.Removes) {
			continue // this resource's earlier claim
		}
		kept = append(kept, other)
		if own {
			continue // the destroy half of this resource's replacement
		}
		for _, mine := range next {
			if d := conflict(mine, other); d != nil {
				diags = append(diags, d)
			}
		}
	}
	c.byAudience[audienceKey] = append(kept, next...)
	return diags
}

// Adopt gives a created resource's claims the owner it now has, and marks them applied.
func (c *Registry) Adopt(audienceKey string, fingerprint uint64, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, other := range c.byAudience[audienceKey] {
		if other.Owner == "" && other.Fingerprint == fingerprint {
			c.byAudience[audienceKey][i].Owner = owner
			c.byAudience[audienceKey][i].Applied = true
		}
	}
}

// Release forgets a destroyed resource's claims.
func (c *Registry) Release(audienceKey, owner string) {
	if owner == "" {
		return
	}
	c.Register(audienceKey, owner, nil)
}

// NotDeclaredByOthers returns the memberships of ms that no other resource's claim declares.
func (c *Registry) NotDeclaredByOthers(audienceKey, owner string, ms []changeset.Membership) []changeset.Membership {
	c.mu.Lock()
	defer c.mu.Unlock()
	declared := map[changeset.Membership]struct{}{}
	for _, other := range c.byAudience[audienceKey] {
		if other.Removes || owner != "" && other.Owner == owner {
			continue
		}
		for _, m := range other.Memberships {
			declared[m] = struct{}{}
		}
	}
	if len(declared) == 0 {
		return ms
	}
	out := make([]changeset.Membership, 0, len(ms))
	for _, m := range ms {
		if _, ok := declared[m]; !ok {
			out = append(out, m)
		}
	}
	return out
}

func conflict(a, b Claim) *tfprotov6.Diagnostic {
	if a.Removes && b.Removes {
		return nil
	}
	if a.Removes || b.Removes {
		removal, declaration := a, b
		if b.Removes {
			removal, declaration = b, a
		}
		if removal.Successor != 0 && removal.Successor == declaration.Fingerprint && declaration.Owner == "" || declaration.Applied {
			return nil // a replacement: the create half declares what its destroy half removes
		}
		shared := overlap(removal.Memberships, declaration.Memberships)
		if len(shared) == 0 {
			return nil
		}
		return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Audience Members Removed And Declared",
			Detail: fmt.Sprintf("This plan removes %s (%s) through %s, and another resource declares %s: %s. Terraform may "+
				"run the two in either order, so the memberships could end up missing. Nothing was sent to Knock.\n\n"+
				"If you renamed the resource, add a moved block (moved { from = OLD_ADDRESS, to = NEW_ADDRESS }). To hand "+
				"memberships over to another resource, forget the old one without removing anything (a removed block with "+
				"lifecycle { destroy = false }, or on_destroy = \"keep\" applied first), or remove them in one apply and declare "+
				"them in the next.", knockdiag.Plural(len(shared), "membership"), knockdiag.ExampleList(shared), removal.Resource,
				map[bool]string{true: "it", false: "them"}[len(shared) == 1], declaration.Resource)}
	}
	both := func() string { return fmt.Sprintf("This resource is %s.\nAnother is %s.", a.Resource, b.Resource) }
	for _, pair := range [][2]Claim{{a, b}, {b, a}} {
		owner, other := pair[0], pair[1]
		if !owner.Authoritative {
			continue
		}
		if owner.Scope.Tenant == "" {
			return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Audience Claimed Twice",
				Detail: both() + "\n\nAn authoritative resource for the whole audience removes every membership it does not declare, " +
					"so each apply would undo the other resource. Declare the audience in one resource, or split it with tenant = ..., " +
					"or set authoritative = false on the resources that share it."}
		}
		if other.Authoritative && other.Scope.Tenant == owner.Scope.Tenant || !other.Authoritative && anyUnder(other.Memberships, owner.Scope.Tenant) {
			return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Audience Tenant Claimed Twice",
				Detail: both() + fmt.Sprintf("\n\nAn authoritative resource for tenant %q removes the memberships under that tenant "+
					"that it does not declare, so each apply would undo the other. Use one resource per tenant, or authoritative = false on both.", owner.Scope.Tenant)}
		}
	}
	if a.Authoritative || b.Authoritative {
		return nil
	}
	shared := overlap(a.Memberships, b.Memberships)
	if len(shared) == 0 {
		return nil
	}
	return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityWarning, Summary: "Audience Members Declared Twice",
		Detail: both() + fmt.Sprintf("\n\nBoth declare %s (%s). If one of them drops a membership, it removes it although "+
			"the other still declares it. Declare each membership in one resource.", knockdiag.Plural(len(shared), "membership"), knockdiag.ExampleList(shared))}
}

func anyUnder(ms []changeset.Membership, tenant string) bool {
	for _, m := range ms {
		if m.Tenant == tenant {
			return true
		}
	}
	return false
}

// overlap returns the memberships in both a and b, sorted.
func overlap(a, b []changeset.Membership) []changeset.Membership {
	if len(a) > len(b) {
		a, b = b, a
	}
	var shared []changeset.Membership
	if len(a) == 1 {
		// A knock_audience_member's claim, checked against every other claim on its audience: no set.
		if slices.Contains(b, a[0]) {
			shared = a
		}
		return shared
	}
	small := changeset.SetOf(a)
	for _, m := range b {
		if _, ok := small[m]; ok {
			shared = append(shared, m)
			delete(small, m)
		}
	}
	changeset.SortMemberships(shared)
	return shared
}

// NewOwner is a random identity for a resource instance: its owner in Registry.
func NewOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
