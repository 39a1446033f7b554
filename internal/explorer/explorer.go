// Package explorer serves the GraphQL explorer at /: GraphiQL bundled from
// npm (web/ → dist/, committed) and embedded in the binary, so it works on
// networks with no way out, preloaded with an example operation for each
// audience (examples.go).
package explorer

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

//go:embed dist/explorer.js
var script []byte

//go:embed dist/explorer.css
var style []byte

//go:embed page.html
var pageHTML string

// Endpoint is where the explorer sends operations: the API for apps, so a
// staff token in the headers editor works.
const Endpoint = "/graphql"

// AssetPrefix is the path under which the bundle is served.
const AssetPrefix = "/explorer/"

// csp keeps the page to its own origin: scripts and styles from the
// server, requests to the server, nothing else. CodeMirror and React set
// inline styles, hence 'unsafe-inline' for styles only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

// asset is a file held in memory with its validator and a gzipped copy.
type asset struct {
	body, gz    []byte
	etag, ctype string
}

func newAsset(body []byte, ctype string) *asset {
	sum := sha256.Sum256(body)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	return &asset{body: body, gz: gz.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ctype: ctype}
}

// version names a as its content hash.
func (a *asset) version() string { return strings.Trim(a.etag, `"`) }

// serve writes a with cacheControl, answering If-None-Match with 304 and
// sending the gzipped copy to clients that take it.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
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
	h.Set("Content-Length", strconv.Itoa(len(body)))
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

var (
	jsAsset  = newAsset(script, "text/javascript; charset=utf-8")
	cssAsset = newAsset(style, "text/css; charset=utf-8")
)

// ScriptPath and StylePath are the bundle's URLs; they name its content, so
// browsers keep them for a year and a new release is new URLs.
func ScriptPath() string { return AssetPrefix + "explorer." + jsAsset.version() + ".js" }

// StylePath: see ScriptPath.
func StylePath() string { return AssetPrefix + "explorer." + cssAsset.version() + ".css" }

// BundleSizes reports the script and stylesheet as stored and as most
// browsers download them (gzipped).
func BundleSizes() (js, jsGzip, css, cssGzip int) {
	return len(jsAsset.body), len(jsAsset.gz), len(cssAsset.body), len(cssAsset.gz)
}

// config is what the page hands the script.
type config struct {
	Endpoint         string    `json:"endpoint"`
	TokenPlaceholder string    `json:"tokenPlaceholder"`
	Examples         []Example `json:"examples"`
	Text             struct {
		ReplaceToken string `json:"replaceToken"`
		NetworkError string `json:"networkError"`
	} `json:"text"`
}

func renderPage() *asset {
	cfg := config{Endpoint: Endpoint, TokenPlaceholder: TokenPlaceholder, Examples: Examples}
	cfg.Text.ReplaceToken = "请先在 Headers 中把 " + TokenPlaceholder + " 换成工作人员令牌（go run . token -role staff -community <社区>）。" +
		"Replace " + TokenPlaceholder + " in Headers with a staff token first (go run . token -role staff -community <community>)."
	cfg.Text.NetworkError = "无法连接服务器 · Cannot reach the server"
	t := template.Must(template.New("page").Parse(pageHTML))
	var b bytes.Buffer
	// html/template writes cfg as JSON inside the application/json script,
	// escaped so that no value can close the element.
	if err := t.Execute(&b, map[string]any{"CSS": StylePath(), "JS": ScriptPath(), "Config": cfg}); err != nil {
		panic(err)
	}
	return newAsset(b.Bytes(), "text/html; charset=utf-8")
}

// Page serves the explorer's HTML at /. It is revalidated on every visit
// (its ETag is its content), so a new release shows at once.
func Page() http.Handler {
	page := renderPage()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		w.Header().Set("Referrer-Policy", "same-origin")
		page.serve(w, r, "no-cache")
	})
}

// Assets serves the bundle under AssetPrefix: the current script and
// stylesheet by their versioned names, anything else 404.
func Assets() http.Handler {
	js, css := ScriptPath(), StylePath()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a *asset
		switch r.URL.Path {
		case js:
			a = jsAsset
		case css:
			a = cssAsset
		default:
			http.NotFound(w, r)
			return
		}
		a.serve(w, r, "public, max-age=31536000, immutable")
	})
}
