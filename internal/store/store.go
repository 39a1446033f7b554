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
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // PostgreSQL driver "postgres"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"

	"lifecircle/ent"
	"lifecircle/ent/migrate"
	_ "lifecircle/ent/runtime" // privacy policies and hooks
	"lifecircle/internal/changelog"
	"lifecircle/internal/replica"
)

// Store is an open database with its ent client.
type Store struct {
	Client  *ent.Client
	DB      *sql.DB
	Dialect string
	// Replica routes public reads to the read replica; nil without
	// Options.ReadURL. Its Status is for readiness detail and metrics.
	Replica *replica.Router
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
	// ReadURL is a postgres:// URL of a streaming replica of URL: reads
	// marked with replica.Allow go there (PostgreSQL only).
	ReadURL string
	// Replica tunes the routing to ReadURL (the lag bound, the checks).
	Replica replica.Options
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
		db, err = openPostgres(opts.URL)
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
			db.SetMaxOpenConns(8)
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
	var drv dialect.Driver = entsql.OpenDB(dia, db)
	var router *replica.Router
	if opts.ReadURL != "" {
		// An unreachable replica is no reason not to start: the router
		// sends reads to the primary until the replica answers.
		rdb, err := openPostgres(opts.ReadURL)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open the read replica: %w", err)
		}
		router = replica.New(drv, db, entsql.OpenDB(dia, rdb), rdb, opts.Replica)
		drv = router
	}
	drv = driver{drv}
	if opts.Driver != nil {
		drv = opts.Driver(drv)
	}
	client := ent.NewClient(ent.Driver(drv))
	if err := client.Schema.Create(ctx, migrate.WithDropIndex(true)); err != nil {
		client.Close()
		return nil, fmt.Errorf("store: migrate schema: %w", err)
	}
	if err := changelog.Prepare(ctx, client); err != nil {
		client.Close()
		return nil, err
	}
	return &Store{Client: client, DB: db, Dialect: dia, Replica: router}, nil
}

// openPostgres opens a pool on a PostgreSQL URL (the primary or the replica).
func openPostgres(url string) (*sql.DB, error) {
	db, err := sql.Open("postgres", withStatementTimeout(url))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// Close closes the client and the database.
func (s *Store) Close() error { return s.Client.Close() }

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
