package knock

import (
	"cmp"
	"slices"
)

// Membership is one (user, tenant) pair of an audience. Tenant "" is a membership without tenant.
type Membership struct {
	UserID string
	Tenant string
}

// AudienceMember is one entry of a list page.
type AudienceMember struct {
	UserID  string  `json:"user_id"`
	Tenant  *string `json:"tenant"`
	AddedAt string  `json:"added_at"`
	User    User    `json:"user"`
}

// Membership returns the (user, tenant) pair of m.
func (m AudienceMember) Membership() Membership {
	return membershipOf(m.UserID, m.Tenant)
}

// User holds the standard properties of a Knock user; custom properties are not decoded.
type User struct {
	ID          string  `json:"id"`
	Name        *string `json:"name"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phone_number"`
	Avatar      *string `json:"avatar"`
	Timezone    *string `json:"timezone"`
	CreatedAt   *string `json:"created_at"`
	UpdatedAt   *string `json:"updated_at"`
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
