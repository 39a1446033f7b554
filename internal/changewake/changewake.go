// Package changewake tells the readers of the change log that it may have
// grown, so that they need not ask the database before every answer.
//
// A Wake is a counter with a broadcast: every Bump raises the generation and
// wakes whoever waits on Changed. A reader notes the generation before it
// reads the log; while the generation stays the same, what it read is still
// current, as far as this process can know. Three things bump it:
//
//   - the writer, in this process, right after the commit of a transaction
//     that appended to the log (internal/store does it in its driver), so a
//     client that wrote through this server reads its write on its next
//     request;
//   - PostgreSQL's NOTIFY, sent in the same transaction as the append (so
//     it is delivered at commit, and only then), heard by Listen: writes
//     made through other servers arrive within the notification latency
//     (milliseconds on one network);
//   - Poll, the safety net: it reads the log's last entry every interval
//     and bumps when it moved (a notification lost while the listener was
//     reconnecting, a write by another process on SQLite, a writer that
//     sends no NOTIFY).
//
// The service-map index follows a Wake (internal/servicemap); GraphQL
// subscriptions can wait on the same signal.
package changewake

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Channel is the PostgreSQL notification channel of the change log.
const Channel = "lifecircle_changes"

// Wake is the signal "the change log may have grown". The zero value is not
// usable: call New.
type Wake struct {
	gen  atomic.Uint64
	mu   sync.Mutex
	ch   chan struct{} // closed by the next Bump
	done chan struct{} // closed by Close
	once sync.Once
}

// New returns a Wake at generation 1.
func New() *Wake {
	w := &Wake{ch: make(chan struct{}), done: make(chan struct{})}
	w.gen.Store(1)
	return w
}

// Gen returns the current generation. A reader that read the log after
// seeing generation g has read every entry committed before the bump to g.
func (w *Wake) Gen() uint64 { return w.gen.Load() }

// Bump raises the generation and wakes the waiters.
func (w *Wake) Bump() {
	w.mu.Lock()
	w.gen.Add(1)
	close(w.ch)
	w.ch = make(chan struct{})
	w.mu.Unlock()
}

// Changed returns a channel closed at the next Bump. Take it before
// reading the generation, so no bump falls in between unseen.
func (w *Wake) Changed() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ch
}

// Done is closed by Close: followers stop.
func (w *Wake) Done() <-chan struct{} { return w.done }

// Close stops the followers (and Listen and Poll started with its Context).
func (w *Wake) Close() { w.once.Do(func() { close(w.done) }) }

// Context returns a context cancelled by Close, for the goroutines that
// feed the Wake.
func (w *Wake) Context() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-w.done
		cancel()
	}()
	return ctx
}

// Poll calls latest every interval and bumps w whenever the value it
// returns differs from the previous one (the first reading bumps too, which
// costs a reader one look at the log). Errors are passed to fail (which may
// be nil) and the polling goes on. It returns when ctx ends.
func Poll(ctx context.Context, w *Wake, interval time.Duration, latest func(context.Context) (int64, error), fail func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	last, known := int64(0), false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		qctx, cancel := context.WithTimeout(Background(ctx), interval+5*time.Second)
		v, err := latest(qctx)
		cancel()
		switch {
		case err != nil:
			if fail != nil && ctx.Err() == nil {
				fail(err)
			}
		case !known || v != last:
			last, known = v, true
			w.Bump()
		}
	}
}

type backgroundKey struct{}

// Background marks ctx as a follower's own reading of a log (the poll,
// the service-map index catching up, the live hub's followers), not a
// request's: the tests that count a request's statements leave these out,
// as they come on their own clock.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// IsBackground reports whether ctx was marked by Background.
func IsBackground(ctx context.Context) bool {
	v, _ := ctx.Value(backgroundKey{}).(bool)
	return v
}
