package limits

import (
	"context"
	"strings"

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
	// Parsed is gqlgen's cache of validated documents: a document found
	// there has passed the checks made before validation.
	Parsed graphql.Cache[*ast.QueryDocument]

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

// MaxQueries bounds the lists (connections) and root fields of one
// operation, each of which starts at least one SQL query, counted as
// written (nested lists are eager-loaded, a query per level): 1,200
// aliases of regions(first: 1) cost only 2,400 points but took 0.5 s.
const MaxQueries = 64

// ParserTokenLimit bounds the tokens of a document.
const ParserTokenLimit = 15000

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
		return c.chargeRefusal(ctx, p.Query, err)
	}
	if c.Parsed != nil {
		if _, ok := c.Parsed.Get(ctx, p.Query); ok {
			return nil
		}
	}
	if err := checkMergeWork(p.Query); err != nil {
		return c.chargeRefusal(ctx, p.Query, err)
	}
	return nil
}

// chargeRefusal charges a request refused (with err) before its operation
// is known; a caller out of budget is told that instead (HTTP 429).
func (c *Checker) chargeRefusal(ctx context.Context, query string, err *gqlerror.Error) *gqlerror.Error {
	if c.Budget == nil {
		return err
	}
	cost := RefusalCost + len(query)/1024
	if remaining, retry, ok := c.Budget.Charge(ctx, cost); !ok {
		return limitError(CodeRateLimited, nil, "rate limit reached: this request costs %d points and %d are left; try again in %d s", cost, remaining, int(retry.Seconds()+0.999))
	}
	return err
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
	if nulQuery, nulVars := strings.ContainsRune(rc.RawQuery, 0), hasNUL(rc.Variables); nulQuery || nulVars {
		err = limitError("BAD_USER_INPUT", nil, "the request contains a NUL character (\\u0000), which no text field accepts")
		err.Extensions["field"] = map[bool]string{true: "variables", false: "query"}[nulVars]
		err.Extensions["messageZh"] = "请求中含有 NUL 字符（\\u0000），任何文本字段都不接受"
	} else {
		var walked tally
		walked, err = a.set(rc.Operation.SelectionSet)
		cost = saturate(cost+walked.cost, a.limit)
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

// tally is what a selection asks for: its cost, its height (the number of
// nested levels of fields with selections) and the SQL queries it starts.
type tally struct{ cost, height, queries int }

func (t tally) plus(u tally, limit int) tally {
	return tally{saturate(t.cost+u.cost, limit), max(t.height, u.height), saturate(t.queries+u.queries, limit)}
}

type setResult struct {
	tally
	err  *gqlerror.Error
	busy bool
}

// set walks a selection set.
func (a *analysis) set(set ast.SelectionSet) (total tally, err *gqlerror.Error) {
	if a.ctx.Err() != nil {
		return tally{}, limitError("TIMEOUT", nil, "the request was cancelled")
	}
	for _, sel := range set {
		var t tally
		switch s := sel.(type) {
		case *ast.Field:
			t, err = a.field(s)
		case *ast.InlineFragment:
			t, err = a.set(s.SelectionSet)
		case *ast.FragmentSpread:
			t, err = a.fragment(s)
		}
		if err != nil {
			return tally{}, err
		}
		total = total.plus(t, a.limit)
		if total.cost > a.limit {
			return total, costError(sel.GetPosition(), total.cost, a.limit)
		}
		if total.queries > MaxQueries {
			return total, limitError(CodeCost, sel.GetPosition(), "the query asks for more than %d lists and root fields, each a database query; split it into several queries", MaxQueries)
		}
	}
	return total, nil
}

func (a *analysis) fragment(s *ast.FragmentSpread) (tally, *gqlerror.Error) {
	if s.Definition == nil {
		return tally{}, nil
	}
	if r, ok := a.frags[s.Name]; ok {
		if r.busy { // a cycle: validation refuses these first
			return tally{}, limitError("GRAPHQL_VALIDATION_FAILED", s.Position, "fragment %s spreads itself", s.Name)
		}
		return r.tally, r.err
	}
	r := &setResult{busy: true}
	a.frags[s.Name] = r
	r.tally, r.err = a.set(s.Definition.SelectionSet)
	r.busy = false
	return r.tally, r.err
}

func (a *analysis) field(s *ast.Field) (tally, *gqlerror.Error) {
	switch s.Name {
	case "__typename":
		return tally{}, nil // clients add it everywhere; it costs no work
	case "__schema", "__type":
		return a.introspect(s)
	}
	args := s.ArgumentMap(a.vars)
	mult, queries := 1, 0
	if s.ObjectDefinition != nil && s.ObjectDefinition.Name == "Query" {
		queries = 1
	}
	if s.Name == "nodes" {
		// nodes(ids:) fetches one record per ID.
		ids, _ := args["ids"].([]any)
		if len(ids) > MaxPageSize {
			return tally{}, limitError(CodePageSize, s.Position, "nodes takes at most %d IDs, got %d", MaxPageSize, len(ids))
		}
		mult = max(len(ids), 1)
	}
	if isConnection(s.Definition) {
		n, err := checkPage(s, args)
		if err != nil {
			return tally{}, err
		}
		mult, queries = max(n, 1), 1
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
					err.Extensions["argument"] = def.Name
					return tally{}, err
				}
			case isFilter(a.c.schema, def.Type):
				fc, err := a.filter(def.Type.Name(), v)
				if err != nil {
					err.Locations = locate(s.Position)
					return tally{}, err
				}
				own += fc
			}
		}
	}
	child, err := a.set(s.SelectionSet)
	if err != nil {
		return tally{}, err
	}
	t := tally{cost: saturate(own+child.cost*mult, a.limit), queries: saturate(queries+child.queries, a.limit)}
	if len(s.SelectionSet) > 0 {
		t.height = child.height + 1
		if a.c.MaxDepth > 0 && t.height > a.c.MaxDepth {
			return tally{}, limitError(CodeDepth, s.Position, "the query nests deeper than %d levels; split it into several queries", a.c.MaxDepth)
		}
	}
	return t, nil
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

func locate(pos *ast.Position) []gqlerror.Location {
	if pos == nil {
		return nil
	}
	return []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
}
