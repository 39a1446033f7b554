package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"

	"lifecircle/ent"
	entidentity "lifecircle/ent/identity"
	"lifecircle/ent/region"
	"lifecircle/ent/signincode"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// CodeTTL is how long a sign-in code works.
const CodeTTL = 7 * 24 * time.Hour

// codeAlphabet is Crockford's base32: no I, L, O or U to misread.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeLen characters of 5 bits: 60 bits, read out as XXXX-XXXX-XXXX.
const codeLen = 12

// Code is a sign-in code just issued: the code itself (shown once, never
// stored) and when it stops working.
type Code struct {
	Code      string
	PersonID  int
	ExpiresAt time.Time
}

// hashCode returns the stored form of a code, normalised first (case,
// dashes and spaces do not matter; O reads as 0, I and L as 1).
func hashCode(code string) []byte {
	code = strings.ToUpper(code)
	code = strings.NewReplacer("-", "", " ", "", "O", "0", "I", "1", "L", "1").Replace(code)
	sum := sha256.Sum256([]byte(code))
	return sum[:]
}

func newCode() (string, error) {
	raw := make([]byte, codeLen)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(codeAlphabet[c&31])
	}
	return b.String(), nil
}

// CreateCode issues a one-time sign-in code for person personID: admins
// for anyone, staff for the people of their community only. The person
// must be active. client is the request's (transactional) client, ctx the
// request's.
func CreateCode(ctx context.Context, client *ent.Client, personID int) (*Code, error) {
	v := auth.FromContext(ctx)
	if !v.IsAdmin() && !v.IsStaff() {
		return nil, apperr.New(apperr.CodeForbidden, "only staff and admins issue sign-in codes")
	}
	// Read as the viewer: a person they may not see is not found.
	p, err := client.Person.Get(ctx, personID)
	if err != nil {
		return nil, err
	}
	// Staff see people registered for their activities too: codes only
	// for their own community's.
	if v.IsStaff() && p.CommunityID != v.CommunityID {
		return nil, apperr.New(apperr.CodeForbidden, "staff issue sign-in codes for the people of their own community only")
	}
	if p.DeactivatedAt != nil {
		return nil, &apperr.Error{Code: apperr.CodeForbidden, Reason: ReasonDeactivated, Message: "the person has been deactivated"}
	}
	code, err := newCode()
	if err != nil {
		return nil, err
	}
	expires := time.Now().Add(CodeTTL).Truncate(time.Second)
	err = client.SignInCode.Create().SetCodeHash(hashCode(code)).SetPersonID(p.ID).
		SetCreatedBy(v.ClientKey()).SetExpiresAt(expires).Exec(rule.SystemContext(ctx))
	if err != nil {
		return nil, err
	}
	return &Code{Code: code, PersonID: p.ID, ExpiresAt: expires}, nil
}

// invalidCode is the one answer for a code that is unknown, used or
// expired: which of them is not told.
func invalidCode() *apperr.Error {
	return &apperr.Error{Code: apperr.CodeBadInput, Field: "code", Reason: "INVALID_SIGN_IN_CODE",
		Message:   "the sign-in code is not valid (mistyped, already used or expired): ask your community's staff for a new one",
		MessageZh: "登录码无效（输入有误、已使用或已过期）：请向社区工作人员索取新的登录码"}
}

// Redeem links the request's unlinked subject to the person a sign-in code
// was issued for, and uses the code up. Only an unlinked, verified subject
// may redeem a code.
func Redeem(ctx context.Context, client *ent.Client, code string) (*ent.Identity, error) {
	s, ok := Unlinked(ctx)
	if !ok {
		return nil, CannotLinkError(auth.FromContext(ctx))
	}
	if len(code) > 64 {
		return nil, invalidCode()
	}
	sys := rule.SystemContext(ctx)
	now := time.Now()
	c, err := client.SignInCode.Query().Where(signincode.CodeHash(hashCode(code)), signincode.UsedAtIsNil(),
		signincode.ExpiresAtGT(now)).WithPerson().Only(sys)
	if ent.IsNotFound(err) {
		return nil, invalidCode()
	}
	if err != nil {
		return nil, err
	}
	if c.Edges.Person.DeactivatedAt != nil {
		return nil, &apperr.Error{Code: apperr.CodeForbidden, Reason: ReasonDeactivated, Message: "the person this code was issued for has been deactivated"}
	}
	// Use the code up, once: of two concurrent redemptions one updates it.
	n, err := client.SignInCode.Update().Where(signincode.ID(c.ID), signincode.UsedAtIsNil()).SetUsedAt(now).Save(sys)
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, invalidCode()
	}
	p := c.Edges.Person
	id, err := client.Identity.Create().SetIssuer(s.Issuer).SetSubject(s.Subject).SetRole(PersonRole(p)).
		SetPersonID(p.ID).SetCommunityID(p.CommunityID).SetLastSeenAt(now.Truncate(seenEvery)).Save(sys)
	if ent.IsConstraintError(err) {
		return nil, apperr.New(apperr.CodeConflict, "your sign-in was linked meanwhile")
	}
	return id, err
}

// CannotLinkError is the refusal of linkSignIn to v, a viewer without an
// unlinked sign-in: CONFLICT if v's sign-in is linked already, else
// UNAUTHENTICATED.
func CannotLinkError(v auth.Viewer) *apperr.Error {
	if v.IdentityID != 0 {
		return apperr.New(apperr.CodeConflict, "your sign-in is already linked")
	}
	return apperr.New(apperr.CodeUnauthenticated, "linkSignIn needs the access token of your identity provider (Authorization: Bearer <JWT>), not linked yet")
}

// LinkInput links a subject directly (admins): to a person, or to the
// staff role of a community, or to the admin role.
type LinkInput struct {
	Issuer, Subject string
	// Role: "staff" or "admin" without a person; ignored with a person.
	Role        string
	PersonID    int
	CommunityID int
}

// Link links a subject as in, as the viewer of ctx (the Identity policy
// allows admins only). A subject already linked is a CONFLICT: unlink it
// first.
func Link(ctx context.Context, client *ent.Client, in LinkInput) (*ent.Identity, error) {
	if !auth.FromContext(ctx).IsAdmin() {
		return nil, apperr.New(apperr.CodeForbidden, "only admins link identities directly; residents redeem a sign-in code")
	}
	in.Issuer, in.Subject = strings.TrimSpace(in.Issuer), strings.TrimSpace(in.Subject)
	if in.Issuer == "" || in.Subject == "" {
		return nil, apperr.BadInput("subject", "issuer and subject are required")
	}
	c := client.Identity.Create().SetIssuer(in.Issuer).SetSubject(in.Subject)
	switch {
	case in.PersonID != 0:
		p, err := client.Person.Get(ctx, in.PersonID)
		if err != nil {
			return nil, err
		}
		if p.DeactivatedAt != nil {
			return nil, &apperr.Error{Code: apperr.CodeForbidden, Reason: ReasonDeactivated, Message: "the person has been deactivated"}
		}
		c.SetPersonID(p.ID).SetCommunityID(p.CommunityID).SetRole(PersonRole(p))
	case strings.EqualFold(in.Role, "staff"):
		if in.CommunityID == 0 {
			return nil, apperr.BadInput("communityID", "a staff link needs a community")
		}
		ok, err := client.Region.Query().Where(region.ID(in.CommunityID), region.LevelEQ(region.LevelCommunity)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.BadInput("communityID", "not a community")
		}
		c.SetRole(entidentity.RoleStaff).SetCommunityID(in.CommunityID)
	case strings.EqualFold(in.Role, "admin"):
		if in.CommunityID != 0 {
			return nil, apperr.BadInput("communityID", "an admin link has no community")
		}
		c.SetRole(entidentity.RoleAdmin)
	default:
		return nil, apperr.BadInput("role", "link to a person (personID), or give role STAFF (with communityID) or ADMIN")
	}
	id, err := c.Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, apperr.New(apperr.CodeConflict, "this subject is already linked: unlink it first")
	}
	return id, err
}

// Unlink deletes an identity link, as the viewer of ctx (admins any;
// staff those of their community). The subject's next request is refused
// with IDENTITY_NOT_LINKED. It returns the link as it was.
func Unlink(ctx context.Context, client *ent.Client, id int) (*ent.Identity, error) {
	old, err := client.Identity.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := client.Identity.DeleteOneID(id).Exec(ctx); err != nil {
		return nil, err
	}
	return old, nil
}
