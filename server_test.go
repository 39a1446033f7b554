package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
)

// The command line seeds once, issues a staff token for a community named in
// Chinese, and the server accepts that token.
func TestSeedAndTokenCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "-data-dir", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "loaded ") {
		t.Fatalf("first seed: %q", out.String())
	}
	loaded := out.String()
	out.Reset()
	if err := run(ctx, []string{"seed", "-data-dir", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "already loaded") {
		t.Fatalf("second seed must change nothing, said %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"token", "-role", "staff", "-community", "北大社区", "-data-dir", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	if err := run(ctx, []string{"token", "-role", "staff", "-community", "不存在社区", "-data-dir", dir}, &out, io.Discard); err == nil {
		t.Error("a token for an unknown community must be refused")
	}
	if err := run(ctx, []string{"token", "-role", "root", "-data-dir", dir}, &out, io.Discard); err == nil {
		t.Error("a token for an unknown role must be refused")
	}

	st, err := store.Open(ctx, store.Options{URL: "sqlite:" + filepath.Join(dir, "lifecircle.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := server.New(st.Client, server.Options{})
	defer h.Close()
	s := &testenv.Server{Server: httptest.NewServer(h), Store: st}
	defer s.Close()
	var v struct {
		Viewer struct {
			Role      string
			Community struct{ Name string }
		}
	}
	s.Query(t, tok, `{ viewer { role community { name } } }`, nil).Decode(t, &v)
	if v.Viewer.Role != "STAFF" || v.Viewer.Community.Name != "北大社区" {
		t.Errorf("token from the command line: viewer %+v", v.Viewer)
	}
	var counts struct {
		Regions, Activities, ServiceRequests struct{ TotalCount int }
	}
	admin := s.Token(t, "admin", 0)
	s.Query(t, admin, `{ regions { totalCount } activities { totalCount } serviceRequests { totalCount } }`, nil).Decode(t, &counts)
	if counts.Regions.TotalCount != 32 {
		t.Errorf("after seeding twice: %d regions, want the 32 of the demo data once (30 in demo.json, 2 in grids.json)", counts.Regions.TotalCount)
	}
	// What the seed command (and the server's start-up log) says it loaded
	// is what the API then counts: every file of the demo data, not only
	// demo.json (it said 30 regions and 35 activities of 32 and 36).
	want := fmt.Sprintf("loaded %d regions, ", counts.Regions.TotalCount)
	wantAct := fmt.Sprintf(" %d activities, ", counts.Activities.TotalCount)
	wantReq := fmt.Sprintf(" %d requests\n", counts.ServiceRequests.TotalCount)
	if !strings.HasPrefix(loaded, want) || !strings.Contains(loaded, wantAct) || !strings.HasSuffix(loaded, wantReq) {
		t.Errorf("seed said %q; the API counts %d regions, %d activities, %d requests", loaded,
			counts.Regions.TotalCount, counts.Activities.TotalCount, counts.ServiceRequests.TotalCount)
	}
}

// The token command prints a new token's ID (on stderr: stdout is the
// token alone), lists tokens without their secrets, and revokes one: the
// server refuses it at once.
func TestTokenListAndRevokeCommands(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		db := []string{"-database-url", b.URL(t)}
		cmd := func(args ...string) (string, string) {
			t.Helper()
			var out, notes bytes.Buffer
			if err := run(ctx, append(args, db...), &out, &notes); err != nil {
				t.Fatalf("lifecircle %s: %v", strings.Join(args, " "), err)
			}
			return out.String(), notes.String()
		}
		cmd("seed")
		out, notes := cmd("token", "-role", "staff", "-community", "北大社区", "-name", "app team")
		tok := strings.TrimSpace(out)
		m := regexp.MustCompile(`token ID ([\w-]+).*-revoke ([\w-]+)`).FindStringSubmatch(notes)
		if !strings.HasPrefix(tok, "lc_") || strings.Contains(tok, "\n") || m == nil || m[1] != m[2] {
			t.Fatalf("token: stdout %q, stderr %q", out, notes)
		}
		id := m[1]
		if _, err := gid.Decode(id); err != nil {
			t.Fatalf("the printed ID %q: %v", id, err)
		}

		st, err := store.Open(ctx, store.Options{URL: db[1]})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		h := server.New(st.Client, server.Options{})
		defer h.Close()
		s := &testenv.Server{Server: httptest.NewServer(h), Store: st}
		defer s.Close()
		if r := s.Query(t, tok, `{ viewer { role } }`, nil); r.Status != 200 || !strings.Contains(string(r.Raw), "STAFF") {
			t.Fatalf("the new token: %d %s", r.Status, r.Raw)
		}

		// A read-only admin token with its own rate budget.
		out, notes = cmd("token", "-role", "admin", "-scope", "read", "-rate", "50", "-name", "dashboard")
		ro := strings.TrimSpace(out)
		roID := regexp.MustCompile(`token ID ([\w-]+)`).FindStringSubmatch(notes)
		if !strings.HasPrefix(ro, "lc_") || roID == nil {
			t.Fatalf("token -scope read: stdout %q, stderr %q", out, notes)
		}
		if r := s.Query(t, ro, `mutation { revokeToken(id: "`+id+`") { id } }`, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("a READ token's mutation: %s", r.Raw)
		}
		if err := run(ctx, append([]string{"token", "-role", "admin", "-scope", "everything"}, db...), io.Discard, io.Discard); err == nil {
			t.Error("an unknown scope must be refused")
		}

		list, _ := cmd("token", "-list")
		fields := func(list, id string) []string {
			for _, l := range strings.Split(list, "\n") {
				if f := strings.Fields(l); len(f) > 0 && f[0] == id {
					return f
				}
			}
			return nil
		}
		// ID ROLE SCOPE RATE REVOKED …
		line := strings.Join(fields(list, id), " ")
		if !strings.Contains(list, "LAST USED") || !strings.Contains(list, "SCOPE") || !strings.Contains(line, "app team") ||
			!strings.HasPrefix(line, id+" staff read_write role false ") || !strings.Contains(line, "北大社区") || strings.Contains(list, tok) {
			t.Errorf("token -list:\n%s", list)
		}
		if f := fields(list, roID[1]); len(f) < 5 || f[1] != "admin" || f[2] != "read" || f[3] != "50" || strings.Contains(list, ro) {
			t.Errorf("token -list, the read-only token: %v\n%s", f, list)
		}

		if out, _ := cmd("token", "-revoke", id); !strings.Contains(out, "revoked "+id) {
			t.Errorf("token -revoke: %q", out)
		}
		if r := s.Query(t, tok, `{ viewer { role } }`, nil); r.Status != 401 || r.Code() != "UNAUTHENTICATED" {
			t.Errorf("the revoked token: %d %s", r.Status, r.Raw)
		}
		if list, _ := cmd("token", "-list"); !strings.HasPrefix(strings.Join(fields(list, id), " "), id+" staff read_write role true ") {
			t.Errorf("token -list after revoking:\n%s", list)
		}
		if err := run(ctx, append([]string{"token", "-revoke", gid.Encode(999999)}, db...), io.Discard, io.Discard); err == nil {
			t.Error("revoking a token that does not exist must fail")
		}
	})
}

func TestImportNetworkCommand(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	streets := testenv.OSMXML(
		[]testenv.OSMNode{{ID: 1, Lat: 30, Lng: 120}, {ID: 2, Lat: 30.001, Lng: 120}, {ID: 3, Lat: 30.001, Lng: 120.001}},
		[]testenv.OSMWay{{ID: 9, Nodes: []int{1, 2, 3}, Tags: map[string]string{"highway": "footway"}}})
	file := filepath.Join(dir, "streets.osm")
	if err := os.WriteFile(file, []byte(streets), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"import-network", file, "-name", "test streets", "-data-dir", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `imported "test streets": 3 nodes, 4 edges`) {
		t.Errorf("import said %q", out.String())
	}
	motorway := testenv.OSMXML(
		[]testenv.OSMNode{{ID: 1, Lat: 30, Lng: 120}, {ID: 2, Lat: 30.001, Lng: 120}},
		[]testenv.OSMWay{{ID: 9, Nodes: []int{1, 2}, Tags: map[string]string{"highway": "motorway"}}})
	if err := os.WriteFile(file, []byte(motorway), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"import-network", file, "-data-dir", dir}, &out, io.Discard); err == nil {
		t.Error("an extract with nothing walkable must be refused")
	}
	if err := run(ctx, []string{"import-network", filepath.Join(dir, "missing.osm.pbf"), "-data-dir", dir}, &out, io.Discard); err == nil {
		t.Error("a missing file must be refused")
	}
}
