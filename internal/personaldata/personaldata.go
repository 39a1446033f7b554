// Package personaldata answers a person's right of access (PIPL art. 45):
// everything lifecircle holds about them, for GraphQL (myData, personData)
// and as one JSON file (GET /me/data.json, GET /people/{id}/data.json).
//
// The file's format is Export, versioned by FormatVersion; its fields are
// documented in README ("Your data: access, download, erasure").
package personaldata

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/apitoken"
	"lifecircle/ent/appointment"
	"lifecircle/ent/appointmentevent"
	"lifecircle/ent/gridworker"
	"lifecircle/ent/personaldataaccess"
	"lifecircle/ent/registration"
	"lifecircle/ent/requestevent"
	"lifecircle/ent/servicerequest"
	"lifecircle/ent/visit"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/datalog"
	"lifecircle/internal/gid"
)

// FormatVersion is the version of Export (and of GraphQL PersonalData):
// raised when a field changes meaning or goes away, not when one is added.
const FormatVersion = 1

// Authorize returns the person whose data v may read in full: their own
// (a token acting for a person), a person of their community (staff), or
// anyone (admins). A person v may not read is NOT_FOUND, as one that does
// not exist.
func Authorize(ctx context.Context, client *ent.Client, v auth.Viewer, id int) (*ent.Person, error) {
	p, err := client.Person.Get(rule.SystemContext(ctx), id)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	if err != nil || !v.ActsFor(id, p.CommunityID) {
		return nil, apperr.New(apperr.CodeNotFound, "no such person in your community")
	}
	return p, nil
}

// Own returns the viewer's own person, or FORBIDDEN for a token that acts
// for no person.
func Own(ctx context.Context, client *ent.Client, v auth.Viewer) (*ent.Person, error) {
	if v.PersonID == 0 {
		return nil, apperr.New(apperr.CodeForbidden, "your token acts for no person: staff ask with personData(id:) or GET /people/{id}/data.json")
	}
	return Authorize(ctx, client, v, v.PersonID)
}

// Requests are the requests p made, oldest first (under the system
// context: the caller authorized p).
func Requests(ctx context.Context, client *ent.Client, personID int) *ent.ServiceRequestQuery {
	return client.ServiceRequest.Query().Where(servicerequest.RequesterID(personID)).Order(ent.Asc(servicerequest.FieldID))
}

// ClaimedBy are the requests p claimed, oldest first.
func ClaimedBy(ctx context.Context, client *ent.Client, personID int) *ent.ServiceRequestQuery {
	return client.ServiceRequest.Query().Where(servicerequest.ClaimedByID(personID)).Order(ent.Asc(servicerequest.FieldID))
}

// Registrations are p's registrations, oldest first.
func Registrations(ctx context.Context, client *ent.Client, personID int) *ent.RegistrationQuery {
	return client.Registration.Query().Where(registration.PersonID(personID)).Order(ent.Asc(registration.FieldID))
}

// Tokens are the tokens issued to p.
func Tokens(ctx context.Context, client *ent.Client, personID int) *ent.APITokenQuery {
	return client.APIToken.Query().Where(apitoken.PersonID(personID)).Order(ent.Asc(apitoken.FieldID))
}

// Appointments are p's appointments at the one-window counters, oldest
// first (read under the system context: the caller authorized p).
func Appointments(client *ent.Client, personID int) *ent.AppointmentQuery {
	return client.Appointment.Query().Where(appointment.PersonID(personID)).Order(ent.Asc(appointment.FieldID))
}

// VisitsAbout are the visits logged about p, oldest first.
func VisitsAbout(client *ent.Client, personID int) *ent.VisitQuery {
	return client.Visit.Query().Where(visit.PersonID(personID)).Order(ent.Asc(visit.FieldID))
}

// GridAssignments are p's assignments to grids as a grid worker, oldest
// first.
func GridAssignments(client *ent.Client, personID int) *ent.GridWorkerQuery {
	return client.GridWorker.Query().Where(gridworker.PersonID(personID)).Order(ent.Asc(gridworker.FieldID))
}

// Export is the JSON download.
type Export struct {
	FormatVersion   int            `json:"formatVersion"`
	GeneratedAt     time.Time      `json:"generatedAt"`
	Person          Person         `json:"person"`
	Requests        []Request      `json:"requests"`
	ClaimedRequests []Claimed      `json:"claimedRequests"`
	Registrations   []Registration `json:"registrations"`
	Appointments    []Appointment  `json:"appointments"`
	Visits          []Visit        `json:"visits"`
	GridAssignments []Assignment   `json:"gridAssignments"`
	Tokens          []Token        `json:"tokens"`
	AccessLog       []Access       `json:"accessLog"`
}

// Appointment is a booking the person made at a one-window counter, with
// its history; officers appear by role only.
type Appointment struct {
	ID       string             `json:"id"`
	MatterID string             `json:"matterId"`
	SlotID   string             `json:"slotId"`
	Status   string             `json:"status"`
	Note     string             `json:"note,omitempty"`
	History  []AppointmentEvent `json:"history"`
}

// AppointmentEvent is one step of an appointment's history.
type AppointmentEvent struct {
	Action    string    `json:"action"`
	Status    string    `json:"status"`
	ActorRole string    `json:"actorRole"`
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
}

// Visit is a visit logged about the person (door-knocking, condolence…);
// the visitor appears by their being one, not by name.
type Visit struct {
	ID                string    `json:"id"`
	Reason            string    `json:"reason"`
	VisitedAt         time.Time `json:"visitedAt"`
	Findings          string    `json:"findings,omitempty"`
	FollowUpRequestID *string   `json:"followUpRequestId"`
}

// Assignment is the person's assignment to a grid as a grid worker.
type Assignment struct {
	GridID string `json:"gridId"`
	Kind   string `json:"kind"`
}

// Person is the profile.
type Person struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Phone         string     `json:"phone,omitempty"`
	BirthYear     *int       `json:"birthYear"`
	Roles         []string   `json:"roles"`
	CommunityID   string     `json:"communityId"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	DeactivatedAt *time.Time `json:"deactivatedAt"`
}

// Request is a request the person made, with its history.
type Request struct {
	ID             string     `json:"id"`
	Kind           string     `json:"kind"`
	Title          string     `json:"title"`
	Description    string     `json:"description,omitempty"`
	Category       string     `json:"category,omitempty"`
	Address        string     `json:"address,omitempty"`
	Status         string     `json:"status"`
	CommunityID    string     `json:"communityId"`
	CompoundID     *string    `json:"compoundId"`
	SubmittedAt    time.Time  `json:"submittedAt"`
	DispatchedAt   *time.Time `json:"dispatchedAt"`
	ClaimedAt      *time.Time `json:"claimedAt"`
	ResolvedAt     *time.Time `json:"resolvedAt"`
	ConfirmedAt    *time.Time `json:"confirmedAt"`
	RejectedAt     *time.Time `json:"rejectedAt"`
	Satisfaction   *int       `json:"satisfaction"`
	ResolutionNote string     `json:"resolutionNote,omitempty"`
	RejectReason   string     `json:"rejectReason,omitempty"`
	Events         []Event    `json:"events"`
}

// Event is one step of a request's history. Who took it is given by role
// only: the other people involved are not the person's data.
type Event struct {
	Action     string    `json:"action"`
	FromStatus string    `json:"fromStatus,omitempty"`
	ToStatus   string    `json:"toStatus"`
	ActorRole  string    `json:"actorRole"`
	ByYou      bool      `json:"byYou"`
	Note       string    `json:"note,omitempty"`
	At         time.Time `json:"at"`
}

// Claimed is a request the person claimed as a volunteer: what they did,
// not the requester's data.
type Claimed struct {
	ID             string     `json:"id"`
	Kind           string     `json:"kind"`
	Status         string     `json:"status"`
	ClaimedAt      *time.Time `json:"claimedAt"`
	ResolvedAt     *time.Time `json:"resolvedAt"`
	ResolutionNote string     `json:"resolutionNote,omitempty"`
}

// Registration is a registration for an activity.
type Registration struct {
	ID         string    `json:"id"`
	ActivityID string    `json:"activityId"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// Token is a token issued to the person, without its secret or hash.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	Revoked    bool       `json:"revoked"`
}

// Access is a read of the person's data by someone else, as the person
// sees it (myDataAccessLog): the reader's role and community, not who.
type Access struct {
	At                string   `json:"at"`
	ViewerRole        string   `json:"viewerRole"`
	ViewerCommunityID *string  `json:"viewerCommunityId"`
	Fields            []string `json:"fields"`
	Operation         string   `json:"operation"`
}

func ids(id *int) *string {
	if id == nil {
		return nil
	}
	s := gid.Encode(*id)
	return &s
}

// Build collects everything about p; the caller authorized the read.
func Build(ctx context.Context, client *ent.Client, p *ent.Person) (*Export, error) {
	sys := rule.SystemContext(ctx)
	x := &Export{
		FormatVersion: FormatVersion, GeneratedAt: time.Now().UTC(),
		Person: Person{ID: gid.Encode(p.ID), Name: p.Name, Phone: p.Phone, BirthYear: p.BirthYear, Roles: p.Roles,
			CommunityID: gid.Encode(p.CommunityID), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, DeactivatedAt: p.DeactivatedAt},
		Requests: []Request{}, ClaimedRequests: []Claimed{}, Registrations: []Registration{}, Tokens: []Token{}, AccessLog: []Access{},
		Appointments: []Appointment{}, Visits: []Visit{}, GridAssignments: []Assignment{},
	}
	if x.Person.Roles == nil {
		x.Person.Roles = []string{}
	}
	reqs, err := Requests(ctx, client, p.ID).WithEvents(func(q *ent.RequestEventQuery) {
		q.Order(ent.Asc(requestevent.FieldAt), ent.Asc(requestevent.FieldID))
	}).All(sys)
	if err != nil {
		return nil, err
	}
	for _, r := range reqs {
		e := Request{ID: gid.Encode(r.ID), Kind: string(r.Kind), Title: r.Title, Description: r.Description, Category: r.Category,
			Address: r.Address, Status: string(r.Status), CommunityID: gid.Encode(r.CommunityID), CompoundID: ids(r.CompoundID),
			SubmittedAt: r.SubmittedAt, DispatchedAt: r.DispatchedAt, ClaimedAt: r.ClaimedAt, ResolvedAt: r.ResolvedAt,
			ConfirmedAt: r.ConfirmedAt, RejectedAt: r.RejectedAt, Satisfaction: r.Satisfaction,
			ResolutionNote: r.ResolutionNote, RejectReason: r.RejectReason, Events: []Event{}}
		for _, ev := range r.Edges.Events {
			e.Events = append(e.Events, Event{Action: string(ev.Action), FromStatus: ev.FromStatus, ToStatus: ev.ToStatus,
				ActorRole: ev.ActorRole, ByYou: ev.ActorID != nil && *ev.ActorID == p.ID, Note: ev.Note, At: ev.At})
		}
		x.Requests = append(x.Requests, e)
	}
	claimed, err := ClaimedBy(ctx, client, p.ID).All(sys)
	if err != nil {
		return nil, err
	}
	for _, r := range claimed {
		x.ClaimedRequests = append(x.ClaimedRequests, Claimed{ID: gid.Encode(r.ID), Kind: string(r.Kind), Status: string(r.Status),
			ClaimedAt: r.ClaimedAt, ResolvedAt: r.ResolvedAt, ResolutionNote: r.ResolutionNote})
	}
	regs, err := Registrations(ctx, client, p.ID).All(sys)
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		x.Registrations = append(x.Registrations, Registration{ID: gid.Encode(r.ID), ActivityID: gid.Encode(r.ActivityID),
			Status: string(r.Status), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
	}
	if err := addWorkingSystems(sys, client, p.ID, x); err != nil {
		return nil, err
	}
	toks, err := Tokens(ctx, client, p.ID).All(sys)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		x.Tokens = append(x.Tokens, Token{ID: gid.Encode(t.ID), Name: t.Name, Role: string(t.Role), CreatedAt: t.CreatedAt,
			ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, Revoked: t.Revoked})
	}
	log, err := client.PersonalDataAccess.Query().Where(personaldataaccess.SubjectID(p.ID)).
		Order(ent.Desc(personaldataaccess.FieldAt), ent.Desc(personaldataaccess.FieldID)).All(sys)
	if err != nil {
		return nil, err
	}
	for _, a := range log {
		x.AccessLog = append(x.AccessLog, Access{At: a.At.UTC().Format(time.RFC3339), ViewerRole: string(a.ViewerRole),
			ViewerCommunityID: ids(a.ViewerCommunityID), Fields: a.Fields, Operation: a.Operation})
	}
	return x, nil
}

// Handler serves the JSON download: GET /me/data.json (the viewer's own
// data) when path has no {id}, GET /people/{id}/data.json (staff of the
// person's community, admins) otherwise. A read by someone else is
// recorded in the person's reading log before the file is sent.
func Handler(client *ent.Client, self bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v := auth.FromContext(ctx)
		if v.Role == auth.RolePublic {
			apperr.WriteHTTP(w, http.StatusUnauthorized, apperr.New(apperr.CodeUnauthenticated, "this download needs a token (Authorization: Bearer …)"))
			return
		}
		var p *ent.Person
		var err error
		op := "GET /me/data.json"
		if self {
			p, err = Own(ctx, client, v)
		} else {
			var id int
			if id, err = gid.Decode(r.PathValue("id")); err != nil {
				err = apperr.New(apperr.CodeNotFound, "no such person in your community")
			} else if !v.IsStaff() && !v.IsAdmin() && v.PersonID != id {
				err = apperr.New(apperr.CodeForbidden, "only staff of the person's community and admins download someone's data")
			} else {
				p, err = Authorize(ctx, client, v, id)
			}
			op = "GET /people/{id}/data.json"
		}
		if err != nil {
			writeError(w, err)
			return
		}
		x, err := Build(ctx, client, p)
		if err == nil {
			err = datalog.Record(ctx, client, v, datalog.Entry{Subject: p.ID, Operation: op,
				Fields: []string{datalog.Name, datalog.Phone, datalog.BirthYear, datalog.Address}})
		}
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="lifecircle-data-`+strconv.Itoa(p.ID)+`.json"`)
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(x)
	})
}

func writeError(w http.ResponseWriter, err error) {
	if e, ok := apperr.As(err); ok {
		status := http.StatusInternalServerError
		switch e.Code {
		case apperr.CodeNotFound:
			status = http.StatusNotFound
		case apperr.CodeForbidden:
			status = http.StatusForbidden
		case apperr.CodeUnauthenticated:
			status = http.StatusUnauthorized
		}
		apperr.WriteHTTP(w, status, e)
		return
	}
	apperr.WriteHTTP(w, http.StatusInternalServerError, apperr.New(apperr.CodeInternal, "the data could not be read"))
}

// addWorkingSystems adds the person's appointments, the visits logged
// about them and their grid assignments: one query each.
func addWorkingSystems(sys context.Context, client *ent.Client, personID int, x *Export) error {
	apps, err := Appointments(client, personID).
		WithHistory(func(q *ent.AppointmentEventQuery) {
			q.Order(ent.Asc(appointmentevent.FieldAt), ent.Asc(appointmentevent.FieldID))
		}).All(sys)
	if err != nil {
		return err
	}
	for _, a := range apps {
		e := Appointment{ID: gid.Encode(a.ID), MatterID: gid.Encode(a.MatterID), SlotID: gid.Encode(a.SlotID),
			Status: string(a.Status), Note: a.Note, History: []AppointmentEvent{}}
		for _, h := range a.Edges.History {
			e.History = append(e.History, AppointmentEvent{Action: string(h.Action), Status: h.Status, ActorRole: h.ActorRole, Note: h.Note, At: h.At})
		}
		x.Appointments = append(x.Appointments, e)
	}
	visits, err := VisitsAbout(client, personID).All(sys)
	if err != nil {
		return err
	}
	for _, v := range visits {
		x.Visits = append(x.Visits, Visit{ID: gid.Encode(v.ID), Reason: string(v.Reason), VisitedAt: v.VisitedAt,
			Findings: v.Findings, FollowUpRequestID: ids(v.FollowUpRequestID)})
	}
	jobs, err := GridAssignments(client, personID).All(sys)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		x.GridAssignments = append(x.GridAssignments, Assignment{GridID: gid.Encode(j.GridID), Kind: string(j.Kind)})
	}
	return nil
}
