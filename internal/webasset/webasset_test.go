package webasset

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestServe(t *testing.T) {
	a := New([]byte("console.log('hello')"), "text/javascript; charset=utf-8")
	get := func(method string, header map[string]string) *http.Response {
		r := httptest.NewRequest(method, "/x.js", nil)
		for k, v := range header {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		a.Serve(w, r, "no-cache")
		return w.Result()
	}

	plain := get(http.MethodGet, nil)
	body, _ := io.ReadAll(plain.Body)
	if string(body) != "console.log('hello')" || plain.Header.Get("Content-Encoding") != "" || plain.Header.Get("ETag") != a.ETag {
		t.Fatalf("plain: %q %v", body, plain.Header)
	}

	zipped := get(http.MethodGet, map[string]string{"Accept-Encoding": "br, gzip;q=0.5"})
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, a.Body) || zipped.Header.Get("ETag") == a.ETag {
		t.Fatalf("gzip: %q, ETag %s must differ from the plain one", unzipped, zipped.Header.Get("ETag"))
	}

	if r := get(http.MethodGet, map[string]string{"Accept-Encoding": "gzip;q=0"}); r.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 refuses gzip")
	}
	if r := get(http.MethodGet, map[string]string{"If-None-Match": `"other", W/` + a.ETag}); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the weak form of the ETag: %d, want 304", r.StatusCode)
	}
	if r := get(http.MethodGet, map[string]string{"If-None-Match": `"other"`}); r.StatusCode != http.StatusOK {
		t.Errorf("If-None-Match with another ETag: %d, want 200", r.StatusCode)
	}
	head := get(http.MethodHead, nil)
	if b, _ := io.ReadAll(head.Body); len(b) != 0 || head.Header.Get("Content-Length") != "20" {
		t.Errorf("HEAD: body %q, Content-Length %s", b, head.Header.Get("Content-Length"))
	}
}
