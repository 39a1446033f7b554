// Package webasset serves a response held in memory — a bundled script, a
// rendered page, a computed JSON answer — with a gzipped copy, a strong
// ETag per encoding and 304 answers to If-None-Match. The widget, the
// explorer and the widget's data endpoint share it.
package webasset

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// Asset is one response body with its gzipped copy and validator.
type Asset struct {
	Body, Gzipped     []byte
	ETag, ContentType string
}

// New holds body, named by its content hash, gzipped at the best
// compression (for files built once and served many times).
func New(body []byte, contentType string) *Asset {
	sum := sha256.Sum256(body)
	return Make(body, contentType, `"`+hex.EncodeToString(sum[:8])+`"`, gzip.BestCompression)
}

// Make holds body with the given quoted ETag, gzipped at level.
func Make(body []byte, contentType, etag string, level int) *Asset {
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, level)
	if err != nil { // only for an invalid level: a programming error
		panic(err)
	}
	_, _ = zw.Write(body)
	_ = zw.Close()
	return &Asset{Body: body, Gzipped: gz.Bytes(), ETag: etag, ContentType: contentType}
}

// Version is the ETag without its quotes, for versioned file names.
func (a *Asset) Version() string { return strings.Trim(a.ETag, `"`) }

// Serve writes a with cacheControl, answering If-None-Match with 304 and
// sending the gzipped copy to clients that take it.
func (a *Asset) Serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	// Each encoding is its own representation, with its own strong ETag.
	body, etag := a.Body, a.ETag
	if AcceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body, etag = a.Gzipped, strings.TrimSuffix(a.ETag, `"`)+`-gz"`
	}
	h.Set("Content-Type", a.ContentType)
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if match := r.Header.Get("If-None-Match"); match != "" && ETagMatches(match, etag) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// AcceptsGzip reports whether r's Accept-Encoding takes gzip (q > 0).
func AcceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !ok {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}

// ETagMatches reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for If-None-Match) or is "*".
func ETagMatches(header, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/"))
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
