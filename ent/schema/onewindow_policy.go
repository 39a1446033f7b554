//go:build !bootstrap

package schema

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent"

	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/changelog"
	"lifecircle/internal/i18n"
)

// Policy of the ServiceMatter: public reads; staff of its community write.
func (ServiceMatter) Policy() ent.Policy { return rule.CommunityWrites() }

// Hooks of the ServiceMatter.
func (ServiceMatter) Hooks() []ent.Hook {
	return []ent.Hook{normaliseInput, validMatterNames, changelog.Record("ServiceMatter")}
}

// Policy of the ServiceSlot: public reads (places left, never who booked);
// staff of its community publish and change slots.
func (ServiceSlot) Policy() ent.Policy { return rule.CommunityWrites() }

// Hooks of the ServiceSlot.
func (ServiceSlot) Hooks() []ent.Hook { return []ent.Hook{normaliseInput, slotEndsAfterStart} }

// Policy of the Appointment: private; written by internal/onewindow under
// the system context after it has checked who may do what.
func (Appointment) Policy() ent.Policy { return rule.Private() }

// Hooks of the Appointment.
func (Appointment) Hooks() []ent.Hook { return []ent.Hook{normaliseInput} }

// Policy of the AppointmentEvent: append-only history.
func (AppointmentEvent) Policy() ent.Policy { return rule.History() }

// Hooks of the AppointmentEvent: no update or delete, except erasure
// clearing the note and the actor.
func (AppointmentEvent) Hooks() []ent.Hook {
	return []ent.Hook{appendOnly("note", "actor_id"), normaliseInput}
}

// validMatterNames checks the translations of a matter's name.
func validMatterNames(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, mu ent.Mutation) (ent.Value, error) {
		m, ok := mu.(interface{ Names() ([]i18n.Text, bool) })
		if !ok {
			return next.Mutate(ctx, mu)
		}
		if names, ok := m.Names(); ok {
			if err := i18n.ValidateTexts(names); err != nil {
				return nil, apperr.Invalid("names", err.Error(),
					"名称译名无效："+err.Error()+"（语言标签须受支持且不重复，每个译名 1 至 400 字节）")
			}
		}
		return next.Mutate(ctx, mu)
	})
}

// timed is the mutation of a record with a start and an end.
type timed interface {
	ent.Mutation
	StartsAt() (time.Time, bool)
	EndsAt() (time.Time, bool)
	OldStartsAt(context.Context) (time.Time, error)
	OldEndsAt(context.Context) (time.Time, error)
}

// slotEndsAfterStart rejects a slot whose end is not after its start.
func slotEndsAfterStart(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, mu ent.Mutation) (ent.Value, error) {
		m, ok := mu.(timed)
		if !ok {
			return next.Mutate(ctx, mu)
		}
		start, hasStart := m.StartsAt()
		end, hasEnd := m.EndsAt()
		if !hasStart && !hasEnd {
			return next.Mutate(ctx, mu)
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
			return nil, apperr.Invalid("startsAt", "bulk updates of slot times are not supported", "不支持批量修改预约时段")
		}
		if !end.After(start) {
			return nil, apperr.Invalid("endsAt",
				fmt.Sprintf("the slot must end after it starts (starts %s, ends %s)", start.Format(time.RFC3339), end.Format(time.RFC3339)),
				fmt.Sprintf("时段结束时间须晚于开始时间（开始 %s，结束 %s）", start.Format(time.RFC3339), end.Format(time.RFC3339)))
		}
		return next.Mutate(ctx, mu)
	})
}
