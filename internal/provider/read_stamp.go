package provider

import (
	"encoding/json"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// A read stamp, kept in the resource's private state, records when the state's members were last known
// to match the audience: at the end of a refresh, or of an apply that succeeded. An update within the
// provider's plan_read_max_age of it diffs against that state, which is exactly what the plan showed,
// instead of reading the whole audience again: at 100,000 members that saves 2,000 list requests, minutes
// against Knock. An older stamp (a saved plan applied later, a plan reviewed for a while) or none
// (-refresh=false after an old apply) means reading the audience first.
type readStamp struct {
	ReadAt time.Time `json:"read_at"`
	// A create's plan reads the audience to warn about members it would remove; the apply then uses that
	// read (Live, or AudienceMissing) instead of listing again, under the same age rule.
	Live            [][2]string `json:"live,omitempty"`
	AudienceMissing bool        `json:"audience_missing,omitempty"`
	Planned         bool        `json:"planned,omitempty"`
}

// defaultPlanReadMaxAge covers `terraform apply -auto-approve` on a large audience: the refresh ends,
// Terraform renders the plan, the apply starts.
const defaultPlanReadMaxAge = 60 * time.Second

func newReadStamp(now time.Time) []byte {
	raw, _ := json.Marshal(readStamp{ReadAt: now.UTC()})
	return raw
}

// parseStamp returns the stamp in private, or false when there is none.
func parseStamp(private []byte) (readStamp, bool) {
	var stamp readStamp
	if len(private) == 0 || json.Unmarshal(private, &stamp) != nil || stamp.ReadAt.IsZero() {
		return readStamp{}, false
	}
	return stamp, true
}

// readStampAge returns how old the stamp in private is, or false when there is none.
func readStampAge(private []byte, now time.Time) (time.Duration, bool) {
	stamp, ok := parseStamp(private)
	return now.Sub(stamp.ReadAt), ok
}

// newPlanRead records a create's plan-time read of the audience for its apply.
func newPlanRead(now time.Time, live []knock.Membership, missing bool) []byte {
	stamp := readStamp{ReadAt: now.UTC(), AudienceMissing: missing, Planned: true, Live: make([][2]string, len(live))}
	for i, m := range live {
		stamp.Live[i] = [2]string{m.UserID, m.Tenant}
	}
	raw, _ := json.Marshal(stamp)
	return raw
}

// planRead returns a create's plan-time read when it is at most maxAge old.
func planRead(private []byte, now time.Time, maxAge time.Duration) (live []knock.Membership, missing, ok bool) {
	stamp, ok := parseStamp(private)
	if !ok || !stamp.Planned || now.Sub(stamp.ReadAt) > maxAge {
		return nil, false, false
	}
	live = make([]knock.Membership, len(stamp.Live))
	for i, pair := range stamp.Live {
		live[i] = knock.Membership{UserID: pair[0], Tenant: pair[1]}
	}
	return live, stamp.AudienceMissing, true
}
