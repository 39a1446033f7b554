package explorer_test

import (
	"compress/gzip"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lifecircle/internal/explorer"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

func get(t *testing.T, h http.Handler, method, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

// handler is the whole server's routes over a demo database: the page and
// its bundle are reached the way browsers reach them.
func handler(t *testing.T) http.Handler {
	st := testenv.Backends()[0].Open(t, testenv.Options{NoDemo: true})
	h := server.New(st.Client, server.Options{})
	t.Cleanup(h.Close)
	return h
}

// The page at / names only its own origin's files, keeps the browser to
// that origin, and carries the examples for the script.
func TestPageIsSelfContained(t *testing.T) {
	h := handler(t)
	res, body := get(t, h, http.MethodGet, "/", nil)
	page := string(body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for k, want := range map[string]string{
		"Cache-Control":          "no-cache",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "SAMEORIGIN",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, d)
		}
	}
	// Every src and href is a path on this server (or data:).
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if u := m[1]; !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
			if !strings.HasPrefix(u, "data:") {
				t.Errorf("the page refers to %q, not a path of its own server", u)
			}
		}
	}
	for _, want := range []string{`src="` + explorer.ScriptPath(), `href="` + explorer.StylePath(), `href="/open/schema.graphql"`, `href="/open/"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// The configuration is JSON the script can parse, with every example.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="explorer-config">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no explorer-config in the page")
	}
	var cfg struct {
		Endpoint, TokenPlaceholder string
		Examples                   []explorer.Example
	}
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("explorer-config is not JSON: %v\n%s", err, html.UnescapeString(m[1]))
	}
	if cfg.Endpoint != "/graphql" || cfg.TokenPlaceholder != explorer.TokenPlaceholder || len(cfg.Examples) != len(explorer.Examples) {
		t.Errorf("config: endpoint %q, placeholder %q, %d examples", cfg.Endpoint, cfg.TokenPlaceholder, len(cfg.Examples))
	}
	for i, e := range cfg.Examples {
		if e != explorer.Examples[i] {
			t.Errorf("example %d changed on its way into the page", i)
		}
	}
	// Revalidation: the ETag is the page's content.
	if res2, _ := get(t, h, http.MethodGet, "/", map[string]string{"If-None-Match": res.Header.Get("ETag")}); res2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the page's ETag: %d, want 304", res2.StatusCode)
	}
	if res, body := get(t, h, http.MethodHead, "/", nil); res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("Content-Length") != strconv.Itoa(len(page)) {
		t.Errorf("HEAD /: %d, %d bytes, Content-Length %q (the page has %d)", res.StatusCode, len(body), res.Header.Get("Content-Length"), len(page))
	}
	if res, body := get(t, h, http.MethodGet, "/", map[string]string{"Accept-Encoding": "gzip"}); res.Header.Get("Content-Encoding") != "gzip" || len(body) >= len(page) {
		t.Errorf("GET / accepting gzip: encoding %q, %d bytes of %d", res.Header.Get("Content-Encoding"), len(body), len(page))
	}
	if res, _ := get(t, h, http.MethodPost, "/", nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", res.StatusCode)
	}
}

// The bundle: right types, gzipped for browsers that take it, cached for a
// year under names that change with the content, and nothing else served.
func TestBundleIsServedAndCached(t *testing.T) {
	h := handler(t)
	for _, c := range []struct {
		path, ctype, marker string
	}{
		{explorer.ScriptPath(), "text/javascript; charset=utf-8", "explorer-config"},
		{explorer.StylePath(), "text/css; charset=utf-8", ".graphiql-container"},
	} {
		res, body := get(t, h, http.MethodGet, c.path, map[string]string{"Accept-Encoding": "gzip"})
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != c.ctype || res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d, %v", c.path, res.StatusCode, res.Header)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", c.path, cc)
		}
		zr, err := gzip.NewReader(strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if !strings.Contains(string(plain), c.marker) {
			t.Errorf("%s does not contain %q", c.path, c.marker)
		}
		res, body2 := get(t, h, http.MethodGet, c.path, nil)
		if res.Header.Get("Content-Encoding") != "" || string(body2) != string(plain) {
			t.Errorf("%s without gzip: encoding %q, %d bytes (want %d)", c.path, res.Header.Get("Content-Encoding"), len(body2), len(plain))
		}
		if res, _ := get(t, h, http.MethodGet, c.path, map[string]string{"If-None-Match": res.Header.Get("ETag")}); res.StatusCode != http.StatusNotModified {
			t.Errorf("%s revalidated: %d, want 304", c.path, res.StatusCode)
		}
		if res, body := get(t, h, http.MethodHead, c.path, nil); res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("Content-Length") != strconv.Itoa(len(plain)) {
			t.Errorf("HEAD %s: %d, %d bytes, Content-Length %q", c.path, res.StatusCode, len(body), res.Header.Get("Content-Length"))
		}
	}
	for _, p := range []string{"/explorer/", "/explorer/explorer.js", "/explorer/explorer.0000000000000000.js"} {
		if res, _ := get(t, h, http.MethodGet, p, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	// Small as GraphiQL goes: React, CodeMirror, graphql-js and GraphiQL
	// itself, without its web fonts. The README states the sizes.
	js, jsGz, css, cssGz := explorer.BundleSizes()
	t.Logf("bundle: script %d bytes (%d gzipped), stylesheet %d bytes (%d gzipped)", js, jsGz, css, cssGz)
	if jsGz > 450<<10 || cssGz > 20<<10 {
		t.Errorf("bundle grew: script %d bytes gzipped (budget 450 KiB), stylesheet %d (budget 20 KiB)", jsGz, cssGz)
	}
}
