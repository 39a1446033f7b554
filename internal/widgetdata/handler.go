package widgetdata

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"lifecircle/ent"
	"lifecircle/internal/apperr"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/webasset"
)

// MaxAge is how long browsers and CDNs may reuse an answer without asking
// (openNow may be that old); ServerTTL how long the server reuses one it
// computed. After MaxAge a browser revalidates with If-None-Match and gets
// 304 when nothing changed.
const (
	// Cost is what a load is charged to the caller's budget: a flat
	// price, as for downloads, since the work is bounded (one place, at
	// most MaxFacilities facilities, in-memory routing).
	Cost      = 100
	MaxAge    = 60 * time.Second
	ServerTTL = 20 * time.Second
	// maxEntries bounds the server's cache (answers are tens of KiB).
	maxEntries = 512
)

// Handler serves GET /open/widget.json?place=ID[&minutes=M][&categories=a,b][&services=x,y][&tags=z].
type Handler struct {
	client *ent.Client
	places *servicemap.Index
	walk   servicemap.WalkModel
	now    func() time.Time

	flights singleflight.Group
	mu      sync.Mutex
	cache   map[string]*answer
}

// answer is a computed response, with its gzipped copy and validators.
type answer struct {
	*webasset.Asset
	expires time.Time
}

// NewHandler returns the handler over client and the service-map index.
func NewHandler(client *ent.Client, places *servicemap.Index, walk servicemap.WalkModel) *Handler {
	return &Handler{client: client, places: places, walk: walk, now: time.Now, cache: map[string]*answer{}}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		e, _ := apperr.As(err)
		apperr.WriteHTTP(w, http.StatusBadRequest, e)
		return
	}
	a, err := h.answer(r, q)
	switch {
	case errors.Is(err, errNotFound):
		apperr.WriteHTTP(w, http.StatusNotFound, &apperr.Error{Code: apperr.CodeNotFound, Field: "place", Message: "no community or compound with this ID"})
		return
	case err != nil:
		logInternal(r.Context(), err)
		apperr.WriteHTTP(w, http.StatusInternalServerError, &apperr.Error{Code: apperr.CodeInternal, Message: "the widget's data could not be read"})
		return
	}
	a.Serve(w, r, "public, max-age="+strconv.Itoa(int(MaxAge/time.Second)))
}

// answer returns q's answer from the cache or computes it, once for
// concurrent requests.
func (h *Handler) answer(r *http.Request, q Query) (*answer, error) {
	k := q.key()
	now := h.now()
	h.mu.Lock()
	a, ok := h.cache[k]
	h.mu.Unlock()
	if ok && now.Before(a.expires) {
		return a, nil
	}
	v, err, _ := h.flights.Do(k, func() (any, error) {
		// Computed for every waiting request: one leaving must not
		// cancel it for the others.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 20*time.Second)
		defer cancel()
		d, err := Build(ctx, h.client, h.places, h.walk, q, now)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		// The ETag leaves out asOf and the cursor: an answer read again
		// with nothing changed here validates (a map keeping its older
		// cursor only receives some changes again).
		unstamped := bytes.Replace(body, []byte(`"asOf":"`+d.AsOf+`"`), nil, 1)
		unstamped = bytes.Replace(unstamped, []byte(`"cursor":"`+d.Cursor+`"`), nil, 1)
		sum := sha256.Sum256(unstamped)
		etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
		a := &answer{Asset: webasset.Make(body, "application/json; charset=utf-8", etag, gzip.BestSpeed), expires: now.Add(ServerTTL)}
		h.mu.Lock()
		if len(h.cache) >= maxEntries {
			for key, old := range h.cache {
				if !now.Before(old.expires) || len(h.cache) >= maxEntries {
					delete(h.cache, key)
				}
			}
		}
		h.cache[k] = a
		h.mu.Unlock()
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*answer), nil
}
