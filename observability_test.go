package main

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/testenv"
)

// The server as started from the command line: -metrics-addr serves the
// metrics (with the pool and the service map) and the profiler on its own
// address; the public port has neither.
func TestServeMetricsOnPrivateAddress(t *testing.T) {
	port, private := testenv.FreePort(t), testenv.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-port", strconv.Itoa(port), "-data-dir", t.TempDir(),
			"-metrics-addr", "127.0.0.1:" + strconv.Itoa(private), "-publish-monthly=false", "-log-level", "warn"}, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	public := "http://127.0.0.1:" + strconv.Itoa(port)
	testenv.WaitReady(t, public+"/healthz", 60*time.Second, nil, nil)
	res, err := http.Post(public+"/graphql", "application/json", strings.NewReader(`{"query":"query Q { categories { code } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/goroutine"} {
		res, err := http.Get(public + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404", path, res.StatusCode)
		}
		res, err = http.Get("http://127.0.0.1:" + strconv.Itoa(private) + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("private %s: %d, want 200", path, res.StatusCode)
		}
	}
	s := testenv.ScrapeMetrics(t, "http://127.0.0.1:"+strconv.Itoa(private)+"/metrics")
	if got := s.Value("lifecircle_graphql_operations_total", "operation", "Q", "outcome", "ok"); got != 1 {
		t.Errorf("operations{Q} = %v, want 1", got)
	}
	if got := s.Value("go_sql_max_open_connections", "db_name", "primary"); got != 8 {
		t.Errorf("pool metrics: max open %v, want SQLite's 8", got)
	}
	if got := s.Value("lifecircle_servicemap_facilities"); got < 1 {
		t.Errorf("servicemap_facilities = %v", got)
	}
	if !s.Has("process_resident_memory_bytes") || !s.Has("go_goroutines") {
		t.Error("no process or Go runtime metrics")
	}
}
