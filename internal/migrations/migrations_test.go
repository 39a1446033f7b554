package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq"

	files "lifecircle/ent/migrate/migrations"

	"lifecircle/ent/migrate"
	"lifecircle/internal/migrations"
	"lifecircle/internal/testenv"
)

func openDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// drift returns the statements that would take the database to the ent
// schema, as ent's versioned-migration diff writes them ("" when none).
func drift(t *testing.T, db *sql.DB) string {
	t.Helper()
	mem := &atlas.MemDir{}
	err := migrate.NewSchema(entsql.OpenDB(dialect.Postgres, db)).NamedDiff(context.Background(), "drift",
		schema.WithDir(mem), schema.WithFormatter(atlas.DefaultFormatter),
		schema.WithDropIndex(true), schema.WithDropColumn(true))
	if err != nil {
		t.Fatalf("ent diff: %v", err)
	}
	fs, err := mem.Files()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range fs {
		b.Write(f.Bytes())
	}
	return b.String()
}

// The migrations, applied to an empty database, give exactly the ent
// schema: a schema change without its migration fails here, with the
// statements `go run ./scripts/new-migration NAME` would write.
func TestMigrationsMatchTheEntSchema(t *testing.T) {
	db := openDB(t, testenv.PostgresURL(t))
	ctx := context.Background()
	applied, err := migrations.Apply(ctx, db, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := migrations.Dir()
	all, _ := dir.Files()
	if len(applied) != len(all) || len(all) < 2 {
		t.Fatalf("applied %v of %d migrations", applied, len(all))
	}
	if d := drift(t, db); d != "" {
		t.Fatalf("the migrations do not match the ent schema; run `go run ./scripts/new-migration NAME` and commit the file. Pending statements:\n%s", d)
	}
	if n, err := migrations.Pending(ctx, db); n != 0 || err != nil {
		t.Fatalf("Pending after Apply: %d, %v", n, err)
	}
	// A second Apply has nothing to do.
	if again, err := migrations.Apply(ctx, db, t.Logf); len(again) != 0 || err != nil {
		t.Fatalf("second Apply: %v, %v", again, err)
	}
	// The revisions are recorded, the first as executed, not a baseline.
	var n, executed int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE type = 2 AND applied = total AND error IS NULL)
		FROM atlas_schema_revisions.atlas_schema_revisions`).Scan(&n, &executed); err != nil || n != len(all) || executed != n {
		t.Fatalf("revisions: %d rows, %d executed, %v", n, executed, err)
	}
}

// atlas.sum catches a migration edited, added or removed after it was
// written.
func TestAtlasSumIsIntact(t *testing.T) {
	if _, err := migrations.Dir(); err != nil {
		t.Fatalf("embedded migrations: %v", err)
	}
	names, err := fs.Glob(files.Files, "*.sql")
	if err != nil || len(names) < 2 {
		t.Fatalf("migration files: %v, %v", names, err)
	}
	copyWith := func(change func(m fstest.MapFS)) fstest.MapFS {
		m := fstest.MapFS{}
		for _, n := range append(names, atlas.HashFileName) {
			b, _ := fs.ReadFile(files.Files, n)
			m[n] = &fstest.MapFile{Data: b}
		}
		change(m)
		return m
	}
	for name, change := range map[string]func(m fstest.MapFS){
		"edited": func(m fstest.MapFS) {
			m[names[0]].Data = append(m[names[0]].Data, []byte("\nDROP TABLE facilities;\n")...)
		},
		"removed": func(m fstest.MapFS) { delete(m, names[len(names)-1]) },
		"added":   func(m fstest.MapFS) { m["29990101000000_sneaky.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;\n")} },
		"no sum":  func(m fstest.MapFS) { delete(m, atlas.HashFileName) },
	} {
		if _, err := migrations.DirOf(copyWith(change)); err == nil {
			t.Errorf("a migration directory with a file %s passed the atlas.sum check", name)
		}
	}
	if _, err := migrations.DirOf(copyWith(func(fstest.MapFS) {})); err != nil {
		t.Errorf("an unchanged copy: %v", err)
	}
}

// checksum is a digest of a table's rows, to compare before and after:
// of the columns it has now, so that columns a later migration adds do not
// count as a change of the rows.
func checksum(t *testing.T, db *sql.DB, table string) (n int, sum string) {
	t.Helper()
	cols := columnsOf(t, db, table)
	err := db.QueryRow(`SELECT count(*), coalesce(md5(string_agg(row(`+cols+`)::text, '|' ORDER BY t.id)), '') FROM `+table+` t`).Scan(&n, &sum)
	if err != nil {
		t.Fatal(err)
	}
	return n, sum
}

var tableColumns = map[string]string{}

// columnsOf lists table's columns as "t"."a", "t"."b", … the first time it
// is asked, and the same list afterwards.
func columnsOf(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	if cols, ok := tableColumns[table]; ok {
		return cols
	}
	var cols string
	err := db.QueryRow(`SELECT string_agg('t.' || quote_ident(column_name), ', ' ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table).Scan(&cols)
	if err != nil {
		t.Fatal(err)
	}
	tableColumns[table] = cols
	return cols
}

// indexNames are the indexes the migration files after the first create.
func laterIndexes(t *testing.T) []string {
	t.Helper()
	dir, _ := migrations.Dir()
	all, _ := dir.Files()
	re := regexp.MustCompile(`CREATE (?:UNIQUE )?INDEX "([^"]+)"`)
	var names []string
	for _, f := range all[1:] {
		for _, m := range re.FindAllStringSubmatch(string(f.Bytes()), -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// laterTables are the tables the migrations after the first create.
func laterTables(t *testing.T) []string {
	t.Helper()
	dir, _ := migrations.Dir()
	all, _ := dir.Files()
	re := regexp.MustCompile(`CREATE TABLE "([^"]+)"`)
	var names []string
	for _, f := range all[1:] {
		for _, m := range re.FindAllStringSubmatch(string(f.Bytes()), -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// A database at the first migration, with data in it, is upgraded to the
// last: the rows are unchanged and the new indexes exist.
func TestUpgradeFromTheFirstMigrationKeepsTheData(t *testing.T) {
	url := testenv.PostgresURL(t)
	db := openDB(t, url)
	ctx := context.Background()
	first, err := migrations.FirstN(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.ApplyDir(ctx, db, first, t.Logf); err != nil {
		t.Fatal(err)
	}
	if n, err := migrations.Pending(ctx, db); n == 0 || err != nil {
		t.Fatalf("at the first migration Pending says %d, %v", n, err)
	}
	// The drift check sees what the first migration lacks (so it can fail).
	if d := drift(t, db); !strings.Contains(d, `CREATE INDEX "facility_community_id_category"`) {
		t.Fatalf("drift at the first migration: %q", d)
	}
	// Realistic rows: a city → district → subdistrict → community, a
	// compound, an operator, facilities of several categories, activities
	// at a venue, a resident with a registration and a service request.
	seed := `
INSERT INTO regions (id, created_at, updated_at, level, name, name_en, code, lat, lng, approximate, parent_id) VALUES
 (30064771073, now(), now(), 'CITY', '咸阳市', 'Xianyang', '610400', 34.33, 108.71, true, NULL),
 (30064771074, now(), now(), 'DISTRICT', '秦都区', 'Qindu', '610402', 34.34, 108.70, true, 30064771073),
 (30064771075, now(), now(), 'SUBDISTRICT', '人民路街道', NULL, NULL, 34.33, 108.70, true, 30064771074),
 (30064771076, now(), now(), 'COMMUNITY', '文亭巷社区', 'Wentingxiang', NULL, 34.331, 108.702, true, 30064771075);
INSERT INTO compounds (id, created_at, updated_at, name, households, property_management, lat, lng, approximate, community_id)
 VALUES (8589934593, now(), now(), '文亭小区', 420, true, 34.3312, 108.7021, true, 30064771076);
INSERT INTO organizations (id, created_at, updated_at, kind, name, region_id)
 VALUES (21474836481, now(), now(), 'VOLUNTEER_TEAM', '文亭巷志愿服务队', 30064771076);
INSERT INTO facilities (id, created_at, updated_at, name, category, lat, lng, approximate, status, community_id, compound_id, operator_id)
 SELECT 12884901888 + g, now(), now(), '设施' || g, (ARRAY['pharmacy','clinic','kindergarten','market'])[1 + g % 4],
        34.33 + g * 0.0001, 108.70 + g * 0.0001, true, 'OPEN', 30064771076, 8589934593, 21474836481
 FROM generate_series(1, 200) g;
INSERT INTO activities (id, created_at, updated_at, title, category, starts_at, ends_at, status, capacity, registered_count, community_id, venue_id, organizer_id)
 SELECT 4294967296 + g, now(), now(), '活动' || g, 'CULTURE', now() + g * interval '1 day', now() + g * interval '1 day' + interval '2 hours',
        'SCHEDULED', 30, 1, 30064771076, 12884901889, 21474836481
 FROM generate_series(1, 50) g;
INSERT INTO persons (id, created_at, updated_at, name, phone, community_id)
 VALUES (25769803777, now(), now(), '示例居民一', '000-0000-1001', 30064771076);
INSERT INTO registrations (id, created_at, updated_at, person_id, activity_id, community_id)
 VALUES (34359738369, now(), now(), 25769803777, 4294967297, 30064771076);
INSERT INTO service_requests (id, created_at, updated_at, kind, title, status, version, submitted_at, community_id, requester_id)
 VALUES (38654705665, now(), now(), 'MICRO_WISH', '想要一台轮椅', 'SUBMITTED', 1, now(), 30064771076, 25769803777);
`
	if _, err := db.Exec(seed); err != nil {
		t.Fatalf("seed the first migration's schema: %v", err)
	}
	tables := []string{"regions", "compounds", "organizations", "facilities", "activities", "persons", "registrations", "service_requests"}
	before := map[string]string{}
	for _, tb := range tables {
		n, sum := checksum(t, db, tb)
		if n == 0 {
			t.Fatalf("%s: no rows seeded", tb)
		}
		before[tb] = sum
	}

	applied, err := migrations.Apply(ctx, db, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := first.Files()
	if len(applied) == 0 || applied[0] == all[0].Version() {
		t.Fatalf("applied %v: want the migrations after the first", applied)
	}
	for _, tb := range tables {
		if _, sum := checksum(t, db, tb); sum != before[tb] {
			t.Errorf("%s: rows changed by the upgrade", tb)
		}
	}
	want := laterIndexes(t)
	if len(want) == 0 {
		t.Fatal("no index in the later migrations")
	}
	for _, name := range want {
		var ok bool
		if err := db.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1)`, name).Scan(&ok); err != nil || !ok {
			t.Errorf("index %s missing after the upgrade (%v)", name, err)
		}
	}
	if d := drift(t, db); d != "" {
		t.Fatalf("after the upgrade the schema differs from ent's:\n%s", d)
	}
	if n, err := migrations.Pending(ctx, db); n != 0 || err != nil {
		t.Fatalf("Pending after the upgrade: %d, %v", n, err)
	}
}

// autoMigrated builds the schema the way lifecircle did before versioned
// migrations — ent's auto-migration, Schema.Create — as of the first
// migration. The first migration was generated from that very ent schema,
// so its statements, run without recording a revision, are that database;
// today's ent schema is not (later migrations add and change columns).
func autoMigrated(t *testing.T, db *sql.DB) {
	t.Helper()
	dir, _ := migrations.Dir()
	all, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(all[0].Bytes())); err != nil {
		t.Fatalf("the first migration's schema: %v", err)
	}
}

// A database created by auto-migration (no revisions table) is adopted:
// the first migration is recorded as a baseline, the rest applied; an
// operator's own index survives.
func TestApplyAdoptsAnAutoMigratedDatabase(t *testing.T) {
	db := openDB(t, testenv.PostgresURL(t))
	ctx := context.Background()
	autoMigrated(t, db)
	if _, err := db.Exec(`CREATE INDEX operator_facility_name ON facilities (name)`); err != nil {
		t.Fatal(err)
	}
	st, err := migrations.Check(ctx, db)
	if err != nil || !st.Unversioned || st.Empty || !st.Behind() {
		t.Fatalf("Check of an auto-migrated database: %+v, %v", st, err)
	}
	var logs []string
	applied, err := migrations.Apply(ctx, db, func(f string, a ...any) { logs = append(logs, f); t.Logf(f, a...) })
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := migrations.Dir()
	all, _ := dir.Files()
	if len(applied) != len(all)-1 {
		t.Fatalf("applied %v; want all but the baseline", applied)
	}
	if !strings.Contains(strings.Join(logs, "\n"), "baseline") {
		t.Errorf("the adoption was not reported: %q", logs)
	}
	var typ int
	if err := db.QueryRow(`SELECT type FROM atlas_schema_revisions.atlas_schema_revisions WHERE version = $1`, all[0].Version()).Scan(&typ); err != nil || atlas.RevisionType(typ) != atlas.RevisionTypeBaseline {
		t.Fatalf("first revision: type %d, %v; want a baseline", typ, err)
	}
	var ok bool
	if err := db.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'operator_facility_name')`).Scan(&ok); err != nil || !ok {
		t.Errorf("the operator's index is gone after adoption (%v)", err)
	}
	var scratch int
	if err := db.QueryRow(`SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'lc_baseline_%'`).Scan(&scratch); err != nil || scratch != 0 {
		t.Errorf("the adoption check left %d scratch schemas (%v)", scratch, err)
	}
	if n, err := migrations.Pending(ctx, db); n != 0 || err != nil {
		t.Fatalf("Pending after adoption: %d, %v", n, err)
	}
}

// A database that lacks part of the first migration is not adopted: the
// error lists the statements that would complete it, and nothing changes.
func TestApplyRefusesToAdoptAnIncompleteSchema(t *testing.T) {
	db := openDB(t, testenv.PostgresURL(t))
	ctx := context.Background()
	autoMigrated(t, db)
	if _, err := db.Exec(`ALTER TABLE facilities DROP COLUMN opening_hours; DROP INDEX region_level_name`); err != nil {
		t.Fatal(err)
	}
	_, err := migrations.Apply(ctx, db, t.Logf)
	if err == nil {
		t.Fatal("an incomplete schema was adopted")
	}
	for _, want := range []string{"cannot adopt", `"opening_hours"`, `CREATE INDEX "region_level_name"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	var versioned bool
	if err := db.QueryRow(`SELECT to_regclass('atlas_schema_revisions.atlas_schema_revisions') IS NOT NULL`).Scan(&versioned); err != nil || versioned {
		t.Errorf("a refused adoption left a revisions table (%v)", err)
	}
}

// Require names the command that fixes a database that is behind.
func TestRequireNamesTheMigrateCommand(t *testing.T) {
	db := openDB(t, testenv.PostgresURL(t))
	ctx := context.Background()
	_, err := migrations.Require(ctx, db)
	var behind *migrations.BehindError
	if !errors.As(err, &behind) || !errors.Is(err, migrations.ErrBehind) || !strings.Contains(err.Error(), "lifecircle migrate") {
		t.Fatalf("empty database: %v", err)
	}
	first, _ := migrations.FirstN(1)
	if _, err := migrations.ApplyDir(ctx, db, first, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Require(ctx, db); !errors.As(err, &behind) || len(behind.Status.Applied) != 1 || !strings.Contains(err.Error(), "lifecircle migrate") {
		t.Fatalf("database at the first migration: %v", err)
	}
	if _, err := migrations.Apply(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Require(ctx, db); err != nil {
		t.Fatalf("current database: %v", err)
	}
}

// A database without lifecircle's tables but with others (an extension's,
// another schema's) counts as empty: the migrations are applied beside
// them, and they stay.
func TestApplyBesideOtherTables(t *testing.T) {
	db := openDB(t, testenv.PostgresURL(t))
	ctx := context.Background()
	if _, err := db.Exec(`CREATE TABLE spatial_ref_sys (srid integer PRIMARY KEY);
		CREATE SCHEMA tiger; CREATE TABLE tiger.county (id integer PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	st, err := migrations.Check(ctx, db)
	if err != nil || !st.Empty || st.Unversioned {
		t.Fatalf("Check: %+v, %v", st, err)
	}
	if _, err := migrations.Apply(ctx, db, t.Logf); err != nil {
		t.Fatal(err)
	}
	if d := drift(t, db); d != "" {
		t.Fatalf("drift:\n%s", d)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_name IN ('spatial_ref_sys', 'county')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("the other tables: %d, %v", n, err)
	}
}
