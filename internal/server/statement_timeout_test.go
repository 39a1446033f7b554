package server_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"

	"lifecircle/internal/demo"
	"lifecircle/internal/server"
	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
)

// A statement PostgreSQL stops at its statement_timeout is the request's
// TIMEOUT, not an INTERNAL error: here the facilities table is locked by
// another session, so the query waits until the (shortened) timeout.
func TestStatementTimeoutIsTimeout(t *testing.T) {
	raw := testenv.PostgresURL(t)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: raw + "&statement_timeout=300"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := demo.Load(ctx, st.Client); err != nil {
		t.Fatal(err)
	}
	s := testenv.StartServer(t, st, server.Options{})

	locker, err := sql.Open("postgres", raw)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	tx, err := locker.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`LOCK TABLE facilities IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	status, _, body := fetch(t, s, http.MethodPost, "/graphql", "", gqlBody(`{ facilities(first: 5) { totalCount } }`, nil), nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"code":"TIMEOUT"`) || !strings.Contains(string(body), "ran longer than the server allows") {
		t.Fatalf("a query stopped by statement_timeout: want TIMEOUT, got %d %s", status, body)
	}
	assertNoDriverText(t, "statement timeout", body)
}
