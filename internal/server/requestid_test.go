package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// accessLine returns the access-log line of the request id.
func accessLine(t *testing.T, o *observed, id string) map[string]any {
	t.Helper()
	for _, l := range logLines(t, o.log) {
		if l["msg"] == "http" && l["request_id"] == id {
			return l
		}
	}
	t.Fatalf("no access-log line with request_id %q in\n%s", id, o.log.String())
	return nil
}

func errorIDs(r *testenv.Response) []string {
	var ids []string
	for _, e := range r.Errors {
		id, _ := e.Extensions["requestId"].(string)
		ids = append(ids, id)
	}
	return ids
}

// A client's X-Request-ID comes back in the response header, in every
// error's extensions.requestId and in the access-log line, with the route,
// status, operation and cost.
func TestRequestIDRoundTrip(t *testing.T) {
	o := startObserved(t, testenv.Backends()[0], server.Options{})
	const id = "client-7f3a.42:retry_1"
	r := o.post(t, "/graphql", `query Two { a: node(id: "bGM6OTk5OTk5OTk5") { id } b: node(id: "bGM6OTk5OTk5OTk4") { id } }`, nil,
		"X-Request-ID", id)
	if got := r.Header.Get("X-Request-ID"); got != id {
		t.Errorf("response header X-Request-ID = %q, want %q", got, id)
	}
	if ids := errorIDs(r); len(ids) != 2 || ids[0] != id || ids[1] != id {
		t.Errorf("errors' requestId = %v, want %q in both: %s", ids, id, r.Raw)
	}
	_, cost := costOf(t, r)
	l := accessLine(t, o, id)
	for k, want := range map[string]any{"method": "POST", "route": "/graphql", "path": "/graphql", "status": float64(200),
		"operation": "Two", "cost": float64(cost), "level": "INFO", "error": "NOT_FOUND,NOT_FOUND"} {
		if l[k] != want {
			t.Errorf("access log %s = %v, want %v (line %v)", k, l[k], want, l)
		}
	}
	if d, _ := l["duration"].(float64); d <= 0 {
		t.Errorf("access log duration = %v", l["duration"])
	}
	if n, _ := l["bytes"].(float64); int(n) != len(r.Raw) {
		t.Errorf("access log bytes = %v, want %d", l["bytes"], len(r.Raw))
	}
}

// An ID that is missing, too long or unsafe to echo is replaced by one
// the server makes; each request gets its own.
func TestRequestIDIsGeneratedWhenUnsafe(t *testing.T) {
	o := startObserved(t, testenv.Backends()[0], server.Options{})
	seen := map[string]bool{}
	for _, sent := range []string{"", strings.Repeat("a", 65), "a b", "x\"y", "<script>", "ü", "id%0aINFO"} {
		r := o.post(t, "/graphql", `query Bad { regions(first: 1000) { totalCount } }`, nil, "X-Request-ID", sent)
		got := r.Header.Get("X-Request-ID")
		if got == sent || len(got) != 16 || strings.Trim(got, "0123456789abcdef") != "" {
			t.Errorf("sent %q: got X-Request-ID %q, want a fresh 16-hex-digit ID", sent, got)
		}
		if seen[got] {
			t.Errorf("ID %q given twice", got)
		}
		seen[got] = true
		if ids := errorIDs(r); len(ids) != 1 || ids[0] != got {
			t.Errorf("sent %q: requestId %v, header %q", sent, ids, got)
		}
		accessLine(t, o, got)
	}
	ok := strings.Repeat("b", 64)
	if got := o.post(t, "/graphql", `{ __typename }`, nil, "X-Request-ID", ok).Header.Get("X-Request-ID"); got != ok {
		t.Errorf("a 64-character ID was not kept: %q", got)
	}
}

// Errors written outside GraphQL execution (a bad token, a mutation sent
// by GET, a download over budget) carry the request ID too.
func TestRequestIDOnRefusals(t *testing.T) {
	o := startObserved(t, testenv.Backends()[0], server.Options{PublicRate: limits.Rate{Points: 2500, Per: time.Hour}})
	check := func(what string, r *testenv.Response, status int, code string) {
		t.Helper()
		id := r.Header.Get("X-Request-ID")
		if r.Status != status || r.Code() != code || id == "" {
			t.Fatalf("%s: %d %s (X-Request-ID %q)", what, r.Status, r.Raw, id)
		}
		if ids := errorIDs(r); len(ids) != 1 || ids[0] != id {
			t.Errorf("%s: requestId %v, header %q", what, ids, id)
		}
		if l := accessLine(t, o, id); l["error"] != code || l["status"] != float64(status) {
			t.Errorf("%s: access log %v", what, l)
		}
	}
	check("bad token", o.post(t, "/graphql", `{ __typename }`, nil, "Authorization", "Bearer nope"), http.StatusUnauthorized, "UNAUTHENTICATED")

	req, _ := http.NewRequest(http.MethodGet, o.URL+"/open/graphql?query="+url.QueryEscape(`mutation { revokeToken(id: "x") { id } }`), nil)
	check("mutation by GET", o.Do(t, req), http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")

	// What gqlgen alone answers with a bare "transport not supported".
	for _, path := range []string{"/graphql", "/open/graphql"} {
		req, _ = http.NewRequest(http.MethodPut, o.URL+path, strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		r := o.Do(t, req)
		check("PUT "+path, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
		if a := r.Header.Get("Allow"); a != "GET, POST, OPTIONS" {
			t.Errorf("PUT %s: Allow %q", path, a)
		}
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"} {
			req, _ = http.NewRequest(http.MethodPost, o.URL+path, strings.NewReader(`{"query":"{ __typename }"}`))
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			check("POST "+path+" as "+ct, o.Do(t, req), http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE")
		}
	}

	// 2,000 points for the file leave 500; a revalidation pays 10 first and
	// is refused the rest when the file is sent.
	get := func(h ...string) *testenv.Response {
		req, _ := http.NewRequest(http.MethodGet, o.URL+"/open/facilities.csv", nil)
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		res, err := o.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return &testenv.Response{Status: res.StatusCode, Header: res.Header}
	}
	if r := get(); r.Status != http.StatusOK {
		t.Fatalf("download: %d", r.Status)
	}
	refusedLate := o.Do(t, mustRequest(t, o.URL+"/open/facilities.csv", "If-None-Match", `"stale"`))
	check("download over budget after revalidation", refusedLate, http.StatusTooManyRequests, "RATE_LIMITED")
}

func mustRequest(t *testing.T, u string, h ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	return req
}
