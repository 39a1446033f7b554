// Package explorer serves the GraphQL explorer at /: GraphiQL bundled from
// npm (web/ → dist/, committed) and embedded in the binary, so it works on
// networks with no way out, preloaded with an example operation for each
// audience (examples.go).
package explorer

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"

	"lifecircle/internal/webasset"
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

var (
	jsAsset  = webasset.New(script, "text/javascript; charset=utf-8")
	cssAsset = webasset.New(style, "text/css; charset=utf-8")
)

// ScriptPath and StylePath are the bundle's URLs; they name its content, so
// browsers keep them for a year and a new release is new URLs.
func ScriptPath() string { return AssetPrefix + "explorer." + jsAsset.Version() + ".js" }

// StylePath: see ScriptPath.
func StylePath() string { return AssetPrefix + "explorer." + cssAsset.Version() + ".css" }

// BundleSizes reports the script and stylesheet as stored and as most
// browsers download them (gzipped).
func BundleSizes() (js, jsGzip, css, cssGzip int) {
	return len(jsAsset.Body), len(jsAsset.Gzipped), len(cssAsset.Body), len(cssAsset.Gzipped)
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

func renderPage() *webasset.Asset {
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
	return webasset.New(b.Bytes(), "text/html; charset=utf-8")
}

// Page serves the explorer's HTML at /. It is revalidated on every visit
// (its ETag is its content), so a new release shows at once.
func Page() http.Handler {
	page := renderPage()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		w.Header().Set("Referrer-Policy", "same-origin")
		page.Serve(w, r, "no-cache")
	})
}

// Assets serves the bundle under AssetPrefix: the current script and
// stylesheet by their versioned names, anything else 404.
func Assets() http.Handler {
	js, css := ScriptPath(), StylePath()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a *webasset.Asset
		switch r.URL.Path {
		case js:
			a = jsAsset
		case css:
			a = cssAsset
		default:
			http.NotFound(w, r)
			return
		}
		a.Serve(w, r, "public, max-age=31536000, immutable")
	})
}
