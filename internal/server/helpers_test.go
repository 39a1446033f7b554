package server_test

import (
	"encoding/json"
	"testing"

	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// start opens a demo-loaded database on b and serves it.
func start(t *testing.T, b testenv.Backend) *testenv.Server {
	t.Helper()
	return testenv.StartServer(t, b.Open(t, testenv.Options{}), server.Options{CORSOrigins: []string{"https://district.example"}})
}

// communityID returns the global ID and ent ID of a demo community.
func communityID(t testing.TB, s *testenv.Server, name string) (string, int) {
	t.Helper()
	var d struct {
		Regions struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.Query(t, "", `query($n: String!) { regions(where: {name: $n, level: COMMUNITY}) { edges { node { id } } } }`,
		map[string]any{"n": name}).Decode(t, &d)
	if len(d.Regions.Edges) != 1 {
		t.Fatalf("community %s: want 1 match, got %d", name, len(d.Regions.Edges))
	}
	id := d.Regions.Edges[0].Node.ID
	n, err := gid.Decode(id)
	if err != nil {
		t.Fatal(err)
	}
	return id, n
}

// mustJSON renders v for failure messages.
func mustJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
