package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// spendUntilRefused sends q through the servers in turn, as the public,
// until one answers 429; it returns how many were answered before, and
// fails the test if a refusal is not RATE_LIMITED.
func spendUntilRefused(t *testing.T, servers []*testenv.Server, q string, max int) int {
	t.Helper()
	for i := 0; i < max; i++ {
		r := servers[i%len(servers)].Query(t, "", q, nil)
		if r.Status == http.StatusTooManyRequests {
			if r.Code() != limits.CodeRateLimited || r.Header.Get("Retry-After") == "" {
				t.Fatalf("refusal %d: %s %v", i, r.Raw, r.Header)
			}
			return i
		}
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("query %d: %d %s", i, r.Status, r.Raw)
		}
	}
	t.Fatalf("no refusal within %d queries", max)
	return 0
}

// queryCost is what q is charged (extensions.cost.requested).
func queryCost(t *testing.T, s *testenv.Server, q string) int {
	t.Helper()
	var body struct {
		Extensions struct{ Cost struct{ Requested int } }
	}
	if err := json.Unmarshal(s.Query(t, "", q, nil).Raw, &body); err != nil || body.Extensions.Cost.Requested == 0 {
		t.Fatalf("no cost reported: %v", err)
	}
	return body.Extensions.Cost.Requested
}

// Two servers on one database and one Redis: a client alternating between
// them gets one budget, not two; a response cached by one is served by the
// other; a query persisted through one runs by its hash on the other.
func TestServersShareThroughRedis(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{})
		url0, prefix := testenv.RedisURL(t), testenv.RedisPrefix(t)
		const budget = 1000
		var servers []*testenv.Server
		for i := 0; i < 2; i++ {
			servers = append(servers, testenv.StartServer(t, st, server.Options{
				PublicRate: limits.Rate{Points: budget, Per: 24 * time.Hour}, // nothing refills during the test
				Redis:      testenv.Redis(t, url0, prefix)}))
		}
		q := `{ facilities(first: 30) { edges { node { name } } } }`
		cost := queryCost(t, servers[0], q) // on its own: the budget it spends is counted below
		if got, want := spendUntilRefused(t, servers, q, 100), (budget-cost)/cost; got != want {
			t.Errorf("alternating between 2 servers, %d queries of %d points were answered from %d; want %d (one budget)", got, cost, budget-cost, want)
		}

		// The response cache: filled through one, served by the other.
		pq := url.Values{"query": {`{ categories { code } }`}}
		first, _ := get(t, servers[0], "/open/graphql", pq, nil)
		second, body := get(t, servers[1], "/open/graphql", pq, nil)
		if first.StatusCode != 200 || second.StatusCode != 200 || !strings.Contains(body, `"cached":true`) || second.Header.Get("ETag") != first.Header.Get("ETag") {
			t.Errorf("the other server's cached answer: %d %d %v %s", first.StatusCode, second.StatusCode, second.Header, body)
		}

		// Persisted queries: registered through one, run by hash on the other.
		doc := `{ categories { code label(lang: "en") } }`
		sum := sha256.Sum256([]byte(doc))
		ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
		if r, body := get(t, servers[0], "/open/graphql", url.Values{"query": {doc}, "extensions": {ext}}, nil); r.StatusCode != 200 {
			t.Fatalf("register: %d %s", r.StatusCode, body)
		}
		if r, body := get(t, servers[1], "/open/graphql", url.Values{"extensions": {ext}}, nil); r.StatusCode != 200 || !strings.Contains(body, `"label"`) {
			t.Errorf("by hash on the other server: %d %s", r.StatusCode, body)
		}
	})
}

// With Redis gone (a proxy in front of it cut), a server answers as before
// — queries, cached GETs, persisted queries, with its own budget enforced —
// with no error to any client, and says so in its status; once Redis is
// back it shares again.
func TestServesWhileRedisIsAway(t *testing.T) {
	st := testenv.Backends()[0].Open(t, testenv.Options{})
	proxy := testenv.NewRedisProxy(t)
	r := testenv.Redis(t, proxy.URL, testenv.RedisPrefix(t))
	s := testenv.StartServer(t, st, server.Options{PublicRate: limits.Rate{Points: 1000, Per: 24 * time.Hour}, Redis: r})
	q := `{ facilities(first: 30) { edges { node { name } } } }`
	cost := queryCost(t, s, q)
	proxy.Cut()
	start := time.Now()
	pq := url.Values{"query": {`{ categories { code } }`}}
	for i := 0; i < 2; i++ {
		if res, body := get(t, s, "/open/graphql", pq, nil); res.StatusCode != 200 || strings.Contains(body, "errors") {
			t.Fatalf("cached GET %d with Redis away: %d %s", i, res.StatusCode, body)
		}
	}
	doc := `{ categories { code label(lang: "en") } }`
	sum := sha256.Sum256([]byte(doc))
	ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	if res, body := get(t, s, "/open/graphql", url.Values{"query": {doc}, "extensions": {ext}}, nil); res.StatusCode != 200 {
		t.Fatalf("register a persisted query with Redis away: %d %s", res.StatusCode, body)
	}
	if res, body := get(t, s, "/open/graphql", url.Values{"extensions": {ext}}, nil); res.StatusCode != 200 || !strings.Contains(body, `"label"`) {
		t.Errorf("a persisted query by hash with Redis away: %d %s", res.StatusCode, body)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("4 requests with Redis away took %s", took)
	}
	if st := r.Status(); st.Shared || st.Error == "" {
		t.Errorf("status with Redis away: %+v", st)
	}
	// The local budget goes on from the shared one as this server last
	// saw it (one query spent), not from a full one, and is enforced.
	if got, want := spendUntilRefused(t, []*testenv.Server{s}, q, 100), budgetLeft(1000, cost, 1)/cost; got != want {
		t.Errorf("with Redis away, %d queries of %d points were answered from the local budget; want %d (what Redis last said was left)", got, cost, want)
	}
	proxy.Restore()
	deadline := time.Now().Add(5 * time.Second)
	for !r.Shared() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !r.Shared() {
		t.Fatalf("not shared 5 s after Redis came back: %+v", r.Status())
	}
	// Back on the shared bucket, which holds what was spent before the cut.
	if got, want := spendUntilRefused(t, []*testenv.Server{s}, q, 100), budgetLeft(1000, cost, 1)/cost; got != want {
		t.Errorf("with Redis back, %d queries were answered; want %d (the shared budget left)", got, want)
	}
}

// budgetLeft is what a budget holds after spent queries of cost.
func budgetLeft(budget, cost, spent int) int { return budget - spent*cost }
