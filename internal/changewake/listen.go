package changewake

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// Listen bumps w on every notification of Channel on the PostgreSQL
// database at url, and after each reconnection of its connection (the
// notifications sent meanwhile are lost; the bump makes the readers look).
// It connects before it returns (an error if it cannot), then listens in
// the background until ctx ends or stop is called (stop returns once the
// connection is closed). Problems after the start go to fail (which may be
// nil); pq.Listener reconnects by itself.
func Listen(ctx context.Context, w *Wake, url string, fail func(error)) (stop func(), err error) {
	l := pq.NewListener(url, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventReconnected:
			w.Bump()
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			if err != nil && fail != nil && ctx.Err() == nil {
				fail(fmt.Errorf("changewake: listener: %w", err))
			}
		}
	})
	if err := l.Listen(Channel); err != nil {
		l.Close()
		return nil, fmt.Errorf("changewake: listen on %s: %w", Channel, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer l.Close()
		// pq.Listener's own keep-alive: a ping now and then finds a dead
		// connection that no notification would.
		ping := time.NewTicker(90 * time.Second)
		defer ping.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-l.NotificationChannel():
				// nil: the connection was lost and re-established
				// (the Reconnected event bumps too).
				_ = n
				w.Bump()
			case <-ping.C:
				go func() { _ = l.Ping() }()
			}
		}
	}()
	return func() { cancel(); <-stopped }, nil
}
