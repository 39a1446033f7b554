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
	"time"

	"lifecircle/graph"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
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

// Every response reports its cost; an expensive query is refused before it
// runs; a caller over budget gets 429 with Retry-After and RateLimit headers.
func TestCostAndRateLimits(t *testing.T) {
	st := testenv.Backends()[0].Open(t, testenv.Options{})
	s := testenv.StartServer(t, st, server.Options{PublicRate: limits.Rate{Points: 5000, Per: time.Hour}})
	r := s.Query(t, "", `{ facilities(first: 10) { edges { node { name community { name } } } } }`, nil)
	var ext struct {
		Extensions struct {
			Cost struct{ Requested, Limit, Remaining int }
		}
	}
	if err := json.Unmarshal(r.Raw, &ext); err != nil {
		t.Fatal(err)
	}
	// 1 (facilities) + 10 × (1 edges + 1 node + 1 name + 1 community + 1 name) = 51.
	if c := ext.Extensions.Cost; c.Requested != 51 || c.Remaining != 5000-51 || c.Limit != 25000 {
		t.Errorf("cost: %+v, want requested 51, remaining 4949", c)
	}
	if r.Header.Get("RateLimit-Limit") != "5000" || r.Header.Get("RateLimit-Remaining") != "4949" {
		t.Errorf("RateLimit headers: %v", r.Header)
	}
	// Nested pages multiply: 100 regions × 100 facilities is over the limit;
	// the refusal is charged a flat 1,000 points.
	r = s.Query(t, "", `{ regions(first: 100) { edges { node { facilities(first: 100) { edges { node { name community { name } } } } } } } }`, nil)
	if r.Code() != "COST_LIMIT" || string(r.Data) != "null" {
		t.Errorf("nested pages: want COST_LIMIT, got %s", r.Raw)
	}
	// Spend the budget with queries of 701 points: (5000 − 51 − 1000) / 701 = 5 fit, the 6th is refused.
	ok := 0
	for i := 0; i < 10; i++ {
		r = s.Query(t, "", `{ facilities(first: 100) { edges { node { name address phone status category } } } }`, nil)
		if r.Status != http.StatusOK {
			break
		}
		ok++
	}
	if ok != 5 || r.Status != http.StatusTooManyRequests || r.Code() != "RATE_LIMITED" || r.Header.Get("Retry-After") == "" {
		t.Errorf("over budget after %d queries: want 5, then 429 RATE_LIMITED with Retry-After; got %d %v", ok, r.Status, r.Header)
	}
	// Apps have their own budget per token.
	admin := s.Token(t, "admin", 0)
	if r := s.Query(t, admin, `{ facilities(first: 100) { totalCount } }`, nil); r.Status != 200 {
		t.Errorf("an app token is charged separately: %d %s", r.Status, r.Raw)
	}
}

func TestSchemaDownload(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	res, body := get(t, s, "/open/schema.graphql", nil, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "type Facility implements Node") || !strings.Contains(body, "facilitiesNear") ||
		!strings.Contains(body, "十五分钟生活圈居住区") {
		t.Errorf("schema download: %d %s", res.StatusCode, body[:min(len(body), 200)])
	}
}

// In allow-list mode the public endpoint runs registered operations only,
// by text or by hash; the app endpoint is not affected.
func TestAllowList(t *testing.T) {
	st := testenv.Backends()[0].Open(t, testenv.Options{})
	listed := `{ categories { code } }`
	s := testenv.StartServer(t, st, server.Options{GraphQL: graph.Options{AllowList: limits.NewAllowList([]string{listed})}})
	if r := s.Query(t, "", listed, nil); len(r.Errors) > 0 {
		t.Errorf("a listed query on /graphql: %s", r.Raw)
	}
	post := func(body string) *testenv.Response {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/open/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return s.Do(t, req)
	}
	if r := post(`{"query":"{ categories { code } }"}`); len(r.Errors) > 0 || !strings.Contains(string(r.Raw), "kindergarten") {
		t.Errorf("listed query: %s", r.Raw)
	}
	if r := post(`{"query":"{ facilities { totalCount } }"}`); r.Code() != limits.CodeNotAllowed {
		t.Errorf("unlisted query: want %s, got %s", limits.CodeNotAllowed, r.Raw)
	}
	sum := sha256.Sum256([]byte(listed))
	byHash := `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}}`
	if r := post(byHash); len(r.Errors) > 0 || !strings.Contains(string(r.Raw), "kindergarten") {
		t.Errorf("listed hash alone: %s", r.Raw)
	}
	if r := s.Query(t, "", `{ facilities { totalCount } }`, nil); len(r.Errors) > 0 {
		t.Errorf("the app endpoint is not allow-listed: %s", r.Raw)
	}
}

// Downloads are charged to the same budget: a caller who spent it gets 429.
func TestDownloadsAreRateLimited(t *testing.T) {
	st := testenv.Backends()[0].Open(t, testenv.Options{})
	s := testenv.StartServer(t, st, server.Options{PublicRate: limits.Rate{Points: 5000, Per: time.Hour}})
	codes := []int{}
	for i := 0; i < 4; i++ {
		res, _ := get(t, s, "/open/facilities.csv", nil, nil)
		codes = append(codes, res.StatusCode)
		if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	// 2,000 points each: two fit in 5,000, the third does not.
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("download statuses %v, want 200 200 429 …", codes)
	}
}

// A revalidation answered 304 costs 10 points, not the download's 2,000;
// one that gets the file pays the rest, and is refused (429, none of the
// file's headers) when the rest is not there.
func TestRevalidationsCostLittle(t *testing.T) {
	st := testenv.Backends()[0].Open(t, testenv.Options{})
	s := testenv.StartServer(t, st, server.Options{PublicRate: limits.Rate{Points: 5000, Per: time.Hour}})
	res, _ := get(t, s, "/open/facilities.csv", nil, nil)
	etag := res.Header.Get("ETag")
	if res.StatusCode != 200 || etag == "" || res.Header.Get("RateLimit-Remaining") != "3000" {
		t.Fatalf("first download: %d, ETag %q, remaining %s", res.StatusCode, etag, res.Header.Get("RateLimit-Remaining"))
	}
	for i := range 20 {
		res, _ = get(t, s, "/open/facilities.csv", nil, map[string]string{"If-None-Match": etag})
		if res.StatusCode != http.StatusNotModified {
			t.Fatalf("revalidation %d: %d", i+1, res.StatusCode)
		}
	}
	if got := res.Header.Get("RateLimit-Remaining"); got != "2800" {
		t.Errorf("after 20 revalidations %s points remain, want 2800", got)
	}
	res, body := get(t, s, "/open/facilities.csv", nil, map[string]string{"If-None-Match": `"stale"`})
	if res.StatusCode != 200 || !strings.Contains(body, "文亭巷") || res.Header.Get("RateLimit-Remaining") != "800" {
		t.Errorf("a stale revalidation gets the file for the rest of its cost: %d, remaining %s", res.StatusCode, res.Header.Get("RateLimit-Remaining"))
	}
	res, body = get(t, s, "/open/facilities.csv", nil, map[string]string{"If-None-Match": `"stale"`})
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "RATE_LIMITED") || res.Header.Get("ETag") != "" || res.Header.Get("Retry-After") == "" {
		t.Errorf("over budget: want 429 RATE_LIMITED with Retry-After and no ETag, got %d %v %.200s", res.StatusCode, res.Header, body)
	}
}
