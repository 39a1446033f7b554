package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"lifecircle/internal/apperr"
	"lifecircle/internal/limits"
	"lifecircle/internal/reqid"
	"lifecircle/internal/webasset"
)

// anonymous strips credentials: the public endpoint serves everyone the
// same public data, whatever cookies or tokens a browser attaches.
func anonymous(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Authorization")
		r.Header.Del("Cookie")
		next.ServeHTTP(w, r.WithContext(limits.Public(r.Context())))
	})
}

// supportedTransport answers, with a code, the requests gqlgen itself would
// refuse with a bare "transport not supported": a method other than GET,
// POST, OPTIONS or HEAD is 405 with Allow, a POST whose body is not JSON
// (a form, text/plain) is 415.
func supportedTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodOptions, http.MethodHead:
		case http.MethodPost:
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
					"send the GraphQL request as JSON, with Content-Type: application/json")
				return
			}
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use POST (or GET for queries)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// queriesOnlyOverGET answers a mutation sent by GET with 405 and Allow: POST,
// as GraphQL over HTTP asks (GET must stay safe to cache and to follow).
func queriesOnlyOverGET(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if q := r.URL.Query().Get("query"); q != "" {
				if doc, err := parser.ParseQuery(&ast.Source{Input: q}); err == nil {
					if op := pick(doc, r.URL.Query().Get("operationName")); op != nil && op.Operation != ast.Query {
						w.Header().Set("Allow", http.MethodPost)
						writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "a "+string(op.Operation)+" must be sent with POST")
						return
					}
				}
			}
		}
		if r.Method == http.MethodGet {
			w = &notAcceptableAs405{ResponseWriter: w}
		}
		next.ServeHTTP(w, r)
	})
}

// notAcceptableAs405 turns gqlgen's 406 for a GET that resolved to a
// mutation (say, a persisted query sent by hash) into 405 with Allow: POST.
type notAcceptableAs405 struct{ http.ResponseWriter }

func (w *notAcceptableAs405) WriteHeader(status int) {
	if status == http.StatusNotAcceptable {
		w.Header().Set("Allow", http.MethodPost)
		status = http.StatusMethodNotAllowed
	}
	w.ResponseWriter.WriteHeader(status)
}

func pick(doc *ast.QueryDocument, name string) *ast.OperationDefinition {
	if name == "" && len(doc.Operations) == 1 {
		return doc.Operations[0]
	}
	return doc.Operations.ForName(name)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	apperr.WriteHTTP(w, status, &apperr.Error{Code: code, Message: msg})
}

// bufferedWriter holds a response so its ETag can be computed first.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// newBufferedWriter buffers a response to w, with w's request ID already
// in its headers (an error written into the buffer quotes it).
func newBufferedWriter(w http.ResponseWriter) *bufferedWriter {
	h := http.Header{}
	if id := w.Header().Get(reqid.Header); id != "" {
		h.Set(reqid.Header, id)
	}
	return &bufferedWriter{header: h, status: http.StatusOK}
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedWriter) WriteHeader(status int)      { b.status = status }

// cacheableGET gives successful anonymous GET responses a strong ETag and a
// short public Cache-Control, and answers If-None-Match with 304, so
// browsers and CDNs can reuse them.
func cacheableGET(maxAge string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		buf := newBufferedWriter(w)
		next.ServeHTTP(buf, r)
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		if buf.status != http.StatusOK || bytes.Contains(buf.body.Bytes(), []byte(`"errors"`)) {
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(buf.status)
			_, _ = w.Write(buf.body.Bytes())
			return
		}
		sum := sha256.Sum256(withoutExtensions(buf.body.Bytes()))
		etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "public, max-age="+maxAge)
		w.Header().Add("Vary", "Accept")
		if match := r.Header.Get("If-None-Match"); match != "" && webasset.ETagMatches(match, etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(buf.body.Bytes())
	})
}

// withoutExtensions drops a response's extensions before hashing: they
// report per-request things (the caller's remaining budget), not the data.
func withoutExtensions(body []byte) []byte {
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(body, &resp); err != nil {
		return body
	}
	delete(resp, "extensions")
	b, err := json.Marshal(resp)
	if err != nil {
		return body
	}
	return b
}
