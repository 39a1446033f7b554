// Package onewindow is the one-window counter (全岗通, seed 002): the
// catalogue of matters a community's officers handle, the slots staff
// publish for them, residents' appointments, and each appointment's
// history as a case one officer handles end to end.
//
// Places are taken like activity registrations (internal/workflow): one
// conditional UPDATE of the slot's booked count (booked_count < capacity
// in its WHERE clause), so however many book at once, no more than the
// capacity succeed.
package onewindow

import (
	"context"
	"errors"
	"time"

	"entgo.io/ent/dialect/sql"

	"lifecircle/ent"
	"lifecircle/ent/appointment"
	"lifecircle/ent/appointmentevent"
	"lifecircle/ent/servicematter"
	"lifecircle/ent/serviceslot"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// Codes of refusals a client acts on.
const (
	// CodeFull refuses a booking for lack of places.
	CodeFull = "SLOT_FULL"
	// CodeInvalidTransition refuses a step the appointment's status does
	// not allow (the same code as the needs list's).
	CodeInvalidTransition = "INVALID_TRANSITION"
	// CodeNotBookable refuses a slot or booking for a matter that cannot
	// be booked, or a slot that is over.
	CodeNotBookable = "NOT_BOOKABLE"
)

// MaxNote bounds the free text of a booking or an entry (bytes).
const MaxNote = 2000

// PublishSlot opens a slot for a bookable matter. The slot belongs to the
// matter's community; the privacy policy lets staff of that community and
// admins write it.
func PublishSlot(ctx context.Context, client *ent.Client, matterID int, start, end time.Time, capacity int) (*ent.ServiceSlot, error) {
	m, err := client.ServiceMatter.Get(ctx, matterID)
	if err != nil {
		return nil, err
	}
	if !m.Bookable {
		return nil, apperr.New(CodeNotBookable, "the matter %q cannot be booked: make it bookable first", m.Name)
	}
	if capacity < 1 {
		return nil, apperr.Invalid("capacity", "a slot takes at least one appointment", "每个时段至少可预约 1 人")
	}
	return client.ServiceSlot.Create().SetMatterID(m.ID).SetCommunityID(m.CommunityID).
		SetStartsAt(start).SetEndsAt(end).SetCapacity(capacity).Save(ctx)
}

// Book takes a place in a slot for the viewer's own person or, for staff
// (and admins), the resident given. It refuses a slot that is over, a
// matter that cannot be booked, and a second live booking of the same
// slot by the same person.
func Book(ctx context.Context, client *ent.Client, slotID int, personID *int, note string) (*ent.Appointment, error) {
	v := auth.FromContext(ctx)
	sys := rule.SystemContext(ctx)
	if len(note) > MaxNote {
		return nil, apperr.Invalid("note", "the note is too long (at most 2000 bytes)", "说明过长（最多 2000 字节）")
	}
	pid := v.PersonID
	switch {
	case personID != nil && (v.IsStaff() || v.IsAdmin()):
		p, err := residentFor(ctx, client, v, *personID)
		if err != nil {
			return nil, err
		}
		pid = p.ID
	case personID != nil && *personID != v.PersonID:
		return nil, apperr.New(apperr.CodeForbidden, "you can only book for yourself")
	case !v.IsPerson() && personID == nil:
		return nil, apperr.Invalid("personID", "staff must say whom they book for", "工作人员须指明为谁预约")
	}
	slot, err := client.ServiceSlot.Get(ctx, slotID)
	if err != nil {
		return nil, err
	}
	if v.IsStaff() && slot.CommunityID != v.CommunityID {
		return nil, apperr.New(apperr.CodeForbidden, "the slot belongs to another community")
	}
	if !slot.EndsAt.After(time.Now()) {
		return nil, apperr.New(CodeNotBookable, "the slot is over")
	}
	m, err := client.ServiceMatter.Query().Where(servicematter.ID(slot.MatterID)).Only(sys)
	if err != nil {
		return nil, err
	}
	if !m.Bookable {
		return nil, apperr.New(CodeNotBookable, "the matter %q cannot be booked", m.Name)
	}
	live, err := client.Appointment.Query().Where(appointment.SlotID(slotID), appointment.PersonID(pid),
		appointment.StatusNEQ(appointment.StatusCancelled)).Exist(sys)
	if err != nil {
		return nil, err
	}
	if live {
		return nil, apperr.New(apperr.CodeConflict, "already booked in this slot")
	}
	n, err := client.ServiceSlot.Update().
		Where(serviceslot.ID(slotID), func(s *sql.Selector) {
			s.Where(sql.ColumnsLT(s.C(serviceslot.FieldBookedCount), s.C(serviceslot.FieldCapacity)))
		}).
		AddBookedCount(1).Save(sys)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, apperr.New(CodeFull, "the slot is full")
	}
	c := client.Appointment.Create().SetSlotID(slotID).SetMatterID(slot.MatterID).SetCommunityID(slot.CommunityID).
		SetPersonID(pid)
	if note != "" {
		c.SetNote(note)
	}
	a, err := c.Save(sys)
	if err != nil {
		return nil, err
	}
	if err := entry(sys, client, v, a, appointmentevent.ActionBook, ""); err != nil {
		return nil, err
	}
	return client.Appointment.Get(ctx, a.ID)
}

// errNotResident is the refusal of staff naming someone who is not a
// resident of their community.
var errNotResident = errors.New("no such resident in your community")

// residentFor returns the resident staff (or an admin) book for: for
// staff, a resident of their own community, active.
func residentFor(ctx context.Context, client *ent.Client, v auth.Viewer, id int) (*ent.Person, error) {
	p, err := client.Person.Get(ctx, id)
	if ent.IsNotFound(err) || (err == nil && v.IsStaff() && p.CommunityID != v.CommunityID) {
		return nil, apperr.BadInput("personID", "%v", errNotResident)
	}
	if err != nil {
		return nil, err
	}
	if p.DeactivatedAt != nil {
		return nil, apperr.New(apperr.CodeForbidden, "the person is deactivated: reactivate them before acting for them")
	}
	return p, nil
}

// Cancel gives a booked place back: the resident, or staff of the
// counter's community (and admins). Only a booking not yet taken on can be
// cancelled this way; staff cancel one in progress with Record.
func Cancel(ctx context.Context, client *ent.Client, id int, reason string) (*ent.Appointment, error) {
	return transition(ctx, client, id, appointment.StatusCancelled, reason, false)
}

// Outcomes staff record.
var staffOutcomes = []appointment.Status{appointment.StatusInProgress, appointment.StatusServed,
	appointment.StatusCancelled, appointment.StatusNoShow}

// Record is what the counter did with an appointment (staff of its
// community, admins): taken on or progress noted (IN_PROGRESS), served,
// cancelled or no-show. The first officer to take it on answers for it to
// the end: another officer's step is refused with CONFLICT.
func Record(ctx context.Context, client *ent.Client, id int, outcome appointment.Status, note string) (*ent.Appointment, error) {
	ok := false
	for _, o := range staffOutcomes {
		ok = ok || o == outcome
	}
	if !ok {
		return nil, apperr.BadInput("outcome", "unknown outcome %q", outcome)
	}
	return transition(ctx, client, id, outcome, note, true)
}

// from lists the statuses each step may leave.
func from(to appointment.Status, staff bool) []appointment.Status {
	switch to {
	case appointment.StatusInProgress, appointment.StatusServed:
		return []appointment.Status{appointment.StatusBooked, appointment.StatusInProgress}
	case appointment.StatusCancelled:
		if staff {
			return []appointment.Status{appointment.StatusBooked, appointment.StatusInProgress}
		}
		return []appointment.Status{appointment.StatusBooked}
	case appointment.StatusNoShow:
		return []appointment.Status{appointment.StatusBooked}
	}
	return nil
}

func transition(ctx context.Context, client *ent.Client, id int, to appointment.Status, note string, staff bool) (*ent.Appointment, error) {
	v := auth.FromContext(ctx)
	sys := rule.SystemContext(ctx)
	if len(note) > MaxNote {
		return nil, apperr.Invalid("note", "the note is too long (at most 2000 bytes)", "说明过长（最多 2000 字节）")
	}
	a, err := client.Appointment.Get(ctx, id) // privacy: own, or staff's community
	if err != nil {
		return nil, err
	}
	own := a.PersonID != nil && v.PersonID != 0 && *a.PersonID == v.PersonID
	if !v.Manages(a.CommunityID) && (staff || !own) {
		return nil, apperr.New(apperr.CodeForbidden, "only staff of the counter's community may record this")
	}
	key := v.ClientKey()
	u := client.Appointment.Update().Where(appointment.ID(id), appointment.StatusIn(from(to, staff)...)).SetStatus(to)
	action := map[appointment.Status]appointmentevent.Action{
		appointment.StatusServed: appointmentevent.ActionServe, appointment.StatusCancelled: appointmentevent.ActionCancel,
		appointment.StatusNoShow: appointmentevent.ActionNoShow,
	}[to]
	if to == appointment.StatusInProgress || to == appointment.StatusServed {
		// One officer answers for the case: the first to take it on.
		if !v.IsAdmin() {
			u.Where(appointment.Or(appointment.OfficerIsNil(), appointment.OfficerEQ(""), appointment.OfficerEQ(key)))
		}
		if a.Officer == "" {
			u.SetOfficer(key)
		}
		if to == appointment.StatusInProgress {
			action = appointmentevent.ActionNote
			if a.Status == appointment.StatusBooked {
				action = appointmentevent.ActionTake
			}
		}
	}
	n, err := u.Save(sys)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		if a.Officer != "" && a.Officer != key && (a.Status == appointment.StatusInProgress) {
			return nil, apperr.New(apperr.CodeConflict, "the case is handled by another officer (%s), who answers for it to the end", a.Officer)
		}
		return nil, apperr.New(CodeInvalidTransition, "the appointment is %s: it cannot become %s", a.Status, to)
	}
	if to == appointment.StatusCancelled {
		if err := client.ServiceSlot.UpdateOneID(a.SlotID).AddBookedCount(-1).Exec(sys); err != nil {
			return nil, err
		}
	}
	a.Status = to
	if err := entry(sys, client, v, a, action, note); err != nil {
		return nil, err
	}
	return client.Appointment.Get(ctx, id)
}

// entry appends a dated entry to the case's history.
func entry(sys context.Context, client *ent.Client, v auth.Viewer, a *ent.Appointment, action appointmentevent.Action, note string) error {
	role := string(v.Role)
	if role == "" {
		role = "system"
	}
	c := client.AppointmentEvent.Create().SetAppointmentID(a.ID).SetCommunityID(a.CommunityID).
		SetAction(action).SetStatus(string(a.Status)).SetActorRole(role)
	if v.IsPerson() {
		c.SetActorID(v.PersonID)
	} else {
		c.SetActor(v.ClientKey())
	}
	if note != "" {
		c.SetNote(note)
	}
	return c.Exec(sys)
}

// Erase detaches a person's appointments from them and clears the notes
// of their cases' histories and their ID as an actor (internal/erasure;
// ctx is the erasure context). Counts stay, with no one's share.
func Erase(ctx context.Context, client *ent.Client, personID int) error {
	own, err := client.Appointment.Query().Where(appointment.PersonID(personID)).IDs(ctx)
	if err != nil {
		return err
	}
	if len(own) == 0 {
		return nil
	}
	if err := client.Appointment.Update().Where(appointment.IDIn(own...)).ClearPersonID().ClearNote().Exec(ctx); err != nil {
		return err
	}
	if err := client.AppointmentEvent.Update().Where(appointmentevent.AppointmentIDIn(own...), appointmentevent.NoteNEQ("")).
		ClearNote().Exec(ctx); err != nil {
		return err
	}
	return client.AppointmentEvent.Update().Where(appointmentevent.ActorID(personID)).ClearActorID().Exec(ctx)
}
