package knock

import (
	"cmp"
	"fmt"
	"slices"
)

// Membership is one (user, tenant) pair of an audience. Tenant "" is a membership without tenant.
type Membership struct {
	UserID string // the Knock user's id
	Tenant string // the tenant's id, "" for none
}

// String is how every message names a membership: user "u1" without tenant, user "u1" under tenant
// "acme".
func (m Membership) String() string {
	if m.Tenant == "" {
		return fmt.Sprintf("user %q without tenant", m.UserID)
	}
	return fmt.Sprintf("user %q under tenant %q", m.UserID, m.Tenant)
}

// AudienceMember is one entry of a list page.
type AudienceMember struct {
	UserID  string  `json:"user_id"`  // the user's id
	Tenant  *string `json:"tenant"`   // the tenant's id, nil for none
	AddedAt string  `json:"added_at"` // when the membership was added, as Knock writes it
	User    User    `json:"user"`     // the user's standard properties
}

// Membership returns the (user, tenant) pair of m.
func (m AudienceMember) Membership() Membership {
	return membershipOf(m.UserID, m.Tenant)
}

// User holds the standard properties of a Knock user; custom properties are not decoded.
type User struct {
	ID          string  `json:"id"`           // the user's id
	Name        *string `json:"name"`         // the name, nil when unset
	Email       *string `json:"email"`        // the email address, nil when unset
	PhoneNumber *string `json:"phone_number"` // the phone number, nil when unset
	Avatar      *string `json:"avatar"`       // the avatar's URL, nil when unset
	Timezone    *string `json:"timezone"`     // the time zone, nil when unset
	CreatedAt   *string `json:"created_at"`   // when the user was created, as Knock writes it
	UpdatedAt   *string `json:"updated_at"`   // when the user was last updated, as Knock writes it
}

func membershipOf(userID string, tenant *string) Membership {
	if tenant == nil {
		return Membership{UserID: userID}
	}
	return Membership{UserID: userID, Tenant: *tenant}
}

// SortMemberships orders memberships by user id, then tenant (no tenant first).
func SortMemberships(ms []Membership) {
	slices.SortFunc(ms, CompareMemberships)
}

// CompareMemberships is SortMemberships' order.
func CompareMemberships(a, b Membership) int {
	if c := cmp.Compare(a.UserID, b.UserID); c != 0 {
		return c
	}
	return cmp.Compare(a.Tenant, b.Tenant)
}
