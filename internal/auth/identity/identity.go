// Package identity signs in the holders of an identity provider's tokens:
// a verified subject (issuer + subject) is looked up in the Identity table,
// whose link decides the viewer's role and community. It also issues the
// one-time sign-in codes with which a resident's app links a subject to
// the resident's Person, and links and unlinks identities for admins.
//
// A verified subject that is not linked is never served as the public: it
// may run linkSignIn and nothing else (see Unlinked).
package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"lifecircle/ent"
	entidentity "lifecircle/ent/identity"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/oidc"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/auth/token"
)

// Reasons of refusals, in extensions.reason.
const (
	ReasonNotLinked   = "IDENTITY_NOT_LINKED"
	ReasonDeactivated = "PERSON_DEACTIVATED"
)

// Subject is a verified identity-provider subject.
type Subject struct{ Issuer, Subject string }

type unlinkedKey struct{}

// Unlinked returns the verified subject of a request whose subject is not
// linked to anything yet: such a request may only run linkSignIn.
func Unlinked(ctx context.Context) (Subject, bool) {
	s, ok := ctx.Value(unlinkedKey{}).(Subject)
	return s, ok
}

// NotLinkedError is the refusal of anything but linkSignIn to an unlinked
// subject.
func NotLinkedError() *apperr.Error {
	return &apperr.Error{Code: apperr.CodeUnauthenticated, Reason: ReasonNotLinked,
		Message: "your sign-in is verified but not linked to anyone in lifecircle: redeem the sign-in code your community's staff gave you with linkSignIn(code:)"}
}

// seenEvery is how often an identity's last use is written.
const seenEvery = time.Minute

// Authenticator signs in bearers of JWTs: the token is verified by
// Verifier, then its subject looked up in client's Identity table. It
// implements token.JWTVerifier.
type Authenticator struct {
	Verifier *oidc.Verifier
	Client   *ent.Client
	// AdminSubjects are subjects of the provider that are linked as
	// admins on their first sign-in (-oidc-admin-subjects): the first
	// admin of a new installation signs in without a command run on the
	// server, then links everyone else.
	AdminSubjects []string
}

var _ token.JWTVerifier = (*Authenticator)(nil)

// Authenticate implements token.JWTVerifier.
func (a *Authenticator) Authenticate(ctx context.Context, raw string) (context.Context, error) {
	claims, err := a.Verifier.Verify(ctx, raw)
	if err != nil {
		var e *oidc.Error
		if !errors.As(err, &e) {
			return nil, err
		}
		if e.Unavailable {
			return nil, &token.Refusal{Status: http.StatusServiceUnavailable, NotCounted: true, RetryAfter: 10 * time.Second,
				Err: &apperr.Error{Code: apperr.CodeUnavailable, Reason: e.Reason, Message: e.Message}}
		}
		return nil, &token.Refusal{Status: http.StatusUnauthorized,
			Err: &apperr.Error{Code: apperr.CodeUnauthenticated, Reason: e.Reason, Message: e.Message}}
	}
	s := Subject{Issuer: claims.Issuer, Subject: claims.Subject}
	v, err := Resolve(ctx, a.Client, s)
	if errors.Is(err, errNotLinked) && slices.Contains(a.AdminSubjects, s.Subject) {
		err = a.Client.Identity.Create().SetIssuer(s.Issuer).SetSubject(s.Subject).SetRole(entidentity.RoleAdmin).
			Exec(rule.SystemContext(ctx))
		if err != nil && !ent.IsConstraintError(err) { // a constraint error: a parallel first sign-in linked it
			return nil, fmt.Errorf("identity: link an admin subject: %w", err)
		}
		v, err = Resolve(ctx, a.Client, s)
	}
	if errors.Is(err, errNotLinked) {
		return context.WithValue(ctx, unlinkedKey{}, Subject{Issuer: claims.Issuer, Subject: claims.Subject}), nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return nil, &token.Refusal{Status: http.StatusForbidden, Err: ae}
	}
	if err != nil {
		return nil, err
	}
	return auth.NewContext(ctx, v), nil
}

var errNotLinked = errors.New("identity: not linked")

// Resolve returns the viewer subject s signs in as: the role and
// community of its link; for a link to a person, the person's own
// community and a role from the person's roles, so changes to the person
// apply at once. A deactivated person is refused (FORBIDDEN).
func Resolve(ctx context.Context, client *ent.Client, s Subject) (auth.Viewer, error) {
	sys := rule.SystemContext(ctx)
	id, err := client.Identity.Query().
		Where(entidentity.Issuer(s.Issuer), entidentity.Subject(s.Subject)).
		WithPerson().Only(sys)
	if ent.IsNotFound(err) {
		return auth.Viewer{}, errNotLinked
	}
	if err != nil {
		return auth.Viewer{}, fmt.Errorf("identity: lookup: %w", err)
	}
	v := auth.Viewer{IdentityID: id.ID}
	role := id.Role
	switch {
	case id.Edges.Person != nil:
		p := id.Edges.Person
		if p.DeactivatedAt != nil {
			return auth.Viewer{}, &apperr.Error{Code: apperr.CodeForbidden, Reason: ReasonDeactivated,
				Message: "the person this sign-in is linked to has been deactivated"}
		}
		role = PersonRole(p)
		v.Role, v.PersonID, v.CommunityID = auth.Role(role), p.ID, p.CommunityID
	case id.Role == entidentity.RoleStaff && id.CommunityID != nil:
		v.Role, v.CommunityID = auth.RoleStaff, *id.CommunityID
	case id.Role == entidentity.RoleAdmin:
		v.Role = auth.RoleAdmin
	default: // a person link whose person was deleted
		return auth.Viewer{}, errNotLinked
	}
	now := time.Now()
	if id.LastSeenAt == nil || now.Sub(*id.LastSeenAt) >= seenEvery || role != id.Role {
		// Not worth failing the request over: log and go on.
		if err := client.Identity.UpdateOneID(id.ID).SetLastSeenAt(now.Truncate(seenEvery)).SetRole(role).Exec(sys); err != nil {
			slog.WarnContext(ctx, "identity: record last use", "identity", id.ID, "err", err)
		}
	}
	return v, nil
}

// PersonRole is the role a person signs in with: volunteer for volunteers
// and party members (who take orders), resident otherwise.
func PersonRole(p *ent.Person) entidentity.Role {
	if slices.Contains(p.Roles, "volunteer") || slices.Contains(p.Roles, "party_member") {
		return entidentity.RoleVolunteer
	}
	return entidentity.RoleResident
}
