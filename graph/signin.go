package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/identity"
)

// linkGate refuses every operation of a verified but unlinked sign-in
// except linkSignIn: such a request carries no viewer (it would read as
// the public), so it must never reach another field. Each root field is
// refused with UNAUTHENTICATED / IDENTITY_NOT_LINKED before any resolver
// or transaction runs. It is also linkSignIn's role check (the field has
// no @hasRole): anyone else calling it is refused before a transaction
// opens.
type linkGate struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = linkGate{}

func (linkGate) ExtensionName() string                   { return "LinkGate" }
func (linkGate) Validate(graphql.ExecutableSchema) error { return nil }

func (linkGate) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return next(ctx)
	}
	_, unlinked := identity.Unlinked(ctx)
	if !unlinked && oc.Operation.Operation != ast.Mutation {
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
		var e *apperr.Error
		switch {
		case f.Name == "__typename":
		case unlinked && (root != "Mutation" || f.Name != "linkSignIn"):
			e = identity.NotLinkedError()
		case !unlinked && f.Name == "linkSignIn":
			// Only a verified, unlinked sign-in redeems a code.
			e = identity.CannotLinkError(auth.FromContext(ctx))
		}
		if e != nil {
			graphql.AddError(ctx, &gqlerror.Error{Message: e.Message, Path: ast.Path{ast.PathName(f.Alias)},
				Locations: []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}, Err: e})
			refused = true
		}
	}
	if refused {
		return errorResponse(ctx)
	}
	return next(ctx)
}
