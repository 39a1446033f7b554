package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"lifecircle/internal/migrations"
	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
)

func indexExists(t *testing.T, st *store.Store, name string) bool {
	t.Helper()
	q := `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`
	if st.Dialect == "sqlite3" {
		q = `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`
	}
	var n int
	if err := st.DB.QueryRow(q, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// An index an operator adds by hand survives restarts: neither SQLite's
// auto-migration nor PostgreSQL's migrations drop what they did not create.
func TestOperatorIndexSurvivesARestart(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		url := b.URL(t)
		st, err := store.Open(ctx, store.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB.Exec(`CREATE INDEX operator_facility_name ON facilities (name)`); err != nil {
			t.Fatal(err)
		}
		st.Close()
		for _, mode := range []string{store.MigrateEmpty, store.MigrateAuto, store.MigrateCheck} {
			st, err = store.Open(ctx, store.Options{URL: url, Migrate: mode})
			if err != nil {
				t.Fatalf("reopen (%s): %v", mode, err)
			}
			if !indexExists(t, st, "operator_facility_name") {
				t.Fatalf("the operator's index is gone after a restart (-migrate %s)", mode)
			}
			if !indexExists(t, st, "facility_community_id_category") {
				t.Fatalf("the schema's own index is missing (-migrate %s)", mode)
			}
			st.Close()
		}
	})
}

// On PostgreSQL an empty database is migrated by default (a first start
// works), -migrate check refuses it, and a database that is behind is
// refused unless -migrate auto, with a message naming lifecircle migrate.
func TestOpenMigratesPostgresAsConfigured(t *testing.T) {
	ctx := context.Background()
	url := testenv.PostgresURL(t)
	_, err := store.Open(ctx, store.Options{URL: url, Migrate: store.MigrateCheck})
	if !errors.Is(err, migrations.ErrBehind) || !strings.Contains(err.Error(), "lifecircle migrate") {
		t.Fatalf("-migrate check on an empty database: %v", err)
	}
	if _, err := store.Open(ctx, store.Options{URL: url, Migrate: "sometimes"}); err == nil {
		t.Fatal("an unknown migrate mode was accepted")
	}
	st, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		t.Fatalf("default on an empty database: %v", err)
	}
	if len(st.Applied) < 2 {
		t.Fatalf("applied %v on first start", st.Applied)
	}
	st.Close()

	// A database one migration behind.
	behind := testenv.PostgresURL(t)
	db, err := sql.Open("postgres", behind)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, _ := migrations.FirstN(1)
	if _, err := migrations.ApplyDir(ctx, db, first, nil); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{store.MigrateEmpty, store.MigrateCheck} {
		_, err := store.Open(ctx, store.Options{URL: behind, Migrate: mode})
		if !errors.Is(err, migrations.ErrBehind) || !strings.Contains(err.Error(), "`lifecircle migrate`") {
			t.Fatalf("-migrate %s on a database that is behind: %v", mode, err)
		}
	}
	st, err = store.Open(ctx, store.Options{URL: behind, Migrate: store.MigrateAuto})
	if err != nil || len(st.Applied) == 0 {
		t.Fatalf("-migrate auto: applied %v, %v", st.Applied, err)
	}
	st.Close()
	if n, err := migrations.Pending(ctx, db); n != 0 || err != nil {
		t.Fatalf("Pending after -migrate auto: %d, %v", n, err)
	}
}

// Several servers started at once with -migrate auto on one database
// apply each migration once (an advisory lock serialises them).
func TestConcurrentStartsMigrateOnce(t *testing.T) {
	ctx := context.Background()
	url := testenv.PostgresURL(t)
	var wg sync.WaitGroup
	applied := make([][]string, 3)
	errs := make([]error, 3)
	for i := range applied {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := store.Open(ctx, store.Options{URL: url, Migrate: store.MigrateAuto})
			if err == nil {
				applied[i] = st.Applied
				st.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	total := 0
	for i := range applied {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	dir, _ := migrations.Dir()
	all, _ := dir.Files()
	if total != len(all) {
		t.Fatalf("the three starts applied %v between them; want each of the %d migrations once", applied, len(all))
	}
}

// The pool settings reach database/sql; idle connections default to the
// open limit, so releasing them closes none.
func TestPoolSettingsReachTheDatabase(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		url := b.URL(t)
		hold := func(st *store.Store, n int) {
			t.Helper()
			conns := make([]*sql.Conn, n)
			for i := range conns {
				c, err := st.DB.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				conns[i] = c
			}
			for _, c := range conns {
				c.Close()
			}
		}
		st, err := store.Open(ctx, store.Options{URL: url, Pool: store.Pool{MaxOpen: 7}})
		if err != nil {
			t.Fatal(err)
		}
		hold(st, 7)
		s := st.DB.Stats()
		if s.MaxOpenConnections != 7 || s.Idle != 7 || s.MaxIdleClosed != 0 {
			t.Errorf("MaxOpen 7: stats %+v; want 7 open, 7 idle, none closed for being idle", s)
		}
		st.Close()

		st, err = store.Open(ctx, store.Options{URL: url, Pool: store.Pool{MaxOpen: 6, MaxIdle: 2}})
		if err != nil {
			t.Fatal(err)
		}
		hold(st, 6)
		if s := st.DB.Stats(); s.MaxOpenConnections != 6 || s.Idle != 2 || s.MaxIdleClosed != 4 {
			t.Errorf("MaxOpen 6, MaxIdle 2: stats %+v; want 2 idle and 4 closed", s)
		}
		st.Close()

		st, err = store.Open(ctx, store.Options{URL: url, Pool: store.Pool{MaxOpen: 3, MaxLifetime: 50 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		hold(st, 2)
		time.Sleep(120 * time.Millisecond)
		hold(st, 2)
		if s := st.DB.Stats(); s.MaxLifetimeClosed == 0 {
			t.Errorf("MaxLifetime 50ms: stats %+v; want connections closed for their age", s)
		}
	})
}
