package stats

import (
	"context"
	"fmt"
	"sort"

	"lifecircle/ent"
	"lifecircle/ent/publication"
	"lifecircle/internal/auth/rule"
)

// Method is how a release is protected.
type Method = publication.Method

// Methods.
const (
	MethodRule105 = publication.MethodRule10_5
	MethodDP      = publication.MethodDifferentialPrivacy
)

// Options of a release.
type Options struct {
	Method Method
	DP     DPOptions
}

// Publish computes, protects and stores the statistics of period p as a new,
// immutable publication, in one transaction.
func Publish(ctx context.Context, client *ent.Client, p Period, o Options) (*ent.Publication, error) {
	ctx = rule.SystemContext(ctx)
	if o.Method == MethodDP {
		// Each release spends its budget on the same people: a month is
		// released with noise once, never re-noised.
		done, err := client.Publication.Query().Where(publication.Period(p.String()), publication.MethodEQ(MethodDP)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if done {
			return nil, fmt.Errorf("stats: %s is already published with differential privacy; a second release would spend its budget again", p)
		}
	}
	tables, h, err := collect(ctx, client, p)
	if err != nil {
		return nil, err
	}
	var prot Table
	switch o.Method {
	case MethodRule105:
		prot = Rule105(tables, h)
	case MethodDP:
		if prot, err = DifferentialPrivacy(tables, h, o.DP); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("stats: unknown method %q", o.Method)
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return nil, err
	}
	pc := tx.Publication.Create().SetPeriod(p.String()).SetMethod(o.Method)
	if o.Method == MethodDP {
		pc.SetEpsilon(o.DP.Epsilon)
	}
	pub, err := pc.Save(ctx)
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("stats: publication: %w", err)
	}
	ids := make([]int, 0, len(prot))
	for id := range prot {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	batch := make([]*ent.StatCellCreate, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := tx.StatCell.CreateBulk(batch...).Exec(ctx)
		batch = batch[:0]
		return err
	}
	for _, id := range ids {
		cells := prot[id]
		keys := make([]cell, 0, len(cells))
		for c := range cells {
			keys = append(keys, c)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].metric != keys[j].metric {
				return keys[i].metric < keys[j].metric
			}
			return keys[i].dim < keys[j].dim
		})
		for _, c := range keys {
			v := cells[c]
			batch = append(batch, tx.StatCell.Create().SetPublicationID(pub.ID).SetRegionID(id).
				SetMetric(c.metric).SetDimension(c.dim).SetNillableValue(v.V).
				SetSuppressed(v.Suppressed).SetNoisy(v.Noisy))
			if len(batch) == cap(batch) {
				if err := flush(); err != nil {
					_ = tx.Rollback()
					return nil, fmt.Errorf("stats: cells: %w", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("stats: cells: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return pub, nil
}
