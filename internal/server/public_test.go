package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lifecircle/internal/testenv"
)

func get(t *testing.T, s *testenv.Server, path string, params url.Values, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path+"?"+params.Encode(), nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPublicEndpoint(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	admin := s.Token(t, "admin", 0)

	// Credentials are ignored: an admin token reads like the public.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/open/graphql", strings.NewReader(`{"query":"{ viewer { role } people { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Origin", "https://any.example")
	r := s.Do(t, req)
	if !strings.Contains(string(r.Raw), `"UNAUTHENTICATED"`) || strings.Contains(string(r.Raw), "ADMIN") {
		t.Errorf("the public endpoint must ignore tokens: %s", r.Raw)
	}
	if r.Header.Get("Access-Control-Allow-Origin") != "*" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("public CORS: %v", r.Header)
	}

	// GET for queries, cacheable; 304 on a matching If-None-Match.
	q := url.Values{"query": {`{ categories { code } }`}}
	res, body := get(t, s, "/open/graphql", q, nil)
	etag := res.Header.Get("ETag")
	if res.StatusCode != 200 || etag == "" || !strings.Contains(res.Header.Get("Cache-Control"), "max-age") || !strings.Contains(body, "kindergarten") {
		t.Fatalf("GET: %d %v %s", res.StatusCode, res.Header, body)
	}
	if res, _ := get(t, s, "/open/graphql", q, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: want 304, got %d", res.StatusCode)
	}
	res, _ = get(t, s, "/open/graphql", q, map[string]string{"Accept": "application/graphql-response+json"})
	if res.Header.Get("Content-Type") != "application/graphql-response+json" {
		t.Errorf("Accept application/graphql-response+json: got %s", res.Header.Get("Content-Type"))
	}

	// A mutation over GET: 405 with Allow: POST, on both endpoints.
	for _, path := range []string{"/open/graphql", "/graphql"} {
		res, body := get(t, s, path, url.Values{"query": {`mutation { deleteFacility(id: "bGM6MQ") }`}}, nil)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "POST" {
			t.Errorf("%s mutation over GET: %d %v %s", path, res.StatusCode, res.Header.Get("Allow"), body)
		}
	}

	// CSRF-safe: simple-request content types are refused.
	for _, ct := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/open/graphql", strings.NewReader(`query={ categories { code } }`))
		req.Header.Set("Content-Type", ct)
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode < 400 || strings.Contains(string(b), "kindergarten") {
			t.Errorf("POST %s: want a refusal, got %d %s", ct, res.StatusCode, b)
		}
	}

	// Automatic persisted queries over GET.
	query := `{ categories { code } }`
	sum := sha256.Sum256([]byte(query))
	ext, _ := json.Marshal(map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}})
	hashOnly := url.Values{"extensions": {string(ext)}}
	if _, body := get(t, s, "/open/graphql", hashOnly, nil); !strings.Contains(body, "PersistedQueryNotFound") {
		t.Errorf("unknown hash: %s", body)
	}
	reg := url.Values{"extensions": {string(ext)}, "query": {query}}
	if res, body := get(t, s, "/open/graphql", reg, nil); res.StatusCode != 200 || !strings.Contains(body, "kindergarten") {
		t.Fatalf("registering the query: %d %s", res.StatusCode, body)
	}
	if res, body := get(t, s, "/open/graphql", hashOnly, nil); res.StatusCode != 200 || !strings.Contains(body, "kindergarten") || res.Header.Get("ETag") == "" {
		t.Errorf("the hash alone: %d %s", res.StatusCode, body)
	}
}
