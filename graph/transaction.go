package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
)

// transactioner runs each mutation operation in one transaction, as
// entgql.Transactioner does. gqlgen v0.17.9x also calls response
// interceptors for requests that failed before an operation existed (parse
// and validation errors), where entgql's version panics; those pass straight
// through here.
type transactioner struct{ entgql.Transactioner }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = transactioner{}

func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	return t.Transactioner.InterceptResponse(ctx, next)
}
