package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// Repeated public GETs come from the response cache: the same data and
// ETag, not charged to the caller's budget, still served when the budget
// is spent, and fresh again within seconds of a change.
func TestResponseCache(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{})
		s := testenv.StartServer(t, st, server.Options{PublicRate: limits.Rate{Points: 1000, Per: time.Hour}})
		q := url.Values{"query": {`{ facilities(first: 20, where: {name: "文亭巷社区党群服务中心"}) { edges { node { id name } } } }`}}
		cost := func(body string) map[string]any {
			var r struct{ Extensions struct{ Cost map[string]any } }
			_ = json.Unmarshal([]byte(body), &r)
			return r.Extensions.Cost
		}
		first, body1 := get(t, s, "/open/graphql", q, nil)
		if first.StatusCode != 200 || first.Header.Get("RateLimit-Remaining") == "" || cost(body1)["cached"] != nil {
			t.Fatalf("first GET: %d %v %s", first.StatusCode, first.Header, body1)
		}
		remaining := first.Header.Get("RateLimit-Remaining")
		second, body2 := get(t, s, "/open/graphql", q, map[string]string{"Origin": "https://district.example"})
		c := cost(body2)
		if second.StatusCode != 200 || second.Header.Get("ETag") != first.Header.Get("ETag") || c["cached"] != true || c["charged"] != float64(0) ||
			second.Header.Get("RateLimit-Remaining") != "" || second.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("second GET: %d %v %s", second.StatusCode, second.Header, body2)
		}
		if !strings.Contains(body2, "文亭巷社区党群服务中心") {
			t.Errorf("cached body lost the data: %s", body2)
		}
		if r, _ := get(t, s, "/open/graphql", q, map[string]string{"If-None-Match": first.Header.Get("ETag")}); r.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match on a cached answer: %d, want 304", r.StatusCode)
		}
		// An uncached query finds the budget untouched by the hits.
		other, otherBody := get(t, s, "/open/graphql", url.Values{"query": {`{ categories { code } }`}}, nil)
		before, _ := strconv.Atoi(remaining)
		after, _ := strconv.Atoi(other.Header.Get("RateLimit-Remaining"))
		if requested, _ := cost(otherBody)["requested"].(float64); before-after != int(requested) || requested == 0 {
			t.Errorf("budget went from %d to %d over cached hits and one query of %v points", before, after, requested)
		}
		for i := 0; i < 40; i++ { // spend the rest of the budget on uncached POSTs
			r := s.Query(t, "", `{ facilities(first: 100) { edges { node { name } } } }`, nil)
			if r.Status == http.StatusTooManyRequests {
				break
			}
			if i == 39 {
				t.Fatal("the budget of 1,000 points never ran out")
			}
		}
		if r, body := get(t, s, "/open/graphql", q, nil); r.StatusCode != 200 || cost(body)["cached"] != true {
			t.Errorf("a cached answer with the budget spent: %d %s", r.StatusCode, body)
		}
		// Errors are never cached: an unknown field is charged and refused each time.
		bad := url.Values{"query": {`{ nope }`}}
		for i := 0; i < 2; i++ {
			if r, body := get(t, s, "/open/graphql", bad, nil); r.StatusCode == 200 || strings.Contains(body, `"cached"`) {
				t.Errorf("an invalid query was answered from the cache: %d %s", r.StatusCode, body)
			}
		}
		// A change is visible once the 2 s entry expires.
		admin := s.Token(t, "admin", 0)
		var d struct {
			Facilities struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, admin, `{ facilities(first: 1, where: {name: "文亭巷社区党群服务中心"}) { edges { node { id } } } }`, nil).Decode(t, &d)
		if r := s.Query(t, admin, `mutation($id: ID!) { updateFacility(id: $id, input: {name: "文亭巷社区党群服务中心（新）"}) { id } }`,
			map[string]any{"id": d.Facilities.Edges[0].Node.ID}); len(r.Errors) > 0 {
			t.Fatalf("rename: %s", r.Raw)
		}
		time.Sleep(2100 * time.Millisecond)
		// The budget is spent; the query is not cached any more: 429.
		if r, _ := get(t, s, "/open/graphql", q, nil); r.StatusCode != http.StatusTooManyRequests {
			t.Errorf("after expiry the query is charged again: %d, want 429 (budget spent)", r.StatusCode)
		}
	})
}

// Clients that always revalidate (If-None-Match on every request) still
// fill the cache: a miss fetches the full answer, keeps it, and says 304.
func TestResponseCacheFilledByRevalidations(t *testing.T) {
	s := testenv.StartServer(t, testenv.Backends()[0].Open(t, testenv.Options{}), server.Options{})
	q := url.Values{"query": {`{ categories { code } }`}}
	first, _ := get(t, s, "/open/graphql", q, nil)
	time.Sleep(2100 * time.Millisecond) // the entry expires
	etag := map[string]string{"If-None-Match": first.Header.Get("ETag")}
	if r, _ := get(t, s, "/open/graphql", q, etag); r.StatusCode != http.StatusNotModified || r.Header.Get("RateLimit-Remaining") == "" {
		t.Fatalf("revalidation after expiry: %d %v, want a charged 304", r.StatusCode, r.Header)
	}
	if r, body := get(t, s, "/open/graphql", q, nil); r.StatusCode != 200 || !strings.Contains(body, `"cached":true`) {
		t.Errorf("the revalidation did not fill the cache: %d %s", r.StatusCode, body)
	}
	if r, _ := get(t, s, "/open/graphql", q, etag); r.StatusCode != http.StatusNotModified || r.Header.Get("RateLimit-Remaining") != "" {
		t.Errorf("revalidation from the cache: %d %v, want an uncharged 304", r.StatusCode, r.Header)
	}
	// A cache-buster parameter or another spelling of Accept is the same entry.
	buster := url.Values{"query": q["query"], "x": {"12345"}}
	if r, body := get(t, s, "/open/graphql", buster, map[string]string{"Accept": "application/json, */*"}); !strings.Contains(body, `"cached":true`) {
		t.Errorf("a junk parameter made a new entry: %d %s", r.StatusCode, body)
	}
}

// Concurrent misses of one query run it once and are charged once; a
// change shows once the entry expires.
func TestResponseCacheMissesRunOnce(t *testing.T) {
	s := testenv.StartServer(t, testenv.Backends()[0].Open(t, testenv.Options{}), server.Options{})
	q := url.Values{"query": {`{ facilities(first: 5, where: {name: "文亭巷社区党群服务中心"}) { edges { node { id name } } } }`}}
	var wg sync.WaitGroup
	charged := make(chan bool, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, body := get(t, s, "/open/graphql", q, nil)
			if r.StatusCode != 200 || !strings.Contains(body, "文亭巷社区党群服务中心") {
				t.Errorf("concurrent GET: %d %s", r.StatusCode, body)
			}
			charged <- r.Header.Get("RateLimit-Remaining") != ""
		}()
	}
	wg.Wait()
	close(charged)
	n := 0
	for c := range charged {
		if c {
			n++
		}
	}
	if n < 1 || n > 2 { // one per expiry window; a slow start may see two windows
		t.Errorf("%d of 16 concurrent GETs were charged, want 1", n)
	}
	admin := s.Token(t, "admin", 0)
	var d struct {
		Facilities struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.Query(t, admin, `{ facilities(first: 1, where: {name: "文亭巷社区党群服务中心"}) { edges { node { id } } } }`, nil).Decode(t, &d)
	if r := s.Query(t, admin, `mutation($id: ID!) { updateFacility(id: $id, input: {address: "新地址"}) { id } }`,
		map[string]any{"id": d.Facilities.Edges[0].Node.ID}); len(r.Errors) > 0 {
		t.Fatalf("update: %s", r.Raw)
	}
	addr := url.Values{"query": {`{ facilities(first: 5, where: {name: "文亭巷社区党群服务中心"}) { edges { node { address } } } }`}}
	get(t, s, "/open/graphql", addr, nil)
	time.Sleep(2100 * time.Millisecond)
	if _, body := get(t, s, "/open/graphql", addr, nil); !strings.Contains(body, "新地址") || strings.Contains(body, `"cached"`) {
		t.Errorf("after expiry: %s, want the new address, freshly computed", body)
	}
}
