package live

import (
	"context"
	"log/slog"
)

// Stream runs one subscription for a resolver. It subscribes to r and
// turns each event into the value sent to the subscriber with load, which
// runs with ctx: the subscriber's own context, so a record loaded there
// passes through the same privacy rules as a query by that viewer, at
// delivery. load returns ok=false to send nothing for an event (filtered
// out, or not visible to this viewer).
//
// Before each delivery the connection's check runs (authentication
// re-checked: a revoked or expired token, a deactivated person) and the
// hub's Charge takes the event's cost from the caller's budget; either
// failing ends the connection with its close code, as does a subscriber
// too slow for its buffer. The channel returned is closed when the
// subscription ends.
func Stream[T any](ctx context.Context, h *Hub, r Request, load func(context.Context, Event) (T, bool, error)) (<-chan T, error) {
	sub, err := h.Subscribe(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make(chan T)
	conn := ConnFrom(ctx)
	go func() {
		defer close(out)
		for {
			var e Event
			var open bool
			select {
			case e, open = <-sub.Events():
			case <-ctx.Done():
				return
			}
			if !open {
				if err := sub.Err(); err != nil {
					conn.Drop(DropFor(err))
				}
				return
			}
			cctx := ctx
			if r.Fresh {
				cctx = Fresh(ctx)
			}
			if err := conn.Check(cctx); err != nil {
				return
			}
			v, ok, err := load(ctx, e)
			if err != nil {
				if ctx.Err() == nil {
					slog.WarnContext(ctx, "live: load an event", "source", r.Source, "seq", e.Seq, "err", err)
					conn.Drop(DropFor(err))
				}
				return
			}
			if !ok {
				continue
			}
			if h.opts.Charge != nil {
				if err := h.opts.Charge(ctx); err != nil {
					conn.Drop(DropFor(err))
					return
				}
			}
			select {
			case out <- v:
			case <-sub.Done(): // dropped while the transport was stuck writing
				conn.Drop(DropFor(sub.Err()))
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
