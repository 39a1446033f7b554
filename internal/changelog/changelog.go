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

// Record returns a hook that logs every write of the entity type named.
func Record(entity string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			gm, ok := m.(mutation)
			if !ok {
				return nil, fmt.Errorf("changelog: %T is not a generated mutation", m)
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
