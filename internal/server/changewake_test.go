package server_test

import (
	"strings"
	"testing"
	"time"

	"lifecircle/internal/auth"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// Two servers, each with its own store (its own pool, its own index) on one
// PostgreSQL database: a facility created through A shows in facilitiesNear
// on B within a second, heard through NOTIFY, and B answers facilitiesNear
// from memory, with no change-log query per request.
func TestServiceMapHearsOtherServers(t *testing.T) {
	url := testenv.PostgresURL(t)
	var countA, countB testenv.Counter
	a := testenv.StartServer(t, testenv.OpenURL(t, url, testenv.Options{Counter: &countA}), server.Options{})
	stB := testenv.OpenURL(t, url, testenv.Options{Counter: &countB, NoDemo: true})
	// B polls the log only once a minute: what it hears within the
	// second, it heard through NOTIFY.
	if err := stB.WatchChanges(time.Minute); err != nil {
		t.Fatal(err)
	}
	b := testenv.StartServer(t, stB, server.Options{})
	const count = `{ facilitiesNear(lat: 36.6251, lng: 101.7571, radiusMeters: 50, categories: ["pharmacy"], first: 100) { totalCount } }`
	const names = `{ facilitiesNear(lat: 36.6251, lng: 101.7571, radiusMeters: 50, categories: ["pharmacy"], first: 100) { edges { node { name } } } }`
	before := b.Query(t, "", count, nil)
	if len(before.Errors) > 0 {
		t.Fatal(string(before.Raw))
	}
	// Answered from memory: not one statement.
	countB.Reset()
	for range 3 {
		b.Query(t, "", count, nil)
	}
	if st := countB.Statements(); len(st) > 0 {
		t.Errorf("facilitiesNear { totalCount } on a current index: %d statements, want none:\n%s", len(st), strings.Join(st, "\n"))
	}

	community, _ := a.Community(t, "文亭巷社区")
	admin := a.Token(t, auth.RoleAdmin, 0)
	r := a.Query(t, admin, `mutation($c: ID!) { createFacility(input: {name: "通知药店", category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`,
		map[string]any{"c": community})
	if len(r.Errors) > 0 {
		t.Fatal(string(r.Raw))
	}
	written := time.Now()
	// A, where it was written, lists it at once.
	if got := a.Query(t, "", names, nil); !strings.Contains(string(got.Raw), "通知药店") {
		t.Errorf("server A, right after its own write: %s", got.Raw)
	}
	for {
		got := b.Query(t, "", names, nil)
		if strings.Contains(string(got.Raw), "通知药店") {
			break
		}
		if time.Since(written) > time.Second {
			t.Fatalf("server B, %s after the write on A: %s", time.Since(written).Round(time.Millisecond), got.Raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("server B listed the facility %s after A's write", time.Since(written).Round(time.Millisecond))
	// Caught up, B answers from memory again, and loads the nodes' rows
	// in one statement.
	countB.Reset()
	b.Query(t, "", count, nil)
	if st := countB.Statements(); len(st) > 0 {
		t.Errorf("facilitiesNear { totalCount } after catching up: %d statements, want none:\n%s", len(st), strings.Join(st, "\n"))
	}
	countB.Reset()
	b.Query(t, "", names, nil)
	if st := countB.Statements(); len(st) != 1 {
		t.Errorf("facilitiesNear with names: %d statements, want 1:\n%s", len(st), strings.Join(st, "\n"))
	}
}
