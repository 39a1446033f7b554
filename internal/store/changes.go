package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"lifecircle/ent/change"
	"lifecircle/ent/eventlock"
	"lifecircle/internal/changewake"
	"lifecircle/internal/privatelog"
	"lifecircle/internal/sqltx"
)

// DefaultChangePoll is how often WatchChanges reads the change log's last
// entry, in case a notification was missed.
const DefaultChangePoll = time.Second

// WatchChanges makes s.Changes hear of the writes of other processes too:
// on PostgreSQL it listens for the notification each append to the change
// log sends (changewake.Listen), and on either database it reads the log's
// last entry every poll (DefaultChangePoll when 0) as a safety net. The
// writes made through s itself bump s.Changes at their commit whether or
// not it watches. It runs until s is closed; a second call does nothing.
func (s *Store) WatchChanges(poll time.Duration) error {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	if s.watching {
		return nil
	}
	if poll <= 0 {
		poll = DefaultChangePoll
	}
	ctx := s.Changes.Context()
	if s.Dialect == dialect.Postgres {
		stop, err := changewake.Listen(ctx, s.Changes, s.url, func(err error) { slog.Warn("store: change notifications", "err", err) })
		if err != nil {
			return err
		}
		s.stopListen = stop
	}
	latest := func(ctx context.Context) (int64, error) {
		var id int64
		err := s.DB.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+change.Table).Scan(&id)
		return id, err
	}
	go changewake.Poll(ctx, s.Changes, poll, latest, func(err error) { slog.Warn("store: poll the change log", "err", err) })
	s.watching = true
	return nil
}

// appendsToLog reports whether query is ent's insert into the change log
// or into one of the private logs the subscriptions follow
// (internal/privatelog): either wakes the followers, here and, through
// NOTIFY, on the other servers.
func appendsToLog(query string) bool {
	rest, ok := strings.CutPrefix(query, "INSERT INTO ")
	if !ok {
		return false
	}
	for _, t := range logTables {
		if strings.HasPrefix(rest, `"`+t+`"`) || strings.HasPrefix(rest, "`"+t+"`") {
			return true
		}
	}
	return false
}

// logTables are the tables whose appends are signalled.
var logTables = append([]string{change.Table}, privatelog.Tables...)

// notifyChanges is sent in the transaction that appended to the change log:
// PostgreSQL delivers it at commit, and not at all on a rollback.
const notifyChanges = "NOTIFY " + changewake.Channel

// changeSignal bumps wake once a write that appended to the change log is
// committed, and on PostgreSQL has the transaction notify the other
// servers.
type changeSignal struct {
	dialect.Driver
	wake *changewake.Wake
	pg   bool
	db   *sql.DB // for sqltx.Fill
	// stmts (nil: statements unprepared) prepares the appends to the
	// private logs inside transactions too (see signalTx.Query).
	stmts *stmtCache
}

func (d changeSignal) Exec(ctx context.Context, query string, args, v any) error {
	sqltx.Fill(ctx, nil, d.db, d.pg)
	if err := d.Driver.Exec(ctx, query, args, v); err != nil {
		return err
	}
	if appendsToLog(query) {
		d.committed(ctx)
	}
	return nil
}

func (d changeSignal) Query(ctx context.Context, query string, args, v any) error {
	sqltx.Fill(ctx, nil, d.db, d.pg)
	if err := d.Driver.Query(ctx, query, args, v); err != nil {
		return err
	}
	if appendsToLog(query) {
		// Outside a transaction, the insert is committed once its rows
		// (RETURNING) are read and closed.
		if rows, ok := v.(*entsql.Rows); ok && rows.ColumnScanner != nil {
			rows.ColumnScanner = closeHook{ColumnScanner: rows.ColumnScanner, after: func() { d.committed(ctx) }}
		} else {
			d.committed(ctx)
		}
	}
	return nil
}

// committed signals an append committed outside a transaction.
func (d changeSignal) committed(ctx context.Context) {
	if d.pg {
		if err := d.Driver.Exec(context.WithoutCancel(ctx), notifyChanges, []any{}, nil); err != nil {
			slog.WarnContext(ctx, "store: notify the change log", "err", err)
		}
	}
	d.wake.Bump()
}

func (d changeSignal) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &signalTx{Tx: tx, d: d, ctx: ctx}, nil
}

func (d changeSignal) BeginTx(ctx context.Context, opts *entsql.TxOptions) (dialect.Tx, error) {
	tx, err := begin(ctx, d.Driver, opts)
	if err != nil {
		return nil, err
	}
	return &signalTx{Tx: tx, d: d, ctx: ctx}, nil
}

// signalTx notes an append to the change log and signals it at commit.
type signalTx struct {
	dialect.Tx
	d        changeSignal
	ctx      context.Context
	appended bool
	notified bool // the NOTIFY was sent (with the event lock)
}

// lockEvents runs privatelog.Lock's update in a cheaper way than ent's
// statement, and reports whether it did. On SQLite nothing needs running:
// this transaction began IMMEDIATE (the store's DSN sets _txlock), so it
// holds the database's only write lock until it ends, and appenders are
// serialised already. On PostgreSQL the NOTIFY (delivered at commit either
// way) and the update go in one argument-less message: one round trip,
// where ent's update with a bound argument takes two, and the NOTIFY is no
// longer a statement of its own inside the serialised section. A missing
// lock row leaves it to ent's statement (and privatelog.Lock's creation
// of the row).
func (t *signalTx) lockEvents(ctx context.Context, v any) (bool, error) {
	if !t.d.pg {
		if res, ok := v.(*sql.Result); ok {
			*res = noStatement{}
		}
		return true, nil
	}
	var res sql.Result
	if err := t.Tx.Exec(ctx, lockEventsPG, []any{}, &res); err != nil {
		return false, err
	}
	t.notified = true
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, nil
	}
	if r, ok := v.(*sql.Result); ok {
		*r = res
	}
	return true, nil
}

// lockEventsPG takes the appenders' lock (privatelog) on PostgreSQL.
const lockEventsPG = notifyChanges + `; UPDATE "` + eventlock.Table + `" SET "` + eventlock.FieldWrites + `" = COALESCE("` + eventlock.FieldWrites + `", 0) + 1`

// noStatement is the result of a lock statement SQLite had no need to run.
type noStatement struct{}

func (noStatement) LastInsertId() (int64, error) { return 0, nil }
func (noStatement) RowsAffected() (int64, error) { return 1, nil }

func (t *signalTx) Exec(ctx context.Context, query string, args, v any) error {
	t.fill(ctx)
	if mark := privatelog.LockStatement(ctx); mark != nil {
		done, err := t.lockEvents(ctx, v)
		if err != nil {
			return err
		}
		if done {
			mark.Taken = true
			return nil
		}
	}
	if err := t.Tx.Exec(ctx, query, args, v); err != nil {
		return err
	}
	t.appended = t.appended || appendsToLog(query)
	return nil
}

func (t *signalTx) Query(ctx context.Context, query string, args, v any) error {
	t.fill(ctx)
	if done, err := t.queryPrepared(ctx, query, args, v); done || err != nil {
		if err != nil {
			return err
		}
		t.appended = true
		return nil
	}
	if err := t.Tx.Query(ctx, query, args, v); err != nil {
		return err
	}
	t.appended = t.appended || appendsToLog(query)
	return nil
}

// queryPrepared runs an append to a private log (ent's INSERT … RETURNING)
// as a statement prepared on the transaction's connection, and reports
// whether it did: these inserts are made under the appenders' lock
// (privatelog), and a prepared one takes one round trip to PostgreSQL
// where lib/pq sends an unprepared one with arguments in two (and SQLite
// parses it afresh). Their text and columns are fixed by the generated
// code. Other statements in transactions are left as they are.
func (t *signalTx) queryPrepared(ctx context.Context, query string, args, v any) (bool, error) {
	if t.d.stmts == nil || !appendsToPrivateLog(query) {
		return false, nil
	}
	argv, ok := args.([]any)
	rows, isRows := v.(*entsql.Rows)
	tx, isTx := sqlTx(t.Tx)
	if !ok || len(argv) == 0 || !isRows || !isTx {
		return false, nil
	}
	st, err := t.d.stmts.get(ctx, query)
	if err != nil {
		return false, nil // prepared on the pool: run it unprepared instead
	}
	ts := tx.StmtContext(ctx, st)
	r, err := ts.QueryContext(ctx, argv...)
	if err != nil {
		if retryUnprepared(err) {
			// Closed before anything was sent (evicted meanwhile), or a
			// plan gone stale: PostgreSQL has aborted the transaction in
			// the latter case, and the error says so.
			t.d.stmts.drop(query)
		}
		if err.Error() == "sql: statement is closed" {
			return false, nil
		}
		return false, err
	}
	*rows = entsql.Rows{ColumnScanner: r}
	return true, nil
}

// appendsToPrivateLog reports whether query is ent's insert into one of
// the private logs.
func appendsToPrivateLog(query string) bool {
	rest, ok := strings.CutPrefix(query, "INSERT INTO ")
	if !ok {
		return false
	}
	for _, t := range privatelog.Tables {
		if strings.HasPrefix(rest, `"`+t+`"`) || strings.HasPrefix(rest, "`"+t+"`") {
			return true
		}
	}
	return false
}

// fill tells a sqltx.Slot in ctx the database/sql transaction underneath
// (ent's own, under the replica router and the prepared-statement driver,
// which leave transactions as they are).
func (t *signalTx) fill(ctx context.Context) {
	if tx, ok := sqlTx(t.Tx); ok {
		sqltx.Fill(ctx, tx, t.d.db, t.d.pg)
	}
}

// Commit sends the notification as the transaction's last statement (the
// insert's rows may still be open when it is noted), then commits.
func (t *signalTx) Commit() error {
	if t.appended && t.d.pg && !t.notified {
		if err := t.Tx.Exec(context.WithoutCancel(t.ctx), notifyChanges, []any{}, nil); err != nil {
			_ = t.Tx.Rollback()
			return fmt.Errorf("store: notify the change log: %w", err)
		}
	}
	if err := t.Tx.Commit(); err != nil {
		return err
	}
	if t.appended {
		t.d.wake.Bump()
	}
	return nil
}

// closeHook calls after once its rows are closed.
type closeHook struct {
	entsql.ColumnScanner
	after func()
}

func (c closeHook) Close() error {
	err := c.ColumnScanner.Close()
	c.after()
	return err
}
