// Package widget serves the embeddable service-circle map: the bundled
// script that district sites include (built from web/ with npm, committed
// under dist/) and the /widget/ page where an editor previews it and copies
// the snippet.
package widget

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed dist/lifecircle-widget.js
var bundle []byte

//go:embed static
var static embed.FS

// ScriptName is the widget's stable file name; Version names the same
// script by its content, for sites that pin a release.
const ScriptName = "lifecircle-widget.js"

// asset is a file held in memory with its validator and a gzipped copy.
type asset struct {
	body, gz    []byte
	etag, ctype string
}

func newAsset(name string, body []byte) *asset {
	sum := sha256.Sum256(body)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	ctype := mime.TypeByExtension(path.Ext(name))
	if strings.HasSuffix(name, ".js") {
		ctype = "text/javascript; charset=utf-8"
	}
	return &asset{body: body, gz: gz.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ctype: ctype}
}

var script = newAsset(ScriptName, bundle)

// Version is the content hash in the versioned file name.
func Version() string { return strings.Trim(script.etag, `"`) }

// GzipSize is the size of the script as most browsers download it.
func GzipSize() int { return len(script.gz) }

// serve writes a with cacheControl, answering If-None-Match with 304 and
// sending the gzipped copy to clients that take it.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	// Each encoding is its own representation, with its own strong ETag.
	body, etag := a.body, a.etag
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
	}
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if match := r.Header.Get("If-None-Match"); match != "" && (strings.Contains(match, etag) || match == "*") {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
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

// Handler serves everything under /widget/.
func Handler() http.Handler {
	pages := map[string]*asset{}
	_ = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		pages[strings.TrimPrefix(p, "static/")] = newAsset(p, b)
		return nil
	})
	versioned := "lifecircle-widget." + Version() + ".js"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/widget/")
		switch name {
		case ScriptName, versioned:
			// Any site may load the script; it runs in the host page
			// and reads only the public endpoint.
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
			cc := "public, max-age=300, stale-while-revalidate=86400"
			if name == versioned {
				cc = "public, max-age=31536000, immutable"
			}
			script.serve(w, r, cc)
			return
		case "":
			name = "index.html"
		}
		a, ok := pages[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		a.serve(w, r, "no-cache")
	})
}
