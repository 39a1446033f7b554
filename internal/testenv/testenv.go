// Package testenv runs tests against every database lifecircle supports: an
// SQLite file in a temporary directory and a PostgreSQL database created for
// the test and dropped after it. Nothing is mocked.
//
// PostgreSQL is found through TEST_DATABASE_URL (default: the local server
// as user postgres). When it is unreachable its tests are skipped on a
// developer machine and fail when CI=true.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	_ "github.com/lib/pq"

	"lifecircle/ent"
	"lifecircle/internal/changewake"
	"lifecircle/internal/demo"
	"lifecircle/internal/store"
)

// DefaultPostgresURL is the server tests use when TEST_DATABASE_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Backend is one database kind.
type Backend struct {
	Name string
	// open creates a fresh, empty database and returns its URL.
	open func(t testing.TB) string
}

// Backends returns SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", open: func(t testing.TB) string {
			return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
		}},
		{Name: "postgres", open: createPostgresDB},
	}
}

// Options of a test database.
type Options struct {
	// NoDemo leaves the database empty instead of loading the demo data.
	NoDemo bool
	// Counter, when set, counts the SQL statements the client sends.
	Counter *Counter
	// Driver, when set, wraps the client's driver (as tracing does).
	Driver func(dialect.Driver) dialect.Driver
	// NoPrepare runs PostgreSQL statements unprepared (store.Options).
	NoPrepare bool
}

// URL creates a fresh, empty database of backend b, dropped when the test
// ends, and returns its URL (for commands that take -database-url).
func (b Backend) URL(t testing.TB) string {
	t.Helper()
	return b.open(t)
}

// Open returns a store on a fresh database of backend b, closed and
// dropped when the test ends.
func (b Backend) Open(t testing.TB, opts Options) *store.Store {
	t.Helper()
	return OpenURL(t, b.open(t), opts)
}

// OpenURL returns a store on the database at url (as Backend.Open, on a
// database of the caller's: a second store on the same database is a
// second server's), closed when the test ends.
func OpenURL(t testing.TB, url string, opts Options) *store.Store {
	t.Helper()
	ctx := context.Background()
	so := store.Options{URL: url, NoPrepare: opts.NoPrepare}
	if opts.Counter != nil {
		so.Driver = opts.Counter.wrap
	}
	if wrap := opts.Driver; wrap != nil {
		if inner := so.Driver; inner != nil {
			so.Driver = func(d dialect.Driver) dialect.Driver { return wrap(inner(d)) }
		} else {
			so.Driver = wrap
		}
	}
	st, err := store.Open(ctx, so)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if !opts.NoDemo {
		if _, err := demo.Load(ctx, st.Client); err != nil {
			t.Fatalf("load the demo data: %v", err)
		}
	}
	if opts.Counter != nil {
		opts.Counter.Reset()
	}
	return st
}

// Each runs f once per backend, as subtests named after the backend.
func Each(t *testing.T, f func(t *testing.T, b Backend)) {
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { f(t, b) })
	}
}

// Client is a shortcut: a demo-loaded client on backend b.
func Client(t testing.TB, b Backend) *ent.Client {
	return b.Open(t, Options{}).Client
}

var (
	pgOnce   sync.Once
	pgAdmin  *sql.DB
	pgBase   *url.URL
	pgReason string
)

// PostgresURL creates a fresh, empty PostgreSQL database for the test and
// returns its URL; it is dropped when the test ends (register the cleanup
// of anything connected to it, a server process say, after this call, so
// that it runs first). Like the PostgreSQL backend, it skips the test when
// PostgreSQL is unreachable, and fails it when CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return createPostgresDB(t)
}

func createPostgresDB(t testing.TB) string {
	t.Helper()
	pgOnce.Do(connectPostgres)
	if pgAdmin == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %s", pgReason)
		}
		Skip(t, fmt.Sprintf("PostgreSQL tests skipped: PostgreSQL unavailable (%s); set TEST_DATABASE_URL or start it", pgReason))
	}
	name := "lc_test_" + randomHex(6)
	if _, err := pgAdmin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := pgAdmin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u := *pgBase
	u.Path = "/" + name
	return u.String()
}

func connectPostgres() {
	raw := os.Getenv("TEST_DATABASE_URL")
	if raw == "" {
		raw = DefaultPostgresURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		pgReason = fmt.Sprintf("TEST_DATABASE_URL: %v", err)
		return
	}
	db, err := sql.Open("postgres", raw)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = db.PingContext(ctx)
	}
	if err != nil {
		pgReason = fmt.Sprintf("%s: %v", u.Redacted(), err)
		return
	}
	pgAdmin, pgBase = db, u
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Counter counts the SQL statements sent through a client, the opening of
// transactions (BEGIN) included.
type Counter struct {
	mu    sync.Mutex
	stmts []string
	txs   int
}

func (c *Counter) wrap(d dialect.Driver) dialect.Driver {
	return dialect.DebugWithContext(d, func(ctx context.Context, v ...any) {
		if changewake.IsBackground(ctx) {
			return // a follower's own reading, not the request's
		}
		s := fmt.Sprint(v...)
		begin := strings.HasSuffix(s, "): started")
		if begin || strings.Contains(s, ".Query:") || strings.Contains(s, ".Exec:") {
			c.mu.Lock()
			c.stmts = append(c.stmts, s)
			if begin {
				c.txs++
			}
			c.mu.Unlock()
		}
	})
}

// Transactions returns how many transactions were opened since the last
// Reset.
func (c *Counter) Transactions() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txs
}

// Reset forgets the statements counted so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.stmts, c.txs = nil, 0
	c.mu.Unlock()
}

// Statements returns the statements counted since the last Reset.
func (c *Counter) Statements() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.stmts...)
}

// IntrospectionQuery is the standard full introspection query
// (graphql-js's getIntrospectionQuery()), as GraphiQL and code generators
// send it.
//
//go:embed introspection.graphql
var IntrospectionQuery string
