package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/limits"
	"lifecircle/internal/metrics"
	"lifecircle/internal/server"
	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

// observed is a server with metrics, their private endpoint, and its
// access log.
type observed struct {
	*testenv.Server
	m       *metrics.Metrics
	private *httptest.Server
	log     *testenv.LogBuffer
}

func startObserved(t *testing.T, b testenv.Backend, opts server.Options) *observed {
	t.Helper()
	st := b.Open(t, testenv.Options{})
	m := metrics.New()
	m.WatchDB("primary", st.DB)
	log := &testenv.LogBuffer{}
	opts.Metrics = m
	opts.AccessLog = slog.New(slog.NewJSONHandler(log, nil))
	s := testenv.StartServer(t, st, opts)
	private := httptest.NewServer(m.Handler())
	t.Cleanup(private.Close)
	return &observed{Server: s, m: m, private: private, log: log}
}

func (o *observed) scrape(t *testing.T) testenv.Scrape {
	t.Helper()
	return testenv.ScrapeMetrics(t, o.private.URL+"/metrics")
}

// post sends a GraphQL request to path with headers (pairs).
func (o *observed) post(t *testing.T, path, query string, ext map[string]any, headers ...string) *testenv.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "extensions": ext})
	req, _ := http.NewRequest(http.MethodPost, o.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return o.Do(t, req)
}

// lines returns the JSON log lines written so far.
func logLines(t *testing.T, s *testenv.LogBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// GraphQL requests, failing ones included, move the counters by exactly
// what was sent: operations by name and outcome, errors by code, HTTP
// requests by route and status, cost charged by budget.
func TestMetricsCountRequests(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		o := startObserved(t, b, server.Options{})
		admin := o.Token(t, auth.RoleAdmin, 0)

		charged := map[string]int{}
		run := func(path, query, tok string, wantCode string) *testenv.Response {
			t.Helper()
			headers := []string{}
			if tok != "" {
				headers = append(headers, "Authorization", "Bearer "+tok)
			}
			r := o.post(t, path, query, nil, headers...)
			if r.Code() != wantCode {
				t.Fatalf("%s: want code %q, got %d %s", query, wantCode, r.Status, r.Raw)
			}
			_, c := costOf(t, r)
			if tok != "" {
				charged[metrics.BudgetApp] += c
			} else {
				charged[metrics.BudgetPublic] += c
			}
			return r
		}
		for range 3 {
			run("/graphql", `query Regions { regions(first: 2) { totalCount } }`, "", "")
		}
		run("/open/graphql", `{ categories { code } }`, "", "")
		run("/graphql", `query Regions { regions(first: 2) { totalCount } }`, admin, "")
		run("/graphql", `query TooBig { regions(first: 1000) { totalCount } }`, "", "PAGE_SIZE_LIMIT")
		run("/graphql", `query Missing { node(id: "bGM6OTk5OTk5OTk5") { id } }`, "", "NOT_FOUND")
		run("/graphql", `query Broken {`, "", "GRAPHQL_PARSE_FAILED")
		// A bad token is refused before GraphQL, by apperr.WriteHTTP.
		bad := o.post(t, "/graphql", `{ viewer { role } }`, nil, "Authorization", "Bearer nope")
		if bad.Status != http.StatusUnauthorized || bad.Code() != "UNAUTHENTICATED" {
			t.Fatalf("bad token: %d %s", bad.Status, bad.Raw)
		}
		if h := bad.Header.Get("X-Lifecircle-Error-Code"); h != "" {
			t.Errorf("the internal error-code header reached the client: %q", h)
		}

		s := o.scrape(t)
		ops := "lifecircle_graphql_operations_total"
		for _, c := range []struct {
			labels []string
			want   float64
		}{
			{[]string{"operation", "Regions", "type", "query", "outcome", "ok"}, 4},
			{[]string{"operation", "anonymous", "type", "query", "outcome", "ok"}, 1},
			{[]string{"operation", "TooBig", "type", "query", "outcome", "error"}, 1},
			{[]string{"operation", "Missing", "type", "query", "outcome", "partial"}, 1},
			{[]string{"operation", "none", "type", "none", "outcome", "error"}, 1},
		} {
			if got := s.Value(ops, c.labels...); got != c.want {
				t.Errorf("%s%v = %v, want %v", ops, c.labels, got, c.want)
			}
		}
		if got := s.Value(ops); got != 8 {
			t.Errorf("%s = %v in all, want 8", ops, got)
		}
		if got := s.Value("lifecircle_graphql_operation_duration_seconds", "operation", "Regions", "type", "query"); got != 4 {
			t.Errorf("latency of Regions: %v observations, want 4", got)
		}
		for code, want := range map[string]float64{"PAGE_SIZE_LIMIT": 1, "NOT_FOUND": 1, "GRAPHQL_PARSE_FAILED": 1, "UNAUTHENTICATED": 1} {
			if got := s.Value("lifecircle_errors_total", "code", code); got != want {
				t.Errorf("errors{code=%s} = %v, want %v", code, got, want)
			}
		}
		if got := s.Value("lifecircle_errors_total"); got != 4 {
			t.Errorf("errors = %v in all, want 4", got)
		}
		for labels, want := range map[[3]string]float64{
			{"/graphql", "POST", "200"}:      6,
			{"/graphql", "POST", "422"}:      1,
			{"/graphql", "POST", "401"}:      1,
			{"/open/graphql", "POST", "200"}: 1,
		} {
			if got := s.Value("lifecircle_http_requests_total", "route", labels[0], "method", labels[1], "status", labels[2]); got != want {
				t.Errorf("http_requests%v = %v, want %v", labels, got, want)
			}
		}
		if got := s.Value("lifecircle_http_request_duration_seconds", "route", "/graphql"); got != 8 {
			t.Errorf("latency of /graphql: %v observations, want 8", got)
		}
		for budget, want := range charged {
			if got := s.Value("lifecircle_cost_points_charged_total", "budget", budget); got != float64(want) || want == 0 {
				t.Errorf("cost charged to %s = %v, want %d (the sum of extensions.cost.charged)", budget, got, want)
			}
		}
		if s.Value("lifecircle_rate_limited_total") != 0 {
			t.Error("rate-limited requests counted, none was")
		}
		// The pool: the database's limits, and connections opened.
		maxOpen := map[string]float64{"sqlite": 8, "postgres": 20}[b.Name]
		if got := s.Value("go_sql_max_open_connections", "db_name", "primary"); got != maxOpen {
			t.Errorf("go_sql_max_open_connections = %v, want %v", got, maxOpen)
		}
		if got := s.Value("go_sql_open_connections", "db_name", "primary"); got < 1 {
			t.Errorf("go_sql_open_connections = %v, want ≥ 1", got)
		}
	})
}

// Neither the metrics nor the profiler are on the public port.
func TestMetricsAreNotPublic(t *testing.T) {
	o := startObserved(t, testenv.Backends()[0], server.Options{})
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap"} {
		res, err := http.Get(o.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("public %s: status %d, want 404", path, res.StatusCode)
		}
		res, err = http.Get(o.private.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("private %s: status %d, want 200", path, res.StatusCode)
		}
	}
	if got := o.scrape(t).Value("lifecircle_http_requests_total", "route", "unmatched", "status", "404"); got != 4 {
		t.Errorf("404s counted under route unmatched: %v, want 4", got)
	}
}

// A client naming every operation differently adds at most
// MaxOperationNames label values; long names and those past the bound are
// counted as "other".
func TestOperationNamesAreBounded(t *testing.T) {
	o := startObserved(t, testenv.Backends()[0], server.Options{PublicRate: limits.Rate{Points: 1 << 30, Per: time.Minute}})
	const sent = metrics.MaxOperationNames + 50
	for i := range sent {
		if r := o.post(t, "/graphql", fmt.Sprintf("query Op%04d { __typename }", i), nil); r.Status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, r.Status, r.Raw)
		}
	}
	long := "Q" + strings.Repeat("x", metrics.MaxOperationName)
	o.post(t, "/graphql", "query "+long+" { __typename }", nil)
	o.post(t, "/graphql", "query other { __typename }", nil) // a client cannot pose as a reserved label's count... it is one
	s := o.scrape(t)
	names := s.LabelValues("lifecircle_graphql_operations_total", "operation")
	if len(names) != metrics.MaxOperationNames+1 || !names["other"] {
		t.Errorf("%d operation labels (want %d names and \"other\")", len(names), metrics.MaxOperationNames)
	}
	if names[long] {
		t.Error("a name longer than MaxOperationName became a label")
	}
	if got := s.Value("lifecircle_graphql_operations_total", "operation", "other"); got != 50+2 {
		t.Errorf("operations counted as other: %v, want 52", got)
	}
	if got := s.Value("lifecircle_graphql_operations_total"); got != sent+2 {
		t.Errorf("operations counted: %v, want %d", got, sent+2)
	}
}

// Over budget: each 429 is counted, by budget, and nothing is charged for
// it.
func TestMetricsCountRateLimits(t *testing.T) {
	o := startObserved(t, testenv.Backends()[0], server.Options{
		PublicRate:     limits.Rate{Points: 5, Per: time.Hour},
		FailedAuthRate: limits.Rate{Points: 1, Per: time.Hour},
	})
	var limited, charged int
	for range 10 {
		r := o.post(t, "/graphql", `{ categories { code } }`, nil)
		_, c := costOf(t, r)
		charged += c
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	// Bad tokens: the first is refused as such, then the address is
	// refused outright (auth_failures).
	for range 3 {
		o.post(t, "/graphql", `{ viewer { role } }`, nil, "Authorization", "Bearer nope")
	}
	s := o.scrape(t)
	if limited == 0 || s.Value("lifecircle_rate_limited_total", "budget", "public") != float64(limited) {
		t.Errorf("rate_limited{public} = %v, want %d", s.Value("lifecircle_rate_limited_total", "budget", "public"), limited)
	}
	if got := s.Value("lifecircle_cost_points_charged_total", "budget", "public"); got != float64(charged) {
		t.Errorf("cost charged = %v, want %d", got, charged)
	}
	if got := s.Value("lifecircle_rate_limited_total", "budget", "auth_failures"); got != 2 {
		t.Errorf("rate_limited{auth_failures} = %v, want 2", got)
	}
	if got := s.Value("lifecircle_errors_total", "code", "RATE_LIMITED"); got != float64(limited+2) {
		t.Errorf("errors{RATE_LIMITED} = %v, want %d", got, limited+2)
	}
	if got := s.Value("lifecircle_http_requests_total", "status", "429"); got != float64(limited+2) {
		t.Errorf("http 429s = %v, want %d", got, limited+2)
	}
}

// The response cache and the persisted-query cache count hits and misses.
func TestMetricsCountCacheLookups(t *testing.T) {
	o := startObserved(t, testenv.Backends()[0], server.Options{})
	get := func(q string) {
		res, err := http.Get(o.URL + "/open/graphql?query=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", q, res.StatusCode)
		}
	}
	get(`{ categories { code } }`)
	get(`{ categories { code } }`)
	get(`{ categories { code } }`)

	q := `query Cats { categories { code tier } }`
	sum := sha256.Sum256([]byte(q))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	o.post(t, "/open/graphql", "", ext) // unknown: a miss
	o.post(t, "/open/graphql", q, ext)  // registered: no lookup
	for range 2 {
		if r := o.post(t, "/open/graphql", "", ext); r.Code() != "" {
			t.Fatalf("persisted query: %s", r.Raw)
		}
	}
	s := o.scrape(t)
	for _, c := range []struct {
		cache, result string
		want          float64
	}{{"response", "miss", 1}, {"response", "hit", 2}, {"apq", "miss", 1}, {"apq", "hit", 2}} {
		if got := s.Value("lifecircle_cache_lookups_total", "cache", c.cache, "result", c.result); got != c.want {
			t.Errorf("cache_lookups{%s,%s} = %v, want %v", c.cache, c.result, got, c.want)
		}
	}
}

// The service map's size is the database's count of facilities, and its
// lag is the change log's entries it has not applied yet: none after an
// answer, and none soon after a write, which the index (following the
// store's change signal) applies by itself, without waiting for a request.
func TestMetricsServiceMap(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		o := startObserved(t, b, server.Options{})
		near := `{ facilitiesNear(lat: 36.6245, lng: 101.7575, walkMinutes: 10, first: 1) { totalCount } }`
		o.Query(t, "", near, nil).Decode(t, &struct{}{})
		ctx := rule.SystemContext(context.Background())
		n := o.Store.Client.Facility.Query().CountX(ctx)
		s := o.scrape(t)
		if got := s.Value("lifecircle_servicemap_facilities"); got != float64(n) {
			t.Errorf("servicemap_facilities = %v, want %d", got, n)
		}
		if got := s.Value("lifecircle_servicemap_lag_changes"); got != 0 || !s.Has("lifecircle_servicemap_lag_seconds") {
			t.Errorf("lag after an answer: %v changes", got)
		}
		communityGID, _ := o.Server.Community(t, "文亭巷社区")
		staff := o.Token(t, auth.RoleAdmin, 0)
		r := o.Query(t, staff, `mutation($c: ID!) { createFacility(input: {name: "测试药店", category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`,
			map[string]any{"c": communityGID})
		r.Decode(t, &struct{}{})
		deadline := time.Now().Add(2 * time.Second)
		for {
			s = o.scrape(t)
			if s.Value("lifecircle_servicemap_facilities") == float64(n+1) && s.Value("lifecircle_servicemap_lag_changes") == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("2 s after a write, no request since: servicemap_facilities = %v (want %d), lag %v changes",
					s.Value("lifecircle_servicemap_facilities"), n+1, s.Value("lifecircle_servicemap_lag_changes"))
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// Connections in use and waits for one show in the pool metrics.
func TestMetricsPoolWaits(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		o := startObserved(t, b, server.Options{})
		db := o.Store.DB
		db.SetMaxOpenConns(1)
		ctx := context.Background()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s := o.scrape(t)
		if got := s.Value("go_sql_in_use_connections", "db_name", "primary"); got != 1 {
			t.Errorf("in use while held: %v, want 1", got)
		}
		done := make(chan *testenv.Response)
		go func() {
			body, _ := json.Marshal(map[string]any{"query": `{ regions(first: 1) { totalCount } }`})
			res, err := http.Post(o.URL+"/graphql", "application/json", bytes.NewReader(body))
			if err == nil {
				res.Body.Close()
			}
			done <- nil
		}()
		time.Sleep(200 * time.Millisecond) // the request waits for the connection
		conn.Close()
		<-done
		s = o.scrape(t)
		if got := s.Value("go_sql_wait_count_total", "db_name", "primary"); got < 1 {
			t.Errorf("go_sql_wait_count_total = %v, want ≥ 1", got)
		}
		if got := s.Value("go_sql_wait_duration_seconds_total", "db_name", "primary"); got < 0.1 {
			t.Errorf("go_sql_wait_duration_seconds_total = %v, want ≥ 0.1", got)
		}
	})
}

// Scheduled publication checks are counted by outcome.
func TestMetricsCountPublications(t *testing.T) {
	b := testenv.Backends()[0]
	st := b.Open(t, testenv.Options{})
	m := metrics.New()
	ctx := metrics.NewContext(context.Background(), m)
	now := time.Date(2021, 7, 3, 10, 0, 0, 0, time.UTC)
	stats.CheckDue(ctx, st.Client, now, stats.Options{Method: stats.MethodRule105})
	stats.CheckDue(ctx, st.Client, now, stats.Options{Method: stats.MethodRule105})
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	stats.CheckDue(cancelled, st.Client, now.AddDate(0, 1, 0), stats.Options{Method: stats.MethodRule105})
	private := httptest.NewServer(m.Handler())
	defer private.Close()
	s := testenv.ScrapeMetrics(t, private.URL+"/metrics")
	for outcome, want := range map[string]float64{"published": 1, "not_due": 1, "failed": 1} {
		if got := s.Value("lifecircle_publication_runs_total", "outcome", outcome); got != want {
			t.Errorf("publication_runs{%s} = %v, want %v", outcome, got, want)
		}
	}
	if got := s.Value("lifecircle_publication_last_success_timestamp_seconds"); got < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last success = %v", got)
	}
}
