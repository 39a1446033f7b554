package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"lifecircle/ent"
	"lifecircle/internal/auth"
	"lifecircle/internal/idempotency"
)

// once runs a create mutation's resolver at most once per idempotency key
// (the Idempotency-Key header, or key when the input carries a
// clientMutationId): a retry returns the record the first request made
// (id tells its ID), as the caller may see it now. Every create mutation
// goes through it; see internal/idempotency.
func once[T ent.Noder](ctx context.Context, key string, create func(*ent.Client) (T, error), id func(T) int) (T, error) {
	client := ent.FromContext(ctx)
	req := idempotencyRequest(ctx, key)
	load := func(ctx context.Context, id int) (T, error) {
		var zero T
		n, err := client.Noder(ctx, id)
		if err != nil {
			return zero, err
		}
		v, ok := n.(T)
		if !ok { // another type under this ID: cannot happen with global IDs
			return zero, fmt.Errorf("graph: idempotency key points at a %T", n)
		}
		return v, nil
	}
	return idempotency.Create(ctx, client, req, func() (T, error) { return create(client) }, id, load)
}

// idempotencyRequest is the keyed create of the resolver of ctx: key (the
// clientMutationId) or else the Idempotency-Key header, scoped to the
// caller's token.
func idempotencyRequest(ctx context.Context, key string) idempotency.Request {
	if key == "" {
		key = idempotency.Key(ctx)
	}
	req := idempotency.Request{Key: key}
	req.Scope = auth.FromContext(ctx).ClientKey()
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
		req.Field, req.Operation, req.Args = fc.Field.Alias, fc.Field.Name, fc.Args
	}
	return req
}
