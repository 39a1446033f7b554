package workflow

import (
	"context"
	"errors"
	"time"

	"entgo.io/ent/dialect/sql"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/occurrencecount"
	"lifecircle/ent/registration"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// CodeFull is the code of a registration refused for lack of places.
const CodeFull = "ACTIVITY_FULL"

// Register signs a person up for an activity: the viewer's own person, or
// for staff the person given. The place is taken with one conditional
// UPDATE (registered_count < capacity in its WHERE clause), so however many
// register at once, no more than capacity succeed. For a recurring
// activity occurrence names the occurrence, and the place is taken the
// same way on that occurrence's count (see registerOccurrence).
func Register(ctx context.Context, client *ent.Client, activityID int, personID *int, occurrence *time.Time) (*ent.Registration, error) {
	v := auth.FromContext(ctx)
	sys := rule.SystemContext(ctx)
	pid := v.PersonID
	switch {
	case personID != nil && (v.IsStaff() || v.IsAdmin()):
		p, err := residentFor(ctx, client, v, *personID)
		if errors.Is(err, errNotResident) {
			return nil, apperr.BadInput("personID", "%v", err)
		}
		if err != nil {
			return nil, err
		}
		pid = p.ID
	case personID != nil && *personID != v.PersonID:
		return nil, apperr.New(apperr.CodeForbidden, "you can only register yourself")
	case !v.IsPerson() && personID == nil:
		return nil, apperr.Invalid("personID", "staff must say whom they register", "工作人员须指明为谁报名")
	}
	act, err := client.Activity.Get(ctx, activityID)
	if err != nil {
		return nil, err
	}
	if v.IsStaff() && act.CommunityID != v.CommunityID {
		return nil, apperr.New(apperr.CodeForbidden, "the activity belongs to another community")
	}
	if act.Status != activity.StatusScheduled {
		return nil, apperr.New(CodeInvalidTransition, "registration is closed: the activity is %s", act.Status)
	}
	if act.Rrule != "" || occurrence != nil {
		return registerOccurrence(ctx, client, act, pid, occurrence)
	}
	existing, err := client.Registration.Query().
		Where(registration.ActivityID(activityID), registration.OccurrenceKey(0), registration.PersonID(pid)).Only(sys)
	switch {
	case err == nil && existing.Status == registration.StatusRegistered:
		return nil, apperr.New(apperr.CodeConflict, "already registered for this activity")
	case err != nil && !ent.IsNotFound(err):
		return nil, err
	}
	// Moving the count alone is not a change of the public activity: no
	// change-feed entry, no new updatedAt (see changelog.Live), so the time
	// of a registration is never published.
	n, err := client.Activity.Update().
		Where(activity.ID(activityID), activity.StatusEQ(activity.StatusScheduled),
			activity.Or(activity.CapacityIsNil(), func(s *sql.Selector) {
				s.Where(sql.ColumnsLT(s.C(activity.FieldRegisteredCount), s.C(activity.FieldCapacity)))
			})).
		AddRegisteredCount(1).Save(sys)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, apperr.New(CodeFull, "the activity is full")
	}
	var reg *ent.Registration
	if existing != nil { // registered before and cancelled: register again
		reg, err = existing.Update().SetStatus(registration.StatusRegistered).Save(sys)
	} else {
		reg, err = client.Registration.Create().SetActivityID(activityID).SetPersonID(pid).
			SetCommunityID(act.CommunityID).Save(sys)
	}
	if err != nil {
		return nil, err
	}
	return client.Registration.Get(ctx, reg.ID)
}

// errNotResident is the error of staff naming someone who is not a
// resident of their community.
var errNotResident = errors.New("no such resident in your community")

// residentFor returns the person staff (or an admin) act for: for staff, a
// resident of their own community. Staff can read more people than that —
// those registered for their community's activities, wherever they live —
// but reading is not acting for them: nobody registers a resident of
// another community, or submits for them, except that resident or an
// admin. A person staff cannot see at all is refused the same way; a
// deactivated person is refused with FORBIDDEN.
func residentFor(ctx context.Context, client *ent.Client, v auth.Viewer, id int) (*ent.Person, error) {
	p, err := client.Person.Get(ctx, id)
	if ent.IsNotFound(err) || (err == nil && v.IsStaff() && p.CommunityID != v.CommunityID) {
		return nil, errNotResident
	}
	// A deactivated (or erased) person is no one to act for.
	if err == nil && p.DeactivatedAt != nil {
		return nil, apperr.New(apperr.CodeForbidden, "the person is deactivated: reactivate them before acting for them")
	}
	return p, err
}

// CancelRegistration gives a place back: the registered person or staff.
func CancelRegistration(ctx context.Context, client *ent.Client, id int) (*ent.Registration, error) {
	sys := rule.SystemContext(ctx)
	reg, err := client.Registration.Get(ctx, id) // privacy: own or staff's community
	if err != nil {
		return nil, err
	}
	act, err := client.Activity.Query().Where(activity.ID(reg.ActivityID)).Only(sys)
	if err != nil {
		return nil, err
	}
	if act.Status != activity.StatusScheduled {
		return nil, apperr.New(CodeInvalidTransition, "the activity is %s: its registrations are closed", act.Status)
	}
	n, err := client.Registration.Update().
		Where(registration.ID(id), registration.StatusEQ(registration.StatusRegistered)).
		SetStatus(registration.StatusCancelled).Save(sys)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, apperr.New(CodeInvalidTransition, "the registration is already cancelled")
	}
	if reg.Occurrence != nil {
		err = client.OccurrenceCount.Update().
			Where(occurrencecount.ActivityID(reg.ActivityID), occurrencecount.StartsAt(*reg.Occurrence)).
			AddRegisteredCount(-1).Exec(sys)
	} else {
		err = client.Activity.UpdateOneID(reg.ActivityID).AddRegisteredCount(-1).Exec(sys)
	}
	if err != nil {
		return nil, err
	}
	return client.Registration.Get(ctx, id)
}
