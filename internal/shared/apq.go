package shared

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// PersistedQueries is the store of automatic persisted queries in Redis,
// so a query registered through one server is found through every other.
// Entries expire ttl after they were registered; a client told
// PersistedQueryNotFound then sends its query again, as APQ clients do. The local cache answers first (a hash names
// one text forever: gqlgen checks the hash before it stores a query), and
// alone while Redis is away.
type PersistedQueries struct {
	r     *Redis
	local graphql.Cache[string]
	// MaxEntry bounds the text kept in Redis, as the local cache does.
	maxEntry int
	ttl      time.Duration
}

var _ graphql.Cache[string] = (*PersistedQueries)(nil)

// NewPersistedQueries stores queries of at most maxEntry bytes in r for
// ttl, and in local.
func NewPersistedQueries(r *Redis, local graphql.Cache[string], maxEntry int, ttl time.Duration) *PersistedQueries {
	return &PersistedQueries{r: r, local: local, maxEntry: maxEntry, ttl: ttl}
}

// apqKey is the Redis key of a hash, or "" for what cannot be a SHA-256 in
// hex (nothing is looked up for it).
func apqKey(hash string) string {
	if len(hash) != 64 {
		return ""
	}
	for _, c := range hash {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return ""
		}
	}
	return "apq:" + hash
}

// Get implements graphql.Cache.
func (p *PersistedQueries) Get(ctx context.Context, hash string) (string, bool) {
	if q, ok := p.local.Get(ctx, hash); ok {
		return q, true
	}
	key := apqKey(hash)
	if key == "" {
		return "", false
	}
	v, ok, _ := p.r.Get(ctx, key)
	if !ok {
		return "", false
	}
	q := string(v)
	p.local.Add(ctx, hash, q)
	return q, true
}

// Add implements graphql.Cache.
func (p *PersistedQueries) Add(ctx context.Context, hash, query string) {
	p.local.Add(ctx, hash, query)
	if key := apqKey(hash); key != "" && len(query) <= p.maxEntry {
		_ = p.r.Set(ctx, key, []byte(query), p.ttl)
	}
}
