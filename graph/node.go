package graph

import (
	"context"
	"errors"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"lifecircle/ent"
	"lifecircle/internal/apperr"
	"lifecircle/internal/gid"
)

// nodeNotFound is the error of a record node(id:) or nodes(ids:) cannot
// return. It names the record by the global ID the client sent (gid.Decode
// accepts only the one canonical spelling, so re-encoding gives it back),
// never by its database integer, and says the same whether the record is
// missing or private: the caller must not learn which.
func nodeNotFound(id int) error {
	return apperr.New(apperr.CodeNotFound, "no record with the ID %q was found", gid.Encode(id))
}

// loadNode is node(id:).
func loadNode(ctx context.Context, client *ent.Client, id int) (ent.Noder, error) {
	n, err := client.Noder(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nodeNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// loadNodes is nodes(ids:): ent's Noders, one query per type, with the
// records it cannot return reported here rather than by ent, which names
// them by their database integer ("Could not resolve to a node with the
// global id of '25769803781'"). Its reports are caught in a response
// context of our own; any error other than "not found" fails the field.
func loadNodes(ctx context.Context, client *ent.Client, ids []int) ([]ent.Noder, error) {
	var (
		mu     sync.Mutex
		failed error
	)
	catch := func(_ context.Context, err error) *gqlerror.Error {
		if !isNotFound(err) {
			mu.Lock()
			failed = errors.Join(failed, err)
			mu.Unlock()
		}
		return nil // nothing reaches the client's error list from here
	}
	var nodes []ent.Noder
	if len(ids) == 1 {
		// With one ID ent returns the error instead of reporting it,
		// which would null the whole list.
		n, err := loadNode(ctx, client, ids[0])
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		nodes = []ent.Noder{n}
	} else {
		var err error
		nodes, err = client.Noders(graphql.WithResponseContext(ctx, catch, graphql.DefaultRecover), ids)
		if err == nil {
			err = failed
		}
		if err != nil {
			return nil, err
		}
	}
	for i, n := range nodes {
		if n == nil {
			graphql.AddError(graphql.WithPathContext(ctx, graphql.NewPathWithIndex(i)), nodeNotFound(ids[i]))
		}
	}
	return nodes, nil
}

// isNotFound reports whether err says a record is not there: ent's error,
// entgql's NOT_FOUND, or ours.
func isNotFound(err error) bool {
	if ent.IsNotFound(err) {
		return true
	}
	if e, ok := apperr.As(err); ok {
		return e.Code == apperr.CodeNotFound
	}
	var gqlErr *gqlerror.Error
	for e := err; errors.As(e, &gqlErr); e = gqlErr.Unwrap() {
		if gqlErr.Extensions["code"] == apperr.CodeNotFound {
			return true
		}
	}
	return false
}
