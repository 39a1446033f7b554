package token

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"lifecircle/ent"
	"lifecircle/ent/apitoken"
	"lifecircle/ent/region"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// Scopes of a token.
const (
	// ScopeRead runs queries only: its mutations are refused.
	ScopeRead = apitoken.ScopeRead
	// ScopeReadWrite runs queries and the mutations its role allows.
	ScopeReadWrite = apitoken.ScopeReadWrite
)

// MaxRatePerWindow bounds a token's own rate budget.
const MaxRatePerWindow = 10_000_000

// Spec is a token to issue.
type Spec struct {
	Name string
	// Role is staff, admin, resident or volunteer (any case).
	Role string
	// CommunityID: a staff token's community (staff issuers: theirs by
	// default); for resident and volunteer tokens 0 or the person's.
	CommunityID int
	// PersonID: the person a resident or volunteer token acts as.
	PersonID int
	// Scope is ScopeRead or ScopeReadWrite (empty: ScopeReadWrite).
	Scope apitoken.Scope
	// ExpiresAt, when set, must be in the future.
	ExpiresAt *time.Time
	// RatePerWindow, when set, replaces the role's rate budget (points
	// per rate window) for this token: 1 to MaxRatePerWindow.
	RatePerWindow *int
	// StaffMaxRate, when positive, is the most RatePerWindow staff may
	// give (the role's own budget): staff lower a token's budget, never
	// raise it. Admins are not bound by it.
	StaffMaxRate int
	// SealKey, when set (32 bytes), keeps the secret sealed with it on
	// the token's record for SealFor, so that a retry of the same create
	// can answer it again (see SealKey and Unseal).
	SealKey []byte
}

// Issued is a new token: its secret, shown once, and its record.
type Issued struct {
	Secret string
	Token  *ent.APIToken
}

// personRolesForVolunteer are the person roles a volunteer token may act
// for: those who take orders.
var personRolesForVolunteer = []string{"volunteer", "party_member", "grid_worker"}

// Issue issues a token as the viewer of ctx may: admins any token; staff
// staff, resident and volunteer tokens of their own community, never an
// admin token. Bad input is BAD_USER_INPUT and a token the viewer may not
// issue FORBIDDEN (apperr), with nothing written; the ent privacy policy
// (rule.Tokens) checks the write again.
//
// The person of a resident or volunteer token is read as the viewer may
// see it: to staff, a person of another community is unknown.
func Issue(ctx context.Context, client *ent.Client, s Spec) (Issued, error) {
	v := auth.FromContext(ctx)
	if !v.IsAdmin() && !v.IsStaff() {
		return Issued{}, apperr.New(apperr.CodeForbidden, "only admins and staff issue tokens")
	}
	name := strings.TrimSpace(s.Name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return Issued{}, apperr.Invalid("name", "a token's name is 1 to 200 characters", "令牌名称须为 1 至 200 个字符")
	}
	scope := s.Scope
	if scope == "" {
		scope = ScopeReadWrite
	}
	if apitoken.ScopeValidator(scope) != nil {
		return Issued{}, apperr.Invalid("scope", "scope is READ or READ_WRITE", "scope 须为 READ 或 READ_WRITE")
	}
	now := time.Now()
	if s.ExpiresAt != nil && !s.ExpiresAt.After(now) {
		return Issued{}, apperr.Invalid("expiresAt", "expiresAt must be in the future", "失效时间须在将来")
	}
	if s.RatePerWindow != nil && (*s.RatePerWindow < 1 || *s.RatePerWindow > MaxRatePerWindow) {
		return Issued{}, apperr.Invalid("ratePerWindow", "ratePerWindow is 1 to 10,000,000 points", "ratePerWindow 须为 1 至 10,000,000 点")
	}
	if s.RatePerWindow != nil && v.IsStaff() && s.StaffMaxRate > 0 && *s.RatePerWindow > s.StaffMaxRate {
		return Issued{}, &apperr.Error{Code: apperr.CodeForbidden, Field: "ratePerWindow",
			Message:   fmt.Sprintf("staff may give a token at most its role's budget (%d points per window); admins may give more", s.StaffMaxRate),
			MessageZh: fmt.Sprintf("工作人员给令牌的额度不能超过其角色的额度（每窗口 %d 点）；更高额度须由管理员设置", s.StaffMaxRate)}
	}
	c := client.APIToken.Create().SetName(name).SetScope(scope).
		SetNillableExpiresAt(s.ExpiresAt).SetNillableRatePerWindow(s.RatePerWindow)
	switch role := auth.Role(strings.ToLower(s.Role)); role {
	case auth.RoleAdmin:
		if !v.IsAdmin() {
			return Issued{}, apperr.New(apperr.CodeForbidden, "staff cannot issue ADMIN tokens")
		}
		if s.CommunityID != 0 || s.PersonID != 0 {
			return Issued{}, apperr.Invalid("role", "an ADMIN token has no community and no person", "ADMIN 令牌没有社区，也没有人员")
		}
		c.SetRole(apitoken.RoleAdmin)
	case auth.RoleStaff:
		if s.PersonID != 0 {
			return Issued{}, apperr.Invalid("personID", "a STAFF token acts for a community, not a person: leave personID out", "STAFF 令牌服务于社区而非人员：请不要填写 personID")
		}
		community := s.CommunityID
		if community == 0 && v.IsStaff() {
			community = v.CommunityID
		}
		if community == 0 {
			return Issued{}, apperr.Invalid("communityID", "a STAFF token needs communityID", "STAFF 令牌需要 communityID")
		}
		if v.IsStaff() && community != v.CommunityID {
			return Issued{}, apperr.New(apperr.CodeForbidden, "staff issue tokens for their own community only")
		}
		ok, err := client.Region.Query().Where(region.ID(community), region.LevelEQ(region.LevelCommunity)).Exist(ctx)
		if err != nil {
			return Issued{}, fmt.Errorf("token: look up community: %w", err)
		}
		if !ok {
			return Issued{}, apperr.Invalid("communityID", "communityID is not a community", "communityID 不是社区")
		}
		c.SetRole(apitoken.RoleStaff).SetCommunityID(community)
	case auth.RoleResident, auth.RoleVolunteer:
		if s.PersonID == 0 {
			return Issued{}, apperr.Invalid("personID", "a RESIDENT or VOLUNTEER token needs personID", "RESIDENT 或 VOLUNTEER 令牌需要 personID")
		}
		p, err := client.Person.Get(ctx, s.PersonID)
		if ent.IsNotFound(err) {
			return Issued{}, apperr.Invalid("personID", "no such person", "没有该人员")
		}
		if err != nil {
			return Issued{}, fmt.Errorf("token: look up person: %w", err)
		}
		if v.IsStaff() && p.CommunityID != v.CommunityID {
			// Seen through a registration for one of the community's
			// activities, but a person of another community.
			return Issued{}, apperr.New(apperr.CodeForbidden, "staff issue tokens for people of their own community only")
		}
		if s.CommunityID != 0 && s.CommunityID != p.CommunityID {
			return Issued{}, apperr.Invalid("communityID", "the person belongs to another community: leave communityID out", "该人员属于其他社区：请不要填写 communityID")
		}
		if p.DeactivatedAt != nil {
			return Issued{}, apperr.Invalid("personID", "the person is deactivated and cannot act", "该人员已停用，不能行事")
		}
		if role == auth.RoleVolunteer && !slices.ContainsFunc(p.Roles, func(r string) bool { return slices.Contains(personRolesForVolunteer, r) }) {
			return Issued{}, apperr.Invalid("role", "a VOLUNTEER token needs a person with the volunteer, party_member or grid_worker role",
				"VOLUNTEER 令牌的人员须有 volunteer、party_member 或 grid_worker 角色")
		}
		c.SetRole(apitoken.Role(role)).SetPersonID(p.ID).SetCommunityID(p.CommunityID)
	default:
		return Issued{}, apperr.Invalid("role", "role is STAFF, ADMIN, RESIDENT or VOLUNTEER", "role 须为 STAFF、ADMIN、RESIDENT 或 VOLUNTEER")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Issued{}, fmt.Errorf("token: random: %w", err)
	}
	plain := prefix + base64.RawURLEncoding.EncodeToString(raw)
	hash := Hash(plain)
	c.SetTokenHash(hash)
	if len(s.SealKey) > 0 {
		sealed, err := seal(s.SealKey, plain, hash)
		if err != nil {
			return Issued{}, err
		}
		c.SetSealedSecret(sealed).SetSealedUntil(now.Add(SealFor))
		// Sealed copies past their time are dropped by the next create
		// that seals one.
		if err := client.APIToken.Update().Where(apitoken.SealedUntilLT(now)).
			ClearSealedSecret().ClearSealedUntil().Exec(rule.SystemContext(ctx)); err != nil {
			return Issued{}, fmt.Errorf("token: drop old sealed secrets: %w", err)
		}
	}
	t, err := c.Save(ctx)
	if err != nil {
		return Issued{}, fmt.Errorf("token: save: %w", err)
	}
	return Issued{Secret: plain, Token: t}, nil
}

// Create issues a token for role on the command line and in tests, as an
// admin: staff tokens need the ID of the community they work for, resident
// and volunteer tokens the ID of the person they act as (passed as id). It
// returns the token, shown once and never stored, and the token's record,
// whose ID names it for listing and revoking.
func Create(ctx context.Context, client *ent.Client, name string, role auth.Role, id int, ttl time.Duration) (string, *ent.APIToken, error) {
	s := Spec{Name: name, Role: string(role)}
	switch role {
	case auth.RoleStaff:
		s.CommunityID = id
	case auth.RoleResident, auth.RoleVolunteer:
		s.PersonID = id
	}
	if ttl > 0 {
		at := time.Now().Add(ttl)
		s.ExpiresAt = &at
	}
	is, err := Issue(AsAdmin(ctx), client, s)
	return is.Secret, is.Token, err
}

// AsAdmin returns ctx acting as an admin, for the command line, which has
// the database's credentials anyway.
func AsAdmin(ctx context.Context) context.Context {
	return auth.NewContext(ctx, auth.Viewer{Role: auth.RoleAdmin})
}

// Revoke revokes token id: it stops working at once, since every request
// looks its token up. Revoking a revoked token changes nothing. ctx decides
// who may (admins, staff for their community's tokens, or the command
// line): a token the viewer may not see is not found.
func Revoke(ctx context.Context, client *ent.Client, id int) (*ent.APIToken, error) {
	if _, err := client.APIToken.Query().Where(apitoken.ID(id)).OnlyID(ctx); err != nil {
		return nil, err
	}
	return client.APIToken.UpdateOneID(id).SetRevoked(true).Save(ctx)
}

// List returns every token, oldest first, for the command line.
func List(ctx context.Context, client *ent.Client) ([]*ent.APIToken, error) {
	return client.APIToken.Query().Order(ent.Asc(apitoken.FieldID)).All(rule.SystemContext(ctx))
}
