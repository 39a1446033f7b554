package liveprivate

import (
	"context"
	"errors"

	"lifecircle/internal/apperr"
	"lifecircle/internal/live"
)

// Pipe hands a subscription's values to the GraphQL transport: before each
// one it runs the connection's check (internal/live: authentication
// re-checked), and when the subscription ends with an error it ends the
// connection with the matching close code (4401 UNAUTHENTICATED for a
// revoked token or deactivated person, 4413 SLOW_CONSUMER for a subscriber
// that fell behind).
func Pipe[T any](ctx context.Context, in <-chan T, errs <-chan error) <-chan T {
	out := make(chan T)
	conn := live.ConnFrom(ctx)
	go func() {
		defer close(out)
		for v := range in {
			if err := conn.Check(ctx); err != nil {
				return
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
		select {
		case err := <-errs:
			conn.Drop(dropFor(err))
		default:
		}
	}()
	return out
}

func dropFor(err error) *live.Drop {
	switch {
	case errors.Is(err, ErrRevoked):
		return &live.Drop{Code: live.CloseUnauthenticated, ErrCode: apperr.CodeUnauthenticated, Message: ErrRevoked.Message}
	case errors.Is(err, ErrTooSlow):
		return &live.Drop{Code: live.CloseSlow, ErrCode: "SLOW_CONSUMER", Message: ErrTooSlow.Message}
	}
	return live.DropFor(err)
}
