package server

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// responseCache answers repeated anonymous GETs of the public endpoint —
// the same persisted-query hash or query text and variables — from memory
// for ttl, before the rate limiter: a cached answer costs the server next
// to nothing, so it is not charged. Only responses that cacheableGET
// marked cacheable (200, no errors, an ETag) are kept. ttl stays well under
// the max-age that CDNs and browsers are told, so the server never serves
// older data than a cache in front of it may.
type responseCache struct {
	ttl        time.Duration
	maxEntries int

	mu      sync.RWMutex
	entries map[string]*cachedResponse
}

type cachedResponse struct {
	expires               time.Time
	etag, ctype, cacheCtl string
	vary                  []string
	body                  []byte
}

func newResponseCache(ttl time.Duration) *responseCache {
	return &responseCache{ttl: ttl, maxEntries: 4096, entries: map[string]*cachedResponse{}}
}

func (c *responseCache) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.RawQuery == "" {
			next.ServeHTTP(w, r)
			return
		}
		key := r.URL.RawQuery + "\x00" + r.Header.Get("Accept")
		c.mu.RLock()
		e := c.entries[key]
		c.mu.RUnlock()
		if e != nil && time.Now().Before(e.expires) {
			h := w.Header()
			h.Set("ETag", e.etag)
			h.Set("Cache-Control", e.cacheCtl)
			h["Vary"] = e.vary
			if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, e.etag) {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			h.Set("Content-Type", e.ctype)
			_, _ = w.Write(e.body)
			return
		}
		// A miss: fetch the full answer (without If-None-Match, so there is
		// a body to keep), then answer this request as a hit would.
		match := r.Header.Get("If-None-Match")
		r = r.Clone(r.Context())
		r.Header.Del("If-None-Match")
		buf := &bufferedWriter{header: w.Header(), status: http.StatusOK}
		next.ServeHTTP(buf, r)
		etag := buf.header.Get("ETag")
		if buf.status == http.StatusOK && etag != "" && buf.body.Len() <= maxCachedBody {
			c.store(key, &cachedResponse{
				expires:  time.Now().Add(c.ttl),
				etag:     etag,
				ctype:    buf.header.Get("Content-Type"),
				cacheCtl: buf.header.Get("Cache-Control"),
				vary:     buf.header.Values("Vary"),
				body:     uncharged(buf.body.Bytes()),
			})
			if match != "" && etagMatches(match, etag) {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.WriteHeader(buf.status)
		_, _ = w.Write(buf.body.Bytes())
	})
}

func (c *responseCache) store(key string, e *cachedResponse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.maxEntries {
		now := time.Now()
		for k, old := range c.entries {
			if now.After(old.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.maxEntries {
			clear(c.entries) // many distinct live queries: start over
		}
	}
	c.entries[key] = e
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

// maxCachedBody keeps large answers out of memory: they are cheap to
// recompute relative to their size, and a few could crowd out the rest.
const maxCachedBody = 256 << 10
