package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"lifecircle/ent"
	"lifecircle/ent/facility"
)

// atPath returns ctx as if the selection at path (below the current field)
// were the current field, so ent's CollectFields eager-loads what the client
// selected there. Same-named selections under different aliases are merged.
func atPath(ctx context.Context, object string, path ...string) context.Context {
	fc := graphql.GetFieldContext(ctx)
	op := graphql.GetOperationContext(ctx)
	if fc == nil || op == nil {
		return ctx
	}
	field := fc.Field
	for _, name := range path {
		merged := graphql.CollectedField{}
		for _, f := range graphql.CollectFields(op, field.Selections, nil) {
			if f.Name != name {
				continue
			}
			if merged.Field == nil {
				merged = f
				merged.Selections = slices.Clone(f.Selections)
			} else {
				merged.Selections = append(merged.Selections, f.Selections...)
			}
		}
		if merged.Field == nil {
			return ctx
		}
		field = merged
	}
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Parent: fc, Field: field, Object: object})
}

// selects reports whether the client selected the field name directly
// below the current field.
func selects(ctx context.Context, name string) bool {
	fc := graphql.GetFieldContext(ctx)
	op := graphql.GetOperationContext(ctx)
	if fc == nil || op == nil {
		return true
	}
	for _, f := range graphql.CollectFields(op, fc.Field.Selections, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// loadFacilities loads facilities by ID in one query, eager-loading what the
// client selected at path, and returns them by ID.
func (r *Resolver) loadFacilities(ctx context.Context, ids []int, path ...string) (map[int]*ent.Facility, error) {
	out := make(map[int]*ent.Facility, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q, err := r.client.Facility.Query().Where(facility.IDIn(ids...)).CollectFields(atPath(ctx, "Facility", path...), "Facility")
	if err != nil {
		return nil, err
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range rows {
		out[f.ID] = f
	}
	return out, nil
}
