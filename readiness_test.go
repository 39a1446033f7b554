package main

import (
	"context"
	"strings"
	"testing"

	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
)

// A server whose PostgreSQL schema falls behind the binary (a database
// restored from an old dump, another server's rollback) goes unready and
// says why; the migrate command makes it ready again.
func TestReadinessFollowsMigrations(t *testing.T) {
	ctx := context.Background()
	url := testenv.PostgresURL(t)
	st, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checks := readinessChecks(st, nil)
	if len(checks) != 1 || checks[0].Name != "migrations" {
		t.Fatalf("checks of a PostgreSQL server without Redis or a replica: %+v, want migrations", checks)
	}
	if err := checks[0].Run(ctx); err != nil {
		t.Fatalf("a freshly migrated database: %v", err)
	}
	// Forget the newest migration, as a database from before it would be.
	if _, err := st.DB.ExecContext(ctx, `DELETE FROM atlas_schema_revisions.atlas_schema_revisions
		WHERE version = (SELECT max(version) FROM atlas_schema_revisions.atlas_schema_revisions)`); err != nil {
		t.Fatal(err)
	}
	err = checks[0].Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "1 migration(s) pending") || !strings.Contains(err.Error(), "lifecircle migrate") {
		t.Errorf("a database one migration behind: %v, want 1 pending and the command", err)
	}

	sqlite, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sqlite.Close()
	if c := readinessChecks(sqlite, nil); len(c) != 0 {
		t.Errorf("SQLite has no versioned migrations to check: %+v", c)
	}
}
