package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"lifecircle/internal/shared"
)

// responseCache answers repeated anonymous GETs of the public endpoint —
// the same persisted-query hash or query text and variables — from a
// cache for ttl, before the rate limiter: a cached answer costs the server
// next to nothing, so it is not charged. Only responses that cacheableGET
// marked cacheable (200, no errors, an ETag) are kept. ttl stays well under
// the max-age that CDNs and browsers are told, so the server never serves
// older data than a cache in front of it may.
//
// An entry expires ttl after the request that computed it began, so no
// answer is served more than ttl after the data it was read from — however
// many servers share the cache (see sharedResponses), a write committed
// through any of them is seen by all within ttl.
type responseCache struct {
	ttl     time.Duration
	flights singleflight.Group
	store   responseStore
}

// responseStore keeps cached responses by key until they expire.
type responseStore interface {
	get(ctx context.Context, key string) *cachedResponse
	put(ctx context.Context, key string, e *cachedResponse)
}

type cachedResponse struct {
	Expires               time.Time
	ETag, CType, CacheCtl string
	Vary                  []string
	Body                  []byte
	size                  int // of the key and the body: what it holds in memory
}

// Limits: a body or key over maxCachedBody is not kept (cheap to recompute
// for its size, and a few would crowd out the rest); all keys and bodies
// together stay under maxCacheBytes in memory.
const (
	maxCachedBody = 256 << 10
	maxCacheBytes = 32 << 20
)

func newResponseCache(ttl time.Duration, store responseStore) *responseCache {
	if store == nil {
		store = newLocalResponses(maxCacheBytes)
	}
	return &responseCache{ttl: ttl, store: store}
}

// cacheKey is what decides the answer: the GraphQL parameters and the
// negotiated media type. Anything else in the URL (a cache-buster) or in
// Accept (the same type spelled otherwise) gives the same key, so junk
// cannot push real entries out.
func cacheKey(r *http.Request) string {
	q := r.URL.Query()
	var b strings.Builder
	for _, p := range []string{"query", "variables", "operationName", "extensions"} {
		b.WriteString(q.Get(p))
		b.WriteByte(0)
	}
	if strings.Contains(r.Header.Get("Accept"), "application/graphql-response+json") {
		b.WriteString("graphql-response")
	}
	return b.String()
}

func (e *cachedResponse) serve(w http.ResponseWriter, r *http.Request, match string) {
	h := w.Header()
	h.Set("ETag", e.ETag)
	h.Set("Cache-Control", e.CacheCtl)
	h["Vary"] = slices.Clone(e.Vary)
	if match != "" && etagMatches(match, e.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", e.CType)
	_, _ = w.Write(e.Body)
}

func (c *responseCache) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.RawQuery == "" {
			next.ServeHTTP(w, r)
			return
		}
		key := cacheKey(r)
		match := r.Header.Get("If-None-Match")
		if e := c.store.get(r.Context(), key); e != nil {
			e.serve(w, r, match)
			return
		}
		// A miss: one request per key fetches the full answer (without
		// If-None-Match, so there is a body to keep) and is charged; the
		// ones that arrive meanwhile wait and are served what it kept.
		var own *bufferedWriter
		v, _, _ := c.flights.Do(key, func() (any, error) {
			rr := r.Clone(r.Context())
			rr.Header.Del("If-None-Match")
			own = &bufferedWriter{header: http.Header{}, status: http.StatusOK}
			// The data is at least as new as this instant: the entry
			// expires ttl after it, however long the request takes.
			expires := time.Now().Add(c.ttl)
			next.ServeHTTP(own, rr)
			etag := own.header.Get("ETag")
			if own.status != http.StatusOK || etag == "" || own.body.Len() > maxCachedBody || !time.Now().Before(expires) {
				return (*cachedResponse)(nil), nil
			}
			e := &cachedResponse{
				Expires:  expires,
				ETag:     etag,
				CType:    own.header.Get("Content-Type"),
				CacheCtl: own.header.Get("Cache-Control"),
				Vary:     slices.Clone(own.header.Values("Vary")),
				Body:     uncharged(own.body.Bytes()),
			}
			c.store.put(r.Context(), key, e)
			return e, nil
		})
		if own == nil { // waited for another request's answer
			if e := v.(*cachedResponse); e != nil {
				e.serve(w, r, match)
			} else {
				next.ServeHTTP(w, r)
			}
			return
		}
		for k, vs := range own.header {
			w.Header()[k] = vs
		}
		if own.status == http.StatusOK && match != "" && etagMatches(match, own.header.Get("ETag")) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.WriteHeader(own.status)
		_, _ = w.Write(own.body.Bytes())
	})
}

// localResponses keeps responses in this process, bounded in bytes.
type localResponses struct {
	maxBytes int

	mu      sync.RWMutex
	entries map[string]*cachedResponse
	bytes   int
}

func newLocalResponses(maxBytes int) *localResponses {
	return &localResponses{maxBytes: maxBytes, entries: map[string]*cachedResponse{}}
}

func (c *localResponses) get(_ context.Context, key string) *cachedResponse {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e == nil || time.Now().Before(e.Expires) {
		return e
	}
	c.mu.Lock()
	if c.entries[key] == e {
		delete(c.entries, key)
		c.bytes -= e.size
	}
	c.mu.Unlock()
	return nil
}

// put stores e, dropping expired entries and then arbitrary ones (Go's
// map order) while the bodies would exceed maxBytes.
func (c *localResponses) put(_ context.Context, key string, e *cachedResponse) {
	e.size = len(key) + len(e.Body)
	if len(key) > maxCachedBody {
		return // a huge query string is not worth keeping as a key
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil {
		c.bytes -= old.size
		delete(c.entries, key)
	}
	if c.bytes+e.size > c.maxBytes {
		now := time.Now()
		for k, old := range c.entries {
			if now.After(old.Expires) {
				c.bytes -= old.size
				delete(c.entries, k)
			}
		}
		for k, old := range c.entries {
			if c.bytes+e.size <= c.maxBytes {
				break
			}
			c.bytes -= old.size
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
	c.bytes += e.size
}

// sharedResponses keeps responses in Redis, where every server finds them;
// each entry expires in Redis when it expires here (PX), so no server
// serves it later. While Redis is away, each server keeps its own (local).
type sharedResponses struct {
	redis *shared.Redis
	local *localResponses
}

// redisKey names a response by the SHA-256 of its cache key: a key is a
// query string of up to maxCachedBody bytes.
func (c *sharedResponses) redisKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "resp:" + hex.EncodeToString(sum[:])
}

func (c *sharedResponses) get(ctx context.Context, key string) *cachedResponse {
	if len(key) > maxCachedBody {
		return nil
	}
	v, ok, err := c.redis.Get(ctx, c.redisKey(key))
	if err != nil {
		return c.local.get(ctx, key)
	}
	if !ok {
		return nil
	}
	var e cachedResponse
	if json.Unmarshal(v, &e) != nil || !time.Now().Before(e.Expires) {
		return nil
	}
	return &e
}

func (c *sharedResponses) put(ctx context.Context, key string, e *cachedResponse) {
	ttl := time.Until(e.Expires)
	if len(key) > maxCachedBody || ttl <= 0 {
		return
	}
	v, err := json.Marshal(e)
	if err != nil {
		return
	}
	if err := c.redis.Set(ctx, c.redisKey(key), v, ttl); err != nil {
		c.local.put(ctx, key, e)
	}
}

// uncharged rewrites extensions.cost of a cached body: the first caller's
// remaining budget means nothing to the next, who is not charged at all.
func uncharged(body []byte) []byte {
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(body, &resp); err != nil {
		return body
	}
	var ext map[string]json.RawMessage
	if err := json.Unmarshal(resp["extensions"], &ext); err != nil || ext["cost"] == nil {
		return body
	}
	var cost map[string]any
	if err := json.Unmarshal(ext["cost"], &cost); err != nil {
		return body
	}
	ext["cost"], _ = json.Marshal(map[string]any{"requested": cost["requested"], "limit": cost["limit"], "charged": 0, "cached": true})
	resp["extensions"], _ = json.Marshal(ext)
	out, err := json.Marshal(resp)
	if err != nil {
		return body
	}
	return out
}
