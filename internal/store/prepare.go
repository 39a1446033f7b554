package store

import (
	"container/list"
	"context"
	"database/sql"
	"errors"
	"sync"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
)

// PreparedStatements is how many statements a PostgreSQL store keeps
// prepared (the least recently used go first: the IN lists of eager
// loading make many texts).
const PreparedStatements = 500

// preparedDriver runs the statements that have arguments, outside
// transactions, as prepared statements: lib/pq otherwise parses each one
// afresh, in two round trips (Parse/Describe, then Bind/Execute), where a
// prepared one takes one and is planned from its cached plan. database/sql
// prepares a statement on each connection the first time it runs there.
// Statements without arguments already take one round trip (the simple
// query protocol); transactions (writes) are left as they are, except for
// the appends to the private logs (signalTx.queryPrepared). On SQLite
// (modernc.org/sqlite), an unprepared statement is parsed and planned
// afresh on every run: in a CPU profile of scripts/bench-live, that
// parsing took 28% of the process's CPU.
type preparedDriver struct {
	*entsql.Driver
	conn entsql.Conn
}

func newPreparedDriver(d *entsql.Driver, db *sql.DB) preparedDriver {
	return preparedDriver{Driver: d, conn: entsql.Conn{ExecQuerier: &stmtCache{db: db, max: PreparedStatements, byText: map[string]*list.Element{}, order: list.New()}}}
}

// cache returns the driver's statements.
func (d preparedDriver) cache() *stmtCache { return d.conn.ExecQuerier.(*stmtCache) }

func (d preparedDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.conn.Exec(ctx, query, args, v)
}

func (d preparedDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.conn.Query(ctx, query, args, v)
}

// stmtCache is a bounded, least-recently-used cache of prepared
// statements by their text.
type stmtCache struct {
	db     *sql.DB
	max    int
	mu     sync.Mutex
	byText map[string]*list.Element // of *cached
	order  *list.List               // front: most recently used
}

type cached struct {
	text string
	stmt *sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	if e, ok := c.byText[query]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*cached).stmt, nil
	}
	c.mu.Unlock()
	// Prepared outside the lock: another goroutine may prepare the same
	// text meanwhile, and the first one kept wins.
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byText[query]; ok {
		_ = st.Close()
		c.order.MoveToFront(e)
		return e.Value.(*cached).stmt, nil
	}
	c.byText[query] = c.order.PushFront(&cached{text: query, stmt: st})
	for c.order.Len() > c.max {
		e := c.order.Back()
		c.order.Remove(e)
		old := e.Value.(*cached)
		delete(c.byText, old.text)
		// database/sql closes it once the statements running on it end.
		_ = old.stmt.Close()
	}
	return st, nil
}

// drop forgets query's statement (its cached plan went stale).
func (c *stmtCache) drop(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byText[query]; ok {
		c.order.Remove(e)
		delete(c.byText, query)
		_ = e.Value.(*cached).stmt.Close()
	}
}

// retryUnprepared reports whether a prepared statement's error calls for
// running it again unprepared: the statement was evicted and closed while
// this run held it, or the schema changed under its plan ("cached plan
// must not change result type").
func retryUnprepared(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "0A000" {
		return true
	}
	return err != nil && err.Error() == "sql: statement is closed"
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if len(args) == 0 {
		return c.db.QueryContext(ctx, query)
	}
	st, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if retryUnprepared(err) {
		c.drop(query)
		return c.db.QueryContext(ctx, query, args...)
	}
	return rows, err
}

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if len(args) == 0 {
		return c.db.ExecContext(ctx, query)
	}
	st, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(ctx, args...)
	if retryUnprepared(err) {
		c.drop(query)
		return c.db.ExecContext(ctx, query, args...)
	}
	return res, err
}
