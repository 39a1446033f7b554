// Package changelog records creations, updates and deletions of public
// records in the Change table, inside the transaction of the write, and
// reads them back in order.
package changelog

import (
	"context"
	"fmt"

	"entgo.io/ent"

	gen "lifecircle/ent"
	"lifecircle/ent/change"
	"lifecircle/internal/auth/rule"
)

// mutation is what every generated mutation offers.
type mutation interface {
	ent.Mutation
	Client() *gen.Client
	ID() (int, bool) // set on a create once it is saved
	IDs(context.Context) ([]int, error)
}

// An Option tunes Record.
type Option func(*options)

type options struct{ live map[string]bool }

// Live names fields that hold live figures rather than the record's
// content: an update that changes nothing else is not a change of the
// record. It adds no entry to the change log and leaves updated_at as it
// was.
//
// An activity's registered_count is one: each registration or
// cancellation moves it, and logging that (or stamping updated_at) would
// publish, through the public change feed, the calendar and the downloads,
// the time each person signed up. The count itself stays public, read
// live wherever the activity is read (GraphQL, downloads, and the feed's
// record, which is the record as it is when the feed is read); only its
// history is not published. Nothing that depends on the change log is
// affected: the service-map index follows facilities and networks only,
// and the ETag of the facility downloads is about facilities.
func Live(fields ...string) Option {
	return func(o *options) {
		for _, f := range fields {
			o.live[f] = true
		}
	}
}

// onlyLive reports whether m is an update that changes live fields and
// nothing else but the updated_at its builder stamped.
func (o options) onlyLive(m ent.Mutation) bool {
	if len(o.live) == 0 || !m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) ||
		len(m.AddedEdges())+len(m.RemovedEdges())+len(m.ClearedEdges()) > 0 {
		return false
	}
	touched := 0
	for _, fields := range [][]string{m.Fields(), m.AddedFields(), m.ClearedFields()} {
		for _, f := range fields {
			switch {
			case o.live[f]:
				touched++
			case f != "updated_at":
				return false
			}
		}
	}
	return touched > 0
}

// Record returns a hook that logs every write of the entity type named.
func Record(entity string, opts ...Option) ent.Hook {
	o := options{live: map[string]bool{}}
	for _, opt := range opts {
		opt(&o)
	}
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			gm, ok := m.(mutation)
			if !ok {
				return nil, fmt.Errorf("changelog: %T is not a generated mutation", m)
			}
			if o.onlyLive(m) {
				if _, stamped := m.Field("updated_at"); stamped {
					if err := m.ResetField("updated_at"); err != nil {
						return nil, fmt.Errorf("changelog: %s: %w", entity, err)
					}
				}
				return next.Mutate(ctx, m)
			}
			var (
				ids []int
				err error
				op  change.Op
			)
			switch {
			case m.Op().Is(ent.OpCreate):
				op = change.OpCreate
			case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
				op = change.OpDelete
				ids, err = gm.IDs(ctx) // before the rows are gone
			default:
				op = change.OpUpdate
				ids, err = gm.IDs(ctx)
			}
			if err != nil {
				return nil, fmt.Errorf("changelog: ids of %s: %w", entity, err)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			if op == change.OpCreate {
				id, ok := gm.ID()
				if !ok {
					return nil, fmt.Errorf("changelog: created %s has no ID", entity)
				}
				ids = []int{id}
			}
			if len(ids) == 0 {
				return v, nil
			}
			sys := rule.SystemContext(ctx)
			// Serialise appenders until commit, so IDs appear in order.
			if err := gm.Client().ChangeLock.Update().AddWrites(1).Exec(sys); err != nil {
				return nil, fmt.Errorf("changelog: lock: %w", err)
			}
			bulk := make([]*gen.ChangeCreate, len(ids))
			for i, id := range ids {
				bulk[i] = gm.Client().Change.Create().SetEntity(entity).SetEntityID(id).SetOp(op)
			}
			if err := gm.Client().Change.CreateBulk(bulk...).Exec(sys); err != nil {
				return nil, fmt.Errorf("changelog: record %s: %w", entity, err)
			}
			return v, nil
		})
	}
}

// Prepare creates the lock row if the database has none yet.
func Prepare(ctx context.Context, client *gen.Client) error {
	ctx = rule.SystemContext(ctx)
	n, err := client.ChangeLock.Query().Count(ctx)
	if err != nil {
		return fmt.Errorf("changelog: prepare: %w", err)
	}
	if n == 0 {
		if err := client.ChangeLock.Create().Exec(ctx); err != nil {
			return fmt.Errorf("changelog: prepare: %w", err)
		}
	}
	return nil
}
