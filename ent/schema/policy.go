//go:build !bootstrap

// Privacy policies and hooks live in this one file because they import the
// generated ent packages: the bootstrap build (go run ./scripts/entgen
// -bootstrap, for an empty ent/) leaves it out.

package schema

import (
	"context"
	"time"

	"entgo.io/ent"

	gen "lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/hook"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/changelog"
	"lifecircle/internal/i18n"
)

// Policy of the Region: public reads; only admins change the hierarchy.
func (Region) Policy() ent.Policy { return rule.AdminWrites() }

// Policy of the Organization: public reads; admins write.
func (Organization) Policy() ent.Policy { return rule.AdminWrites() }

// Policy of the Compound: public reads; staff of its community write.
func (Compound) Policy() ent.Policy { return rule.CommunityWrites() }

// Policy of the Grid: public reads; staff of its community write.
func (Grid) Policy() ent.Policy { return rule.CommunityWrites() }

// Policy of the Facility: public reads; staff of its community write.
func (Facility) Policy() ent.Policy { return rule.CommunityWrites() }

// Policy of the Activity: public reads; staff of its community write.
func (Activity) Policy() ent.Policy { return rule.CommunityWrites() }

// Policy of the Person: private.
func (Person) Policy() ent.Policy { return rule.Private() }

// Policy of the Registration: private.
func (Registration) Policy() ent.Policy { return rule.Private() }

// Policy of the ServiceRequest: private.
func (ServiceRequest) Policy() ent.Policy { return rule.Private() }

// Policy of the RequestEvent: append-only history.
func (RequestEvent) Policy() ent.Policy { return rule.History() }

// Hooks of the RequestEvent: no update or delete ever, whatever the
// context (a privacy decision can skip policies, not hooks).
func (RequestEvent) Hooks() []ent.Hook {
	return []ent.Hook{hook.Reject(ent.OpUpdate | ent.OpUpdateOne | ent.OpDelete | ent.OpDeleteOne)}
}

// Policy of the APIToken: admins list and revoke tokens; to anyone else
// they do not exist. Issued and looked up under the system context.
func (APIToken) Policy() ent.Policy { return rule.Tokens() }

// Policy of the Change: written by hooks under the system context; read by
// the server's indexes.
func (Change) Policy() ent.Policy { return rule.SystemOnly() }

// Policy of the Publication: published statistics are public; only the
// publication step writes them, and nothing changes them afterwards.
func (Publication) Policy() ent.Policy { return rule.PublishedOnly() }

// Policy of the StatCell: as its publication.
func (StatCell) Policy() ent.Policy { return rule.PublishedOnly() }

// Hooks of the Publication: immutable once written.
func (Publication) Hooks() []ent.Hook {
	return []ent.Hook{hook.Reject(ent.OpUpdate | ent.OpUpdateOne | ent.OpDelete | ent.OpDeleteOne)}
}

// Hooks of the StatCell: immutable once written.
func (StatCell) Hooks() []ent.Hook {
	return []ent.Hook{hook.Reject(ent.OpUpdate | ent.OpUpdateOne | ent.OpDelete | ent.OpDeleteOne)}
}

// Policy of the ChangeLock: the change log's writers only.
func (ChangeLock) Policy() ent.Policy { return rule.SystemOnly() }

// Policy of the WalkNetwork: imported from the command line.
func (WalkNetwork) Policy() ent.Policy { return rule.SystemOnly() }

// Hooks of the WalkNetwork: servers reload networks when the log says so.
func (WalkNetwork) Hooks() []ent.Hook { return []ent.Hook{changelog.Record("WalkNetwork")} }

// Hooks of the Facility.
func (Facility) Hooks() []ent.Hook { return []ent.Hook{validNames, changelog.Record("Facility")} }

// Hooks of the Region: the change feed.
func (Region) Hooks() []ent.Hook { return []ent.Hook{changelog.Record("Region")} }

// Hooks of the Compound: the change feed.
func (Compound) Hooks() []ent.Hook { return []ent.Hook{changelog.Record("Compound")} }

// Hooks of the Grid: the change feed.
func (Grid) Hooks() []ent.Hook { return []ent.Hook{changelog.Record("Grid")} }

// Hooks of the Organization: the change feed.
func (Organization) Hooks() []ent.Hook { return []ent.Hook{changelog.Record("Organization")} }

// Hooks of the Activity. Its registered count is live: registrations and
// cancellations are not changes of the activity (see changelog.Live).
func (Activity) Hooks() []ent.Hook {
	return []ent.Hook{endsAfterStart, changelog.Record("Activity", changelog.Live(activity.FieldRegisteredCount))}
}

// validNames checks the translations of a facility name (JSON fields have no
// field validators in ent).
func validNames(next ent.Mutator) ent.Mutator {
	return hook.FacilityFunc(func(ctx context.Context, m *gen.FacilityMutation) (ent.Value, error) {
		if names, ok := m.Names(); ok {
			if err := i18n.ValidateTexts(names); err != nil {
				return nil, apperr.BadInput("names", "%v", err)
			}
		}
		return next.Mutate(ctx, m)
	})
}

// endsAfterStart rejects an activity whose end is not after its start,
// comparing new values with the stored ones on update.
func endsAfterStart(next ent.Mutator) ent.Mutator {
	return hook.ActivityFunc(func(ctx context.Context, m *gen.ActivityMutation) (ent.Value, error) {
		start, hasStart := m.StartsAt()
		end, hasEnd := m.EndsAt()
		if !hasStart && !hasEnd {
			return next.Mutate(ctx, m)
		}
		switch {
		case m.Op().Is(ent.OpUpdateOne):
			var err error
			if !hasStart {
				start, err = m.OldStartsAt(ctx)
			}
			if err == nil && !hasEnd {
				end, err = m.OldEndsAt(ctx)
			}
			if err != nil {
				return nil, err
			}
		case m.Op().Is(ent.OpUpdate):
			return nil, apperr.BadInput("startsAt", "bulk updates of activity times are not supported")
		}
		if !end.After(start) {
			return nil, apperr.BadInput("endsAt", "the activity must end after it starts (starts %s, ends %s)",
				start.Format(time.RFC3339), end.Format(time.RFC3339))
		}
		return next.Mutate(ctx, m)
	})
}
