// Package replica sends public reads to a PostgreSQL streaming replica and
// everything else to the primary.
//
// A Router is an ent driver over two databases. Writes (Exec) and
// transactions always go to the primary. A read (Query) goes to the replica
// only when its context was marked with Allow — the server marks public
// reads, downloads and the change feed — and only while the replica answers
// and is no further behind the primary than the bound. Otherwise, and when
// a replica read fails, the read goes to the primary: a replica that is
// down or lagging costs the primary load, never a client error.
package replica

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

type allowKey struct{}

// Allow marks ctx as a read that may be served by the replica: one that
// needs no write of its caller to be visible (the public's reads, the open
// data, the change feed). Unmarked reads go to the primary.
func Allow(ctx context.Context) context.Context {
	return context.WithValue(ctx, allowKey{}, true)
}

// Primary marks ctx as a read that must be served by the primary, even if
// an outer caller allowed the replica.
func Primary(ctx context.Context) context.Context {
	if !Allowed(ctx) {
		return ctx
	}
	return context.WithValue(ctx, allowKey{}, false)
}

// Allowed reports whether ctx was marked with Allow.
func Allowed(ctx context.Context) bool {
	ok, _ := ctx.Value(allowKey{}).(bool)
	return ok
}

// Options configure a Router.
type Options struct {
	// MaxLag is how far (in time) the replica may be behind the primary
	// and still serve reads (default 10 s).
	MaxLag time.Duration
	// Interval between checks of the replica's replay position (default 1 s).
	Interval time.Duration
	// Timeout of one check (default 2 s).
	Timeout time.Duration
}

// Router is an ent dialect.Driver over a primary and a replica.
type Router struct {
	primary, replica dialect.Driver
	primaryDB        *sql.DB // for the replay checks
	replicaDB        *sql.DB
	opts             Options

	serving atomic.Bool // the replica may serve reads now

	mu      sync.Mutex
	status  Status
	samples []sample // the primary's WAL positions over the last MaxLag and more
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}

	replicaReads, primaryReads, fallbacks atomic.Uint64
}

// sample is the primary's WAL position at a time.
type sample struct {
	at  time.Time
	lsn uint64
}

// Status is what the router knows of the replica, for readiness detail
// and metrics.
type Status struct {
	// Configured: there is a replica (a nil Router reports false).
	Configured bool
	// Serving: reads marked with Allow go to the replica now.
	Serving bool
	// Reason says why the replica is not serving ("" while it is). It
	// never holds a driver's text (that is logged).
	Reason string
	// Lag is how far behind the primary the replica was at the last check.
	Lag time.Duration
	// CheckedAt is the time of the last check.
	CheckedAt time.Time
	// ReplicaReads and PrimaryReads count statements of reads (Query)
	// by where they ran; Fallbacks counts replica reads that failed and
	// were run again on the primary.
	ReplicaReads uint64
	PrimaryReads uint64
	Fallbacks    uint64
}

// New returns a router over primary and replica, opened on primaryDB and
// replicaDB, and starts checking the replica. The replica serves nothing
// until its first check succeeds. Close stops the checks and closes both.
func New(primary dialect.Driver, primaryDB *sql.DB, replica dialect.Driver, replicaDB *sql.DB, opts Options) *Router {
	if opts.MaxLag <= 0 {
		opts.MaxLag = 10 * time.Second
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	r := &Router{
		primary: primary, replica: replica, primaryDB: primaryDB, replicaDB: replicaDB, opts: opts,
		status: Status{Reason: "not checked yet"},
		wake:   make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	r.check(context.Background())
	go r.watch()
	return r
}

var _ dialect.Driver = (*Router)(nil)

// ReplicaDB is the replica's connection pool (for pool metrics).
func (r *Router) ReplicaDB() *sql.DB { return r.replicaDB }

// Exec runs on the primary.
func (r *Router) Exec(ctx context.Context, query string, args, v any) error {
	return r.primary.Exec(ctx, query, args, v)
}

// Query runs on the replica when ctx allows it and the replica is serving,
// else on the primary. A replica read that fails (but for the caller's own
// cancellation) runs again on the primary, and the replica stops serving
// until a check finds it well.
func (r *Router) Query(ctx context.Context, query string, args, v any) error {
	if !Allowed(ctx) || !r.serving.Load() {
		r.primaryReads.Add(1)
		return r.primary.Query(ctx, query, args, v)
	}
	err := r.replica.Query(ctx, query, args, v)
	if err == nil {
		r.replicaReads.Add(1)
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	r.fallbacks.Add(1)
	r.setServing(false, "a read on the replica failed", 0, err)
	select { // check again now rather than at the next tick
	case r.wake <- struct{}{}:
	default:
	}
	r.primaryReads.Add(1)
	return r.primary.Query(ctx, query, args, v)
}

// Tx opens a transaction on the primary.
func (r *Router) Tx(ctx context.Context) (dialect.Tx, error) { return r.primary.Tx(ctx) }

// BeginTx opens a transaction with options on the primary.
func (r *Router) BeginTx(ctx context.Context, opts *entsql.TxOptions) (dialect.Tx, error) {
	if b, ok := r.primary.(interface {
		BeginTx(context.Context, *entsql.TxOptions) (dialect.Tx, error)
	}); ok {
		return b.BeginTx(ctx, opts)
	}
	return r.primary.Tx(ctx)
}

// Dialect is the primary's.
func (r *Router) Dialect() string { return r.primary.Dialect() }

// Close stops the checks and closes both databases.
func (r *Router) Close() error {
	select {
	case <-r.stop:
	default:
		close(r.stop)
		<-r.done
	}
	return errors.Join(r.replica.Close(), r.primary.Close())
}

// Status returns what the router knows of the replica now; on a nil
// Router (no replica configured), the zero Status.
func (r *Router) Status() Status {
	if r == nil {
		return Status{}
	}
	r.mu.Lock()
	s := r.status
	r.mu.Unlock()
	s.Configured = true
	s.ReplicaReads, s.PrimaryReads, s.Fallbacks = r.replicaReads.Load(), r.primaryReads.Load(), r.fallbacks.Load()
	return s
}

func (r *Router) watch() {
	defer close(r.done)
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		case <-r.wake:
		}
		r.check(context.Background())
	}
}

// check reads the primary's WAL position, then the position the replica
// has replayed. The replica's lag is the age of the newest primary
// position it has reached: zero when it has replayed what the primary had
// written when checked, and growing while it stands still (replay paused,
// the stream broken) as the primary writes on. An idle primary gives no
// lag, rightly: there is nothing to miss.
func (r *Router) check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	now := time.Now()
	var primaryLSN string
	if err := r.primaryDB.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&primaryLSN); err != nil {
		// Without the primary's position the lag is unknown; reads go
		// to the primary, which the rest of the server is failing on
		// anyway.
		r.setServing(false, "the primary's WAL position is unknown", 0, err)
		return
	}
	p, err := parseLSN(primaryLSN)
	if err != nil {
		r.setServing(false, "the primary's WAL position is unknown", 0, err)
		return
	}
	var recovering bool
	var replayed sql.NullString
	err = r.replicaDB.QueryRowContext(ctx, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text").Scan(&recovering, &replayed)
	if err != nil {
		r.setServing(false, "the replica does not answer", 0, err)
		return
	}
	if !recovering || !replayed.Valid {
		r.setServing(false, "the read database is not a streaming replica (not in recovery)", 0, nil)
		return
	}
	rp, err := parseLSN(replayed.String)
	if err != nil {
		r.setServing(false, "the replica's replay position is unknown", 0, err)
		return
	}
	lag := r.lag(now, p, rp)
	if lag > r.opts.MaxLag {
		r.setServing(false, fmt.Sprintf("the replica is further behind the primary than the bound (%v)", r.opts.MaxLag), lag, nil)
		return
	}
	r.setServing(true, "", lag, nil)
}

// lag records the primary's position p at now and returns how old the
// newest recorded position the replica (at rp) has reached is.
func (r *Router) lag(now time.Time, p, rp uint64) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples = append(r.samples, sample{at: now, lsn: p})
	// Keep what a lag up to twice the bound needs, and at least one.
	keep := 0
	for keep < len(r.samples)-1 && now.Sub(r.samples[keep].at) > 2*r.opts.MaxLag+r.opts.Interval {
		keep++
	}
	r.samples = r.samples[keep:]
	if rp >= p {
		return 0
	}
	for i := len(r.samples) - 1; i >= 0; i-- {
		if r.samples[i].lsn <= rp {
			return now.Sub(r.samples[i].at)
		}
	}
	// Behind every position kept: at least as old as the oldest.
	return now.Sub(r.samples[0].at)
}

func (r *Router) setServing(serving bool, reason string, lag time.Duration, err error) {
	r.mu.Lock()
	was := r.status.Serving
	wasReason := r.status.Reason
	r.status.Serving, r.status.Reason, r.status.Lag, r.status.CheckedAt = serving, reason, lag, time.Now()
	r.mu.Unlock()
	r.serving.Store(serving)
	switch {
	case serving && !was:
		slog.Info("read replica serving public reads", "lag", lag.Round(time.Millisecond))
	case !serving && (was || reason != wasReason):
		attrs := []any{"reason", reason}
		if err != nil {
			attrs = append(attrs, "err", err)
		}
		if lag > 0 {
			attrs = append(attrs, "lag", lag.Round(time.Millisecond))
		}
		slog.Warn("read replica not serving: public reads go to the primary", attrs...)
	}
}

// parseLSN reads PostgreSQL's "X/Y" text form of a WAL position.
func parseLSN(s string) (uint64, error) {
	var hi, lo uint32
	if _, err := fmt.Sscanf(s, "%X/%X", &hi, &lo); err != nil {
		return 0, fmt.Errorf("replica: WAL position %q: %w", s, err)
	}
	return uint64(hi)<<32 | uint64(lo), nil
}
