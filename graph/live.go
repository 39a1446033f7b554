package graph

import "context"

// relay maps a stream of one type onto another, closing with it (or when
// ctx ends and nobody reads any more).
func relay[A, B any](ctx context.Context, in <-chan A, f func(A) B) <-chan B {
	out := make(chan B)
	go func() {
		defer close(out)
		for v := range in {
			select {
			case out <- f(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
