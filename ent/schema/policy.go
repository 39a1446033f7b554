//go:build !bootstrap

// Privacy policies and hooks live in this one file because they import the
// generated ent packages: the bootstrap build (go run ./scripts/entgen
// -bootstrap, for an empty ent/) leaves it out.

package schema

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent"

	gen "lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/hook"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/changelog"
	"lifecircle/internal/i18n"
	"lifecircle/internal/inputs"
	"lifecircle/internal/privatelog"
	"lifecircle/internal/webhook"
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

// Policy of the Person: private; staff manage their community's people,
// a person changes their own phone number.
func (Person) Policy() ent.Policy { return rule.People() }

// Policy of the Theme: admins, and staff for their own community's themes.
func (Theme) Policy() ent.Policy { return rule.ThemeWrites() }

// Policy of the OccurrenceCount: written by the registration workflow only.
func (OccurrenceCount) Policy() ent.Policy { return rule.SystemOnly() }

// Policy of the Registration: private.
func (Registration) Policy() ent.Policy { return rule.Private() }

// Policy of the ServiceRequest: private.
func (ServiceRequest) Policy() ent.Policy { return rule.Private() }

// Policy of the RequestEvent: append-only history.
func (RequestEvent) Policy() ent.Policy { return rule.History() }

// Hooks of the RequestEvent: no update or delete ever, whatever the
// context (a privacy decision can skip policies, not hooks), except the
// erasure of a person's data clearing the notes of their requests' events
// and their ID as an actor.
func (RequestEvent) Hooks() []ent.Hook {
	return []ent.Hook{appendOnly("note", "actor_id"), normaliseInput, privatelog.LockAppends()}
}

// Policy of the RegistrationEvent: written by the Registration hook, read
// by the subscriptions' follower, both under the system context.
func (RegistrationEvent) Policy() ent.Policy { return rule.SystemOnly() }

// Hooks of the RegistrationEvent: append-only.
func (RegistrationEvent) Hooks() []ent.Hook {
	return []ent.Hook{hook.Reject(ent.OpUpdate | ent.OpUpdateOne | ent.OpDelete | ent.OpDeleteOne)}
}

// Policy of the EventLock: the private logs' writers only.
func (EventLock) Policy() ent.Policy { return rule.SystemOnly() }

// Hooks of the Registration: each change of status is appended to the
// registrations' log (internal/privatelog), which registrationChanged
// follows; webhooks.
func (Registration) Hooks() []ent.Hook {
	return []ent.Hook{privatelog.RecordRegistrations(), webhook.Emit("Registration")}
}

// Policy of the PersonalDataAccess: admins read the log; a person reads
// the entries about themselves; written under the system context.
func (PersonalDataAccess) Policy() ent.Policy { return rule.DataAccessLog() }

// Hooks of the PersonalDataAccess: append-only, except erasure detaching
// entries from the erased person (as subject or as reader).
func (PersonalDataAccess) Hooks() []ent.Hook {
	return []ent.Hook{appendOnly("subject_id", "viewer_person_id")}
}

// Policy of the Erasure: written and read under the system context.
func (Erasure) Policy() ent.Policy { return rule.SystemOnly() }

// Hooks of the Erasure: immutable once written.
func (Erasure) Hooks() []ent.Hook {
	return []ent.Hook{hook.Reject(ent.OpUpdate | ent.OpUpdateOne | ent.OpDelete | ent.OpDeleteOne)}
}

// appendOnly refuses every update and delete, whatever the privacy
// decision, except an update under rule.ErasureContext that only clears
// some of erasable (to NULL or the empty string) and touches nothing else.
func appendOnly(erasable ...string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if m.Op().Is(ent.OpCreate) || (m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) && rule.IsErasure(ctx) && onlyClears(m, erasable)) {
				return next.Mutate(ctx, m)
			}
			return nil, fmt.Errorf("%s: %w", m.Type(), apperr.New(apperr.CodeForbidden, "this history is append-only: it cannot be changed or deleted"))
		})
	}
}

// onlyClears reports whether m clears fields among erasable and does
// nothing else.
func onlyClears(m ent.Mutation, erasable []string) bool {
	if len(m.AddedEdges())+len(m.RemovedEdges())+len(m.ClearedEdges())+len(m.AddedFields()) > 0 {
		return false
	}
	for _, f := range m.ClearedFields() {
		if !slices.Contains(erasable, f) {
			return false
		}
	}
	for _, f := range m.Fields() {
		v, _ := m.Field(f)
		if !slices.Contains(erasable, f) || v != "" {
			return false
		}
	}
	return len(m.Fields())+len(m.ClearedFields()) > 0
}

// Policy of the APIToken: admins issue, list and revoke any token, staff
// their community's (never an admin token); to anyone else tokens do not
// exist. Looked up for each request under the system context.
func (APIToken) Policy() ent.Policy { return rule.Tokens() }

// Policy of the Identity: admins read and change every identity; staff
// read and unlink the identities of their community; to anyone else there
// are none. Linking goes through internal/auth/identity, which checks who
// may link what before writing.
func (Identity) Policy() ent.Policy { return rule.Identities() }

// Policy of the SignInCode: issued and redeemed by internal/auth/identity
// under the system context only.
func (SignInCode) Policy() ent.Policy { return rule.SystemOnly() }

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

// Policy of the IdempotencyKey: read and written by internal/idempotency
// under the system context only.
func (IdempotencyKey) Policy() ent.Policy { return rule.SystemOnly() }

// Policy of the ChangeLock: the change log's writers only.
func (ChangeLock) Policy() ent.Policy { return rule.SystemOnly() }

// Policy of the WalkNetwork: imported from the command line.
func (WalkNetwork) Policy() ent.Policy { return rule.SystemOnly() }

// Hooks of the WalkNetwork: servers reload networks when the log says so.
func (WalkNetwork) Hooks() []ent.Hook { return []ent.Hook{changelog.Record("WalkNetwork")} }

// Hooks of the Facility.
func (Facility) Hooks() []ent.Hook {
	return []ent.Hook{mergeFacilityAppends, normaliseInput, validNames, changelog.Record("Facility"), webhook.Emit("Facility")}
}

// Hooks of the Region: the change feed.
func (Region) Hooks() []ent.Hook { return []ent.Hook{normaliseInput, changelog.Record("Region")} }

// Hooks of the Compound: the change feed.
func (Compound) Hooks() []ent.Hook { return []ent.Hook{normaliseInput, changelog.Record("Compound")} }

// Hooks of the Grid: the change feed.
func (Grid) Hooks() []ent.Hook { return []ent.Hook{normaliseInput, changelog.Record("Grid")} }

// Hooks of the Organization: the change feed.
func (Organization) Hooks() []ent.Hook {
	return []ent.Hook{normaliseInput, changelog.Record("Organization")}
}

// Hooks of the Activity. Its registered count is live: registrations and
// cancellations are not changes of the activity (see changelog.Live).
func (Activity) Hooks() []ent.Hook {
	return []ent.Hook{mergeActivityAppends, normaliseInput, endsAfterStart, checkSeries, changelog.Record("Activity", changelog.Live(activity.FieldRegisteredCount)), webhook.Emit("Activity")}
}

// Hooks of the Theme: normalised input; every write is in the change
// feed.
func (Theme) Hooks() []ent.Hook { return []ent.Hook{normaliseInput, changelog.Record("Theme")} }

// Hooks of the Person: normalised input.
func (Person) Hooks() []ent.Hook { return []ent.Hook{normaliseInput} }

// Hooks of the ServiceRequest: normalised input; webhooks.
func (ServiceRequest) Hooks() []ent.Hook {
	return []ent.Hook{normaliseInput, webhook.Emit("ServiceRequest")}
}

// normaliseInput applies internal/inputs to every field a write sets:
// free text trimmed of invisible characters and refused when nothing
// visible is left or it holds control characters, lists normalised and
// bounded, times within inputs.Earliest … inputs.Latest. It runs at the
// data layer, so GraphQL, the command line and the demo loader all obey it.
func normaliseInput(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		for _, name := range m.Fields() {
			v, _ := m.Field(name)
			var err error
			switch x := v.(type) {
			case string:
				var t string
				if t, err = inputs.Text(x); err == nil && t != x {
					err = m.SetField(name, t)
				}
			case []string:
				var l []string
				if l, err = inputs.List(x); err == nil {
					err = m.SetField(name, l)
				}
			case []i18n.Text:
				l := make([]i18n.Text, len(x))
				for i, t := range x {
					l[i] = t
					if l[i].Value, err = inputs.Text(t.Value); err != nil {
						break
					}
				}
				if err == nil {
					err = m.SetField(name, l)
				}
			case time.Time:
				err = inputs.Time(x)
			}
			if err != nil {
				return nil, inputs.OnField(err, name)
			}
		}
		return next.Mutate(ctx, m)
	})
}

// appendTo returns the list an append makes: the list the mutation sets,
// else the stored one, followed by more. Only single-record updates
// append (the stored list is that record's).
func appendTo(ctx context.Context, op ent.Op, field string, set []string, isSet bool, old func(context.Context) ([]string, error), more []string) ([]string, error) {
	if !op.Is(ent.OpUpdateOne) {
		return nil, apperr.Invalid(inputs.GraphQLName(field), "lists are appended to one record at a time", "列表只能逐条记录追加")
	}
	if !isSet {
		var err error
		if set, err = old(ctx); err != nil {
			return nil, err
		}
	}
	return append(slices.Clip(set), more...), nil
}

// mergeFacilityAppends turns appendTags and appendServices into the whole
// new list, so the list's validator bounds the result, not the appended part.
func mergeFacilityAppends(next ent.Mutator) ent.Mutator {
	return hook.FacilityFunc(func(ctx context.Context, m *gen.FacilityMutation) (ent.Value, error) {
		if more, ok := m.AppendedTags(); ok {
			set, isSet := m.Tags()
			l, err := appendTo(ctx, m.Op(), "tags", set, isSet, m.OldTags, more)
			if err != nil {
				return nil, err
			}
			m.SetTags(l)
		}
		if more, ok := m.AppendedServices(); ok {
			set, isSet := m.Services()
			l, err := appendTo(ctx, m.Op(), "services", set, isSet, m.OldServices, more)
			if err != nil {
				return nil, err
			}
			m.SetServices(l)
		}
		return next.Mutate(ctx, m)
	})
}

// mergeActivityAppends does for appendTargetGroups what
// mergeFacilityAppends does for tags.
func mergeActivityAppends(next ent.Mutator) ent.Mutator {
	return hook.ActivityFunc(func(ctx context.Context, m *gen.ActivityMutation) (ent.Value, error) {
		if more, ok := m.AppendedTargetGroups(); ok {
			set, isSet := m.TargetGroups()
			l, err := appendTo(ctx, m.Op(), "target_groups", set, isSet, m.OldTargetGroups, more)
			if err != nil {
				return nil, err
			}
			m.SetTargetGroups(l)
		}
		return next.Mutate(ctx, m)
	})
}

// validNames checks the translations of a facility name (JSON fields have no
// field validators in ent).
func validNames(next ent.Mutator) ent.Mutator {
	return hook.FacilityFunc(func(ctx context.Context, m *gen.FacilityMutation) (ent.Value, error) {
		if names, ok := m.Names(); ok {
			if err := i18n.ValidateTexts(names); err != nil {
				return nil, apperr.Invalid("names", err.Error(),
					"名称译名无效："+err.Error()+"（语言标签须受支持且不重复，每个译名 1 至 400 字节）")
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
			return nil, apperr.Invalid("startsAt", "bulk updates of activity times are not supported", "不支持批量修改活动时间")
		}
		if !end.After(start) {
			return nil, apperr.Invalid("endsAt",
				fmt.Sprintf("the activity must end after it starts (starts %s, ends %s)", start.Format(time.RFC3339), end.Format(time.RFC3339)),
				fmt.Sprintf("活动结束时间须晚于开始时间（开始 %s，结束 %s）", start.Format(time.RFC3339), end.Format(time.RFC3339)))
		}
		return next.Mutate(ctx, m)
	})
}
