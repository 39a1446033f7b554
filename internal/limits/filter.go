package limits

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Bounds of a where: filter. A filter is costed before it runs: one point
// per predicate (each value of an In list counts), plus JoinCost times the
// depth of every relation filter (hasXWith), since each one is a subquery
// inside its parent's.
const (
	MaxFilterPredicates = 100
	// MaxFilterDepth bounds the nesting of not, and, or and relation filters.
	MaxFilterDepth = 8
	// MaxRelationDepth bounds relation filters inside relation filters:
	// facility → community → district is two.
	MaxRelationDepth = 3
	// MaxFilterTextBytes bounds a string compared in a filter (a name, a
	// Contains pattern).
	MaxFilterTextBytes = 256
	JoinCost           = 25
)

// CodeFilter is the code of a refused filter.
const CodeFilter = "FILTER_LIMIT"

// isFilter reports whether an argument of type t is an entgql where input.
func isFilter(schema *ast.Schema, t *ast.Type) bool {
	if schema == nil || !strings.HasSuffix(t.Name(), "WhereInput") {
		return false
	}
	def := schema.Types[t.Name()]
	return def != nil && def.Kind == ast.InputObject
}

type filterWalk struct {
	schema     *ast.Schema
	predicates int
	joins      int
}

// filter checks the where value v of input type name and returns its cost.
func (a *analysis) filter(name string, v any) (int, *gqlerror.Error) {
	w := &filterWalk{schema: a.c.schema}
	if err := w.object(name, v, 1, 0); err != nil {
		return 0, err
	}
	return w.predicates + w.joins, nil
}

func (w *filterWalk) object(name string, v any, depth, relations int) *gqlerror.Error {
	m, ok := v.(map[string]any)
	if !ok {
		return nil // null; validation refused anything else
	}
	def := w.schema.Types[name]
	if def == nil {
		return nil
	}
	for key, val := range m {
		if val == nil {
			continue
		}
		fd := def.Fields.ForName(key)
		if fd == nil {
			continue
		}
		inner := w.schema.Types[fd.Type.Name()]
		if inner == nil || inner.Kind != ast.InputObject {
			if err := w.predicate(key, val); err != nil {
				return err
			}
			continue
		}
		// not, and, or, or a relation filter: one level deeper.
		d, r := depth+1, relations
		if strings.HasPrefix(key, "has") && strings.HasSuffix(key, "With") {
			r++
			if r > MaxRelationDepth {
				return filterError("%s: relation filters nest at most %d deep (has…With inside has…With)", key, MaxRelationDepth)
			}
			w.joins += JoinCost * r
		}
		if d > MaxFilterDepth {
			return filterError("%s: the filter nests deeper than %d levels of not/and/or/has…With", key, MaxFilterDepth)
		}
		items, isList := val.([]any)
		if !isList {
			items = []any{val}
		}
		for _, item := range items {
			// Each nested filter counts, empty or not: SQL gets a term for it.
			if err := w.count(1); err != nil {
				return err
			}
			if err := w.object(inner.Name, item, d, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *filterWalk) predicate(key string, val any) *gqlerror.Error {
	values, isList := val.([]any)
	if !isList {
		values = []any{val}
	}
	if err := w.count(max(len(values), 1)); err != nil {
		return err
	}
	for _, v := range values {
		if s, ok := v.(string); ok && len(s) > MaxFilterTextBytes {
			return filterError("%s: a filter value is at most %d bytes", key, MaxFilterTextBytes)
		}
	}
	return nil
}

func (w *filterWalk) count(n int) *gqlerror.Error {
	w.predicates += n
	if w.predicates > MaxFilterPredicates {
		return filterError("the filter has more than %d predicates (each value of an In list and each nested filter counts); split the question or use a download under /open/", MaxFilterPredicates)
	}
	return nil
}

func filterError(format string, args ...any) *gqlerror.Error {
	return limitError(CodeFilter, nil, format, args...)
}
