// Package providerdata is what the provider's Configure hands to every resource, data source and list
// resource, framework or protocol level: Data, with the Knock client and the state that the resources of
// one provider process share, and the per-audience locks of knock_audience_members. The claims registry
// (internal/claims) and knock_audience_member's coalesced calls (internal/coalesce) have packages of their
// own; Data only carries them.
package providerdata

import (
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/claims"
	"github.com/knock-tf/terraform-provider-knock/internal/coalesce"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// Data is the one value Configure publishes.
type Data struct {
	Client *knock.Client
	// PlanReadMaxAge is how old the plan's read of an audience may be for an update to diff against it.
	PlanReadMaxAge time.Duration
	// Claims and Locks live as long as the provider process: a Configure does not reset them.
	Claims *claims.Registry
	Locks  *AudienceLocks
	// Coalescer serves the knock_audience_member resources of this configuration.
	Coalescer *coalesce.Coalescer
}
