package widget_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lifecircle/internal/widget"
)

func get(t *testing.T, h http.Handler, method, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// The script is what every district site downloads: small, cacheable, and
// loadable from any origin.
func TestScriptIsSmallAndCacheable(t *testing.T) {
	h := widget.Handler()
	res := get(t, h, http.MethodGet, "/widget/lifecircle-widget.js", map[string]string{"Accept-Encoding": "gzip, br"})
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("status %d, headers %v", res.StatusCode, res.Header)
	}
	if len(body) != widget.GzipSize() || len(body) > 60*1024 {
		t.Errorf("gzipped script is %d bytes (GzipSize says %d); the budget is 60 KiB", len(body), widget.GzipSize())
	}
	zr, err := gzip.NewReader(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.Contains(string(plain), "data-lifecircle-widget") {
		t.Error("the gzipped body is not the widget script")
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"X-Content-Type-Options":       "nosniff",
		"Vary":                         "Accept-Encoding",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	etag := res.Header.Get("ETag")
	if etag != `"`+widget.Version()+`-gz"` || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=300") {
		t.Errorf("ETag %q, Cache-Control %q", etag, res.Header.Get("Cache-Control"))
	}
	if res := get(t, h, http.MethodGet, "/widget/lifecircle-widget.js", map[string]string{"If-None-Match": etag, "Accept-Encoding": "gzip"}); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag: %d, want 304", res.StatusCode)
	}
	// The plain copy is another representation: the gzip ETag does not match it.
	if res := get(t, h, http.MethodGet, "/widget/lifecircle-widget.js", map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"`+widget.Version()+`"` {
		t.Errorf("plain copy with the gzip ETag: %d, ETag %q; want 200 and its own ETag", res.StatusCode, res.Header.Get("ETag"))
	}
	if res := get(t, h, http.MethodGet, "/widget/lifecircle-widget.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 still got gzip")
	}
	// The versioned name never changes content, so it is cached for a year.
	res = get(t, h, http.MethodGet, "/widget/lifecircle-widget."+widget.Version()+".js", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("versioned script: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	if res := get(t, h, http.MethodGet, "/widget/lifecircle-widget.0000000000000000.js", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown version: %d, want 404", res.StatusCode)
	}
}

func TestEditorPage(t *testing.T) {
	h := widget.Handler()
	res := get(t, h, http.MethodGet, "/widget/", nil)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), `<script src="lifecircle-widget.js"></script>`) {
		t.Fatalf("/widget/: %d %q\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	for _, p := range []string{"/widget/editor.js", "/widget/editor.css"} {
		if res := get(t, h, http.MethodGet, p, nil); res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	if res := get(t, h, http.MethodGet, "/widget/../server.go", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("path outside the page's files: %d, want 404", res.StatusCode)
	}
	if res := get(t, h, http.MethodPost, "/widget/", nil); res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}
