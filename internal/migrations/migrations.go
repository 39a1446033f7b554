// Package migrations applies lifecircle's versioned PostgreSQL migrations
// (ent/migrate/migrations, embedded in the binary) with Atlas's executor,
// and tells how far a database is behind them.
//
// Applied migrations are recorded in atlas_schema_revisions.atlas_schema_revisions,
// laid out like the revisions table of the atlas CLI. A database created by
// an earlier lifecircle through ent's auto-migration has no such table: Apply
// adopts it — when its schema holds everything the first migration creates,
// that migration is recorded as applied (a baseline) and the later ones run.
//
// SQLite is not versioned: it keeps ent's auto-migration (internal/store).
package migrations

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"github.com/lib/pq"

	files "lifecircle/ent/migrate/migrations"
)

// Dir returns the embedded migration directory. It fails when atlas.sum
// does not match the files (a migration edited or removed after it was
// written).
func Dir() (atlas.Dir, error) { return DirOf(files.Files) }

// DirOf reads a migration directory from fsys and checks it against its
// atlas.sum.
func DirOf(fsys fs.FS) (atlas.Dir, error) {
	dir := &atlas.MemDir{}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: read: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".sql") || e.Name() == atlas.HashFileName) {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrations: read %s: %w", e.Name(), err)
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	if err := atlas.Validate(dir); err != nil {
		return nil, fmt.Errorf("migrations: the migration directory does not match atlas.sum: %w", err)
	}
	return dir, nil
}

// Status is how a database stands against the migrations.
type Status struct {
	// Applied and Pending are migration versions (file names without
	// .sql), in order.
	Applied, Pending []string
	// Unversioned: the database has lifecircle's tables but no record of
	// migrations (created by ent's auto-migration); Apply adopts it.
	Unversioned bool
	// Empty: the database has none of lifecircle's tables.
	Empty bool
	// Unknown are applied versions this binary has no file for (a newer
	// lifecircle migrated the database).
	Unknown []string
}

// Behind reports whether migrations are pending.
func (s Status) Behind() bool { return len(s.Pending) > 0 }

// ErrBehind is returned (wrapped in a *BehindError) by Require.
var ErrBehind = errors.New("database schema is behind")

// BehindError says which migrations a database lacks.
type BehindError struct{ Status Status }

func (e *BehindError) Error() string {
	s := e.Status
	switch {
	case s.Unversioned:
		return "the database schema was created by an earlier lifecircle without versioned migrations: run `lifecircle migrate` (with the same -database-url) to adopt it (its first migration is recorded as applied once the schema is checked) and apply the later ones, or start with -migrate auto"
	default:
		return fmt.Sprintf("the database schema is behind: %d migration(s) pending (%s): run `lifecircle migrate` (with the same -database-url), or start with -migrate auto", len(s.Pending), strings.Join(s.Pending, ", "))
	}
}

func (e *BehindError) Unwrap() error { return ErrBehind }

// Pending returns how many migrations the database lacks (for readiness
// checks: 0 means current). An unversioned database counts every migration
// but the baseline, plus one for its adoption.
func Pending(ctx context.Context, db *sql.DB) (int, error) {
	s, err := Check(ctx, db)
	if err != nil {
		return 0, err
	}
	return len(s.Pending), nil
}

// Check reads the database's state without changing anything.
func Check(ctx context.Context, db *sql.DB) (Status, error) {
	dir, err := Dir()
	if err != nil {
		return Status{}, err
	}
	return check(ctx, db, dir)
}

func check(ctx context.Context, q querier, dir atlas.Dir) (Status, error) {
	var st Status
	all, err := dir.Files()
	if err != nil {
		return st, err
	}
	versioned, err := exists(ctx, q, revisionsSchema+"."+revisionsTable)
	if err != nil {
		return st, err
	}
	if !versioned {
		if len(all) == 0 {
			return st, errors.New("migrations: the migration directory is empty")
		}
		n, err := ownTables(ctx, q, all[0])
		if err != nil {
			return st, err
		}
		st.Empty = n == 0
		st.Unversioned = n > 0
		for _, f := range all {
			st.Pending = append(st.Pending, f.Version())
		}
		return st, nil
	}
	revs, err := (&revisions{q: q}).ReadRevisions(ctx)
	if err != nil {
		return st, err
	}
	done := map[string]bool{}
	for _, r := range revs {
		if r.Applied == r.Total || r.Type.Has(atlas.RevisionTypeBaseline) {
			done[r.Version] = true
		}
	}
	known := map[string]bool{}
	for _, f := range all {
		known[f.Version()] = true
		if done[f.Version()] {
			st.Applied = append(st.Applied, f.Version())
		} else {
			st.Pending = append(st.Pending, f.Version())
		}
	}
	for _, r := range revs {
		if !known[r.Version] {
			st.Unknown = append(st.Unknown, r.Version)
		}
	}
	return st, nil
}

// Require returns a *BehindError when migrations are pending.
func Require(ctx context.Context, db *sql.DB) (Status, error) {
	st, err := Check(ctx, db)
	if err != nil {
		return st, err
	}
	if st.Behind() {
		return st, &BehindError{Status: st}
	}
	return st, nil
}

// lockKey is the advisory lock that serialises Apply across processes
// (several servers started with -migrate auto at once).
const lockKey = 0x6c63_6d69_6772 // "lcmigr"

// Apply brings the database up to the last migration and returns the
// versions it applied. Each migration runs in a transaction of its own
// (PostgreSQL's DDL is transactional): it is applied whole or not at all.
// An unversioned database is adopted first (see the package comment); one
// whose schema lacks part of the first migration is refused, with the
// statements that would complete it.
func Apply(ctx context.Context, db *sql.DB, logf func(format string, args ...any)) ([]string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	return ApplyDir(ctx, db, dir, logf)
}

// ApplyDir is Apply with another migration directory (tests build a
// database at an earlier migration with it).
func ApplyDir(ctx context.Context, db *sql.DB, dir atlas.Dir, logf func(format string, args ...any)) ([]string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return nil, fmt.Errorf("migrations: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck // the session ends with the connection anyway

	st, err := check(ctx, conn, dir)
	if err != nil {
		return nil, err
	}
	opts := []atlas.ExecutorOption{atlas.WithOperatorVersion("lifecircle")}
	if st.Unversioned {
		all, err := dir.Files()
		if err != nil {
			return nil, err
		}
		if err := verifyBaseline(ctx, conn, all[0]); err != nil {
			return nil, err
		}
		logf("adopting a database created without versioned migrations: %s recorded as applied (baseline)", all[0].Version())
		opts = append(opts, atlas.WithBaselineVersion(all[0].Version()))
	} else if st.Empty {
		// None of lifecircle's tables, but maybe others (PostGIS's
		// spatial_ref_sys): Atlas would call that unclean.
		opts = append(opts, atlas.WithAllowDirty(true))
	}
	var applied []string
	for {
		done, version, err := applyNext(ctx, conn, dir, opts, logf)
		if err != nil {
			return applied, err
		}
		if done {
			return applied, nil
		}
		applied = append(applied, version)
		opts = opts[:1] // the baseline, if any, is recorded
	}
}

// applyNext applies the next pending migration in a transaction of its own.
func applyNext(ctx context.Context, conn *sql.Conn, dir atlas.Dir, opts []atlas.ExecutorOption, logf func(string, ...any)) (done bool, version string, err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, "", fmt.Errorf("migrations: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	rrw := &revisions{q: tx, deferred: true}
	if err := rrw.create(ctx); err != nil {
		return false, "", err
	}
	drv, err := postgres.Open(tx)
	if err != nil {
		return false, "", fmt.Errorf("migrations: %w", err)
	}
	ex, err := atlas.NewExecutor(drv, dir, rrw, opts...)
	if err != nil {
		return false, "", fmt.Errorf("migrations: %w", err)
	}
	pending, err := ex.Pending(ctx)
	if errors.Is(err, atlas.ErrNoPendingFiles) {
		// A baseline revision may have been written: keep it.
		if err := rrw.flush(ctx); err != nil {
			return false, "", err
		}
		return true, "", tx.Commit()
	}
	if err != nil {
		return false, "", fmt.Errorf("migrations: %w", err)
	}
	f := pending[0]
	started := time.Now()
	if err := ex.Execute(ctx, f); err != nil {
		return false, "", fmt.Errorf("migrations: %s: %w", f.Name(), err)
	}
	if err := rrw.flush(ctx); err != nil {
		return false, "", err
	}
	if err := tx.Commit(); err != nil {
		return false, "", fmt.Errorf("migrations: %s: commit: %w", f.Name(), err)
	}
	logf("applied migration %s in %s", f.Name(), time.Since(started).Round(time.Millisecond))
	return false, f.Version(), nil
}

// verifyBaseline checks that the database's schema holds everything the
// first migration creates: it replays that migration into a scratch schema
// inside a transaction that is rolled back, and diffs the two. Objects the
// database has beyond it (an operator's own index or table) are fine.
func verifyBaseline(ctx context.Context, conn *sql.Conn, first atlas.File) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrations: adopt: %w", err)
	}
	defer tx.Rollback()
	drv, err := postgres.Open(tx)
	if err != nil {
		return fmt.Errorf("migrations: adopt: %w", err)
	}
	var current string
	if err := tx.QueryRowContext(ctx, "SELECT current_schema()").Scan(&current); err != nil {
		return fmt.Errorf("migrations: adopt: %w", err)
	}
	have, err := drv.InspectSchema(ctx, current, nil)
	if err != nil {
		return fmt.Errorf("migrations: adopt: inspect %s: %w", current, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	scratch := "lc_baseline_" + hex.EncodeToString(b)
	if _, err := tx.ExecContext(ctx, "CREATE SCHEMA "+scratch); err != nil {
		return fmt.Errorf("migrations: adopt: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL search_path TO "+scratch); err != nil {
		return fmt.Errorf("migrations: adopt: %w", err)
	}
	stmts, err := first.Stmts()
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("migrations: adopt: replay %s: %w", first.Name(), err)
		}
	}
	want, err := drv.InspectSchema(ctx, scratch, nil)
	if err != nil {
		return fmt.Errorf("migrations: adopt: inspect the replayed baseline: %w", err)
	}
	want.Name = current // tables and foreign keys point at this schema
	changes, err := drv.SchemaDiff(have, want)
	if err != nil {
		return fmt.Errorf("migrations: adopt: diff: %w", err)
	}
	changes = missingOnly(changes)
	if len(changes) == 0 {
		return nil
	}
	plan, err := drv.PlanChanges(ctx, "adopt", changes)
	if err != nil {
		return fmt.Errorf("migrations: adopt: the schema differs from %s in %d ways", first.Name(), len(changes))
	}
	var lines []string
	for _, c := range plan.Changes {
		lines = append(lines, c.Cmd+";")
	}
	return fmt.Errorf("migrations: cannot adopt this database: its schema lacks part of the first migration (%s); these statements would complete it:\n%s\nIt was probably created by a lifecircle older than the versioned migrations: start that schema's lifecircle from the same release as %s, or complete it by hand, then run `lifecircle migrate` again", first.Name(), strings.Join(lines, "\n"), first.Name())
}

// missingOnly keeps the changes that add or alter what the baseline
// declares, and drops those that would remove what the database has beyond
// it.
func missingOnly(changes []schema.Change) []schema.Change {
	var keep []schema.Change
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.DropTable, *schema.DropSchema, *schema.DropView, *schema.DropFunc, *schema.DropProc, *schema.DropObject, *schema.DropTrigger:
		case *schema.ModifyTable:
			var sub []schema.Change
			for _, tc := range c.Changes {
				switch tc.(type) {
				case *schema.DropColumn, *schema.DropIndex, *schema.DropForeignKey, *schema.DropCheck, *schema.DropAttr:
				default:
					sub = append(sub, tc)
				}
			}
			if len(sub) > 0 {
				c.Changes = sub
				keep = append(keep, c)
			}
		default:
			keep = append(keep, c)
		}
	}
	return keep
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func exists(ctx context.Context, q querier, table string) (bool, error) {
	var ok bool
	if err := q.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil {
		return false, fmt.Errorf("migrations: %w", err)
	}
	return ok, nil
}

var createTable = regexp.MustCompile(`(?m)^CREATE TABLE "([^"]+)"`)

// ownTables counts the tables of the current schema that the first
// migration creates: other tables (an extension's, say) do not make a
// database lifecircle's.
func ownTables(ctx context.Context, q querier, first atlas.File) (int, error) {
	var names []string
	for _, m := range createTable.FindAllStringSubmatch(string(first.Bytes()), -1) {
		names = append(names, m[1])
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = ANY($1)`, pq.Array(names)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	return n, nil
}

// FirstN returns a directory of the first n embedded migrations, with its
// own atlas.sum: a database built from it stands where an earlier release
// left it (the upgrade test starts there).
func FirstN(n int) (atlas.Dir, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	all, err := dir.Files()
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(all) {
		return nil, fmt.Errorf("migrations: FirstN(%d): there are %d migrations", n, len(all))
	}
	part := &atlas.MemDir{}
	for _, f := range all[:n] {
		if err := part.WriteFile(f.Name(), f.Bytes()); err != nil {
			return nil, err
		}
	}
	sum, err := part.Checksum()
	if err != nil {
		return nil, err
	}
	if err := atlas.WriteSumFile(part, sum); err != nil {
		return nil, err
	}
	return part, nil
}
