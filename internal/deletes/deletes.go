// Package deletes decides what deleting a parent record of the working
// systems (issue #13) does to the records that point at it, so that a
// delete either works or is refused with CONFLICT, never with a raw
// foreign-key error (INTERNAL):
//
//   - an activity: refused while it has registrations (people's records:
//     cancel the activity instead); its per-occurrence counts go with it;
//   - a one-window slot: refused while it has appointments (residents'
//     cases, with their history);
//   - a one-window matter: refused while it has slots or appointments;
//   - a grid: refused while grid workers are assigned to it (unassign them
//     first); its compound links go with it and visits keep their record
//     without the grid (the foreign keys do that);
//   - a resource: its contact person goes with it; need matches keep their
//     record without the resource (the foreign key);
//   - a co-building project: its signings and progress updates go with it;
//     resources and need matches keep their record without the project;
//   - a theme: its activities stay, without the theme (the foreign key).
//
// No GraphQL mutation deletes these records today (deleteFacility is the
// only delete); the rules hold for every client of the store, the command
// line and embedders included. Cleanup and delete run in one transaction:
// the caller's, or one opened for the purpose.
package deletes

import (
	"context"
	"fmt"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/appointment"
	"lifecircle/ent/cobuildingproject"
	"lifecircle/ent/grid"
	"lifecircle/ent/gridworker"
	"lifecircle/ent/hook"
	"lifecircle/ent/occurrencecount"
	"lifecircle/ent/projectsigning"
	"lifecircle/ent/projectupdate"
	"lifecircle/ent/registration"
	"lifecircle/ent/resource"
	"lifecircle/ent/resourcecontact"
	"lifecircle/ent/servicematter"
	"lifecircle/ent/serviceslot"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
)

// Register installs the rules on client (and so on its transactions).
func Register(client *ent.Client) {
	client.Activity.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ActivityFunc(func(ctx context.Context, m *ent.ActivityMutation) (ent.Value, error) {
			return guard(ctx, m, next, m.IDs, func(ctx context.Context, tx *ent.Client, ids []int) error {
				if n, err := tx.Registration.Query().Where(registration.ActivityIDIn(ids...)).Count(ctx); err != nil || n > 0 {
					return refuse(err, "the activity has %d registrations: cancel it (status CANCELLED) instead of deleting it", n)
				}
				_, err := tx.OccurrenceCount.Delete().Where(occurrencecount.ActivityIDIn(ids...)).Exec(ctx)
				return err
			}, func(c *ent.Client, ids []int) (int, error) {
				return c.Activity.Delete().Where(activity.IDIn(ids...)).Exec(ctx)
			})
		})
	}, ent.OpDelete|ent.OpDeleteOne))
	client.ServiceSlot.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ServiceSlotFunc(func(ctx context.Context, m *ent.ServiceSlotMutation) (ent.Value, error) {
			return guard(ctx, m, next, m.IDs, func(ctx context.Context, tx *ent.Client, ids []int) error {
				n, err := tx.Appointment.Query().Where(appointment.SlotIDIn(ids...)).Count(ctx)
				return refuse(err, "the slot has %d appointments: cancel them, or stop taking bookings, instead of deleting it", n)
			}, func(c *ent.Client, ids []int) (int, error) {
				return c.ServiceSlot.Delete().Where(serviceslot.IDIn(ids...)).Exec(ctx)
			})
		})
	}, ent.OpDelete|ent.OpDeleteOne))
	client.ServiceMatter.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ServiceMatterFunc(func(ctx context.Context, m *ent.ServiceMatterMutation) (ent.Value, error) {
			return guard(ctx, m, next, m.IDs, func(ctx context.Context, tx *ent.Client, ids []int) error {
				n, err := tx.ServiceSlot.Query().Where(serviceslot.MatterIDIn(ids...)).Count(ctx)
				if err == nil && n == 0 {
					n, err = tx.Appointment.Query().Where(appointment.MatterIDIn(ids...)).Count(ctx)
				}
				return refuse(err, "the matter has slots or appointments (%d): it cannot be deleted", n)
			}, func(c *ent.Client, ids []int) (int, error) {
				return c.ServiceMatter.Delete().Where(servicematter.IDIn(ids...)).Exec(ctx)
			})
		})
	}, ent.OpDelete|ent.OpDeleteOne))
	client.Grid.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.GridFunc(func(ctx context.Context, m *ent.GridMutation) (ent.Value, error) {
			return guard(ctx, m, next, m.IDs, func(ctx context.Context, tx *ent.Client, ids []int) error {
				n, err := tx.GridWorker.Query().Where(gridworker.GridIDIn(ids...)).Count(ctx)
				return refuse(err, "the grid has %d grid workers assigned: unassign them first", n)
			}, func(c *ent.Client, ids []int) (int, error) {
				return c.Grid.Delete().Where(grid.IDIn(ids...)).Exec(ctx)
			})
		})
	}, ent.OpDelete|ent.OpDeleteOne))
	client.Resource.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ResourceFunc(func(ctx context.Context, m *ent.ResourceMutation) (ent.Value, error) {
			return guard(ctx, m, next, m.IDs, func(ctx context.Context, tx *ent.Client, ids []int) error {
				_, err := tx.ResourceContact.Delete().Where(resourcecontact.ResourceIDIn(ids...)).Exec(ctx)
				return err
			}, func(c *ent.Client, ids []int) (int, error) {
				return c.Resource.Delete().Where(resource.IDIn(ids...)).Exec(ctx)
			})
		})
	}, ent.OpDelete|ent.OpDeleteOne))
	client.CoBuildingProject.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.CoBuildingProjectFunc(func(ctx context.Context, m *ent.CoBuildingProjectMutation) (ent.Value, error) {
			return guard(ctx, m, next, m.IDs, func(ctx context.Context, tx *ent.Client, ids []int) error {
				if _, err := tx.ProjectSigning.Delete().Where(projectsigning.ProjectIDIn(ids...)).Exec(ctx); err != nil {
					return err
				}
				_, err := tx.ProjectUpdate.Delete().Where(projectupdate.ProjectIDIn(ids...)).Exec(ctx)
				return err
			}, func(c *ent.Client, ids []int) (int, error) {
				return c.CoBuildingProject.Delete().Where(cobuildingproject.IDIn(ids...)).Exec(ctx)
			})
		})
	}, ent.OpDelete|ent.OpDeleteOne))
}

// refuse is the CONFLICT for n dependent records, err if the count failed,
// nil if there are none.
func refuse(err error, format string, n int) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return apperr.New(apperr.CodeConflict, format, n)
}

type mutation interface {
	ent.Mutation
	Client() *ent.Client
	Tx() (*ent.Tx, error)
}

// guard runs check (which may also clean up) and then the delete in one
// transaction. Inside a transaction, that is the caller's: check, then
// next. Outside one, a transaction is opened, and the delete is run again
// inside it (the hook then finds itself in a transaction), and committed.
// The dependents are read under the system context: a viewer who may
// delete the record must not get a raw foreign-key error because it cannot
// see what depends on it.
func guard[M mutation](ctx context.Context, m M, next ent.Mutator, idsOf func(context.Context) ([]int, error),
	check func(context.Context, *ent.Client, []int) error, again func(*ent.Client, []int) (int, error)) (ent.Value, error) {
	ids, err := idsOf(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return next.Mutate(ctx, m)
	}
	if _, err := m.Tx(); err == nil {
		if err := check(rule.SystemContext(ctx), m.Client(), ids); err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	}
	tx, err := m.Client().Tx(ctx)
	if err != nil {
		return nil, err
	}
	n, err := again(tx.Client(), ids)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("deletes: commit: %w", err)
	}
	return n, nil
}
