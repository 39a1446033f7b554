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
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *entsql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
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
}

func (t *signalTx) Exec(ctx context.Context, query string, args, v any) error {
	t.fill(ctx)
	if err := t.Tx.Exec(ctx, query, args, v); err != nil {
		return err
	}
	t.appended = t.appended || appendsToLog(query)
	return nil
}

func (t *signalTx) Query(ctx context.Context, query string, args, v any) error {
	t.fill(ctx)
	if err := t.Tx.Query(ctx, query, args, v); err != nil {
		return err
	}
	t.appended = t.appended || appendsToLog(query)
	return nil
}

// fill tells a sqltx.Slot in ctx the database/sql transaction underneath
// (ent's own, under the replica router and the prepared-statement driver,
// which leave transactions as they are).
func (t *signalTx) fill(ctx context.Context) {
	var tx *sql.Tx
	if et, ok := t.Tx.(*entsql.Tx); ok {
		tx, _ = et.Tx.(*sql.Tx)
	}
	if tx != nil {
		sqltx.Fill(ctx, tx, t.d.db, t.d.pg)
	}
}

// Commit sends the notification as the transaction's last statement (the
// insert's rows may still be open when it is noted), then commits.
func (t *signalTx) Commit() error {
	if t.appended && t.d.pg {
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
