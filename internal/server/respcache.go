package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"lifecircle/internal/metrics"
)

// responseCache answers repeated anonymous GETs of the public endpoint —
// the same persisted-query hash or query text and variables — from memory
// for ttl, before the rate limiter: a cached answer costs the server next
// to nothing, so it is not charged. Only responses that cacheableGET
// marked cacheable (200, no errors, an ETag) are kept. ttl stays well under
// the max-age that CDNs and browsers are told, so the server never serves
// older data than a cache in front of it may.
type responseCache struct {
	ttl      time.Duration
	maxBytes int
	flights  singleflight.Group

	mu      sync.RWMutex
	entries map[string]*cachedResponse
	bytes   int
}

type cachedResponse struct {
	expires               time.Time
	etag, ctype, cacheCtl string
	vary                  []string
	body                  []byte
	size                  int // of the key and the body: what it holds in memory
}

// Limits: a body or key over maxCachedBody is not kept (cheap to recompute
// for its size, and a few would crowd out the rest); all keys and bodies
// together stay under maxCacheBytes.
const (
	maxCachedBody = 256 << 10
	maxCacheBytes = 32 << 20
)

func newResponseCache(ttl time.Duration) *responseCache {
	return &responseCache{ttl: ttl, maxBytes: maxCacheBytes, entries: map[string]*cachedResponse{}}
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
	h.Set("ETag", e.etag)
	h.Set("Cache-Control", e.cacheCtl)
	h["Vary"] = slices.Clone(e.vary)
	if match != "" && etagMatches(match, e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", e.ctype)
	_, _ = w.Write(e.body)
}

func (c *responseCache) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.RawQuery == "" {
			next.ServeHTTP(w, r)
			return
		}
		key := cacheKey(r)
		match := r.Header.Get("If-None-Match")
		m := metrics.From(r.Context())
		if e := c.get(key); e != nil {
			m.CacheLookup(metrics.CacheResponse, true)
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
			own = newBufferedWriter(w)
			next.ServeHTTP(own, rr)
			etag := own.header.Get("ETag")
			if own.status != http.StatusOK || etag == "" || own.body.Len() > maxCachedBody {
				return (*cachedResponse)(nil), nil
			}
			e := &cachedResponse{
				expires:  time.Now().Add(c.ttl),
				etag:     etag,
				ctype:    own.header.Get("Content-Type"),
				cacheCtl: own.header.Get("Cache-Control"),
				vary:     slices.Clone(own.header.Values("Vary")),
				body:     uncharged(own.body.Bytes()),
			}
			c.put(key, e)
			return e, nil
		})
		if own == nil { // waited for another request's answer
			e := v.(*cachedResponse)
			m.CacheLookup(metrics.CacheResponse, e != nil)
			if e != nil {
				e.serve(w, r, match)
			} else {
				next.ServeHTTP(w, r)
			}
			return
		}
		m.CacheLookup(metrics.CacheResponse, false)
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

func (c *responseCache) get(key string) *cachedResponse {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e == nil || time.Now().Before(e.expires) {
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
func (c *responseCache) put(key string, e *cachedResponse) {
	e.size = len(key) + e.size
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
			if now.After(old.expires) {
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
