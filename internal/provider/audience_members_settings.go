package provider

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// membersSettings are the ownership and guard-rail settings of one knock_audience_members, with
// defaults applied. Values unknown at plan time count as their defaults, and known counts as false.
type membersSettings struct {
	authoritative   bool
	tenant          string // "" = the whole audience
	tenantKnown     bool
	createAudience  bool
	keepOnDestroy   bool
	errorOnExisting bool
	maxRemovals     *int64
	maxRemovalPct   *float64
}

const (
	onDestroyRemove = "remove"
	onDestroyKeep   = "keep"
	onExistingWarn  = "warn"
	onExistingError = "error"
)

func (o audienceMembersObject) settings() membersSettings {
	s := membersSettings{authoritative: true, tenantKnown: true}
	if b, ok := knownBool(o.Settings["authoritative"]); ok {
		s.authoritative = b
	}
	if v := o.Settings["tenant"]; !v.IsKnown() {
		s.tenantKnown = false
	} else {
		s.tenant = stringOf(v)
	}
	s.createAudience, _ = knownBool(o.Settings["create_audience"])
	s.keepOnDestroy = stringOf(o.Settings["on_destroy"]) == onDestroyKeep
	s.errorOnExisting = stringOf(o.Settings["on_existing_members"]) == onExistingError
	if n, ok := knownNumber(o.Settings["max_removals"]); ok {
		i, _ := n.Int64()
		s.maxRemovals = &i
	}
	if n, ok := knownNumber(o.Settings["max_removal_percent"]); ok {
		f, _ := n.Float64()
		s.maxRemovalPct = &f
	}
	return s
}

func knownBool(v tftypes.Value) (bool, bool) {
	var b bool
	if !v.IsKnown() || v.IsNull() || v.As(&b) != nil {
		return false, false
	}
	return b, true
}

func knownNumber(v tftypes.Value) (*big.Float, bool) {
	n := new(big.Float)
	if !v.IsKnown() || v.IsNull() || v.As(&n) != nil {
		return nil, false
	}
	return n, true
}

// scopeID is the resource's id for an audience: AUDIENCE_KEY, or AUDIENCE_KEY/TENANT for a tenant's slice.
func (s membersSettings) scopeID(audienceKey string) string {
	if s.tenant != "" {
		return audienceKey + "/" + s.tenant
	}
	return audienceKey
}

// scopeLabel names what a resource owns, for diagnostics.
func (s membersSettings) scopeLabel(audienceKey string) string {
	label := fmt.Sprintf("audience %q", audienceKey)
	if s.tenant != "" {
		label = fmt.Sprintf("tenant %q of audience %q", s.tenant, audienceKey)
	}
	if !s.authoritative {
		label += " (managed-only)"
	}
	return label
}

// inScope reports whether a live membership belongs to the resource's slice of the audience.
func (s membersSettings) inScope(m knock.Membership) bool {
	return s.tenant == "" || m.Tenant == s.tenant
}

// held returns the live memberships in the resource's scope: live itself, without a copy, for the
// whole audience.
func (s membersSettings) held(live []knock.Membership) []knock.Membership {
	if s.tenant == "" {
		return live
	}
	inScope := make([]knock.Membership, 0, len(live))
	for _, m := range live {
		if s.inScope(m) {
			inScope = append(inScope, m)
		}
	}
	return inScope
}

// declared turns a members map into memberships: with a tenant scope every member is under that tenant.
func (s membersSettings) declared(members map[string]string) []knock.Membership {
	if s.tenant == "" {
		return membershipsOf(members)
	}
	out := make([]knock.Membership, 0, len(members))
	for userID := range members {
		out = append(out, knock.Membership{UserID: userID, Tenant: s.tenant})
	}
	return out
}

// stateMembers projects live memberships onto the members map the state shows. owned, for a managed-only
// resource, is what it declared before: other memberships are not its business.
func (s membersSettings) stateMembers(live []knock.Membership, prior map[string]string, owned []knock.Membership) (map[string]string, int) {
	if !s.authoritative {
		liveSet := make(map[knock.Membership]struct{}, len(live))
		for _, m := range live {
			liveSet[m] = struct{}{}
		}
		out := make(map[string]string, len(owned))
		for _, m := range owned {
			if _, ok := liveSet[m]; ok {
				out[m.UserID] = prior[m.UserID]
			}
		}
		return out, len(out)
	}
	if s.tenant == "" {
		return membersFromLive(live, prior), len(live)
	}
	out := map[string]string{}
	for _, m := range live {
		if m.Tenant == s.tenant {
			out[m.UserID] = ""
		}
	}
	return out, len(out)
}

// changes computes what to add and remove: an authoritative resource makes its slice hold exactly what
// it declares; a managed-only one adds what it declares and removes only what it declared before and
// no longer does.
func (s membersSettings) changes(desired, live, owned []knock.Membership) (toAdd, toRemove []knock.Membership) {
	if s.authoritative {
		return knock.Diff(desired, s.held(live))
	}
	toAdd, _ = knock.Diff(desired, live)
	desiredSet := make(map[knock.Membership]struct{}, len(desired))
	for _, m := range desired {
		desiredSet[m] = struct{}{}
	}
	liveSet := make(map[knock.Membership]struct{}, len(live))
	for _, m := range live {
		liveSet[m] = struct{}{}
	}
	for _, m := range owned {
		_, stillDeclared := desiredSet[m]
		_, isLive := liveSet[m]
		if !stillDeclared && isLive {
			toRemove = append(toRemove, m)
		}
	}
	knock.SortMemberships(toRemove)
	return toAdd, toRemove
}

// checkRemovals is the guard against an empty data source: it refuses a change that removes more
// memberships than max_removals or max_removal_percent of what the slice holds.
func (s membersSettings) checkRemovals(audienceKey string, removals, held int, examples []knock.Membership) []*tfprotov6.Diagnostic {
	limit, setting := -1, ""
	if s.maxRemovals != nil {
		limit, setting = int(*s.maxRemovals), fmt.Sprintf("max_removals = %d", *s.maxRemovals)
	}
	if s.maxRemovalPct != nil {
		pctLimit := int(*s.maxRemovalPct * float64(held) / 100)
		if limit < 0 || pctLimit < limit {
			limit, setting = pctLimit, fmt.Sprintf("max_removal_percent = %g (%s of %s)", *s.maxRemovalPct, thousands(pctLimit), plural(held, "membership"))
		}
	}
	if limit < 0 || removals <= limit {
		return nil
	}
	return errorDiagnostics("Too Many Audience Members To Remove",
		fmt.Sprintf("This change removes %s from %s (%s), more than %s allows. Nothing was sent to Knock.\n\n"+
			"If the removals are intended, raise the limit for this apply. If not, check where members comes from: "+
			"an empty or failed data source or file yields an empty map, which would empty the audience.",
			plural(removals, "membership"), s.scopeLabel(audienceKey), exampleList(examples), setting), nil)
}

// exampleList names a few memberships, for diagnostics about many.
func exampleList(ms []knock.Membership) string {
	if len(ms) == 0 {
		return "none listed"
	}
	var out string
	for i, m := range ms {
		if i == maxReportedEntries {
			return out + fmt.Sprintf(", and %s more", thousands(len(ms)-i))
		}
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", m.UserID)
		if m.Tenant != "" {
			out += fmt.Sprintf(" (tenant %q)", m.Tenant)
		}
	}
	return "for example " + out
}
