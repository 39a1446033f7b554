package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func TestInternalErrorsDoNotLeak(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), presentError, recoverPanic)
	dbErr := fmt.Errorf("ent: querying: %w", errors.New(`pq: relation "person" does not exist at SELECT "phone" FROM people`))
	// As gqlgen passes a resolver's error: tagged by the field middleware,
	// then wrapped on its path.
	got := presentError(ctx, graphql.ErrorOnPath(ctx, resolverError{dbErr}))
	if got.Message != "internal error" || got.Extensions["code"] != "INTERNAL" {
		t.Errorf("database error presented as %+v", got)
	}
	if strings.Contains(got.Error(), "SELECT") || strings.Contains(got.Error(), "phone") {
		t.Errorf("presented error leaks SQL: %v", got)
	}

	rec := recoverPanic(ctx, "index out of range [3] with length 2 at /work/main/graph/x.go:12")
	p := presentError(ctx, rec)
	if p.Message != "internal error" || p.Extensions["code"] != "INTERNAL" || strings.Contains(p.Error(), ".go") {
		t.Errorf("panic presented as %+v", p)
	}

	// gqlgen's own argument errors are safe and keep their text.
	arg := presentError(ctx, graphql.ErrorOnPath(ctx, errors.New(`"x" is not a valid ID`)))
	if arg.Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(arg.Message, "not a valid ID") {
		t.Errorf("argument error presented as %+v", arg)
	}
}
