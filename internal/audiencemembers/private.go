package audiencemembers

import (
	"encoding/json"
	"time"

	"github.com/knock-tf/terraform-provider-knock/internal/changeset"
	"github.com/knock-tf/terraform-provider-knock/internal/claims"
	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

// membersPrivate is the private state of a knock_audience_members: what Terraform keeps for the provider
// beside the values it shows. A refresh and an apply write it for the next plan; a plan writes it for the
// apply that executes that plan (Terraform plans once more at apply and hands that plan's private state
// to the apply, so a create's read is always the apply's own).
type membersPrivate struct {
	// ReadAt is when the state's memberships were last known to match the audience: a refresh, an apply
	// that succeeded, or a create's plan-time read. An apply whose read is older than plan_read_max_age
	// reads the audience again before sending anything, to skip what already happened and report what
	// appeared.
	ReadAt time.Time `json:"read_at"`
	// Hidden are the memberships of the last read that the members map cannot show (a user under several
	// tenants in a whole-audience resource): the plan names their removal.
	Hidden pairs `json:"hidden,omitempty"`
	// Owner tells this resource from others on the same audience across plans in one provider process,
	// for claims; set when the resource is created or imported.
	Owner string `json:"owner,omitempty"`
	// Imported marks a state that an import made: its scope came from the import id, not the configuration.
	Imported bool `json:"imported,omitempty"`
	// Change is the planned change set, from the plan to its apply.
	Change *plannedChange `json:"change,omitempty"`
	// AudienceMissing: a create's plan found no audience, and create_audience is set.
	AudienceMissing bool `json:"audience_missing,omitempty"`
	// Target is where the read behind ReadAt was made: Knock's base URL, branch and environment. A plan
	// computes its change from that read, so its apply refuses to write anywhere else (a saved plan
	// applied with another environment's key or branch). A create's apply plans again and reads where it
	// applies, so its target always matches.
	Target *knock.Target `json:"target,omitempty"`
	// Superseded marks the deposed object of an authoritative create_before_destroy replacement whose
	// destroy failed after its successor's create: from then on its destroy removes only what a successor it sees in the
	// same provider process no longer declares, and nothing when it sees none (a later run's apply, which
	// plans no unchanged resource). The successor owns the scope and shows anything left in its plans.
	Superseded bool `json:"superseded,omitempty"`
	// Successor is what a create's plan declares and found live already. When the create replaces an
	// object, Terraform hands this private state to the destroy of the replaced object first, which then
	// removes none of these and checks its removals with the successor's limits: a replacement is one net
	// change, and nothing the new object declares is removed and added back.
	Successor *successor `json:"successor,omitempty"`
	// Members are, for a resource with members_file, the memberships its state stands for, which a
	// resource with members keeps in its members attribute: what the latest apply left, as
	// compressMembers keeps them. Drift is what a refresh found changed since.
	Members []byte       `json:"members,omitempty"`
	Drift   *memberDrift `json:"drift,omitempty"`
}

// successor is what a replacing object's plan tells the destroy of the object it replaces.
type successor struct {
	AudienceKey string `json:"audience_key"`
	Keep        pairs  `json:"keep,omitempty"`
	// KeepAll: the replaced object came from an import with no apply since, and removes nothing.
	KeepAll bool          `json:"keep_all,omitempty"`
	Limits  claims.Limits `json:"limits"`
}

// plannedChange is changeset.Change as private state carries it.
type plannedChange struct {
	Add pairs `json:"add,omitempty"`
	// AddDeclaredBut: the change adds every declared membership but those in Add. A create of a large
	// audience adds nearly all it declares, and Terraform carries private state from the plan to the
	// apply: a million pairs would be tens of megabytes to write, keep and read again.
	AddDeclaredBut bool  `json:"add_declared_but,omitempty"`
	Remove         pairs `json:"remove,omitempty"`
}

// pairs holds memberships as [user id, tenant] pairs, a compact JSON form.
type pairs [][2]string

func pairsOf(ms []changeset.Membership) pairs {
	out := make(pairs, len(ms))
	for i, m := range ms {
		out[i] = [2]string{m.UserID, m.Tenant}
	}
	return out
}

func (p pairs) memberships() []changeset.Membership {
	out := make([]changeset.Membership, len(p))
	for i, pair := range p {
		out[i] = changeset.Membership{UserID: pair[0], Tenant: pair[1]}
	}
	return out
}

// plannedChangeOf is c as private state carries it; declared is what the planned members declare, of which
// c adds a part.
func plannedChangeOf(c changeset.Change, declared []changeset.Membership) *plannedChange {
	if len(c.Add) > len(declared)-len(c.Add) {
		// Stored the other way only when c.Add lies within declared, as a plan's always does.
		if but := changeset.Minus(declared, c.Add); len(declared)-len(but) == len(c.Add) {
			return &plannedChange{Add: pairsOf(but), AddDeclaredBut: true, Remove: pairsOf(c.Remove)}
		}
	}
	return &plannedChange{Add: pairsOf(c.Add), Remove: pairsOf(c.Remove)}
}

// change is the planned change; declared is what the planned members declare.
func (p *plannedChange) change(declared []changeset.Membership) changeset.Change {
	add := p.Add.memberships()
	if p.AddDeclaredBut {
		add = changeset.Minus(declared, add)
	}
	return changeset.Change{Add: add, Remove: p.Remove.memberships()}
}

// parseMembersPrivate reads private state; anything unreadable (or none) is an empty one.
func parseMembersPrivate(raw []byte) membersPrivate {
	var p membersPrivate
	if len(raw) > 0 && json.Unmarshal(raw, &p) != nil {
		return membersPrivate{}
	}
	return p
}

func (p membersPrivate) encode() []byte {
	raw, _ := json.Marshal(p)
	return raw
}

// targetOf is where client's requests go, as private state records it.
func targetOf(client *knock.Client) *knock.Target {
	target := client.Target()
	return &target
}

// afterFailedApply is the private state an apply that failed leaves: the state is not known to match
// the audience (no read time, no change set), but the resource keeps its owner, so that its next plans
// are not taken for another resource's, and, with members_file, the memberships of the state it keeps
// (the plan carried the prior state's).
func (p membersPrivate) afterFailedApply() membersPrivate {
	return membersPrivate{Owner: p.Owner, Members: p.Members, Drift: p.Drift}
}

// PrivateAfterFailedApply is what an apply that failed leaves of its planned private state, for an apply
// that panicked.
func PrivateAfterFailedApply(planned []byte) []byte {
	return parseMembersPrivate(planned).afterFailedApply().encode()
}

// age is how old the read behind the private state is, and whether there was one.
func (p membersPrivate) age(now time.Time) (time.Duration, bool) {
	return now.Sub(p.ReadAt), !p.ReadAt.IsZero()
}
