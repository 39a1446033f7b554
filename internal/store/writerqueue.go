package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// maxWriterWait bounds how long a SQLite transaction waits for its turn
// (requests stop earlier, at their own deadline). It is longer than the
// busy_timeout SQLite would have given it: a queue that moves is no
// outage.
const maxWriterWait = 30 * time.Second

// writerQueue hands SQLite's one write lock to transactions in the order
// they asked for it. Every transaction here begins IMMEDIATE (the DSN's
// _txlock), so it takes the lock at BEGIN. Left to SQLite, waiters poll
// with sleeps of up to 100 ms and the lock goes to whichever polls first:
// in a burst (ten volunteers claiming one request) the lock sits idle
// between polls and an unlucky writer can be passed over until its
// busy_timeout runs out. A channel's waiting senders are served in order,
// and the next writer begins the moment the last one ends. Other
// processes on the same file (and River's own connections) still meet
// busy_timeout, as before.
type writerQueue struct {
	dialect.Driver
	turn chan struct{}
}

func newWriterQueue(d dialect.Driver) writerQueue {
	return writerQueue{Driver: d, turn: make(chan struct{}, 1)}
}

// errWriterWait is a writer that waited maxWriterWait. It carries SQLite's
// SQLITE_BUSY code, so it is answered like a busy database (UNAVAILABLE,
// Retry-After), which it is.
type errWriterWait struct{ waited time.Duration }

func (e errWriterWait) Error() string {
	return fmt.Sprintf("store: waited %s for the SQLite write lock", e.waited.Round(time.Millisecond))
}
func (errWriterWait) Code() int { return 5 } // SQLITE_BUSY

// wait takes the turn, or gives up when ctx ends or maxWriterWait passes.
// A free turn is taken without a timer: most transactions find it free.
func (q writerQueue) wait(ctx context.Context) error {
	select {
	case q.turn <- struct{}{}:
		return nil
	default:
	}
	start := time.Now()
	timer := time.NewTimer(maxWriterWait)
	defer timer.Stop()
	select {
	case q.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return errWriterWait{waited: time.Since(start)}
	}
}

func (q writerQueue) Tx(ctx context.Context) (dialect.Tx, error) {
	return q.BeginTx(ctx, nil)
}

func (q writerQueue) BeginTx(ctx context.Context, opts *entsql.TxOptions) (dialect.Tx, error) {
	if err := q.wait(ctx); err != nil {
		return nil, err
	}
	tx, err := begin(ctx, q.Driver, opts)
	if err != nil {
		<-q.turn
		return nil, err
	}
	return &queuedTx{Tx: tx, turn: q.turn}, nil
}

// queuedTx gives the turn to the next writer when it ends.
type queuedTx struct {
	dialect.Tx
	turn  chan struct{}
	ended sync.Once
}

func (t *queuedTx) release() { t.ended.Do(func() { <-t.turn }) }

func (t *queuedTx) Commit() error {
	defer t.release()
	return t.Tx.Commit()
}

func (t *queuedTx) Rollback() error {
	defer t.release()
	return t.Tx.Rollback()
}

// sqlTx is the database/sql transaction under ent's, through the queue.
func sqlTx(t dialect.Tx) (*sql.Tx, bool) {
	if q, ok := t.(*queuedTx); ok {
		t = q.Tx
	}
	et, ok := t.(*entsql.Tx)
	if !ok {
		return nil, false
	}
	tx, ok := et.Tx.(*sql.Tx)
	return tx, ok
}
