// Package liveprivate delivers the private subscriptions: requestUpdated
// (each step of one service request, for its requester, its claimer and
// staff of its community), requestDispatched (requests dispatched to a
// volunteer's team or community) and registrationChanged (registrations
// for an activity, for staff of its community).
//
// One Hub per process follows the private logs (RequestEvent and
// RegistrationEvent, internal/privatelog) when the change Wake is bumped —
// by a commit in this process, or by PostgreSQL's NOTIFY from another — and
// hands each new entry to the subscriptions it may concern. Each
// subscription then decides for itself, when it delivers: it checks that
// its viewer's token is still valid and its person still active, and loads
// the record through ent under its viewer, so the same privacy rules as a
// query apply at the time of delivery (a record the viewer can no longer
// see is not delivered; the GraphQL fields of the delivered record, such as
// ServiceRequest.address, are resolved for the viewer too).
//
// A log entry's ID is the cursor: a subscription started with after: n
// first replays the entries after n from the log, then goes on live,
// without a gap or a repeat.
package liveprivate

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/apitoken"
	"lifecircle/ent/identity"
	"lifecircle/ent/person"
	"lifecircle/ent/registration"
	"lifecircle/ent/registrationevent"
	"lifecircle/ent/requestevent"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/changewake"
)

// Buffer is how many entries a subscription may fall behind before it is
// dropped as too slow.
const Buffer = 64

// batch is how many log entries the follower reads at a time.
const batch = 500

// ErrTooSlow ends a subscription that fell Buffer entries behind.
var ErrTooSlow = apperr.New("SUBSCRIPTION_TOO_SLOW", "the subscriber fell too far behind and was dropped; resubscribe with after: the last cursor received")

// ErrRevoked ends a subscription whose token was revoked or expired, or
// whose person was deactivated.
var ErrRevoked = apperr.New(apperr.CodeUnauthenticated, "the credential of this subscription is no longer valid (revoked, expired, or its person deactivated)")

// log names the two private logs.
type log int

const (
	requestLog log = iota
	registrationLog
)

// entry is one log entry as the follower read it (under the system
// context: it decides only who might be concerned).
type entry struct {
	log       log
	id        int
	record    int // the request or the registration
	community int
	activity  int // registrations
	action    requestevent.Action
	at        time.Time
}

// filter says which entries a subscription considers.
type filter struct {
	log       log
	request   int                   // requestUpdated: the request
	actions   []requestevent.Action // requestDispatched: these actions
	community int                   // 0: any (admins)
	activity  int                   // registrationChanged
}

func (f filter) match(e entry) bool {
	if e.log != f.log {
		return false
	}
	if f.community != 0 && e.community != f.community {
		return false
	}
	switch {
	case f.request != 0:
		return e.record == f.request
	case f.activity != 0:
		return e.activity == f.activity
	case f.actions != nil:
		for _, a := range f.actions {
			if e.action == a {
				return true
			}
		}
		return false
	}
	return true
}

// sub is one subscription as the hub sees it.
type sub struct {
	f    filter
	ch   chan entry
	slow chan struct{} // closed when ch overflowed
	once sync.Once
}

// Hub follows the private logs and fans their entries out.
type Hub struct {
	client *ent.Client
	wake   *changewake.Wake
	poll   time.Duration

	mu      sync.Mutex
	started bool
	reqPos  int // last entry of each log handed out
	regPos  int
	subs    map[*sub]struct{}
	byKey   map[subKey]map[*sub]struct{}
}

// subKey indexes subscriptions by what they follow, so an entry is matched
// against the few that may want it, not against all of them.
type subKey struct {
	log log
	id  int // request, activity or community (0: every community)
}

// New returns a hub on client following wake. poll is how often it reads
// the logs when nothing wakes it (a safety net; 0: 2 s). A nil wake: only
// the poll.
func New(client *ent.Client, wake *changewake.Wake, poll time.Duration) *Hub {
	if poll <= 0 {
		poll = 2 * time.Second
	}
	if wake == nil { // only the poll wakes it
		wake = changewake.New()
	}
	return &Hub{client: client, wake: wake, poll: poll, subs: map[*sub]struct{}{}, byKey: map[subKey]map[*sub]struct{}{}}
}

// start reads the logs' ends and starts the follower, once.
func (h *Hub) start(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started {
		return nil
	}
	sys := rule.SystemContext(ctx)
	req, err := h.client.RequestEvent.Query().Order(ent.Desc(requestevent.FieldID)).FirstID(sys)
	if err != nil && !ent.IsNotFound(err) {
		return err
	}
	reg, err := h.client.RegistrationEvent.Query().Order(ent.Desc(registrationevent.FieldID)).FirstID(sys)
	if err != nil && !ent.IsNotFound(err) {
		return err
	}
	h.reqPos, h.regPos = req, reg
	h.started = true
	go h.follow()
	return nil
}

func (h *Hub) follow() {
	ctx := rule.SystemContext(h.wake.Context())
	for {
		changed := h.wake.Changed()
		full, err := h.read(ctx)
		if err != nil && ctx.Err() == nil {
			slog.Warn("liveprivate: read the private logs", "err", err)
		}
		if full {
			continue
		}
		select {
		case <-h.wake.Done():
			return
		case <-changed:
		case <-time.After(h.poll):
		}
	}
}

// read hands out the entries after the positions; full reports that a
// batch was full (more may wait).
func (h *Hub) read(ctx context.Context) (full bool, err error) {
	h.mu.Lock()
	reqPos, regPos := h.reqPos, h.regPos
	h.mu.Unlock()
	evs, err := h.client.RequestEvent.Query().Where(requestevent.IDGT(reqPos)).
		Order(ent.Asc(requestevent.FieldID)).Limit(batch).
		Select(requestevent.FieldID, requestevent.FieldRequestID, requestevent.FieldCommunityID, requestevent.FieldAction, requestevent.FieldAt).
		All(ctx)
	if err != nil {
		return false, err
	}
	regs, err := h.client.RegistrationEvent.Query().Where(registrationevent.IDGT(regPos)).
		Order(ent.Asc(registrationevent.FieldID)).Limit(batch).All(ctx)
	if err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		h.hand(entry{log: requestLog, id: e.ID, record: e.RequestID, community: e.CommunityID, action: e.Action, at: e.At})
		h.reqPos = e.ID
	}
	for _, e := range regs {
		h.hand(entry{log: registrationLog, id: e.ID, record: e.RegistrationID, community: e.CommunityID, activity: e.ActivityID, at: e.At})
		h.regPos = e.ID
	}
	return len(evs) == batch || len(regs) == batch, nil
}

// hand gives e to the subscriptions it may concern; h.mu is held.
func (h *Hub) hand(e entry) {
	keys := []subKey{{e.log, e.record}, {e.log, e.activity}, {e.log, -e.community}, {e.log, 0}}
	if e.log == registrationLog {
		keys = []subKey{{e.log, e.activity}}
	}
	for _, k := range keys {
		for s := range h.byKey[k] {
			if !s.f.match(e) {
				continue
			}
			select {
			case s.ch <- e:
			default:
				s.once.Do(func() { close(s.slow) })
			}
		}
	}
}

func (f filter) key() subKey {
	switch {
	case f.request != 0:
		return subKey{f.log, f.request}
	case f.activity != 0:
		return subKey{f.log, f.activity}
	case f.community != 0:
		return subKey{f.log, -f.community}
	}
	return subKey{f.log, 0}
}

// add registers a subscription; it returns the position of its log at
// that moment: entries up to it come from the log (replay), after it from
// the hub.
func (h *Hub) add(s *sub) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[s] = struct{}{}
	k := s.f.key()
	if h.byKey[k] == nil {
		h.byKey[k] = map[*sub]struct{}{}
	}
	h.byKey[k][s] = struct{}{}
	if s.f.log == registrationLog {
		return h.regPos
	}
	return h.reqPos
}

func (h *Hub) remove(s *sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	k := s.f.key()
	delete(h.byKey[k], s)
	if len(h.byKey[k]) == 0 {
		delete(h.byKey, k)
	}
}

// Subscribers returns how many subscriptions the hub holds.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Cursor is the cursor of a log entry.
func Cursor(id int) string { return strconv.Itoa(id) }

// ParseCursor reads an after: argument; nil for none.
func ParseCursor(after *string) (int, error) {
	if after == nil || *after == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(*after)
	if err != nil || n < 0 {
		return 0, apperr.BadInput("after", "not a cursor of this subscription: %q", *after)
	}
	return n, nil
}

// stillValid reports whether v's credential still stands: its token not
// revoked nor expired, its identity not unlinked, its person not
// deactivated. One statement.
func stillValid(ctx context.Context, client *ent.Client, v auth.Viewer) (bool, error) {
	sys := rule.SystemContext(ctx)
	switch {
	case v.TokenID != 0:
		return client.APIToken.Query().Where(apitoken.ID(v.TokenID), apitoken.Revoked(false),
			apitoken.Or(apitoken.ExpiresAtIsNil(), apitoken.ExpiresAtGT(time.Now())),
			apitoken.Or(apitoken.PersonIDIsNil(), apitoken.HasPersonWith(person.DeactivatedAtIsNil()))).Exist(sys)
	case v.IdentityID != 0:
		q := client.Identity.Query().Where(identity.ID(v.IdentityID))
		if v.PersonID != 0 {
			q.Where(identity.HasPersonWith(person.ID(v.PersonID), person.DeactivatedAtIsNil()))
		}
		return q.Exist(sys)
	case v.PersonID != 0:
		return client.Person.Query().Where(person.ID(v.PersonID), person.DeactivatedAtIsNil()).Exist(sys)
	}
	// A viewer without a credential (tests, the system) stands as it is.
	return true, nil
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

// deliverer turns a log entry into what one subscriber receives; ok false
// skips it; a non-nil error ends the subscription.
type deliverer[T any] func(ctx context.Context, e entry) (T, bool, error)

// run registers s, replays the log after `after` (when given) and then
// delivers live entries, until ctx ends or the subscription fails. The
// returned channel is closed at the end; failures are reported on errs
// (buffered, at most one) just before.
func run[T any](ctx context.Context, h *Hub, f filter, after int, replay bool, deliver deliverer[T]) (<-chan T, <-chan error, error) {
	if err := h.start(ctx); err != nil {
		return nil, nil, err
	}
	s := &sub{f: f, ch: make(chan entry, Buffer), slow: make(chan struct{})}
	pos := h.add(s)
	out := make(chan T)
	errs := make(chan error, 1)
	go func() {
		defer close(out)
		defer h.remove(s)
		last := 0
		send := func(e entry) bool {
			if e.id <= last {
				return true
			}
			last = e.id
			v, ok, err := deliver(ctx, e)
			if err != nil {
				errs <- err
				return false
			}
			if !ok {
				return true
			}
			select {
			case out <- v:
				return true
			case <-ctx.Done():
				return false
			}
		}
		if replay && after < pos {
			missed, err := h.backlog(ctx, f, after, pos)
			if err != nil {
				errs <- err
				return
			}
			for _, e := range missed {
				if !send(e) {
					return
				}
			}
		}
		last = max(last, pos)
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.slow:
				// Deliver what is buffered? No: the client resumes
				// from its last cursor.
				errs <- ErrTooSlow
				return
			case e := <-s.ch:
				if !send(e) {
					return
				}
			}
		}
	}()
	return out, errs, nil
}

// backlog reads the entries of f's log in (after, upto].
func (h *Hub) backlog(ctx context.Context, f filter, after, upto int) ([]entry, error) {
	sys := rule.SystemContext(ctx)
	var out []entry
	if f.log == registrationLog {
		evs, err := h.client.RegistrationEvent.Query().
			Where(registrationevent.IDGT(after), registrationevent.IDLTE(upto), registrationevent.ActivityID(f.activity)).
			Order(ent.Asc(registrationevent.FieldID)).All(sys)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			out = append(out, entry{log: registrationLog, id: e.ID, record: e.RegistrationID, community: e.CommunityID, activity: e.ActivityID, at: e.At})
		}
		return out, nil
	}
	q := h.client.RequestEvent.Query().Where(requestevent.IDGT(after), requestevent.IDLTE(upto))
	if f.request != 0 {
		q.Where(requestevent.RequestID(f.request))
	}
	if f.community != 0 {
		q.Where(requestevent.CommunityID(f.community))
	}
	if f.actions != nil {
		q.Where(requestevent.ActionIn(f.actions...))
	}
	evs, err := q.Order(ent.Asc(requestevent.FieldID)).All(sys)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		out = append(out, entry{log: requestLog, id: e.ID, record: e.RequestID, community: e.CommunityID, action: e.Action, at: e.At})
	}
	return out, nil
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
func (h *Hub) RequestUpdated(ctx context.Context, id int, after *string) (<-chan *RequestUpdate, <-chan error, error) {
	v := auth.FromContext(ctx)
	from, err := ParseCursor(after)
	if err != nil {
		return nil, nil, err
	}
	if v.Role == auth.RolePublic {
		return nil, nil, apperr.New(apperr.CodeForbidden, "sign in to follow a request")
	}
	r, err := h.client.ServiceRequest.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil, apperr.New(apperr.CodeNotFound, "no such request")
	}
	if err != nil {
		return nil, nil, err
	}
	if !concerns(v, r) {
		return nil, nil, apperr.New(apperr.CodeForbidden, "only the requester, the volunteer who claimed it and staff of its community follow a request")
	}
	return run(ctx, h, filter{log: requestLog, request: id}, from, after != nil, func(ctx context.Context, e entry) (*RequestUpdate, bool, error) {
		return h.requestUpdate(ctx, v, e, true)
	})
}

// RequestDispatched subscribes v (a volunteer, staff or an admin) to the
// requests dispatched (or reopened: dispatched again) that v may see and
// claim: those of v's community dispatched to v's team or to an
// organisation that is not a team.
func (h *Hub) RequestDispatched(ctx context.Context, after *string) (<-chan *RequestUpdate, <-chan error, error) {
	v := auth.FromContext(ctx)
	from, err := ParseCursor(after)
	if err != nil {
		return nil, nil, err
	}
	if !v.HasRole(auth.RoleVolunteer) {
		return nil, nil, apperr.New(apperr.CodeForbidden, "only volunteers and staff follow dispatched requests")
	}
	f := filter{log: requestLog, actions: []requestevent.Action{requestevent.ActionDispatch, requestevent.ActionReopen}}
	if !v.IsAdmin() {
		f.community = v.CommunityID
	}
	return run(ctx, h, f, from, after != nil, func(ctx context.Context, e entry) (*RequestUpdate, bool, error) {
		return h.requestUpdate(ctx, v, e, false)
	})
}

// requestUpdate reads e's request (and step) for v at delivery.
func (h *Hub) requestUpdate(ctx context.Context, v auth.Viewer, e entry, only bool) (*RequestUpdate, bool, error) {
	ok, err := stillValid(ctx, h.client, v)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, ErrRevoked
	}
	vctx := auth.NewContext(ctx, v)
	r, err := h.client.ServiceRequest.Get(vctx, e.record)
	if ent.IsNotFound(err) {
		return nil, false, nil // no longer visible to v: nothing to deliver
	}
	if err != nil {
		return nil, false, err
	}
	if only && !concerns(v, r) {
		return nil, false, nil
	}
	u := &RequestUpdate{Cursor: Cursor(e.id), Request: r, Action: e.action, At: e.at}
	u.Event, err = h.client.RequestEvent.Get(vctx, e.id)
	if err != nil && !ent.IsNotFound(err) {
		return nil, false, err
	}
	return u, true, nil
}

// RegistrationChanged subscribes v (staff of the activity's community, or
// an admin) to the registrations for activity id. An unknown activity is
// NOT_FOUND; anyone else is FORBIDDEN.
func (h *Hub) RegistrationChanged(ctx context.Context, id int, after *string) (<-chan *RegistrationUpdate, <-chan error, error) {
	v := auth.FromContext(ctx)
	from, err := ParseCursor(after)
	if err != nil {
		return nil, nil, err
	}
	act, err := h.client.Activity.Query().Where(activity.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, apperr.New(apperr.CodeNotFound, "no such activity")
	}
	if err != nil {
		return nil, nil, err
	}
	if !v.Manages(act.CommunityID) {
		return nil, nil, apperr.New(apperr.CodeForbidden, "only staff of the activity's community follow its registrations")
	}
	return run(ctx, h, filter{log: registrationLog, activity: id}, from, after != nil, func(ctx context.Context, e entry) (*RegistrationUpdate, bool, error) {
		ok, err := stillValid(ctx, h.client, v)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, ErrRevoked
		}
		reg, err := h.client.Registration.Get(auth.NewContext(ctx, v), e.record)
		if ent.IsNotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		ev, err := h.client.RegistrationEvent.Get(rule.SystemContext(ctx), e.id)
		if err != nil {
			return nil, false, err
		}
		return &RegistrationUpdate{Cursor: Cursor(e.id), Registration: reg, Status: registration.Status(ev.Status), At: e.at}, true, nil
	})
}

// IsEnd reports whether err is one a subscription ends with (rather than a
// server failure).
func IsEnd(err error) bool { return errors.Is(err, ErrTooSlow) || errors.Is(err, ErrRevoked) }
