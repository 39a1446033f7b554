package workflow

import (
	"context"
	stdsql "database/sql"
	"errors"
	"time"

	"entgo.io/ent/dialect/sql"

	"lifecircle/ent"
	"lifecircle/ent/occurrencecount"
	"lifecircle/ent/registration"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/recurring"
)

// registerOccurrence registers pid for one occurrence of a recurring
// activity. The occurrence's count row is created if missing (an upsert
// that changes nothing when it exists), then the place is taken with one
// conditional UPDATE on it (registered_count < capacity), as for a one-off
// activity: however many register at once, no more than capacity succeed
// per occurrence.
func registerOccurrence(ctx context.Context, client *ent.Client, act *ent.Activity, pid int, at *time.Time) (*ent.Registration, error) {
	sys := rule.SystemContext(ctx)
	if act.Rrule == "" {
		return nil, apperr.Invalid("occurrence", "the activity does not recur: register without an occurrence",
			"该活动不是循环活动：报名时不要指定 occurrence")
	}
	if at == nil {
		return nil, apperr.Invalid("occurrence", "the activity recurs: name the occurrence (its startsAt, see Activity.occurrences)",
			"该活动为循环活动：请指明报名哪一次（其 startsAt，见 Activity.occurrences）")
	}
	occurs, cancelled, err := recurring.Is(recurring.Of(act), *at)
	if err != nil {
		return nil, err
	}
	if !occurs {
		return nil, apperr.Invalid("occurrence", "no occurrence of the activity starts then: see Activity.occurrences",
			"该活动在此时间没有开始的一次：请查看 Activity.occurrences")
	}
	if cancelled {
		return nil, apperr.New(CodeInvalidTransition, "registration is closed: the occurrence is cancelled")
	}
	if !at.After(time.Now()) {
		return nil, apperr.New(CodeInvalidTransition, "registration is closed: the occurrence has started")
	}
	key := at.Unix()
	existing, err := client.Registration.Query().
		Where(registration.ActivityID(act.ID), registration.OccurrenceKey(key), registration.PersonID(pid)).Only(sys)
	switch {
	case err == nil && existing.Status == registration.StatusRegistered:
		return nil, apperr.New(apperr.CodeConflict, "already registered for this occurrence")
	case err != nil && !ent.IsNotFound(err):
		return nil, err
	}
	start := time.Unix(key, 0).UTC()
	if err := client.OccurrenceCount.Create().SetActivityID(act.ID).SetStartsAt(start).
		OnConflictColumns(occurrencecount.FieldActivityID, occurrencecount.FieldStartsAt).DoNothing().Exec(sys); err != nil &&
		!isNoRows(err) {
		return nil, err
	}
	upd := client.OccurrenceCount.Update().
		Where(occurrencecount.ActivityID(act.ID), occurrencecount.StartsAt(start))
	if act.Capacity != nil {
		upd.Where(func(s *sql.Selector) { s.Where(sql.LT(s.C(occurrencecount.FieldRegisteredCount), *act.Capacity)) })
	}
	n, err := upd.AddRegisteredCount(1).Save(sys)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, apperr.New(CodeFull, "the occurrence is full")
	}
	var reg *ent.Registration
	if existing != nil {
		reg, err = existing.Update().SetStatus(registration.StatusRegistered).Save(sys)
	} else {
		reg, err = client.Registration.Create().SetActivityID(act.ID).SetPersonID(pid).
			SetCommunityID(act.CommunityID).SetOccurrence(start).SetOccurrenceKey(key).Save(sys)
	}
	if err != nil {
		return nil, err
	}
	return client.Registration.Get(ctx, reg.ID)
}

// isNoRows tells the "no rows" of an upsert that did nothing (ent reports
// DoNothing on an existing row as sql.ErrNoRows on PostgreSQL).
func isNoRows(err error) bool { return errors.Is(err, stdsql.ErrNoRows) }
