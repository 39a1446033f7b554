package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"strings"
	"testing"

	"lifecircle/internal/config"
	"lifecircle/internal/migrations"
	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
)

// On a PostgreSQL database that is behind, every command refuses and names
// `lifecircle migrate`; that command brings it up to date (-status tells
// where it stands), and the commands work again.
func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	url := testenv.PostgresURL(t)
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, _ := migrations.FirstN(1)
	if _, err := migrations.ApplyDir(ctx, db, first, nil); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"seed", "-database-url", url},
		{"token", "-role", "admin", "-database-url", url},
		{"serve", "-database-url", url, "-port", "1"},
		{"publish", "-period", "2021-06", "-database-url", url},
	} {
		err := run(ctx, args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "`lifecircle migrate`") {
			t.Errorf("%s on a database that is behind: %v", args[0], err)
		}
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "-status", "-database-url", url}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "applied  ") || !strings.Contains(out.String(), "pending  ") {
		t.Errorf("migrate -status:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "-database-url", url}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "applied migration ") || !strings.Contains(out.String(), "schema is current") {
		t.Errorf("migrate:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "-database-url", url}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "nothing to apply") {
		t.Errorf("second migrate: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"seed", "-database-url", url}, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "loaded ") {
		t.Errorf("seed after migrate: %v\n%s", err, out.String())
	}

	// SQLite needs no migrate step.
	out.Reset()
	if err := run(ctx, []string{"migrate", "-data-dir", t.TempDir()}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "SQLite") {
		t.Errorf("migrate on SQLite: %v\n%s", err, out.String())
	}
}

// The pool flags and variables reach database/sql.
func TestPoolSettingsFromTheEnvironment(t *testing.T) {
	url := testenv.PostgresURL(t)
	cfg, err := config.Parse("serve", []string{"-database-url", url, "-db-max-idle", "3"},
		func(k string) string { return map[string]string{"DB_MAX_OPEN": "9"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), storeOptions(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conns := make([]*sql.Conn, 9)
	for i := range conns {
		if conns[i], err = st.DB.Conn(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	if s := st.DB.Stats(); s.MaxOpenConnections != 9 || s.Idle != 3 || s.MaxIdleClosed != 6 {
		t.Errorf("DB_MAX_OPEN=9 -db-max-idle 3: %+v", s)
	}
}
