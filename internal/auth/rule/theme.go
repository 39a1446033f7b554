package rule

import (
	"context"

	"lifecircle/ent"
	"lifecircle/ent/privacy"
	"lifecircle/internal/auth"
)

// ThemeWrites is the policy of the months' themes: public reads; admins
// write any region's themes, staff their own community's.
func ThemeWrites() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{AllowAdmin(), allowStaffOwnRegion(), DenyWrite()},
	}
}

// allowStaffOwnRegion allows staff a write of a record whose region_id is
// their community, before and after the write.
func allowStaffOwnRegion() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		v := auth.FromContext(ctx)
		if !v.IsStaff() {
			return privacy.Skip
		}
		if id, set := m.Field("region_id"); set && id != v.CommunityID {
			return privacy.Skip
		}
		switch {
		case m.Op().Is(ent.OpCreate):
			return privacy.Allow
		case m.Op().Is(ent.OpUpdateOne):
			old, err := m.OldField(ctx, "region_id")
			if ent.IsNotFound(err) {
				return err
			}
			if err != nil || old != v.CommunityID {
				return privacy.Skip
			}
			return privacy.Allow
		}
		return privacy.Skip
	})
}
