package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifecircle/ent/facility"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/demo"
	"lifecircle/internal/server"
	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
)

// driverWords are bits of driver, network and SQL text that must never
// reach a client.
var driverWords = []string{"pq:", "dial", "tcp", "127.0.0.1", "connection", "driver", "eof", "sql", "broken pipe", "refused", "reset by peer", "commit", "begin", "transaction"}

func assertNoDriverText(t *testing.T, what string, body []byte) {
	t.Helper()
	low := strings.ToLower(string(body))
	for _, w := range driverWords {
		if strings.Contains(low, w) {
			t.Errorf("%s: the body says %q: %s", what, w, body)
		}
	}
}

// assertUnavailable checks a 503 with Retry-After and UNAVAILABLE, and no
// driver text.
func assertUnavailable(t *testing.T, what string, status int, h http.Header, body []byte) {
	t.Helper()
	var r struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(body, &r)
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "UNAVAILABLE" {
		t.Errorf("%s: want 503 with Retry-After and UNAVAILABLE, got %d Retry-After=%q %s", what, status, h.Get("Retry-After"), body)
	}
	assertNoDriverText(t, what, body)
}

// proxied opens a demo-loaded PostgreSQL database through a proxy the
// test can cut, and serves it.
func proxied(t *testing.T) (*testenv.Proxy, *testenv.Server) {
	t.Helper()
	raw := testenv.PostgresURL(t)
	proxy, through := testenv.PostgresProxy(t, raw)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: through})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := demo.Load(ctx, st.Client); err != nil {
		t.Fatal(err)
	}
	return proxy, testenv.StartServer(t, st, server.Options{})
}

func fetch(t *testing.T, s *testenv.Server, method, path, tok, body string, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, s *testenv.Server) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		status, _, body := fetch(t, s, http.MethodGet, "/readyz", "", "", nil)
		if status == http.StatusOK {
			var rep struct {
				Ready  bool
				Checks map[string]string
			}
			if err := json.Unmarshal(body, &rep); err != nil || !rep.Ready || rep.Checks["database"] != "ok" || rep.Checks["servicemap"] != "ok" {
				t.Fatalf("/readyz 200 with %s", body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never turned ready: %d %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func gqlBody(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

const createFacilityDoc = `mutation($c: ID!, $n: String!) { createFacility(input: {name: $n, category: "pharmacy",
	lat: 36.6251, lng: 101.7571, communityID: $c}) { id name } }`

// PostgreSQL goes away under a running server and comes back: the load
// balancer sees it unready (but alive), clients get 503s they can retry
// with no driver text, and everything recovers without a restart.
func TestDatabaseOutage(t *testing.T) {
	proxy, s := proxied(t)
	wtxGID, wtx := s.Community(t, "文亭巷社区")
	staff := s.Token(t, "staff", wtx)
	waitReady(t, s)
	s.Query(t, staff, `{ viewer { role } }`, nil).Decode(t, &struct{}{}) // the token's first use is recorded

	proxy.Cut()
	if status, _, body := fetch(t, s, http.MethodGet, "/healthz", "", "", nil); status != 200 || string(body) != "ok\n" {
		t.Errorf("/healthz during the outage: %d %q", status, body)
	}
	status, _, body := fetch(t, s, http.MethodGet, "/readyz", "", "", nil)
	var rep struct {
		Ready  bool
		Checks map[string]string
	}
	if err := json.Unmarshal(body, &rep); err != nil || status != 503 || rep.Ready || rep.Checks["database"] == "ok" || rep.Checks["database"] == "" || rep.Checks["servicemap"] != "ok" {
		t.Errorf("/readyz during the outage: want 503 with the database's reason, got %d %s", status, body)
	}
	assertNoDriverText(t, "/readyz", body)

	query := `{ regions(first: 3) { edges { node { name } } } }`
	for _, tc := range []struct{ name, method, path, tok, body string }{
		{"query on /graphql", http.MethodPost, "/graphql", "", gqlBody(query, nil)},
		{"query on /open/graphql", http.MethodPost, "/open/graphql", "", gqlBody(query, nil)},
		{"GET on /open/graphql", http.MethodGet, "/open/graphql?query=" + url.QueryEscape(query), "", ""},
		{"facilitiesNear", http.MethodPost, "/graphql", "", gqlBody(`{ facilitiesNear(lat: 36.6245, lng: 101.7575, walkMinutes: 10) { totalCount edges { node { name } } } }`, nil)},
		{"mutation with a token", http.MethodPost, "/graphql", staff, gqlBody(createFacilityDoc, map[string]any{"c": wtxGID, "n": "停电药店"})},
		{"facilities download", http.MethodGet, "/open/facilities.csv", "", ""},
		{"change feed", http.MethodGet, "/open/changes", "", ""},
		{"calendar", http.MethodGet, "/open/activities.ics", "", ""},
	} {
		status, h, body := fetch(t, s, tc.method, tc.path, tc.tok, tc.body, nil)
		assertUnavailable(t, tc.name, status, h, body)
	}

	// What the index answers alone needs no database: the count of
	// facilities in reach is there during the outage (as current as the
	// database, which takes no writes meanwhile).
	if r := s.Query(t, "", `{ facilitiesNear(lat: 36.6245, lng: 101.7575, walkMinutes: 10) { totalCount } }`, nil); r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Raw), `"totalCount":`) {
		t.Errorf("facilitiesNear { totalCount } during the outage: %d %s", r.Status, r.Raw)
	}

	proxy.Restore()
	waitReady(t, s)
	var d struct {
		Regions struct{ Edges []any }
	}
	s.Query(t, "", query, nil).Decode(t, &d)
	if len(d.Regions.Edges) != 3 {
		t.Errorf("after the outage: %d regions", len(d.Regions.Edges))
	}
	var f struct{ CreateFacility struct{ ID, Name string } }
	s.Query(t, staff, createFacilityDoc, map[string]any{"c": wtxGID, "n": "恢复后药店"}).Decode(t, &f)
	if f.CreateFacility.Name != "恢复后药店" {
		t.Errorf("a mutation after the outage: %+v", f)
	}
	if status, _, body := fetch(t, s, http.MethodGet, "/open/facilities.csv", "", "", nil); status != 200 || !strings.Contains(string(body), "恢复后药店") {
		t.Errorf("the download after the outage: %d", status)
	}
}

// A mutation whose connection is cut while its transaction begins or
// commits is answered UNAVAILABLE, with a code and without the driver's
// text; a commit whose answer was lost is found again by its retry.
func TestTransactionFailuresAreUnavailable(t *testing.T) {
	proxy, s := proxied(t)
	wtxGID, wtx := s.Community(t, "文亭巷社区")
	staff := s.Token(t, "staff", wtx)
	s.Query(t, staff, `{ viewer { role } }`, nil).Decode(t, &struct{}{})
	count := func(name string) int {
		t.Helper()
		n, err := s.Store.Client.Facility.Query().Where(facility.Name(name)).Count(rule.SystemContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	send := func(name, key string) (int, http.Header, []byte) {
		t.Helper()
		return fetch(t, s, http.MethodPost, "/graphql", staff, gqlBody(createFacilityDoc, map[string]any{"c": wtxGID, "n": name}),
			map[string]string{"Idempotency-Key": key})
	}
	for _, tc := range []struct {
		name, pattern string
		afterAnswer   bool
		committed     bool
	}{
		{"BEGIN never reaches the database", "BEGIN", false, false},
		{"COMMIT never reaches the database", "COMMIT", false, false},
		{"COMMIT applied, its answer lost", "COMMIT", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Names and keys in lower case: the proxy looks for the statements in upper case.
			name, key := "断连药店 "+strings.ToLower(tc.name), "key "+strings.ToLower(tc.name)
			fired := proxy.CutOn(tc.pattern, tc.afterAnswer)
			status, h, body := send(name, key)
			select {
			case <-fired:
			default:
				t.Fatalf("the proxy never saw %s", tc.pattern)
			}
			assertUnavailable(t, "the mutation", status, h, body)
			proxy.Restore()
			waitReady(t, s)
			want := 0
			if tc.committed {
				want = 1
			}
			if n := count(name); n != want {
				t.Fatalf("after the cut: %d facilities named %q, want %d", n, name, want)
			}
			// The client retries with its key: the facility exists once.
			status, _, body = send(name, key)
			var r struct {
				Data struct{ CreateFacility struct{ ID, Name string } }
			}
			if err := json.Unmarshal(body, &r); status != 200 || err != nil || r.Data.CreateFacility.Name != name {
				t.Fatalf("the retry: %d %s", status, body)
			}
			if n := count(name); n != 1 {
				t.Errorf("after the retry: %d facilities named %q, want 1", n, name)
			}
		})
	}
}

// SQLite: a writer that waited its whole busy timeout behind another
// process's write lock is answered UNAVAILABLE with Retry-After 1, with no
// driver text (SQLITE_BUSY is not shown).
func TestSQLiteBusyIsUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out SQLite's 10 s busy timeout")
	}
	raw := testenv.Backends()[0].URL(t)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: raw})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := demo.Load(ctx, st.Client); err != nil {
		t.Fatal(err)
	}
	s := testenv.StartServer(t, st, server.Options{})
	wtxGID, wtx := s.Community(t, "文亭巷社区")
	staff := s.Token(t, "staff", wtx)
	s.Query(t, staff, `{ viewer { role } }`, nil).Decode(t, &struct{}{})

	other, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(raw, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	status, h, body := fetch(t, s, http.MethodPost, "/graphql", staff, gqlBody(createFacilityDoc, map[string]any{"c": wtxGID, "n": "锁住的药店"}), nil)
	assertUnavailable(t, "a write behind a lock", status, h, body)
	if h.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", h.Get("Retry-After"))
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	s.Query(t, staff, createFacilityDoc, map[string]any{"c": wtxGID, "n": "锁住的药店"}).Decode(t, &struct{}{})
}
