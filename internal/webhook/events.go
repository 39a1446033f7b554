// Package webhook sends signed events to the back ends of app teams:
// endpoints registered by admins (any community) and staff (their own),
// payloads and signatures after the Standard Webhooks specification,
// delivered at least once, in order per record, from River's durable queue
// with exponential-backoff retries for a day (see README, "Webhooks").
//
// An event is enqueued by an ent hook (Emit) inside the transaction of the
// write that causes it: a WebhookDelivery row per endpoint and a River job
// per row, inserted through the same database/sql transaction (found with
// internal/sqltx). A rolled-back write leaves neither.
package webhook

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"entgo.io/ent"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	gen "lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/facility"
	"lifecircle/ent/registration"
	"lifecircle/ent/servicerequest"
	"lifecircle/ent/webhookendpoint"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/sqltx"
)

// The event types.
const (
	FacilityCreated        = "facility.created"
	FacilityUpdated        = "facility.updated"
	FacilityDeleted        = "facility.deleted"
	ActivityCreated        = "activity.created"
	ActivityUpdated        = "activity.updated"
	ActivityCancelled      = "activity.cancelled"
	ActivityDeleted        = "activity.deleted"
	RequestCreated         = "request.created"
	RequestDispatched      = "request.dispatched"
	RequestClaimed         = "request.claimed"
	RequestStatusChanged   = "request.status_changed"
	RegistrationCreated    = "registration.created"
	RegistrationCancelled  = "registration.cancelled"
	entityFacility         = "Facility"
	entityActivity         = "Activity"
	entityServiceRequest   = "ServiceRequest"
	entityRegistration     = "Registration"
	messageIDPrefix        = "msg_"
	riverQueue             = "webhooks"
	riverMaxAttempts       = 100000 // retries end by time (Options.RetryFor), not by count
	riverKindDeliver       = "webhook_deliver"
	maxEndpointEventsTypes = 20
)

// EventTypes lists every event type, in the order the API lists them.
var EventTypes = []string{
	FacilityCreated, FacilityUpdated, FacilityDeleted,
	ActivityCreated, ActivityUpdated, ActivityCancelled, ActivityDeleted,
	RequestCreated, RequestDispatched, RequestClaimed, RequestStatusChanged,
	RegistrationCreated, RegistrationCancelled,
}

// DeliverArgs is the River job of one delivery.
type DeliverArgs struct {
	DeliveryID int `json:"delivery_id"`
}

// Kind names the job kind in River's table.
func (DeliverArgs) Kind() string { return riverKindDeliver }

// InsertOpts puts deliveries on their own queue.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: riverQueue, MaxAttempts: riverMaxAttempts}
}

// Insert-only River clients: they insert jobs in a transaction they are
// given and hold no pool of their own.
var (
	insertPG = sync.OnceValues(func() (*river.Client[*sql.Tx], error) {
		return river.NewClient(riverdatabasesql.New(nil), &river.Config{SkipUnknownJobCheck: true})
	})
	insertSQLite = sync.OnceValues(func() (*river.Client[*sql.Tx], error) {
		return river.NewClient(riversqlite.New(nil), &river.Config{SkipUnknownJobCheck: true})
	})
)

// mutation is what every generated mutation offers.
type mutation interface {
	ent.Mutation
	Client() *gen.Client
	ID() (int, bool)
	IDs(context.Context) ([]int, error)
}

// Emit returns the hook that enqueues the events of every write of the
// entity named (Facility, Activity, ServiceRequest, Registration) for the
// endpoints that want them, in the write's transaction.
func Emit(entity string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			gm, ok := m.(mutation)
			if !ok {
				return nil, fmt.Errorf("webhook: %T is not a generated mutation", m)
			}
			types, detail := classify(entity, m)
			if len(types) == 0 {
				return next.Mutate(ctx, m)
			}
			sys := rule.SystemContext(ctx)
			var (
				ids         []int
				communities map[int]int
				err         error
			)
			if !m.Op().Is(ent.OpCreate) {
				if ids, err = gm.IDs(ctx); err != nil {
					return nil, fmt.Errorf("webhook: ids of %s: %w", entity, err)
				}
				if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
					if communities, err = communitiesOf(sys, gm.Client(), entity, ids); err != nil {
						return nil, err
					}
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			if m.Op().Is(ent.OpCreate) {
				id, ok := gm.ID()
				if !ok {
					return nil, fmt.Errorf("webhook: created %s has no ID", entity)
				}
				ids = []int{id}
			}
			if len(ids) == 0 {
				return v, nil
			}
			if communities == nil {
				if communities, err = communitiesOf(sys, gm.Client(), entity, ids); err != nil {
					return nil, err
				}
			}
			if err := enqueue(ctx, gm.Client(), entity, ids, communities, types, detail); err != nil {
				return nil, err
			}
			return v, nil
		})
	}
}

// classify names the events a mutation causes, and what they say beyond
// the record.
func classify(entity string, m ent.Mutation) ([]string, map[string]string) {
	op := m.Op()
	status := ""
	if v, ok := m.Field("status"); ok {
		status = fmt.Sprint(v)
	}
	switch entity {
	case entityFacility:
		switch {
		case op.Is(ent.OpCreate):
			return []string{FacilityCreated}, nil
		case op.Is(ent.OpDelete | ent.OpDeleteOne):
			return []string{FacilityDeleted}, nil
		}
		return []string{FacilityUpdated}, nil
	case entityActivity:
		switch {
		case op.Is(ent.OpCreate):
			return []string{ActivityCreated}, nil
		case op.Is(ent.OpDelete | ent.OpDeleteOne):
			return []string{ActivityDeleted}, nil
		case onlyFields(m, activity.FieldRegisteredCount, activity.FieldUpdatedAt):
			return nil, nil // a registration moved the live count: not a change of the activity
		case status == activity.StatusCancelled.String():
			return []string{ActivityCancelled}, map[string]string{"status": status}
		}
		return []string{ActivityUpdated}, nil
	case entityServiceRequest:
		switch {
		case op.Is(ent.OpCreate):
			return []string{RequestCreated}, map[string]string{"status": status}
		case op.Is(ent.OpDelete|ent.OpDeleteOne) || status == "":
			return nil, nil
		}
		d := map[string]string{"status": status}
		switch status {
		case servicerequest.StatusDispatched.String():
			return []string{RequestDispatched, RequestStatusChanged}, d
		case servicerequest.StatusClaimed.String():
			return []string{RequestClaimed, RequestStatusChanged}, d
		}
		return []string{RequestStatusChanged}, d
	case entityRegistration:
		switch {
		case op.Is(ent.OpCreate):
			return []string{RegistrationCreated}, nil
		case status == registration.StatusCancelled.String():
			return []string{RegistrationCancelled}, map[string]string{"status": status}
		case status == registration.StatusRegistered.String():
			return []string{RegistrationCreated}, map[string]string{"status": status}
		}
	}
	return nil, nil
}

// onlyFields reports whether m is an update that sets none but the fields
// named.
func onlyFields(m ent.Mutation, names ...string) bool {
	if !m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) || len(m.AddedEdges())+len(m.RemovedEdges())+len(m.ClearedEdges()) > 0 {
		return false
	}
	for _, fields := range [][]string{m.Fields(), m.AddedFields(), m.ClearedFields()} {
		for _, f := range fields {
			if !slices.Contains(names, f) {
				return false
			}
		}
	}
	return true
}

// communitiesOf reads the community of each record.
func communitiesOf(ctx context.Context, c *gen.Client, entity string, ids []int) (map[int]int, error) {
	out := make(map[int]int, len(ids))
	var err error
	switch entity {
	case entityFacility:
		var rs []*gen.Facility
		rs, err = c.Facility.Query().Where(facility.IDIn(ids...)).Select(facility.FieldCommunityID).All(ctx)
		for _, r := range rs {
			out[r.ID] = r.CommunityID
		}
	case entityActivity:
		var rs []*gen.Activity
		rs, err = c.Activity.Query().Where(activity.IDIn(ids...)).Select(activity.FieldCommunityID).All(ctx)
		for _, r := range rs {
			out[r.ID] = r.CommunityID
		}
	case entityServiceRequest:
		var rs []*gen.ServiceRequest
		rs, err = c.ServiceRequest.Query().Where(servicerequest.IDIn(ids...)).Select(servicerequest.FieldCommunityID).All(ctx)
		for _, r := range rs {
			out[r.ID] = r.CommunityID
		}
	case entityRegistration:
		var rs []*gen.Registration
		rs, err = c.Registration.Query().Where(registration.IDIn(ids...)).Select(registration.FieldCommunityID).All(ctx)
		for _, r := range rs {
			out[r.ID] = r.CommunityID
		}
	default:
		return nil, fmt.Errorf("webhook: unknown entity %s", entity)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook: communities of %s: %w", entity, err)
	}
	return out, nil
}

// enqueue adds a delivery row and a River job for each endpoint that wants
// one of the events of these records, in c's transaction (or, for a write
// made outside any, a transaction of its own right after it).
func enqueue(ctx context.Context, c *gen.Client, entity string, ids []int, communities map[int]int, types []string, detail map[string]string) error {
	sys := rule.SystemContext(ctx)
	cctx, slot := sqltx.Capture(sys)
	eps, err := c.WebhookEndpoint.Query().Where(webhookendpoint.Enabled(true)).All(cctx)
	if err != nil {
		return fmt.Errorf("webhook: endpoints: %w", err)
	}
	type want struct{ ep, id int }
	var wants []want
	for _, id := range ids {
		comm, ok := communities[id]
		if !ok {
			continue
		}
		for _, ep := range eps {
			if ep.CommunityID != nil && *ep.CommunityID != comm {
				continue
			}
			if ep.OwnerRole == webhookendpoint.OwnerRoleStaff && (ep.OwnerCommunityID == nil || *ep.OwnerCommunityID != comm) {
				continue
			}
			wants = append(wants, want{ep.ID, id})
		}
	}
	if len(wants) == 0 {
		return nil
	}
	if !slot.Seen {
		return fmt.Errorf("webhook: the ent client does not run on lifecircle's store driver; cannot enqueue in its transaction")
	}
	if slot.Tx == nil {
		tx, err := c.Tx(ctx)
		if err != nil {
			return fmt.Errorf("webhook: begin: %w", err)
		}
		if err := enqueue(ctx, tx.Client(), entity, ids, communities, types, detail); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	now := time.Now()
	var bulk []*gen.WebhookDeliveryCreate
	for _, w := range wants {
		for _, typ := range types {
			if !slices.Contains(epTypes(eps, w.ep), typ) {
				continue
			}
			b := c.WebhookDelivery.Create().SetMessageID(NewMessageID()).SetEndpointID(w.ep).
				SetEventType(typ).SetEntity(entity).SetEntityID(w.id).SetOccurredAt(now)
			if detail != nil {
				b.SetDetail(detail)
			}
			bulk = append(bulk, b)
		}
	}
	if len(bulk) == 0 {
		return nil
	}
	rows, err := c.WebhookDelivery.CreateBulk(bulk...).Save(sys)
	if err != nil {
		return fmt.Errorf("webhook: record deliveries: %w", err)
	}
	ins := insertSQLite
	if slot.Postgres {
		ins = insertPG
	}
	rc, err := ins()
	if err != nil {
		return fmt.Errorf("webhook: river: %w", err)
	}
	params := make([]river.InsertManyParams, len(rows))
	for i, r := range rows {
		params[i] = river.InsertManyParams{Args: DeliverArgs{DeliveryID: r.ID}}
	}
	if _, err := rc.InsertManyTx(ctx, slot.Tx, params); err != nil {
		return fmt.Errorf("webhook: enqueue: %w", err)
	}
	return nil
}

func epTypes(eps []*gen.WebhookEndpoint, id int) []string {
	for _, ep := range eps {
		if ep.ID == id {
			return ep.EventTypes
		}
	}
	return nil
}

// NewMessageID returns a fresh webhook-id.
func NewMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return messageIDPrefix + hex.EncodeToString(b)
}
