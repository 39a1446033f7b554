package graph

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"lifecircle/graph/model"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/outage"
)

// transactioner runs each mutation operation in one transaction: an error
// anywhere rolls back everything it wrote. It does what entgql.Transactioner
// does, with three differences:
//   - the role each mutation field asks for (@hasRole) is checked before
//     the transaction opens, so a caller who may not run the operation
//     costs no database work at all;
//   - a transaction that cannot begin or commit is answered through the
//     error presenter like any resolver error (entgql answers such errors
//     itself, with the driver's text and no code);
//   - requests that failed before an operation existed (parse and
//     validation errors, which gqlgen v0.17.9x also passes to response
//     interceptors) pass straight through.
type transactioner struct{ opener entgql.TxOpener }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = transactioner{}

func (transactioner) ExtensionName() string { return "Transactioner" }

func (t transactioner) Validate(graphql.ExecutableSchema) error {
	if t.opener == nil {
		return fmt.Errorf("graph: transactioner without a transaction opener")
	}
	return nil
}

// txError is a transaction that could not begin or commit.
type txError struct {
	step string
	err  error
}

func (e txError) Error() string { return "transaction " + e.step + ": " + e.err.Error() }
func (e txError) Unwrap() error { return e.err }

func isMutation(oc *graphql.OperationContext) bool {
	return oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation
}

// MutateOperationContext serialises the field resolvers of a mutation:
// they share one transaction.
func (transactioner) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if isMutation(oc) {
		previous := oc.ResolverMiddleware
		var mu sync.Mutex
		oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
			mu.Lock()
			defer mu.Unlock()
			return previous(ctx, next)
		}
	}
	return nil
}

func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if !isMutation(oc) {
		return next(ctx)
	}
	if errs := refusedFields(ctx, oc); len(errs) > 0 {
		for _, err := range errs {
			graphql.AddError(ctx, err)
		}
		return errorResponse(ctx)
	}
	txCtx, tx, err := t.opener.OpenTx(ctx)
	if err != nil {
		graphql.AddError(ctx, txError{"begin", err})
		return errorResponse(ctx)
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	rsp := next(txCtx)
	if rsp == nil || len(rsp.Errors) > 0 {
		if err := tx.Rollback(); err != nil && !outage.Is(err) {
			slog.WarnContext(ctx, "graphql: rollback", "err", err)
		}
		if rsp == nil {
			return nil
		}
		return &graphql.Response{Errors: rsp.Errors, Extensions: rsp.Extensions}
	}
	if err := tx.Commit(); err != nil {
		// The commit may have been applied with only its answer lost:
		// clients retry creates with their Idempotency-Key (see
		// internal/idempotency), which finds the record if it was.
		graphql.AddError(ctx, txError{"commit", err})
		return errorResponse(ctx)
	}
	return rsp
}

// errorResponse is the response of an operation that did not run: the
// errors added to ctx (each through the presenter), and the extensions
// (cost) other interceptors reported.
func errorResponse(ctx context.Context) *graphql.Response {
	return &graphql.Response{Errors: graphql.GetErrors(ctx), Extensions: graphql.GetExtensions(ctx)}
}

// mutationRoles is the role each mutation field asks for with @hasRole,
// read from the full schema (the one clients see has no @hasRole).
var mutationRoles = sync.OnceValue(func() map[string]model.Role {
	roles := map[string]model.Role{}
	if parsedSchema.Mutation == nil {
		return roles
	}
	for _, f := range parsedSchema.Mutation.Fields {
		if d := f.Directives.ForName("hasRole"); d != nil {
			if arg := d.Arguments.ForName("role"); arg != nil && arg.Value != nil {
				roles[f.Name] = model.Role(arg.Value.Raw)
			}
		}
	}
	return roles
})

// errReadOnly refuses every mutation of a token of scope READ.
var errReadOnly = &apperr.Error{Code: apperr.CodeForbidden, Field: "scope",
	Message:   "this token's scope is READ: it runs queries only; a READ_WRITE token runs mutations",
	MessageZh: "此令牌的 scope 为 READ：只能查询；执行变更需要 READ_WRITE 令牌"}

// refusedFields checks each root field of a mutation against the viewer
// before any database work: a READ token's are all refused, and otherwise
// each field's @hasRole is checked, as the directive does when the field
// resolves.
func refusedFields(ctx context.Context, oc *graphql.OperationContext) []error {
	v := auth.FromContext(ctx)
	roles := mutationRoles()
	var errs []error
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Mutation"}) {
		if v.ReadOnly {
			errs = append(errs, &gqlerror.Error{Message: errReadOnly.Message, Path: ast.Path{ast.PathName(f.Alias)},
				Locations: []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}, Err: errReadOnly})
			continue
		}
		role, ok := roles[f.Name]
		if !ok {
			continue
		}
		if err := roleError(v, role); err != nil {
			errs = append(errs, &gqlerror.Error{Message: err.Message, Path: ast.Path{ast.PathName(f.Alias)},
				Locations: []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}, Err: err})
		}
	}
	return errs
}
