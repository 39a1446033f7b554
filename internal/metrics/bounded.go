package metrics

import "sync"

// bounded admits the first max distinct values it is asked about and no
// others: label values a client chooses stay a bounded set.
type bounded struct {
	max  int
	mu   sync.RWMutex
	seen map[string]struct{}
}

func newBounded(max int) *bounded { return &bounded{max: max, seen: map[string]struct{}{}} }

func (b *bounded) admit(v string) bool {
	b.mu.RLock()
	_, ok := b.seen[v]
	full := len(b.seen) >= b.max
	b.mu.RUnlock()
	if ok || full {
		return ok
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[v]; ok {
		return true
	}
	if len(b.seen) >= b.max {
		return false
	}
	b.seen[v] = struct{}{}
	return true
}
