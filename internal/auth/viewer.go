// Package auth knows who is asking: the viewer of a request, its role and
// its community. Requests without a valid token are the public.
package auth

import (
	"context"
	"strconv"
)

// Role is what a viewer may do.
type Role string

// Roles. The zero value is the anonymous public.
const (
	RolePublic    Role = ""
	RoleResident  Role = "resident"  // a resident acting for themselves
	RoleVolunteer Role = "volunteer" // a volunteer or party member who takes orders
	RoleStaff     Role = "staff"     // staff of one community
	RoleAdmin     Role = "admin"
)

// Viewer is the identity behind a request.
type Viewer struct {
	Role Role
	// CommunityID is the community a staff viewer works for, or the
	// community of a resident's or volunteer's person.
	CommunityID int
	// PersonID is the person a resident or volunteer acts as.
	PersonID int
	// TokenID identifies the token used, for rate limits and logs.
	TokenID int
	// ReadOnly is true for a token of scope READ: it runs no mutation.
	ReadOnly bool
	// RatePerWindow is the token's own rate budget (points per rate
	// window) in place of its role's; 0: the role's.
	RatePerWindow int
	// IdentityID identifies the linked sign-in (an OpenID Connect issuer
	// and subject) used instead of a token, for rate limits and logs.
	IdentityID int
}

// ClientKey names the credential of a signed-in viewer, for rate budgets
// and idempotency scopes ("token:ID" or "identity:ID"); "" for the public.
// IDs are unique across types, so the two never collide.
func (v Viewer) ClientKey() string {
	switch {
	case v.TokenID != 0:
		return "token:" + strconv.Itoa(v.TokenID)
	case v.IdentityID != 0:
		return "identity:" + strconv.Itoa(v.IdentityID)
	}
	return ""
}

// IsAdmin reports whether v is an administrator.
func (v Viewer) IsAdmin() bool { return v.Role == RoleAdmin }

// IsStaff reports whether v is staff of a community (not an admin).
func (v Viewer) IsStaff() bool { return v.Role == RoleStaff && v.CommunityID != 0 }

// IsPerson reports whether v acts as a person (a resident or volunteer).
func (v Viewer) IsPerson() bool {
	return (v.Role == RoleResident || v.Role == RoleVolunteer) && v.PersonID != 0
}

// IsVolunteer reports whether v is a volunteer.
func (v Viewer) IsVolunteer() bool { return v.Role == RoleVolunteer && v.PersonID != 0 }

// Manages reports whether v answers for the people and records of
// community: an admin, or staff of that community.
func (v Viewer) Manages(community int) bool {
	return v.IsAdmin() || v.IsStaff() && v.CommunityID == community
}

// ActsFor reports whether v may handle the personal data of person, who
// lives in community: the person themselves, staff of that community, or
// an admin.
func (v Viewer) ActsFor(person, community int) bool {
	return v.Manages(community) || v.PersonID != 0 && v.PersonID == person
}

// HasRole reports whether v is at least role: admins have every role;
// RoleResident stands for any signed-in viewer.
func (v Viewer) HasRole(r Role) bool {
	switch r {
	case RolePublic:
		return true
	case RoleResident:
		return v.Role != RolePublic
	case RoleVolunteer:
		return v.IsVolunteer() || v.IsStaff() || v.IsAdmin()
	case RoleStaff:
		return v.IsStaff() || v.IsAdmin()
	case RoleAdmin:
		return v.IsAdmin()
	}
	return false
}

type viewerKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer of ctx; the public when there is none.
func FromContext(ctx context.Context) Viewer {
	v, _ := ctx.Value(viewerKey{}).(Viewer)
	return v
}
