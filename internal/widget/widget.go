// Package widget serves the embeddable service-circle map: the bundled
// script that district sites include (built from web/ with npm, committed
// under dist/) and the /widget/ page where an editor previews it and copies
// the snippet.
package widget

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"lifecircle/internal/webasset"
)

//go:embed dist/lifecircle-widget.js
var bundle []byte

//go:embed static
var static embed.FS

// ScriptName is the widget's stable file name; Version names the same
// script by its content, for sites that pin a release.
const ScriptName = "lifecircle-widget.js"

func newAsset(name string, body []byte) *webasset.Asset {
	ctype := mime.TypeByExtension(path.Ext(name))
	if strings.HasSuffix(name, ".js") {
		ctype = "text/javascript; charset=utf-8"
	}
	return webasset.New(body, ctype)
}

var script = newAsset(ScriptName, bundle)

// Version is the content hash in the versioned file name.
func Version() string { return script.Version() }

// GzipSize is the size of the script as most browsers download it.
func GzipSize() int { return len(script.Gzipped) }

// Handler serves everything under /widget/.
func Handler() http.Handler {
	pages := map[string]*webasset.Asset{}
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
			script.Serve(w, r, cc)
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
		a.Serve(w, r, "no-cache")
	})
}
