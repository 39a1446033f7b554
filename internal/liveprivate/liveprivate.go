// Package liveprivate delivers the private subscriptions: requestUpdated
// (each step of one service request, for its requester, its claimer and
// staff of its community), requestDispatched (requests dispatched to a
// volunteer's team or community) and registrationChanged (registrations
// for an activity, for staff of its community).
//
// The private logs (RequestEvent and RegistrationEvent, internal/privatelog)
// are sources of the one live.Hub of the process, beside the change log of
// public records: the hub follows them, woken by the same change Wake (a
// commit in this process, PostgreSQL's NOTIFY from another), and its
// buffers, slow-consumer drop (4413), per-event charge against the
// caller's budget (4429), credential re-check (4401 revoked or expired,
// 4403 deactivated) and replay from a cursor are the same as for public
// subscriptions. Each subscription decides for itself when it delivers: it
// loads the record through ent under its viewer, so the same privacy rules
// as a query apply at the time of delivery (a record the viewer can no
// longer see is not delivered; the GraphQL fields of the delivered record,
// such as ServiceRequest.address, are resolved for the viewer too), and
// its credential is re-checked before every delivery, never trusted from a
// recent verdict.
//
// A log entry's ID is the cursor: a subscription started with after: n
// first replays the entries after n from the log, then goes on live,
// without a gap or a repeat. Without after:, it starts after the log's last
// entry as the database has it when the subscription starts (the logs
// commit in order), so a step taken moments before through another server
// is not replayed.
package liveprivate

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/registration"
	"lifecircle/ent/registrationevent"
	"lifecircle/ent/requestevent"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/live"
)

// Names of the private logs as sources of a live.Hub.
const (
	RequestsSource      = "request_events"
	RegistrationsSource = "registration_events"
)

// Names of the keys (live.Key) the private logs' entries carry besides
// their record's ID: the hub offers an entry only to the subscriptions of
// its keys (requestDispatched by community, registrationChanged by
// activity), and to those without a key (an admin's requestDispatched).
const (
	KeyCommunity = "community" // a request event's community
	KeyActivity  = "activity"  // a registration event's activity
)

// Sources are the private logs of client, to add to a live.Hub.
func Sources(client *ent.Client) []live.Source {
	return []live.Source{Requests{Client: client}, Registrations{Client: client}}
}

// requestEntry is what the hub keeps of a request event (Event.Data): what
// a subscription needs to decide cheaply whether it may concern it.
type requestEntry struct {
	community int
	action    requestevent.Action
}

// registrationEntry is the Event.Data of a registration event.
type registrationEntry struct {
	community int
	activity  int
	status    string
}

// Requests is the history of service requests (RequestEvent) as a
// live.Source; an Event's ID is the request's.
type Requests struct{ Client *ent.Client }

// Name is RequestsSource.
func (Requests) Name() string { return RequestsSource }

// InOrder: appenders take the EventLock, so IDs commit in order.
func (Requests) InOrder() bool { return true }

// Read returns the entries after the position after.
func (s Requests) Read(ctx context.Context, after, limit int) ([]live.Event, error) {
	evs, err := s.Client.RequestEvent.Query().Where(requestevent.IDGT(after)).
		Order(ent.Asc(requestevent.FieldID)).Limit(limit).
		Select(requestevent.FieldID, requestevent.FieldRequestID, requestevent.FieldCommunityID, requestevent.FieldAction, requestevent.FieldAt).
		All(rule.SystemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("liveprivate: the request log: %w", err)
	}
	out := make([]live.Event, len(evs))
	for i, e := range evs {
		out[i] = live.Event{Seq: e.ID, Entity: "ServiceRequest", ID: e.RequestID, Op: string(e.Action), At: e.At,
			Data: requestEntry{community: e.CommunityID, action: e.Action},
			Keys: []live.Key{{Name: KeyCommunity, Value: e.CommunityID}}}
	}
	return out, nil
}

// Latest is the ID of the last entry.
func (s Requests) Latest(ctx context.Context) (int, error) {
	id, err := s.Client.RequestEvent.Query().Order(ent.Desc(requestevent.FieldID)).FirstID(rule.SystemContext(ctx))
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("liveprivate: the request log: %w", err)
	}
	return id, nil
}

// Registrations is the log of registration changes (RegistrationEvent) as
// a live.Source; an Event's ID is the registration's.
type Registrations struct{ Client *ent.Client }

// Name is RegistrationsSource.
func (Registrations) Name() string { return RegistrationsSource }

// InOrder: appenders take the EventLock, so IDs commit in order.
func (Registrations) InOrder() bool { return true }

// Read returns the entries after the position after.
func (s Registrations) Read(ctx context.Context, after, limit int) ([]live.Event, error) {
	evs, err := s.Client.RegistrationEvent.Query().Where(registrationevent.IDGT(after)).
		Order(ent.Asc(registrationevent.FieldID)).Limit(limit).All(rule.SystemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("liveprivate: the registration log: %w", err)
	}
	out := make([]live.Event, len(evs))
	for i, e := range evs {
		out[i] = live.Event{Seq: e.ID, Entity: "Registration", ID: e.RegistrationID, Op: e.Status, At: e.At,
			Data: registrationEntry{community: e.CommunityID, activity: e.ActivityID, status: e.Status},
			Keys: []live.Key{{Name: KeyActivity, Value: e.ActivityID}}}
	}
	return out, nil
}

// Latest is the ID of the last entry.
func (s Registrations) Latest(ctx context.Context) (int, error) {
	id, err := s.Client.RegistrationEvent.Query().Order(ent.Desc(registrationevent.FieldID)).FirstID(rule.SystemContext(ctx))
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("liveprivate: the registration log: %w", err)
	}
	return id, nil
}

// Cursor is the cursor of a log entry.
func Cursor(id int) string { return strconv.Itoa(id) }

// ParseCursor reads an after: argument; nil for none.
func ParseCursor(after *string) (*int, error) {
	if after == nil {
		return nil, nil
	}
	if *after == "" {
		zero := 0
		return &zero, nil
	}
	n, err := strconv.Atoi(*after)
	if err != nil || n < 0 {
		return nil, apperr.BadInput("after", "not a cursor of this subscription: %q", *after)
	}
	return &n, nil
}

// RequestUpdate is one step of a service request, delivered to one
// subscriber.
type RequestUpdate struct {
	// Cursor resumes the subscription after this step.
	Cursor string
	// Request is the request as it is at delivery, read under the
	// subscriber's privacy.
	Request *ent.ServiceRequest
	// Event is the step, read under the subscriber's privacy (nil when
	// the subscriber may not read the request's history, as a volunteer
	// who has not claimed it).
	Event *ent.RequestEvent
	// Action and At are the step's action and time.
	Action requestevent.Action
	At     time.Time
}

// RegistrationUpdate is one change of a registration, delivered to one
// subscriber.
type RegistrationUpdate struct {
	Cursor       string
	Registration *ent.Registration
	Status       registration.Status
	At           time.Time
}

func unavailable(h *live.Hub) error {
	if h == nil {
		return apperr.New(apperr.CodeUnavailable, "subscriptions are not served here")
	}
	return nil
}

// concerns reports whether v is one of those requestUpdated serves for r:
// its requester, its claimer, staff of its community, an admin.
func concerns(v auth.Viewer, r *ent.ServiceRequest) bool {
	return v.Manages(r.CommunityID) ||
		v.IsPerson() && r.RequesterID != nil && *r.RequesterID == v.PersonID ||
		v.IsVolunteer() && r.ClaimedByID != nil && *r.ClaimedByID == v.PersonID
}

// RequestUpdated subscribes v (carried by ctx) to the steps of request id.
// A request v cannot see is NOT_FOUND, one v can see but is not the
// requester, claimer or staff of is FORBIDDEN.
func RequestUpdated(ctx context.Context, h *live.Hub, client *ent.Client, id int, after *string) (<-chan *RequestUpdate, error) {
	if err := unavailable(h); err != nil {
		return nil, err
	}
	v := auth.FromContext(ctx)
	from, err := ParseCursor(after)
	if err != nil {
		return nil, err
	}
	if v.Role == auth.RolePublic {
		return nil, apperr.New(apperr.CodeForbidden, "sign in to follow a request")
	}
	r, err := client.ServiceRequest.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.CodeNotFound, "no such request")
	}
	if err != nil {
		return nil, err
	}
	if !concerns(v, r) {
		return nil, apperr.New(apperr.CodeForbidden, "only the requester, the volunteer who claimed it and staff of its community follow a request")
	}
	req := live.Request{Source: RequestsSource, After: from, Fresh: true, Key: live.Key{Name: live.KeyID, Value: id}}
	return live.Stream(ctx, h, req, func(ctx context.Context, e live.Event) (*RequestUpdate, bool, error) {
		return requestUpdate(ctx, client, e, true)
	})
}

// RequestDispatched subscribes v (a volunteer, staff or an admin) to the
// requests dispatched (or reopened: dispatched again) that v may see and
// claim: those of v's community dispatched to v's team or to an
// organisation that is not a team.
func RequestDispatched(ctx context.Context, h *live.Hub, client *ent.Client, after *string) (<-chan *RequestUpdate, error) {
	if err := unavailable(h); err != nil {
		return nil, err
	}
	v := auth.FromContext(ctx)
	from, err := ParseCursor(after)
	if err != nil {
		return nil, err
	}
	if !v.HasRole(auth.RoleVolunteer) {
		return nil, apperr.New(apperr.CodeForbidden, "only volunteers and staff follow dispatched requests")
	}
	community := 0 // admins: every community
	if !v.IsAdmin() {
		community = v.CommunityID
	}
	match := func(e live.Event) bool {
		d, ok := e.Data.(requestEntry)
		return ok && (d.action == requestevent.ActionDispatch || d.action == requestevent.ActionReopen) &&
			(community == 0 || d.community == community)
	}
	req := live.Request{Source: RequestsSource, After: from, Fresh: true, Match: match}
	if community != 0 {
		req.Key = live.Key{Name: KeyCommunity, Value: community}
	}
	return live.Stream(ctx, h, req, func(ctx context.Context, e live.Event) (*RequestUpdate, bool, error) {
		return requestUpdate(ctx, client, e, false)
	})
}

// requestUpdate reads e's request (and step) for the viewer of ctx at
// delivery.
func requestUpdate(ctx context.Context, client *ent.Client, e live.Event, only bool) (*RequestUpdate, bool, error) {
	r, err := client.ServiceRequest.Get(ctx, e.ID)
	if ent.IsNotFound(err) {
		return nil, false, nil // no longer visible to the viewer: nothing to deliver
	}
	if err != nil {
		return nil, false, err
	}
	if only && !concerns(auth.FromContext(ctx), r) {
		return nil, false, nil
	}
	u := &RequestUpdate{Cursor: Cursor(e.Seq), Request: r, Action: requestevent.Action(e.Op), At: e.At}
	u.Event, err = client.RequestEvent.Get(ctx, e.Seq)
	if err != nil && !ent.IsNotFound(err) {
		return nil, false, err
	}
	return u, true, nil
}

// RegistrationChanged subscribes v (staff of the activity's community, or
// an admin) to the registrations for activity id. An unknown activity is
// NOT_FOUND; anyone else is FORBIDDEN.
func RegistrationChanged(ctx context.Context, h *live.Hub, client *ent.Client, id int, after *string) (<-chan *RegistrationUpdate, error) {
	if err := unavailable(h); err != nil {
		return nil, err
	}
	v := auth.FromContext(ctx)
	from, err := ParseCursor(after)
	if err != nil {
		return nil, err
	}
	act, err := client.Activity.Query().Where(activity.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.CodeNotFound, "no such activity")
	}
	if err != nil {
		return nil, err
	}
	if !v.Manages(act.CommunityID) {
		return nil, apperr.New(apperr.CodeForbidden, "only staff of the activity's community follow its registrations")
	}
	match := func(e live.Event) bool {
		d, ok := e.Data.(registrationEntry)
		return ok && d.activity == id
	}
	req := live.Request{Source: RegistrationsSource, After: from, Fresh: true, Match: match,
		Key: live.Key{Name: KeyActivity, Value: id}}
	return live.Stream(ctx, h, req, func(ctx context.Context, e live.Event) (*RegistrationUpdate, bool, error) {
		reg, err := client.Registration.Get(ctx, e.ID)
		if ent.IsNotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		d, _ := e.Data.(registrationEntry)
		return &RegistrationUpdate{Cursor: Cursor(e.Seq), Registration: reg, Status: registration.Status(d.status), At: e.At}, true, nil
	})
}
