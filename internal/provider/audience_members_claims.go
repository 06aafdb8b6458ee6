package provider

import (
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// claims remembers, for the length of one provider process (one plan or apply), which slice of which
// audience each knock_audience_members claims, so that two resources that would undo each other's work
// are reported at plan time. Terraform does not tell a provider the resource's address, so a claim is
// described by what it owns.
type claims struct {
	mu         sync.Mutex
	byAudience map[string][]claim
}

type claim struct {
	tenant        string
	authoritative bool
	members       int
	fingerprint   uint64
	// declared is kept for managed-only claims, whose overlaps are found member by member.
	declared map[knock.Membership]struct{}
}

func (c claim) describe(audienceKey string) string {
	mode := "authoritative"
	if !c.authoritative {
		mode = "managed-only"
	}
	scope := "the whole audience"
	if c.tenant != "" {
		scope = fmt.Sprintf("tenant %q", c.tenant)
	}
	return fmt.Sprintf("a knock_audience_members on audience %q, %s of %s, declaring %s", audienceKey, mode, scope, plural(c.members, "member"))
}

// register records a claim and reports its conflicts with the claims recorded before it. Planning the
// same resource twice in one process (as an apply does) is not a conflict: identical claims are skipped.
func (c *claims) register(audienceKey string, settings membersSettings, desired []knock.Membership) []*tfprotov6.Diagnostic {
	next := claim{tenant: settings.tenant, authoritative: settings.authoritative, members: len(desired), fingerprint: fingerprint(settings, desired)}
	if !settings.authoritative {
		next.declared = make(map[knock.Membership]struct{}, len(desired))
		for _, m := range desired {
			next.declared[m] = struct{}{}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byAudience == nil {
		c.byAudience = map[string][]claim{}
	}
	var diags []*tfprotov6.Diagnostic
	for _, other := range c.byAudience[audienceKey] {
		if other.fingerprint == next.fingerprint {
			return nil
		}
		if d := conflict(audienceKey, next, other); d != nil {
			diags = append(diags, d)
		}
	}
	c.byAudience[audienceKey] = append(c.byAudience[audienceKey], next)
	return diags
}

func conflict(audienceKey string, a, b claim) *tfprotov6.Diagnostic {
	both := fmt.Sprintf("This resource is %s.\nAnother is %s.", a.describe(audienceKey), b.describe(audienceKey))
	switch {
	case a.authoritative && a.tenant == "" || b.authoritative && b.tenant == "":
		return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Audience Claimed Twice",
			Detail: both + "\n\nAn authoritative resource for the whole audience removes every membership it does not declare, " +
				"so each apply would undo the other resource. Declare the audience in one resource, or split it with tenant = ..., " +
				"or set authoritative = false on the resources that share it."}
	case a.tenant == b.tenant && (a.authoritative || b.authoritative):
		return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Audience Tenant Claimed Twice",
			Detail: both + fmt.Sprintf("\n\nAn authoritative resource for tenant %q removes the memberships under that tenant "+
				"that it does not declare. Use one resource per tenant, or authoritative = false on both.", a.tenant)}
	case !a.authoritative && !b.authoritative:
		var shared []knock.Membership
		for m := range a.declared {
			if _, ok := b.declared[m]; ok {
				shared = append(shared, m)
			}
		}
		if len(shared) == 0 {
			return nil
		}
		knock.SortMemberships(shared)
		return &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityWarning, Summary: "Audience Members Declared Twice",
			Detail: both + fmt.Sprintf("\n\nBoth declare %s (%s). If one of them drops a membership, it removes it although "+
				"the other still declares it. Declare each membership in one resource.", plural(len(shared), "membership"), exampleList(shared))}
	}
	return nil
}

// fingerprint identifies a claim by its settings and memberships, independent of their order.
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
