package limits

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Checker bounds the work of every operation before any resolver runs. It
// refuses operations whose connections ask for more than MaxPageSize rows,
// whose selections nest deeper than MaxDepth, whose filters or cursors are
// out of bounds (see filter.go, cursor.go), whose introspection would answer
// more than MaxIntrospectionValues values, or whose cost exceeds MaxCost;
// and it charges the cost to the caller's rate-limit budget (see Budget),
// refusals included (RefusalCost).
//
// Cost: every field costs 1 plus its children; a connection multiplies its
// children by its page size (first or last), so nested pages multiply as the
// rows they can fetch do; a filter adds its predicates and its joins;
// introspection costs one point per IntrospectionValuesPerPoint values it
// answers; the document costs one point per KiB of its text.
//
// The walk visits each fragment once (its cost and height are remembered)
// and stops as soon as the cost passes MaxCost, so its own work is linear in
// the size of the document whatever the document asks for.
type Checker struct {
	MaxDepth int
	MaxCost  int
	Budget   *Budget // nil: no rate limits

	schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = (*Checker)(nil)

// Codes of cost and rate rejections.
const (
	CodeCost        = "COST_LIMIT"
	CodeRateLimited = "RATE_LIMITED"
	CodePagination  = "INVALID_PAGINATION"
)

// RefusalCost (plus a point per KiB of the document) is what a refused
// operation is charged, so that refusals cannot be repeated for free: 60 a
// minute exhaust the public budget.
const RefusalCost = 1000

// Cost is what extensions.cost reports.
type Cost struct {
	// Requested is the operation's cost; for a refused operation, what had
	// been counted when the walk stopped.
	Requested int `json:"requested"`
	Limit     int `json:"limit"`
	// Charged is what was taken from the caller's budget.
	Charged int `json:"charged"`
	// Remaining is the caller's budget left in the current window.
	Remaining *int `json:"remaining,omitempty"`
}

// ExtensionName implements graphql.HandlerExtension.
func (*Checker) ExtensionName() string { return "Limits" }

// Validate implements graphql.HandlerExtension: it keeps the schema, which
// introspection is costed against.
func (c *Checker) Validate(es graphql.ExecutableSchema) error {
	c.schema = es.Schema()
	return nil
}

// Bounds of a request's variables, checked before gqlgen checks them
// against their types: that check costs about 0.1 ms per object of a large
// input type (25,000 filter objects in a variable took seconds), and
// nothing lifecircle takes needs more than a few dozen values.
const (
	MaxVariableValues = 500 // JSON values: objects, lists and scalars
	MaxVariableDepth  = 12
)

// MutateOperationParameters implements graphql.OperationParameterMutator:
// it bounds the variables before anything else reads them.
func (c *Checker) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	n := 0
	if !boundedJSON(p.Variables, 1, &n) {
		err := limitError("BAD_USER_INPUT", nil, "the variables hold more than %d values or nest deeper than %d levels", MaxVariableValues, MaxVariableDepth)
		err.Extensions["field"] = "variables"
		if c.Budget != nil {
			if _, _, ok := c.Budget.Charge(ctx, RefusalCost+len(p.Query)/1024); !ok {
				return limitError(CodeRateLimited, nil, "rate limit reached")
			}
		}
		return err
	}
	return nil
}

// boundedJSON counts the values of v into n, stopping at the bounds.
func boundedJSON(v any, depth int, n *int) bool {
	*n++
	if *n > MaxVariableValues || depth > MaxVariableDepth {
		return false
	}
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if !boundedJSON(e, depth+1, n) {
				return false
			}
		}
	case []any:
		for _, e := range x {
			if !boundedJSON(e, depth+1, n) {
				return false
			}
		}
	}
	return true
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (c *Checker) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	a := &analysis{c: c, ctx: ctx, vars: rc.Variables, limit: c.limit(), frags: map[string]*setResult{}}
	cost := len(rc.RawQuery) / 1024
	var err *gqlerror.Error
	// A NUL byte is never valid text (PostgreSQL refuses it outright).
	if containsNUL(rc.RawQuery) || hasNUL(rc.Variables) {
		err = limitError("BAD_USER_INPUT", nil, "the request contains a NUL character (\\u0000), which no text field accepts")
	} else {
		var walked int
		walked, _, err = a.set(rc.Operation.SelectionSet)
		cost = saturate(cost+walked, a.limit)
		if err == nil && cost > c.MaxCost && c.MaxCost > 0 {
			err = costError(nil, cost, c.MaxCost)
		}
	}
	charge := cost
	if err != nil {
		// What a refusal cost the server is the walk, which stopped at
		// the limit: a flat charge, not the cost it would have had.
		charge = RefusalCost + len(rc.RawQuery)/1024
	}
	report := Cost{Requested: cost, Limit: c.MaxCost, Charged: charge}
	defer func() { rc.Stats.SetExtension("cost", report) }()
	if c.Budget != nil {
		remaining, retry, ok := c.Budget.Charge(ctx, charge)
		report.Remaining = &remaining
		if !ok {
			report.Charged = 0
			return limitError(CodeRateLimited, nil, "rate limit reached: this query costs %d points and %d are left; try again in %d s", charge, remaining, int(retry.Seconds()+0.999))
		}
	}
	return err
}

// limit is the cost past which the walk stops.
func (c *Checker) limit() int {
	if c.MaxCost > 0 {
		return c.MaxCost
	}
	return 1 << 40
}

// InterceptResponse implements graphql.ResponseInterceptor: it reports the
// cost in extensions.cost.
func (*Checker) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	if v := graphql.GetOperationContext(ctx).Stats.GetExtension("cost"); v != nil {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cost"] = v
	}
	return resp
}

// analysis is one operation's walk.
type analysis struct {
	c     *Checker
	ctx   context.Context
	vars  map[string]any
	limit int
	// frags remembers each fragment's result: a fragment spread twice at
	// every level of a chain is still walked once.
	frags map[string]*setResult
	// introspection counts the values introspection fields will answer.
	introspection int
}

type setResult struct {
	cost, height int
	err          *gqlerror.Error
	busy         bool
}

// set walks a selection set and returns its cost and height (the number of
// nested levels of fields with selections).
func (a *analysis) set(set ast.SelectionSet) (cost, height int, err *gqlerror.Error) {
	if a.ctx.Err() != nil {
		return 0, 0, limitError("TIMEOUT", nil, "the request was cancelled")
	}
	for _, sel := range set {
		var c, h int
		switch s := sel.(type) {
		case *ast.Field:
			c, h, err = a.field(s)
		case *ast.InlineFragment:
			c, h, err = a.set(s.SelectionSet)
		case *ast.FragmentSpread:
			c, h, err = a.fragment(s)
		}
		if err != nil {
			return 0, 0, err
		}
		cost, height = saturate(cost+c, a.limit), max(height, h)
		if cost > a.limit {
			return cost, height, costError(sel.GetPosition(), cost, a.limit)
		}
	}
	return cost, height, nil
}

func (a *analysis) fragment(s *ast.FragmentSpread) (int, int, *gqlerror.Error) {
	if s.Definition == nil {
		return 0, 0, nil
	}
	if r, ok := a.frags[s.Name]; ok {
		if r.busy { // a cycle: validation refuses these first
			return 0, 0, limitError("GRAPHQL_VALIDATION_FAILED", s.Position, "fragment %s spreads itself", s.Name)
		}
		return r.cost, r.height, r.err
	}
	r := &setResult{busy: true}
	a.frags[s.Name] = r
	r.cost, r.height, r.err = a.set(s.Definition.SelectionSet)
	r.busy = false
	return r.cost, r.height, r.err
}

func (a *analysis) field(s *ast.Field) (cost, height int, err *gqlerror.Error) {
	switch s.Name {
	case "__typename":
		return 0, 0, nil // clients add it everywhere; it costs no work
	case "__schema", "__type":
		return a.introspect(s)
	}
	args := s.ArgumentMap(a.vars)
	mult := 1
	if s.Name == "nodes" {
		// nodes(ids:) fetches one record per ID.
		ids, _ := args["ids"].([]any)
		if len(ids) > MaxPageSize {
			return 0, 0, limitError(CodePageSize, s.Position, "nodes takes at most %d IDs, got %d", MaxPageSize, len(ids))
		}
		mult = max(len(ids), 1)
	}
	if isConnection(s.Definition) {
		n, err := checkPage(s, args)
		if err != nil {
			return 0, 0, err
		}
		mult = max(n, 1)
	}
	own := 1
	if s.Definition != nil {
		for _, def := range s.Definition.Arguments {
			v, ok := args[def.Name]
			if !ok || v == nil {
				continue
			}
			switch {
			case def.Type.Name() == "Cursor":
				if err := checkCursor(v); err != nil {
					err.Locations = locate(s.Position)
					err.Path = nil
					err.Extensions["argument"] = def.Name
					return 0, 0, err
				}
			case isFilter(a.c.schema, def.Type):
				fc, err := a.filter(def.Type.Name(), v)
				if err != nil {
					err.Locations = locate(s.Position)
					return 0, 0, err
				}
				own += fc
			}
		}
	}
	child, ch, err := a.set(s.SelectionSet)
	if err != nil {
		return 0, 0, err
	}
	if len(s.SelectionSet) > 0 {
		height = ch + 1
		if a.c.MaxDepth > 0 && height > a.c.MaxDepth {
			return 0, 0, limitError(CodeDepth, s.Position, "the query nests deeper than %d levels; split it into several queries", a.c.MaxDepth)
		}
	}
	return saturate(own+child*mult, a.limit), height, nil
}

// saturate caps n just past limit, so sums and products of capped costs
// never overflow.
func saturate(n, limit int) int {
	if n > limit {
		return limit + 1
	}
	return n
}

func costError(pos *ast.Position, cost, limit int) *gqlerror.Error {
	if cost > limit {
		return limitError(CodeCost, pos, "the query would cost more than the limit of %d points: ask for smaller pages (first/last), fewer nested lists, simpler filters or less introspection", limit)
	}
	return nil
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}

func locate(pos *ast.Position) []gqlerror.Location {
	if pos == nil {
		return nil
	}
	return []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
}
