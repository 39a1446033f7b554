package grids

import (
	"context"

	"lifecircle/ent"
	"lifecircle/ent/gridworker"
	"lifecircle/ent/privacy"
	"lifecircle/ent/visit"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// WorkerPolicy is the policy of GridWorker: admins read every assignment,
// staff their community's, a grid worker their own; nobody else any, so an
// assignment's ID looks like a missing one. Admins and staff of the
// community write (through Assign and Unassign).
func WorkerPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{rule.AllowAdmin(), privacy.GridWorkerQueryRuleFunc(func(ctx context.Context, q *ent.GridWorkerQuery) error {
			switch v := auth.FromContext(ctx); {
			case v.IsStaff():
				q.Where(gridworker.CommunityID(v.CommunityID))
			case v.IsPerson():
				q.Where(gridworker.PersonID(v.PersonID))
			default:
				q.Where(gridworker.IDLT(0))
			}
			return privacy.Skip
		}), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{rule.AllowAdmin(), rule.AllowStaffOfCommunity(), rule.DenyWrite()},
	}
}

// VisitPolicy is the policy of Visit: admins read every visit, staff their
// community's, a visitor the visits they made; nobody else any — not
// another grid worker of the community, not the household, not the
// public. Visits are created (by the visitor for themselves, by staff of
// the community, by admins) and never changed, except by admins.
func VisitPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{rule.AllowAdmin(), privacy.VisitQueryRuleFunc(func(ctx context.Context, q *ent.VisitQuery) error {
			switch v := auth.FromContext(ctx); {
			case v.IsStaff():
				q.Where(visit.CommunityID(v.CommunityID))
			case v.IsPerson():
				q.Where(visit.VisitorID(v.PersonID))
			default:
				q.Where(visit.IDLT(0))
			}
			return privacy.Skip
		}), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{rule.AllowAdmin(), privacy.VisitMutationRuleFunc(func(ctx context.Context, m *ent.VisitMutation) error {
			if !m.Op().Is(ent.OpCreate) {
				return privacy.Skip
			}
			v := auth.FromContext(ctx)
			community, _ := m.CommunityID()
			visitor, _ := m.VisitorID()
			if v.IsStaff() && community == v.CommunityID || v.IsPerson() && visitor == v.PersonID && community == v.CommunityID {
				return privacy.Allow
			}
			return privacy.Skip
		}), rule.DenyWrite()},
	}
}
