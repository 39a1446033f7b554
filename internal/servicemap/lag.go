package servicemap

import (
	"context"
	"fmt"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/change"
	"lifecircle/internal/auth/rule"
)

// Lag is how far the index is behind the change log: the entries written
// since it last caught up, and the age of the oldest of them (zero when it
// is up to date). The index catches up before its next answer; the lag is
// for the operator's metrics. Before its first load, everything is lag.
func (ix *Index) Lag(ctx context.Context) (changes int, age time.Duration, err error) {
	ctx = rule.SystemContext(ctx)
	ix.mu.RLock()
	seq := ix.seq
	ix.mu.RUnlock()
	oldest, err := ix.client.Change.Query().Where(change.IDGT(seq)).
		Order(ent.Asc(change.FieldID)).Limit(1).Select(change.FieldAt).All(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("servicemap: read change log: %w", err)
	}
	if len(oldest) == 0 {
		return 0, 0, nil
	}
	n, err := ix.client.Change.Query().Where(change.IDGT(seq)).Count(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("servicemap: count changes: %w", err)
	}
	return n, max(0, time.Since(oldest[0].At)), nil
}
