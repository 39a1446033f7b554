package server_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"lifecircle/internal/demo"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
)

// Sixteen clients at once keep the same PostgreSQL sessions: with idle
// connections as many as open ones (the default), no connection is closed
// to be reopened a moment later (issue #17 measured 15–150 new sessions per
// 13 s of load with 10 idle of 20).
func TestConcurrentRequestsReuseSessions(t *testing.T) {
	ctx := context.Background()
	url := testenv.PostgresURL(t)
	observer, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer observer.Close()
	observer.SetMaxOpenConns(1)

	// load runs five rounds of 16 clients × 8 Q1-like requests and returns
	// the pool's statistics and the database's sessions at the end.
	load := func(t *testing.T, pool store.Pool) (sql.DBStats, int) {
		st, err := store.Open(ctx, store.Options{URL: url, Pool: pool})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := demo.Load(ctx, st.Client); err != nil {
			t.Fatal(err)
		}
		// The load measures the pool, not the rate limits.
		unlimited := limits.Rate{Points: 1 << 40, Per: time.Minute}
		s := testenv.StartServer(t, st, server.Options{PublicRate: unlimited, AppRate: unlimited})
		defer s.Close()
		community, _ := s.Community(t, "文亭巷社区")
		doc := `query($c: ID!) { facilities(first: 50, where: {communityID: $c}) { totalCount edges { node { name community { name parent { name } } } } } }`
		vars := map[string]any{"c": community}
		round := func() {
			var wg sync.WaitGroup
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 8 {
						if r := s.Query(t, "", doc, vars); r.Status != 200 || len(r.Errors) > 0 {
							t.Errorf("HTTP %d: %s", r.Status, r.Raw)
							return
						}
					}
				}()
			}
			wg.Wait()
		}
		sessions := func() int {
			var n int
			if err := observer.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for range 5 {
			round()
		}
		return st.DB.Stats(), sessions()
	}

	t.Run("default pool", func(t *testing.T) {
		stats, sessions := load(t, store.Pool{})
		if stats.MaxIdleClosed != 0 || stats.MaxLifetimeClosed != 0 || stats.MaxIdleTimeClosed != 0 {
			t.Errorf("connections were closed under steady load: %+v", stats)
		}
		if stats.MaxOpenConnections != store.DefaultMaxOpenPostgres || sessions > store.DefaultMaxOpenPostgres {
			t.Errorf("stats %+v, %d sessions", stats, sessions)
		}
	})
	// The check can fail: with 2 idle connections of 20, connections are
	// closed and reopened all the time.
	t.Run("two idle", func(t *testing.T) {
		stats, _ := load(t, store.Pool{MaxIdle: 2})
		if stats.MaxIdleClosed == 0 {
			t.Errorf("MaxIdle 2 under 16 clients closed no connection: %+v", stats)
		}
	})
}
