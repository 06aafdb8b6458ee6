package audiencemembers

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/claims"
	"github.com/knock-tf/terraform-provider-knock/internal/knockdiag"
)

// membersSettings are the ownership and guard-rail settings of one knock_audience_members, with
// defaults applied (attributes folds them in). Values unknown at plan time count as their
// defaults, and tenantKnown is false while the tenant is unknown.
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

// boolOr returns a known, non-null bool, else def.
func boolOr(v tftypes.Value, def bool) bool {
	var b bool
	if !v.IsKnown() || v.IsNull() || v.As(&b) != nil {
		return def
	}
	return b
}

func knownNumber(v tftypes.Value) (*big.Float, bool) {
	n := new(big.Float)
	if !v.IsKnown() || v.IsNull() || v.As(&n) != nil {
		return nil, false
	}
	return n, true
}

// scopeID is the resource's id for an audience, which is also its import id: AUDIENCE_KEY, or
// AUDIENCE_KEY/TENANT for a tenant's slice.
func (s membersSettings) scopeID(audienceKey string) string {
	return membersImportID(audienceKey, s.tenant)
}

// membersImportID is the import id: AUDIENCE_KEY, or AUDIENCE_KEY/TENANT.
func membersImportID(audienceKey, tenant string) string {
	if tenant == "" {
		return knockdiag.JoinImportID(audienceKey)
	}
	return knockdiag.JoinImportID(audienceKey, tenant)
}

// parseMembersImportID reverses membersImportID; its errors complete the sentence "The import id ...".
func parseMembersImportID(id string) (audienceKey, tenant string, err error) {
	parts, err := knockdiag.SplitImportID(id, 1, 2)
	if err != nil {
		return "", "", err
	}
	if len(parts) == 2 {
		tenant = parts[1]
	}
	return parts[0], tenant, nil
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

// scope is the part of the audience the resource owns.
func (s membersSettings) scope() changeset.Scope {
	return changeset.Scope{Tenant: s.tenant, Authoritative: s.authoritative}
}

// declared turns a members map into memberships: with a tenant scope every member is under that tenant.
func (s membersSettings) declared(members []changeset.Membership) []changeset.Membership {
	return s.scope().Declared(members)
}

// limits are the guard rails as claims carry them.
func (s membersSettings) limits() claims.Limits {
	return claims.Limits{MaxRemovals: s.maxRemovals, MaxRemovalPercent: s.maxRemovalPct}
}

// withLimits is s guarded by l instead of its own limits.
func (s membersSettings) withLimits(l claims.Limits) membersSettings {
	s.maxRemovals, s.maxRemovalPct = l.MaxRemovals, l.MaxRemovalPercent
	return s
}

// Actions that remove memberships, as checkRemovals starts its sentence.
const (
	removalsByChange  = "This change"
	removalsByReplace = "Replacing this resource"
	removalsByDestroy = "Destroying this resource"
)

// removalLimit is how many removals the guard rails allow from a slice of inScope memberships, the
// stricter of max_removals and max_removal_percent, and the setting that gives it, in words; -1 without
// either. A percentage is rounded down to whole memberships, and says so when it was.
func (s membersSettings) removalLimit(inScope int) (limit int, setting string) {
	limit = -1
	if s.maxRemovals != nil {
		limit, setting = int(*s.maxRemovals), fmt.Sprintf("max_removals = %d", *s.maxRemovals)
	}
	if s.maxRemovalPct != nil {
		exact := *s.maxRemovalPct * float64(inScope) / 100
		pctLimit := int(exact)
		if limit < 0 || pctLimit < limit {
			rounded := ""
			if float64(pctLimit) != exact {
				rounded = ", rounded down"
			}
			limit, setting = pctLimit, fmt.Sprintf("max_removal_percent = %g (%s of %s%s)", *s.maxRemovalPct,
				knockdiag.Thousands(pctLimit), knockdiag.Plural(inScope, "membership"), rounded)
		}
	}
	return limit, setting
}

// checkRemovals is the guard against an empty data source: it refuses an action that removes more
// memberships than max_removals or max_removal_percent of what the slice holds.
func (s membersSettings) checkRemovals(action, audienceKey string, removals, inScope int, examples []changeset.Membership) []*tfprotov6.Diagnostic {
	limit, setting := s.removalLimit(inScope)
	if limit < 0 || removals <= limit {
		return nil
	}
	advice := "If the removals are intended, raise the limit for this apply. If not, check where members comes from: " +
		"an empty or failed data source or file yields an empty map, which would empty the audience."
	switch action {
	case removalsByReplace:
		advice = "Changing audience_key or tenant replaces the resource, and the replacement's destroy removes the memberships " +
			"the old one declares. If that is intended, raise the limit; to leave them in place, set on_destroy = \"keep\" and apply that first."
	case removalsByDestroy:
		advice = "To destroy the resource, raise the limit (or remove it) and apply that first, or set on_destroy = \"keep\" to leave " +
			"the memberships in Knock; a removed block with lifecycle { destroy = false } forgets the resource without removing anything."
	}
	return knockdiag.Error("Too Many Audience Members To Remove",
		fmt.Sprintf("%s removes %s from %s (%s), more than %s allows. Nothing was sent to Knock.\n\n%s",
			action, knockdiag.Plural(removals, "membership"), s.scopeLabel(audienceKey), knockdiag.ExampleList(examples), setting, advice), nil)
}
