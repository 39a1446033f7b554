// Package rule holds the ent privacy rules of lifecircle. Privacy is decided
// here, once, at the data layer, so every path to the data (GraphQL node
// lookups, edges, connections, exports) inherits it.
package rule

import (
	"context"
	"slices"

	"entgo.io/ent/dialect/sql"

	"entgo.io/ent/entql"

	"lifecircle/ent"
	"lifecircle/ent/compound"
	"lifecircle/ent/facility"
	"lifecircle/ent/identity"
	"lifecircle/ent/organization"
	"lifecircle/ent/person"
	"lifecircle/ent/predicate"
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

// DenyForeignReferences stops staff from pointing a record of their
// community at a record of another one: a compound, parent facility,
// operator, venue or organiser must belong to the viewer's community.
func DenyForeignReferences() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		v := auth.FromContext(ctx)
		if !v.IsStaff() {
			return privacy.Skip
		}
		sys := SystemContext(ctx)
		var refs []func() (bool, error)
		switch m := m.(type) {
		case *ent.FacilityMutation:
			c := m.Client()
			if id, ok := m.CompoundID(); ok {
				refs = append(refs, func() (bool, error) {
					return c.Compound.Query().Where(compound.ID(id), compound.CommunityID(v.CommunityID)).Exist(sys)
				})
			}
			if id, ok := m.ParentID(); ok {
				refs = append(refs, func() (bool, error) {
					return c.Facility.Query().Where(facility.ID(id), facility.CommunityID(v.CommunityID)).Exist(sys)
				})
			}
			if id, ok := m.OperatorID(); ok {
				refs = append(refs, func() (bool, error) {
					return c.Organization.Query().Where(organization.ID(id), organization.RegionID(v.CommunityID)).Exist(sys)
				})
			}
		case *ent.GridMutation:
			c := m.Client()
			if ids := m.CompoundsIDs(); len(ids) > 0 {
				refs = append(refs, func() (bool, error) {
					n, err := c.Compound.Query().Where(compound.IDIn(ids...), compound.CommunityID(v.CommunityID)).Count(sys)
					return n == len(ids), err
				})
			}
		case *ent.PersonMutation:
			c := m.Client()
			if ids := m.TeamsIDs(); len(ids) > 0 {
				refs = append(refs, func() (bool, error) {
					n, err := c.Organization.Query().Where(organization.IDIn(ids...), organization.RegionID(v.CommunityID)).Count(sys)
					return n == len(ids), err
				})
			}
		case *ent.ActivityMutation:
			c := m.Client()
			if id, ok := m.VenueID(); ok {
				refs = append(refs, func() (bool, error) {
					return c.Facility.Query().Where(facility.ID(id), facility.CommunityID(v.CommunityID)).Exist(sys)
				})
			}
			if id, ok := m.OrganizerID(); ok {
				refs = append(refs, func() (bool, error) {
					return c.Organization.Query().Where(organization.ID(id), organization.RegionID(v.CommunityID)).Exist(sys)
				})
			}
		}
		for _, inCommunity := range refs {
			ok, err := inCommunity()
			if err != nil {
				return err
			}
			if !ok {
				return privacy.Denyf("%w", apperr.New(apperr.CodeForbidden, "a referenced record belongs to another community (or does not exist)"))
			}
		}
		return privacy.Skip
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
			if ent.IsNotFound(err) {
				return err // a missing record is NOT_FOUND, not FORBIDDEN
			}
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

// none matches no row: IDs are positive.
var none = entql.FieldLT("id", 0)

// TeamKinds are the organisations that have members: volunteer teams and
// party organisations. A request dispatched to one of them is seen and
// claimed by its members only; one dispatched to any other organisation of
// the community (the residents' committee, a social organisation, a
// business) by every volunteer of the community.
var TeamKinds = []organization.Kind{
	organization.KindVolunteerTeam, organization.KindPartyCommittee, organization.KindPartyBranch,
	organization.KindPartyGroup, organization.KindPartyHousehold,
}

// IsTeam reports whether an organisation of kind k has members.
func IsTeam(k organization.Kind) bool { return slices.Contains(TeamKinds, k) }

// openToVolunteer is the dispatch of a request that volunteer v may see
// and claim: to no organisation, to one that is not a team, or to a team v
// is a member of.
func openToVolunteer(v auth.Viewer) entql.P {
	kinds := make([]any, len(TeamKinds))
	for i, k := range TeamKinds {
		kinds[i] = string(k)
	}
	return entql.Or(
		entql.FieldNil("dispatched_to_id"),
		entql.HasEdgeWith("dispatched_to", entql.Or(
			entql.Not(entql.FieldIn("kind", kinds...)),
			entql.HasEdgeWith("members", entql.FieldEQ("id", v.PersonID)),
		)),
	)
}

// visibleRequests is what a resident or volunteer may see of the needs list:
// their own requests; a volunteer also sees the dispatched requests of their
// community open to them (see openToVolunteer and TeamKinds), and the ones
// they claimed.
func visibleRequests(v auth.Viewer) entql.P {
	own := entql.FieldEQ("requester_id", v.PersonID)
	if !v.IsVolunteer() {
		return own
	}
	return entql.Or(own,
		entql.FieldEQ("claimed_by_id", v.PersonID),
		entql.And(entql.FieldEQ("community_id", v.CommunityID), entql.FieldEQ("status", "DISPATCHED"), openToVolunteer(v)),
	)
}

// FilterPrivate narrows reads of private records to what the viewer may
// see. Admins and the system context are allowed before this rule runs;
// staff see their community's records; residents and volunteers see their
// own (and volunteers what they can claim or have claimed); the public sees
// nothing.
//
// Filtering, rather than denying, makes a private record look exactly like a
// missing one: node(id:) answers NOT_FOUND and connections are empty.
func FilterPrivate() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := auth.FromContext(ctx)
		switch {
		case v.IsStaff():
			if pf, ok := f.(*ent.PersonFilter); ok {
				pf.Where(entql.Or(entql.FieldEQ("community_id", v.CommunityID),
					entql.HasEdgeWith("registrations", entql.FieldEQ("community_id", v.CommunityID))))
				return privacy.Skip
			}
			if cf, ok := f.(interface{ WhereCommunityID(entql.IntP) }); ok {
				cf.WhereCommunityID(entql.IntEQ(v.CommunityID))
				return privacy.Skip
			}
		case v.IsPerson():
			switch f.(type) {
			case *ent.PersonFilter:
				p := entql.FieldEQ("id", v.PersonID)
				if v.IsVolunteer() {
					p = entql.Or(p, entql.HasEdgeWith("requests", visibleRequests(v)))
				}
				f.Where(p)
				return privacy.Skip
			case *ent.ServiceRequestFilter:
				f.Where(visibleRequests(v))
				return privacy.Skip
			case *ent.RegistrationFilter:
				f.Where(entql.FieldEQ("person_id", v.PersonID))
				return privacy.Skip
			case *ent.AppointmentFilter:
				f.Where(entql.FieldEQ("person_id", v.PersonID))
				return privacy.Skip
			case *ent.AppointmentEventFilter:
				f.Where(entql.HasEdgeWith("appointment", entql.FieldEQ("person_id", v.PersonID)))
				return privacy.Skip
			case *ent.RequestEventFilter:
				f.Where(entql.HasEdgeWith("request", entql.Or(
					entql.FieldEQ("requester_id", v.PersonID), entql.FieldEQ("claimed_by_id", v.PersonID))))
				return privacy.Skip
			}
		}
		f.Where(none)
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
		Mutation: privacy.MutationPolicy{AllowAdmin(), DenyForeignReferences(), AllowStaffOfCommunity(), DenyWrite()},
	}
}

// People is the policy of Person: read as Private; written by admins,
// by staff for the people of their own community (teams of that community
// only), and by a person for their own phone number.
func People() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{AllowAdmin(), FilterPrivate(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{AllowAdmin(), DenyForeignReferences(), AllowStaffOfCommunity(), allowOwnContact(), DenyWrite()},
	}
}

// allowOwnContact allows a resident or volunteer one change of their own
// record: their phone number. Everything else about them is changed by
// staff at the counter.
func allowOwnContact() privacy.MutationRule {
	return privacy.PersonMutationRuleFunc(func(ctx context.Context, m *ent.PersonMutation) error {
		v := auth.FromContext(ctx)
		id, ok := m.ID()
		if !v.IsPerson() || !m.Op().Is(ent.OpUpdateOne) || !ok || id != v.PersonID {
			return privacy.Skip
		}
		for _, f := range m.Fields() {
			if f != person.FieldPhone && f != person.FieldUpdatedAt {
				return privacy.Skip
			}
		}
		for _, f := range m.ClearedFields() {
			if f != person.FieldPhone {
				return privacy.Skip
			}
		}
		if len(m.AddedEdges())+len(m.RemovedEdges())+len(m.ClearedEdges()) > 0 {
			return privacy.Skip
		}
		return privacy.Allow
	})
}

// Private is the policy of records holding personal data: admins read all,
// staff read their community's, the public reads nothing. Writes go through
// the system context (seeding) or admins; the workflow issue adds more.
func Private() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{AllowAdmin(), FilterPrivate(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{AllowAdmin(), DenyWrite()},
	}
}

// History is the policy of an append-only history: read like private
// records, written only by the workflow (under the system context), never
// changed or deleted, not even by admins.
func History() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{AllowAdmin(), FilterPrivate(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
				if !m.Op().Is(ent.OpCreate) {
					return privacy.Denyf("%w", apperr.New(apperr.CodeForbidden, "history cannot be changed"))
				}
				return privacy.Skip
			}),
			DenyWrite(),
		},
	}
}

// PublishedOnly is the policy of published statistics: anyone reads them;
// only the publication step (under the system context) writes them.
func PublishedOnly() ent.Policy {
	return privacy.Policy{Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()}}
}

// Tokens is the policy of API tokens: admins read them all (the secret is
// not stored, and its hash is in no GraphQL type), staff read their
// community's; nobody else reads any, so a token's ID looks like a missing
// one. Admins issue any token and staff tokens of their community other
// than admin tokens (internal/auth/token checks the input first); both
// revoke the tokens they see, and change nothing else. Tokens are looked up
// for each request under the system context.
func Tokens() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{AllowAdmin(), privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
			if v := auth.FromContext(ctx); v.IsStaff() {
				f.Where(entql.FieldEQ("community_id", v.CommunityID))
				return privacy.Skip
			}
			f.Where(none)
			return privacy.Skip
		}), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{allowTokenWrites(), DenyWrite()},
	}
}

// allowTokenWrites allows admins and staff to issue tokens (staff: of their
// community, never an admin token) and to revoke them (staff: their
// community's), and nothing else.
func allowTokenWrites() privacy.MutationRule {
	return privacy.APITokenMutationRuleFunc(func(ctx context.Context, m *ent.APITokenMutation) error {
		v := auth.FromContext(ctx)
		if !v.IsAdmin() && !v.IsStaff() {
			return privacy.Skip
		}
		switch {
		case m.Op().Is(ent.OpCreate):
			if v.IsAdmin() {
				return privacy.Allow
			}
			role, _ := m.Role()
			community, ok := m.CommunityID()
			if ok && community == v.CommunityID && role != "admin" {
				return privacy.Allow
			}
		case m.Op().Is(ent.OpUpdateOne):
			revoked, ok := m.Revoked()
			if !ok || !revoked || len(m.Fields()) != 1 || len(m.AddedEdges())+len(m.ClearedEdges())+len(m.ClearedFields()) != 0 {
				return privacy.Skip
			}
			if v.IsAdmin() {
				return privacy.Allow
			}
			old, err := m.OldCommunityID(ctx)
			if ent.IsNotFound(err) {
				return err
			}
			if err == nil && old != nil && *old == v.CommunityID {
				return privacy.Allow
			}
		}
		return privacy.Skip
	})
}

// Identities is the policy of linked sign-ins: admins read and change
// them all; staff read the identities of their community (linked to a
// person of it, or to a staff role in it) and may delete (unlink) those
// one at a time; nobody else reads any, so an identity's ID looks like a
// missing one. Links are created by internal/auth/identity under the
// system context, after it has checked who may link what.
func Identities() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{AllowAdmin(), privacy.IdentityQueryRuleFunc(func(ctx context.Context, q *ent.IdentityQuery) error {
			if v := auth.FromContext(ctx); v.IsStaff() {
				q.Where(ofCommunity(v.CommunityID))
				return privacy.Skip
			}
			q.Where(identity.IDLT(0))
			return privacy.Skip
		}), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{AllowAdmin(), privacy.IdentityMutationRuleFunc(func(ctx context.Context, m *ent.IdentityMutation) error {
			if v := auth.FromContext(ctx); v.IsStaff() && m.Op().Is(ent.OpDeleteOne) {
				m.Where(ofCommunity(v.CommunityID))
				return privacy.Allow
			}
			return privacy.Skip
		}), DenyWrite()},
	}
}

// ofCommunity matches the identities of a community: linked to one of its
// people, or to a staff role in it.
func ofCommunity(id int) predicate.Identity {
	return identity.Or(identity.CommunityID(id), identity.HasPersonWith(person.CommunityID(id)))
}

// SystemOnly is the policy of records no request may touch (the change
// log, walking networks). The server reads them under the system context.
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

type erasureKey struct{}

// ErasureContext returns ctx marked as the erasure of a person's data
// (internal/erasure), under the system context. It is the one context in
// which the append-only histories (request events, the personal-data
// reading log) accept a change, and only one that clears a personal
// field: see the hooks in ent/schema/policy.go.
func ErasureContext(ctx context.Context) context.Context {
	return SystemContext(context.WithValue(ctx, erasureKey{}, true))
}

// IsErasure reports whether ctx is an erasure's (ErasureContext).
func IsErasure(ctx context.Context) bool {
	v, _ := ctx.Value(erasureKey{}).(bool)
	return v
}

// DataAccessLog is the policy of the personal-data reading log: admins
// read it all; a person reads the entries about themselves; nobody else
// reads any. Entries are written under the system context only.
func DataAccessLog() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{AllowAdmin(), privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
			if v := auth.FromContext(ctx); v.PersonID != 0 {
				f.Where(entql.FieldEQ("subject_id", v.PersonID))
				return privacy.Skip
			}
			f.Where(none)
			return privacy.Skip
		}), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
