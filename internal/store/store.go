// Package store opens the database: an embedded SQLite file by default, or
// PostgreSQL when the URL says so. It is the only package that knows which
// database is underneath.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // PostgreSQL driver "postgres"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"

	"lifecircle/ent"
	_ "lifecircle/ent/runtime" // privacy policies and hooks
	"lifecircle/internal/changelog"
	"lifecircle/internal/changewake"
	"lifecircle/internal/deletes"
	"lifecircle/internal/migrations"
	"lifecircle/internal/privatelog"
	"lifecircle/internal/replica"
	"lifecircle/internal/webhook"
)

// Store is an open database with its ent client.
type Store struct {
	Client  *ent.Client
	DB      *sql.DB
	Dialect string
	// Applied are the PostgreSQL migrations Open applied (see Migrate).
	Applied []string
	// Replica routes public reads to the read replica; nil without
	// Options.ReadURL. Its Status is for readiness detail and metrics.
	Replica *replica.Router
	// Changes is bumped whenever the change log may have grown: at once
	// after each commit through this store that appended to it, and, once
	// WatchChanges runs, on the writes of other processes too.
	Changes *changewake.Wake

	url      string
	watchMu  sync.Mutex
	watching bool
	// stopListen closes the notification listener (nil: none).
	stopListen func()
}

// What Open does about PostgreSQL migrations that are pending (see
// internal/migrations). SQLite is always auto-migrated.
const (
	// MigrateEmpty applies the migrations to an empty database (a first
	// start) and refuses to open one that is behind. The default.
	MigrateEmpty = "empty"
	// MigrateAuto applies pending migrations, adopting a database created
	// by auto-migration.
	MigrateAuto = "auto"
	// MigrateCheck never changes the schema: a database that is behind,
	// empty or not, is refused.
	MigrateCheck = "check"
)

// Pool sizes the connection pool. Zero values take the defaults: MaxOpen 20
// on PostgreSQL and 8 on SQLite, MaxIdle equal to MaxOpen (so a busy server
// never closes a connection only to open another), MaxLifetime 30 minutes
// (PostgreSQL; none on SQLite) and MaxIdleTime 5 minutes.
type Pool struct {
	MaxOpen int
	// MaxIdle below 0 means no idle connections; 0 means MaxOpen.
	MaxIdle                  int
	MaxLifetime, MaxIdleTime time.Duration
}

// Pool defaults.
const (
	DefaultMaxOpenPostgres = 20
	DefaultMaxOpenSQLite   = 8
	DefaultMaxLifetime     = 30 * time.Minute
	DefaultMaxIdleTime     = 5 * time.Minute
)

func (p Pool) apply(db *sql.DB, maxOpen int, lifetime time.Duration) {
	if p.MaxOpen > 0 {
		maxOpen = p.MaxOpen
	}
	idle := maxOpen
	switch {
	case p.MaxIdle < 0:
		idle = 0
	case p.MaxIdle > 0 && p.MaxIdle < maxOpen:
		idle = p.MaxIdle
	}
	if p.MaxLifetime != 0 {
		lifetime = p.MaxLifetime
	}
	idleTime := DefaultMaxIdleTime
	if p.MaxIdleTime != 0 {
		idleTime = p.MaxIdleTime
	}
	// Idle before open: SetMaxOpenConns lowers the idle limit to fit.
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(idle)
	db.SetConnMaxLifetime(max(lifetime, 0))
	db.SetConnMaxIdleTime(max(idleTime, 0))
}

// Options configure Open.
type Options struct {
	// URL is a postgres:// URL, a sqlite: or file: URL, or empty for the
	// default SQLite file in DataDir.
	URL string
	// DataDir holds the default SQLite file.
	DataDir string
	// Driver wraps the ent driver (tests count statements with it).
	Driver func(dialect.Driver) dialect.Driver
	// Migrate is MigrateEmpty (""), MigrateAuto or MigrateCheck.
	Migrate string
	// Pool sizes the connection pool.
	Pool Pool
	// Logf, when set, is told of each migration applied.
	Logf func(format string, args ...any)
	// ReadURL is a postgres:// URL of a streaming replica of URL: reads
	// marked with replica.Allow go there (PostgreSQL only).
	ReadURL string
	// Replica tunes the routing to ReadURL (the lag bound, the checks).
	Replica replica.Options
	// NoPrepare runs statements unprepared, as lib/pq does by default
	// (for a PostgreSQL pooler in transaction mode, say); otherwise each
	// statement with arguments is prepared once per connection (see
	// PreparedStatements), on PostgreSQL and SQLite alike.
	NoPrepare bool
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open connects to the database and creates or upgrades the schema.
func Open(ctx context.Context, opts Options) (*Store, error) {
	var (
		db  *sql.DB
		dia string
		err error
	)
	if opts.ReadURL != "" && (!IsPostgres(opts.URL) || !IsPostgres(opts.ReadURL)) {
		return nil, fmt.Errorf("store: a read replica (DATABASE_READ_URL) needs PostgreSQL for both the database and the replica")
	}
	if IsPostgres(opts.URL) {
		dia = dialect.Postgres
		db, err = openPostgres(opts.URL, opts.Pool)
	} else {
		dia = dialect.SQLite
		var dsn string
		dsn, err = sqliteDSN(opts.URL, opts.DataDir)
		if err == nil {
			db, err = sql.Open("sqlite", dsn)
		}
		if err == nil {
			// One writer at a time is SQLite's model; WAL lets readers
			// go on beside it, and busy_timeout queues writers instead
			// of failing them.
			opts.Pool.apply(db, DefaultMaxOpenSQLite, 0)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", dia, err)
	}
	open := func(db *sql.DB) dialect.Driver {
		d := entsql.OpenDB(dia, db)
		if opts.NoPrepare {
			return d
		}
		return newPreparedDriver(d, db)
	}
	drv := open(db)
	primary := drv
	var router *replica.Router
	if opts.ReadURL != "" {
		// An unreachable replica is no reason not to start: the router
		// sends reads to the primary until the replica answers.
		rdb, err := openPostgres(opts.ReadURL, opts.Pool)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open the read replica: %w", err)
		}
		router = replica.New(drv, db, open(rdb), rdb, opts.Replica)
		drv = router
	}
	wake := changewake.New()
	var base dialect.Driver = driver{drv}
	if dia == dialect.SQLite {
		base = newWriterQueue(base)
	}
	sig := changeSignal{Driver: base, wake: wake, pg: dia == dialect.Postgres, db: db}
	if pd, ok := primary.(preparedDriver); ok {
		sig.stmts = pd.cache()
	}
	drv = sig
	if opts.Driver != nil {
		drv = opts.Driver(drv)
	}
	client := ent.NewClient(ent.Driver(drv))
	deletes.Register(client)
	var applied []string
	if dia == dialect.Postgres {
		applied, err = migratePostgres(ctx, db, opts)
	} else {
		// Auto-migration adds what the schema declares and drops nothing:
		// an index an operator made stays.
		err = client.Schema.Create(ctx)
	}
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("store: migrate schema: %w", err)
	}
	// River's tables (the webhook queue), by River's own migrator, under
	// the same policy: SQLite always; PostgreSQL as opts.Migrate says.
	riverApplied, err := webhook.Migrate(ctx, db, dia == dialect.Postgres, riverMode(dia, opts.Migrate))
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	for _, v := range riverApplied {
		if opts.Logf != nil {
			opts.Logf("applied River migration %03d (the webhook queue)", v)
		}
	}
	if err := changelog.Prepare(ctx, client); err != nil {
		client.Close()
		return nil, err
	}
	if err := privatelog.Prepare(ctx, client); err != nil {
		client.Close()
		return nil, err
	}
	return &Store{Client: client, DB: db, Dialect: dia, Applied: applied, Replica: router, Changes: wake, url: opts.URL}, nil
}

// riverMode is what webhook.Migrate does about River's tables: on SQLite
// (migrated whenever it is opened) and with MigrateAuto, apply pending
// River migrations; with MigrateCheck, refuse to start while any is
// pending; by default (MigrateEmpty), create River's tables if there are
// none, and otherwise refuse to start while any is pending.
func riverMode(dia, mode string) string {
	switch {
	case dia != dialect.Postgres || mode == MigrateAuto:
		return webhook.MigrateApply
	case mode == MigrateCheck:
		return webhook.MigrateCheck
	}
	return webhook.MigrateFresh
}

// migratePostgres applies or checks the versioned migrations as
// opts.Migrate says.
func migratePostgres(ctx context.Context, db *sql.DB, opts Options) ([]string, error) {
	mode := opts.Migrate
	if mode == "" {
		mode = MigrateEmpty
	}
	switch mode {
	case MigrateAuto:
		return migrations.Apply(ctx, db, opts.Logf)
	case MigrateEmpty, MigrateCheck:
		st, err := migrations.Check(ctx, db)
		if err != nil {
			return nil, err
		}
		if mode == MigrateEmpty && st.Empty {
			return migrations.Apply(ctx, db, opts.Logf)
		}
		if st.Behind() {
			return nil, &migrations.BehindError{Status: st}
		}
		if len(st.Unknown) > 0 && opts.Logf != nil {
			opts.Logf("the database has migrations this binary does not know (%s): a newer lifecircle migrated it", strings.Join(st.Unknown, ", "))
		}
		return nil, nil
	}
	return nil, fmt.Errorf("migrate mode %q: want %s, %s or %s", mode, MigrateEmpty, MigrateAuto, MigrateCheck)
}

// openPostgres opens a pool on a PostgreSQL URL (the primary or the
// replica), sized by pool.
func openPostgres(url string, pool Pool) (*sql.DB, error) {
	db, err := sql.Open("postgres", withStatementTimeout(url))
	if err != nil {
		return nil, err
	}
	pool.apply(db, DefaultMaxOpenPostgres, DefaultMaxLifetime)
	return db, nil
}

// Close closes the client and the database.
func (s *Store) Close() error {
	s.Changes.Close()
	s.watchMu.Lock()
	if s.stopListen != nil {
		s.stopListen()
		s.stopListen = nil
	}
	s.watchMu.Unlock()
	return s.Client.Close()
}

// withStatementTimeout bounds every PostgreSQL statement (30 s unless the
// URL says otherwise), so no query can run on after its client gave up.
func withStatementTimeout(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Get("statement_timeout") == "" {
		q.Set("statement_timeout", "30000")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// sqliteDSN builds the SQLite DSN with the pragmas lifecircle relies on.
func sqliteDSN(raw, dataDir string) (string, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite://"), "sqlite:")
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		if dataDir == "" {
			dataDir = "data"
		}
		path = filepath.Join(dataDir, "lifecircle.db")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("store: create data directory: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	// Store times as "2006-01-02 15:04:05.999999999-07:00", which the driver
	// parses back; its default (time.String) does not round-trip zone names.
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode(), nil
}
