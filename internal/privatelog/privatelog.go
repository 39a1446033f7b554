// Package privatelog keeps the logs of private events that subscriptions
// follow (internal/liveprivate): the history of service requests
// (RequestEvent, written by internal/workflow) and the changes of activity
// registrations (RegistrationEvent, appended here by a hook on every write
// of a Registration's status).
//
// Every appender first takes the appenders' lock (Lock), in the
// transaction of the append: on PostgreSQL it updates the one EventLock
// row, whose row lock, held to commit, serialises appenders, so IDs
// (allocated from a sequence at insert time) become visible in increasing
// order, and an ID is a cursor a reader can resume after without missing a
// smaller one committed later. On SQLite writers are serialised anyway (a
// transaction begins IMMEDIATE), and lifecircle's store skips the update.
package privatelog

import (
	"context"
	"fmt"

	"entgo.io/ent"

	gen "lifecircle/ent"
	"lifecircle/ent/registration"
	"lifecircle/internal/auth/rule"
)

// Tables are the tables of the private logs: internal/store sends the
// change notification (NOTIFY) in a transaction that appends to them, as
// for the change log.
var Tables = []string{"request_events", "registration_events"}

// Lock takes the appenders' lock until the end of the transaction of
// client (creating the lock row if the database has none yet).
//
// The statement carries a mark (LockStatement) so that lifecircle's store
// driver can run it cheaply: on PostgreSQL as one argument-less statement
// (one round trip, with the transaction's NOTIFY sent in the same
// message, ahead of the serialised section); on SQLite not at all, since a
// transaction there (BEGIN IMMEDIATE) already holds the database's one
// write lock from its start to its end. Any other driver runs the ent
// update as written.
func Lock(ctx context.Context, client *gen.Client) error {
	sys := rule.SystemContext(ctx)
	mark := &LockMark{}
	n, err := client.EventLock.Update().AddWrites(1).Save(context.WithValue(sys, lockKey{}, mark))
	if err != nil {
		return fmt.Errorf("privatelog: lock: %w", err)
	}
	if mark.Taken {
		return nil
	}
	if n == 0 {
		if err := client.EventLock.Create().SetWrites(1).Exec(sys); err != nil {
			return fmt.Errorf("privatelog: lock: %w", err)
		}
	}
	return nil
}

// A LockMark rides on the context of Lock's update statement. A driver
// that takes the lock in its own way (internal/store, in a transaction)
// sets Taken instead of running the statement as ent wrote it.
type LockMark struct{ Taken bool }

type lockKey struct{}

// LockStatement returns the mark of Lock's update when ctx is the context
// of that statement, and nil otherwise.
func LockStatement(ctx context.Context) *LockMark {
	m, _ := ctx.Value(lockKey{}).(*LockMark)
	return m
}

// Prepare creates the lock row if the database has none yet.
func Prepare(ctx context.Context, client *gen.Client) error {
	sys := rule.SystemContext(ctx)
	n, err := client.EventLock.Query().Count(sys)
	if err != nil {
		return fmt.Errorf("privatelog: prepare: %w", err)
	}
	if n == 0 {
		if err := client.EventLock.Create().Exec(sys); err != nil {
			return fmt.Errorf("privatelog: prepare: %w", err)
		}
	}
	return nil
}

// LockAppends is the hook of RequestEvent: a creation takes the lock
// first.
func LockAppends() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if m.Op().Is(ent.OpCreate) {
				rm, ok := m.(*gen.RequestEventMutation)
				if !ok {
					return nil, fmt.Errorf("privatelog: %T is not a request event mutation", m)
				}
				if err := Lock(ctx, rm.Client()); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// RecordRegistrations is the hook of Registration: each creation, and each
// update that sets the status, appends one RegistrationEvent per
// registration written, with its status after the write.
func RecordRegistrations() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			rm, ok := m.(*gen.RegistrationMutation)
			if !ok {
				return nil, fmt.Errorf("privatelog: %T is not a registration mutation", m)
			}
			_, setsStatus := rm.Status()
			create := m.Op().Is(ent.OpCreate)
			if !create && !(setsStatus && m.Op().Is(ent.OpUpdate|ent.OpUpdateOne)) {
				return next.Mutate(ctx, m)
			}
			sys := rule.SystemContext(ctx)
			var ids []int
			if !create {
				var err error
				if ids, err = rm.IDs(sys); err != nil {
					return nil, fmt.Errorf("privatelog: registrations written: %w", err)
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			if create {
				id, ok := rm.ID()
				if !ok {
					return nil, fmt.Errorf("privatelog: created registration has no ID")
				}
				ids = []int{id}
			}
			if len(ids) == 0 {
				return v, nil
			}
			c := rm.Client()
			regs, err := c.Registration.Query().Where(registration.IDIn(ids...)).All(sys)
			if err != nil {
				return nil, fmt.Errorf("privatelog: registrations written: %w", err)
			}
			if len(regs) == 0 {
				return v, nil
			}
			if err := Lock(ctx, c); err != nil {
				return nil, err
			}
			bulk := make([]*gen.RegistrationEventCreate, len(regs))
			for i, r := range regs {
				bulk[i] = c.RegistrationEvent.Create().SetRegistrationID(r.ID).SetActivityID(r.ActivityID).
					SetCommunityID(r.CommunityID).SetStatus(string(r.Status))
			}
			if err := c.RegistrationEvent.CreateBulk(bulk...).Exec(sys); err != nil {
				return nil, fmt.Errorf("privatelog: record registrations: %w", err)
			}
			return v, nil
		})
	}
}
