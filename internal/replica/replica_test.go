package replica_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/auth"
	"lifecircle/internal/demo"
	"lifecircle/internal/replica"
	"lifecircle/internal/server"
	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
)

// TestReadReplica runs lifecircle over a real streaming replica of the test
// PostgreSQL server: public reads, downloads and the change feed are served
// by the replica, writes and the reads of the writer by the primary; a
// replica behind its bound or killed leaves the public reading from the
// primary without an error.
func TestReadReplica(t *testing.T) {
	primaryURL := testenv.PostgresURL(t)
	rep := testenv.StartReplica(t, primaryURL)
	readURL := rep.URL(primaryURL)
	ctx := context.Background()

	// Server A checks the replica only when a read on it fails, so a
	// killed replica is met by a read (and its fallback), not by a check.
	stA, err := store.Open(ctx, store.Options{URL: primaryURL, ReadURL: readURL,
		Replica: replica.Options{MaxLag: time.Minute, Interval: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stA.Close() })
	if _, err := demo.Load(ctx, stA.Client); err != nil {
		t.Fatal(err)
	}
	a := testenv.StartServer(t, stA, server.Options{})
	// Server B checks every 100 ms and lets the replica lag 3 s at most
	// (a bound a loaded machine does not reach between two statements).
	stB, err := store.Open(ctx, store.Options{URL: primaryURL, ReadURL: readURL,
		Replica: replica.Options{MaxLag: 3 * time.Second, Interval: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stB.Close() })
	b := testenv.StartServer(t, stB, server.Options{})
	rep.WaitCaughtUp(t)
	waitFor(t, "server B's replica serving", func() bool { return stB.Replica.Status().Serving })
	if s := stA.Replica.Status(); !s.Serving {
		t.Fatalf("server A: replica not serving after a successful first check: %+v", s)
	}

	community, communityID := a.Community(t, "文亭巷社区")
	staff := a.Token(t, auth.RoleStaff, communityID)
	primary := openDB(t, primaryURL)
	replicaDB := openDB(t, readURL)

	// Replay paused: what the primary writes now, the replica does not show.
	rep.Exec(t, "SELECT pg_wal_replay_pause()")
	waitFor(t, "replay paused", func() bool {
		var state string
		_ = replicaDB.QueryRow("SELECT pg_get_wal_replay_pause_state()").Scan(&state)
		return state == "paused"
	})
	before := stA.Replica.Status()
	name := "复制测试药店一"
	facilityID := createFacility(t, a, staff, community, name)

	// The write is on the primary (the replica is read-only, and has it not).
	if n := count(t, primary, name); n != 1 {
		t.Fatalf("primary: %d facilities named %s, want 1", n, name)
	}
	if n := count(t, replicaDB, name); n != 0 {
		t.Fatalf("replica with replay paused: %d facilities named %s, want 0", n, name)
	}
	// The writer reads its own write at once, through either server.
	for _, s := range []*testenv.Server{a, b} {
		if n := facilitiesNamed(t, s, "/graphql", staff, name); n != 1 {
			t.Errorf("the writer's own read on %s: %d facilities named %s, want 1", s.URL, n, name)
		}
	}
	// The public, on both endpoints, reads the replica: not yet.
	if n := facilitiesNamed(t, a, "/open/graphql", "", name); n != 0 {
		t.Errorf("/open/graphql with replay paused: %d facilities named %s, want 0 (the replica's answer)", n, name)
	}
	if n := facilitiesNamed(t, a, "/graphql", "", name); n != 0 {
		t.Errorf("anonymous /graphql with replay paused: %d facilities named %s, want 0", n, name)
	}
	// So do the downloads and the change feed.
	if body := get(t, a, "/open/facilities.csv"); strings.Contains(body, name) {
		t.Error("/open/facilities.csv with replay paused lists the new facility: not read from the replica")
	}
	if body := get(t, a, "/open/changes?limit=1000"); strings.Contains(body, facilityID) {
		t.Error("/open/changes with replay paused lists the new facility: not read from the replica")
	}
	after := stA.Replica.Status()
	if after.ReplicaReads <= before.ReplicaReads {
		t.Errorf("replica reads did not grow: before %+v, after %+v", before, after)
	}

	// Server B's bound is 3 s: once the paused replica is that far behind,
	// its public reads go to the primary, and its status says why.
	waitFor(t, "server B's public read to reach the primary", func() bool {
		return facilitiesNamed(t, b, "/open/graphql", "", name) == 1
	})
	if s := stB.Replica.Status(); s.Serving || !strings.Contains(s.Reason, "behind the primary") || s.Lag <= 3*time.Second {
		t.Errorf("server B with the replica behind its bound: status %+v", s)
	}
	// Server A (bound 1 min) still reads the replica.
	if n := facilitiesNamed(t, a, "/open/graphql", "", name); n != 0 {
		t.Errorf("server A, replica within its bound: %d, want 0", n)
	}

	// Replay resumed: the public sees the write on both servers.
	rep.Exec(t, "SELECT pg_wal_replay_resume()")
	waitFor(t, "the public read on the replica to show the write", func() bool {
		return facilitiesNamed(t, a, "/open/graphql", "", name) == 1
	})
	waitFor(t, "server B's replica serving again", func() bool { return stB.Replica.Status().Serving })
	if body := get(t, a, "/open/facilities.csv"); !strings.Contains(body, name) {
		t.Error("/open/facilities.csv after replay resumed lacks the new facility")
	}

	// The replica dies: public reads go on, from the primary, with no
	// error; a second write shows at once.
	rep.Kill(t)
	name2 := "复制测试药店二"
	createFacility(t, a, staff, community, name2)
	for i := range 20 {
		for _, s := range []*testenv.Server{a, b} {
			if n := facilitiesNamed(t, s, "/open/graphql", "", name2); n != 1 {
				t.Fatalf("public read %d on %s with the replica down: %d facilities named %s, want 1 (from the primary)", i, s.URL, n, name2)
			}
			if n := facilitiesNamed(t, s, "/graphql", "", name2); n != 1 {
				t.Fatalf("anonymous read %d on %s with the replica down: %d, want 1", i, s.URL, n)
			}
		}
	}
	if body := get(t, a, "/open/facilities.csv"); !strings.Contains(body, name2) {
		t.Error("/open/facilities.csv with the replica down lacks the second facility")
	}
	if s := stA.Replica.Status(); s.Fallbacks == 0 {
		t.Errorf("server A: no read fell back to the primary: %+v", s)
	}
	waitFor(t, "server A's status to say the replica is down", func() bool {
		s := stA.Replica.Status()
		return !s.Serving && s.Reason == "the replica does not answer"
	})
	if s := stB.Replica.Status(); s.Serving {
		t.Errorf("server B: replica serving while down: %+v", s)
	}

	// It comes back: server B serves public reads from it again.
	rep.Start(t)
	waitFor(t, "server B's replica serving after the restart", func() bool { return stB.Replica.Status().Serving })
	rep.Exec(t, "SELECT pg_wal_replay_pause()")
	waitFor(t, "replay paused", func() bool {
		var state string
		_ = openDB(t, readURL).QueryRow("SELECT pg_get_wal_replay_pause_state()").Scan(&state)
		return state == "paused"
	})
	name3 := "复制测试药店三"
	createFacility(t, a, staff, community, name3)
	if n := facilitiesNamed(t, b, "/open/graphql", "", name3); n != 0 {
		t.Errorf("server B after the replica's restart, replay paused: %d, want 0 (read on the replica)", n)
	}
	rep.Exec(t, "SELECT pg_wal_replay_resume()")
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func openDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, name string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM facilities WHERE name = $1", name).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", name, err)
	}
	return n
}

func createFacility(t *testing.T, s *testenv.Server, tok, community, name string) string {
	t.Helper()
	r := s.Query(t, tok, `mutation($in: CreateFacilityInput!) { createFacility(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"name": name, "category": "pharmacy", "lat": 36.6251, "lng": 101.7571, "communityID": community,
	}})
	var d struct{ CreateFacility struct{ ID string } }
	r.Decode(t, &d)
	return d.CreateFacility.ID
}

// facilitiesNamed asks path (as tok, or the public) how many facilities
// are named name, failing the test on any error.
func facilitiesNamed(t *testing.T, s *testenv.Server, path, tok, name string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"query":     `query($n: String!) { facilities(where: {name: $n}) { totalCount } }`,
		"variables": map[string]any{"n": name},
	})
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	r := s.Do(t, req)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("%s: HTTP %d %s", path, r.Status, r.Raw)
	}
	var d struct{ Facilities struct{ TotalCount int } }
	r.Decode(t, &d)
	return d.Facilities.TotalCount
}

func get(t *testing.T, s *testenv.Server, path string) string {
	t.Helper()
	res, err := s.Client().Get(s.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

// A replica needs PostgreSQL underneath: SQLite has none to offer.
func TestReadURLNeedsPostgres(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{URL: "sqlite:" + t.TempDir() + "/x.db", ReadURL: "postgres://127.0.0.1:1/x"})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("SQLite with a read URL: %v, want a refusal naming PostgreSQL", err)
	}
}

// A read URL that is no replica — unreachable, or a primary — serves
// nothing: the server starts, public reads go to the primary without an
// error, and the status says why.
func TestReadURLThatIsNoReplica(t *testing.T) {
	primaryURL := testenv.PostgresURL(t)
	nowhere, _ := url.Parse(primaryURL)
	nowhere.Host = "127.0.0.1:1" // nothing listens on port 1
	for name, tc := range map[string]struct{ readURL, reason string }{
		"unreachable": {nowhere.String(), "the replica does not answer"},
		"a primary":   {primaryURL, "the read database is not a streaming replica (not in recovery)"},
	} {
		t.Run(name, func(t *testing.T) {
			st, err := store.Open(context.Background(), store.Options{URL: primaryURL, ReadURL: tc.readURL,
				Replica: replica.Options{Interval: 50 * time.Millisecond}})
			if err != nil {
				t.Fatalf("open with a read URL that is %s: %v", name, err)
			}
			t.Cleanup(func() { st.Close() })
			if _, err := demo.Load(context.Background(), st.Client); err != nil {
				t.Fatal(err)
			}
			s := testenv.StartServer(t, st, server.Options{})
			// Each fails the test on anything but a 200 without errors.
			facilitiesNamed(t, s, "/open/graphql", "", "any")
			facilitiesNamed(t, s, "/graphql", "", "any")
			get(t, s, "/open/facilities.csv")
			status := st.Replica.Status()
			if !status.Configured || status.Serving || status.Reason != tc.reason || status.ReplicaReads != 0 || status.PrimaryReads == 0 {
				t.Errorf("status: %+v, want not serving because %q, every read on the primary", status, tc.reason)
			}
		})
	}
}
