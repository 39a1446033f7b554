// Package limits bounds what one GraphQL request may ask for, before any SQL
// runs: page sizes of connections and selection depth.
package limits

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// Page sizes of connections.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Codes of the rejections in this package.
const (
	CodePageSize = "PAGE_SIZE_LIMIT"
	CodeDepth    = "DEPTH_LIMIT"
)

// isConnection reports whether def is a paginated connection field.
func isConnection(def *ast.FieldDefinition) bool {
	return def != nil && def.Arguments.ForName("first") != nil && strings.HasSuffix(def.Type.Name(), "Connection")
}

// DefaultFirstRule is a validation rule that gives every connection field
// without first or last an explicit first: DefaultPageSize.
//
// It edits the document rather than resolver arguments because entgql's
// eager loading reads nested connection arguments from the document: only
// there does the default reach every SQL LIMIT. It runs during validation,
// on a freshly parsed document, before gqlgen caches it, so no two requests
// ever edit the same document.
func DefaultFirstRule() (string, core.RuleFunc) {
	return "DefaultConnectionFirst", func(observers *core.Events, _ core.AddErrFunc) {
		observers.OnField(func(_ *core.Walker, field *ast.Field) {
			if !isConnection(field.Definition) {
				return
			}
			if field.Arguments.ForName("first") != nil || field.Arguments.ForName("last") != nil {
				return
			}
			def := field.Definition.Arguments.ForName("first")
			field.Arguments = append(field.Arguments, &ast.Argument{
				Name:     "first",
				Position: field.Position,
				Value: &ast.Value{
					Kind:         ast.IntValue,
					Raw:          strconv.Itoa(DefaultPageSize),
					Position:     field.Position,
					ExpectedType: def.Type,
				},
			})
		})
	}
}

// Checker rejects operations whose connections ask for more than
// MaxPageSize rows, whose selections nest deeper than MaxDepth, or whose
// cost exceeds MaxCost; it charges the cost to the caller's rate-limit
// budget (see Budget). It runs after variables are known, before any
// resolver.
//
// Cost: every field costs 1 plus its children; a connection multiplies its
// children by its page size (first or last), so nested pages multiply as
// the rows they can fetch do. Introspection is free.
type Checker struct {
	MaxDepth int
	MaxCost  int
	Budget   *Budget // nil: no rate limits
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = Checker{}

// ExtensionName implements graphql.HandlerExtension.
func (Checker) ExtensionName() string { return "Limits" }

// Validate implements graphql.HandlerExtension.
func (Checker) Validate(graphql.ExecutableSchema) error { return nil }

// Codes of cost and rate rejections.
const (
	CodeCost        = "COST_LIMIT"
	CodeRateLimited = "RATE_LIMITED"
)

// Cost is what extensions.cost reports.
type Cost struct {
	Requested int `json:"requested"`
	Limit     int `json:"limit"`
	// Remaining is the caller's budget left in the current window.
	Remaining *int `json:"remaining,omitempty"`
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (c Checker) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	// A NUL byte is never valid text (PostgreSQL refuses it outright).
	if strings.ContainsRune(rc.RawQuery, 0) || hasNUL(rc.Variables) {
		return limitError("BAD_USER_INPUT", nil, "the request contains a NUL character (\\u0000), which no text field accepts")
	}
	cost, err := c.walk(rc.Operation.SelectionSet, rc.Variables, 1)
	if err != nil {
		return err
	}
	report := Cost{Requested: cost, Limit: c.MaxCost}
	defer func() { rc.Stats.SetExtension("cost", report) }()
	if c.MaxCost > 0 && cost > c.MaxCost {
		return limitError(CodeCost, nil, "the query would cost %d points, above the limit of %d: ask for smaller pages (first/last) or fewer nested lists", cost, c.MaxCost)
	}
	if c.Budget != nil {
		remaining, retry, ok := c.Budget.Charge(ctx, cost)
		report.Remaining = &remaining
		if !ok {
			return limitError(CodeRateLimited, nil, "rate limit reached: this query costs %d points and %d are left; try again in %d s", cost, remaining, int(retry.Seconds()+0.999))
		}
	}
	return nil
}

// InterceptResponse implements graphql.ResponseInterceptor: it reports the
// cost in extensions.cost.
func (Checker) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
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

func (c Checker) walk(set ast.SelectionSet, vars map[string]any, depth int) (int, *gqlerror.Error) {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue // introspection
			}
			if len(s.SelectionSet) > 0 && c.MaxDepth > 0 && depth > c.MaxDepth {
				return 0, limitError(CodeDepth, s.Position, "the query nests deeper than %d levels; split it into several queries", c.MaxDepth)
			}
			mult := 1
			if s.Name == "nodes" {
				// nodes(ids:) fetches one record per ID.
				ids, _ := s.ArgumentMap(vars)["ids"].([]any)
				if len(ids) > MaxPageSize {
					return 0, limitError(CodePageSize, s.Position, "nodes takes at most %d IDs, got %d", MaxPageSize, len(ids))
				}
				mult = max(len(ids), 1)
			}
			if isConnection(s.Definition) {
				n, err := checkPage(s, vars)
				if err != nil {
					return 0, err
				}
				mult = max(n, 1)
			}
			child, err := c.walk(s.SelectionSet, vars, depth+1)
			if err != nil {
				return 0, err
			}
			total += 1 + child*mult
		case *ast.InlineFragment:
			child, err := c.walk(s.SelectionSet, vars, depth)
			if err != nil {
				return 0, err
			}
			total += child
		case *ast.FragmentSpread:
			if s.Definition != nil {
				child, err := c.walk(s.Definition.SelectionSet, vars, depth)
				if err != nil {
					return 0, err
				}
				total += child
			}
		}
	}
	return total, nil
}

func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.ContainsRune(x, 0)
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) || hasNUL(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// checkPage validates a connection's page size and returns it.
func checkPage(f *ast.Field, vars map[string]any) (int, *gqlerror.Error) {
	args := f.ArgumentMap(vars)
	first, last := args["first"], args["last"]
	if first == nil && last == nil {
		return 0, limitError(CodePageSize, f.Position, "%s needs first or last (at most %d)", f.Alias, MaxPageSize)
	}
	size := 0
	for _, name := range []string{"first", "last"} {
		if n, ok := toInt(args[name]); ok {
			if n > MaxPageSize {
				return 0, limitError(CodePageSize, f.Position, "%s asks for %s: %d; the most one page holds is %d (use after/before to page on)", f.Alias, name, n, MaxPageSize)
			}
			size = max(size, int(n))
		}
	}
	return size, nil
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func limitError(code string, pos *ast.Position, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	if pos != nil {
		err.Locations = []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
	}
	err.Extensions = map[string]any{"code": code}
	return err
}
