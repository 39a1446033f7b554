package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"lifecircle/internal/limits"
)

// queriesOnly persists query documents only: a mutation's document is
// answered but never kept, so personal values a client wrote inline in a
// submitRequest (instead of passing them as variables) are not stored in
// the persisted-query cache (nor in Redis) after the request. A client
// that sends a mutation's hash alone is told PersistedQueryNotFound and
// sends the text, as APQ clients do.
type queriesOnly struct{ graphql.Cache[string] }

func (c queriesOnly) Add(ctx context.Context, hash, query string) {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, limits.ParserTokenLimit)
	if err != nil {
		return // gqlgen refuses it next; nothing to keep
	}
	for _, op := range doc.Operations {
		if op.Operation != ast.Query {
			return
		}
	}
	c.Cache.Add(ctx, hash, query)
}
