package store

import (
	"container/list"
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
)

// The cache keeps at most max statements, the most recently used, and a
// statement evicted while another goroutine holds it still answers
// (unprepared).
func TestPreparedStatementsAreBounded(t *testing.T) {
	// testenv imports this package: the server's own database, no tables.
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL unavailable: %v", err)
	}
	c := &stmtCache{db: db, max: 2, byText: map[string]*list.Element{}, order: list.New()}
	ctx := context.Background()
	one := func(q string, arg int) int {
		t.Helper()
		var v int
		rows, err := c.QueryContext(ctx, q, arg)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
		}
		return v
	}
	for i := range 5 {
		q := fmt.Sprintf("SELECT $1::int + %d", i)
		if got := one(q, 10); got != 10+i {
			t.Fatalf("%s: %d", q, got)
		}
		if n := c.order.Len(); n > 2 || len(c.byText) != n {
			t.Fatalf("after %d statements: %d cached (%d by text), want at most 2", i+1, n, len(c.byText))
		}
	}
	// A held statement evicted and closed: the run falls back.
	held, err := c.get(ctx, "SELECT $1::int * 2")
	if err != nil {
		t.Fatal(err)
	}
	c.drop("SELECT $1::int * 2")
	if _, err := held.QueryContext(ctx, 1); !retryUnprepared(err) {
		t.Fatalf("a closed statement's error is not retried: %v", err)
	}
	if got := one("SELECT $1::int * 2", 21); got != 42 {
		t.Fatalf("after a drop: %d", got)
	}
}
