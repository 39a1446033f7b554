package servicemap

import (
	"context"
	"log/slog"
)

// Loaded reports whether the index has loaded. If it has not, it starts
// loading in the background (one load at a time) and reports false, so a
// readiness probe turns ready once it has: the server loads it before it
// listens, and a server whose first load failed retries on each probe.
func (ix *Index) Loaded() bool {
	ix.mu.RLock()
	loaded := ix.loaded
	ix.mu.RUnlock()
	if loaded {
		return true
	}
	if ix.loading.CompareAndSwap(false, true) {
		go func() {
			defer ix.loading.Store(false)
			if err := ix.Sync(context.Background()); err != nil {
				slog.Warn("servicemap: load", "err", err)
			}
		}()
	}
	return false
}
