package knock

import "github.com/knock-tf/terraform-provider-knock/internal/changeset"

// AudienceMember is one entry of a list page.
type AudienceMember struct {
	UserID  string  `json:"user_id"`  // the user's id
	Tenant  *string `json:"tenant"`   // the tenant's id, nil for none
	AddedAt string  `json:"added_at"` // when the membership was added, as Knock writes it
	User    User    `json:"user"`     // the user's standard properties
}

// Membership returns the (user, tenant) pair of m.
func (m AudienceMember) Membership() changeset.Membership {
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

func membershipOf(userID string, tenant *string) changeset.Membership {
	if tenant == nil {
		return changeset.Membership{UserID: userID}
	}
	return changeset.Membership{UserID: userID, Tenant: *tenant}
}
