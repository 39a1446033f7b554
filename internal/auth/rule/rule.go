// Package rule holds the ent privacy rules of lifecircle. Privacy is decided
// here, once, at the data layer, so every path to the data (GraphQL node
// lookups, edges, connections, exports) inherits it.
package rule

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"entgo.io/ent/entql"

	"lifecircle/ent"
	"lifecircle/ent/privacy"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
)

// AllowAdmin allows admins.
func AllowAdmin() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if auth.FromContext(ctx).IsAdmin() {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// DenyWrite denies a mutation with a FORBIDDEN error that says why.
func DenyWrite() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
		v := auth.FromContext(ctx)
		if v.Role == auth.RolePublic {
			return apperr.New(apperr.CodeUnauthenticated, "sign in with a staff or admin token to change data")
		}
		return privacy.Denyf("%w", apperr.New(apperr.CodeForbidden, "your token may not change this record"))
	})
}

// communityScoped is a mutation of a record that belongs to a community.
type communityScoped interface {
	ent.Mutation
	CommunityID() (int, bool)
	OldCommunityID(context.Context) (int, error)
}

// AllowStaffOfCommunity allows staff to create and change records of their
// own community, and never to move a record out of it. Bulk updates and
// deletes are left to admins: their rows cannot be checked one by one here.
func AllowStaffOfCommunity() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		v := auth.FromContext(ctx)
		if !v.IsStaff() {
			return privacy.Skip
		}
		cm, ok := m.(communityScoped)
		if !ok {
			return privacy.Skip
		}
		if id, set := cm.CommunityID(); set && id != v.CommunityID {
			return privacy.Skip
		}
		switch {
		case m.Op().Is(ent.OpCreate):
			if _, set := cm.CommunityID(); set {
				return privacy.Allow
			}
		case m.Op().Is(ent.OpDeleteOne):
			// Scope the delete to the viewer's community: a record of
			// another community is then simply not found.
			if wm, ok := m.(interface{ WhereP(...func(*sql.Selector)) }); ok {
				wm.WhereP(sql.FieldEQ("community_id", v.CommunityID))
				return privacy.Allow
			}
		case m.Op().Is(ent.OpUpdateOne):
			old, err := cm.OldCommunityID(ctx)
			if err != nil {
				return privacy.Skip
			}
			if old == v.CommunityID {
				return privacy.Allow
			}
		}
		return privacy.Skip
	})
}

// communityFilter is a privacy filter of a type with a community.
type communityFilter interface {
	WhereCommunityID(entql.IntP)
}

// FilterToViewerCommunity narrows reads of private records: staff see the
// records of their community, everyone else (the public) sees none. Admins
// and the system context are allowed before this rule runs.
//
// Filtering, rather than denying, makes a private record look exactly like a
// missing one: node(id:) answers NOT_FOUND and connections are empty.
func FilterToViewerCommunity() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := auth.FromContext(ctx)
		if cf, ok := f.(communityFilter); ok && v.IsStaff() {
			cf.WhereCommunityID(entql.IntEQ(v.CommunityID))
			return privacy.Skip
		}
		// IDs are positive: this predicate matches no row.
		f.Where(entql.FieldLT("id", 0))
		return privacy.Skip
	})
}

// AdminWrites is the policy of public records that only admins change.
func AdminWrites() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{AllowAdmin(), DenyWrite()},
	}
}

// CommunityWrites is the policy of public records that staff of their
// community and admins change.
func CommunityWrites() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{AllowAdmin(), AllowStaffOfCommunity(), DenyWrite()},
	}
}

// Private is the policy of records holding personal data: admins read all,
// staff read their community's, the public reads nothing. Writes go through
// the system context (seeding) or admins; the workflow issue adds more.
func Private() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{AllowAdmin(), FilterToViewerCommunity(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{AllowAdmin(), DenyWrite()},
	}
}

// SystemOnly is the policy of records no request may touch: API tokens. The
// server reads them under the system context.
func SystemOnly() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// SystemContext returns ctx with privacy bypassed, for the seeder, the
// command line and token lookups. Never use it for a client's request.
func SystemContext(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}
