package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"lifecircle/internal/auth/identity"
)

// linkGate refuses every operation of a verified but unlinked sign-in
// except linkSignIn: such a request carries no viewer (it would read as
// the public), so it must never reach another field. Each root field is
// refused with UNAUTHENTICATED / IDENTITY_NOT_LINKED before any resolver
// or transaction runs.
type linkGate struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = linkGate{}

func (linkGate) ExtensionName() string                   { return "LinkGate" }
func (linkGate) Validate(graphql.ExecutableSchema) error { return nil }

func (linkGate) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if _, unlinked := identity.Unlinked(ctx); !unlinked || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return next(ctx)
	}
	root := "Query"
	switch oc.Operation.Operation {
	case ast.Mutation:
		root = "Mutation"
	case ast.Subscription:
		root = "Subscription"
	}
	refused := false
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{root}) {
		if root == "Mutation" && f.Name == "linkSignIn" || f.Name == "__typename" {
			continue
		}
		e := identity.NotLinkedError()
		graphql.AddError(ctx, &gqlerror.Error{Message: e.Message, Path: ast.Path{ast.PathName(f.Alias)},
			Locations: []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}, Err: e})
		refused = true
	}
	if refused {
		return errorResponse(ctx)
	}
	return next(ctx)
}
