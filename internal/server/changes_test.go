package server_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"lifecircle/internal/testenv"
)

type feedEntry struct {
	Sequence, Op, Entity, ID, At string
	Record                       *struct{ ID string }
}

type feedPage struct {
	Changes struct {
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
		Edges []struct {
			Cursor string
			Node   feedEntry
		}
	}
}

const feedQuery = `query($after: Cursor) { changes(after: $after, first: 100) {
	pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	edges { cursor node { sequence op entity id at record { id } } } } }`

// readFeed reads the GraphQL feed from cursor to its end, failing on any
// error in a page, and returns its entries and the last cursor.
func readFeed(t *testing.T, s *testenv.Server, cursor *string) ([]feedEntry, *string) {
	t.Helper()
	var out []feedEntry
	for i := 0; i < 1000; i++ {
		var p feedPage
		s.Query(t, "", feedQuery, map[string]any{"after": cursor}).Decode(t, &p)
		pi := p.Changes.PageInfo
		if n := len(p.Changes.Edges); n > 0 && (pi.StartCursor == nil || *pi.StartCursor != p.Changes.Edges[0].Cursor ||
			pi.EndCursor == nil || *pi.EndCursor != p.Changes.Edges[n-1].Cursor) {
			t.Fatalf("pageInfo does not match the edges: %s", mustJSON(p))
		}
		if pi.HasPreviousPage != (cursor != nil) {
			t.Errorf("hasPreviousPage %v after %v", pi.HasPreviousPage, cursor)
		}
		for _, e := range p.Changes.Edges {
			out = append(out, e.Node)
		}
		if pi.EndCursor != nil {
			cursor = pi.EndCursor
		} else if cursor != nil {
			t.Fatalf("an empty page after a cursor lost the place: %s", mustJSON(p))
		}
		if !pi.HasNextPage {
			return out, cursor
		}
	}
	t.Fatal("the feed does not end")
	return nil, nil
}

// replay reads the feed from cursor to its end, applying it to state.
func replay(t *testing.T, s *testenv.Server, state map[string]string, cursor *string) *string {
	t.Helper()
	entries, cursor := readFeed(t, s, cursor)
	for _, e := range entries {
		switch {
		case e.Op == "delete":
			delete(state, e.ID)
		case e.Record != nil:
			state[e.ID] = e.Entity
		}
	}
	return cursor
}

// current lists every public record's ID through the API.
func current(t *testing.T, s *testenv.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for field, entity := range map[string]string{"regions": "Region", "compounds": "Compound", "grids": "Grid",
		"organizations": "Organization", "facilities": "Facility", "activities": "Activity",
		"serviceMatters": "ServiceMatter", "resources": "Resource", "coBuildingProjects": "CoBuildingProject", "themes": "Theme"} {
		// A project's signings and updates are listed with it.
		sub := ""
		if field == "coBuildingProjects" {
			sub = " signings { id } updates { id }"
		}
		var after *string
		for {
			var d map[string]struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
				Edges []struct {
					Node struct {
						ID                string
						Signings, Updates []struct{ ID string }
					}
				}
			}
			s.Query(t, "", `query($after: Cursor) { list: `+field+`(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id`+sub+` } } } }`,
				map[string]any{"after": after}).Decode(t, &d)
			for _, e := range d["list"].Edges {
				out[e.Node.ID] = entity
				for _, x := range e.Node.Signings {
					out[x.ID] = "ProjectSigning"
				}
				for _, x := range e.Node.Updates {
					out[x.ID] = "ProjectUpdate"
				}
			}
			if !d["list"].PageInfo.HasNextPage {
				break
			}
			after = d["list"].PageInfo.EndCursor
		}
	}
	return out
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestChangeFeedReplaysToTheCurrentState(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		state := map[string]string{}
		cursor := replay(t, s, state, nil)
		if want := current(t, s); strings.Join(keys(state), ",") != strings.Join(keys(want), ",") {
			t.Fatalf("replaying the demo data: %d records, want %d", len(state), len(want))
		}
		// Edits: a creation, an update, a deletion; read on from the cursor.
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		var c struct{ CreateFacility struct{ ID string } }
		s.Query(t, staff, `mutation($c: ID!) { createFacility(input: {name: "新药店", category: "pharmacy", lat: 36.62, lng: 101.75, communityID: $c}) { id } }`,
			map[string]any{"c": wtxGID}).Decode(t, &c)
		var f struct {
			Facilities struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `query($c: ID!) { facilities(first: 2, where: {hasCommunityWith: {id: $c}}) { edges { node { id } } } }`, map[string]any{"c": wtxGID}).Decode(t, &f)
		gone := f.Facilities.Edges[0].Node.ID
		if gone == c.CreateFacility.ID {
			gone = f.Facilities.Edges[1].Node.ID
		}
		s.Query(t, staff, `mutation($id: ID!) { deleteFacility(id: $id) }`, map[string]any{"id": gone}).Decode(t, &struct{}{})
		s.Query(t, staff, `mutation($id: ID!) { updateFacility(id: $id, input: {name: "新药店(改)"}) { id } }`, map[string]any{"id": c.CreateFacility.ID}).Decode(t, &struct{}{})
		replay(t, s, state, cursor)
		want := current(t, s)
		if strings.Join(keys(state), ",") != strings.Join(keys(want), ",") {
			t.Errorf("after edits: replay has %d records, the API %d", len(state), len(want))
		}
		if _, ok := state[gone]; ok {
			t.Error("the deleted facility is still in the replayed state: no tombstone")
		}

		// Read again from the start, after the deletion, on both paths:
		// every page answers (no error, no dropped connection), deletions and
		// records deleted since carry no record, every other entry its record,
		// and every time is RFC 3339 in +08:00.
		all, _ := readFeed(t, s, nil)
		lines := ndjsonFeed(t, s)
		if len(lines) != len(all) || len(all) == 0 {
			t.Fatalf("from the start: %d entries over GraphQL, %d over NDJSON", len(all), len(lines))
		}
		sawDeletedSince := false
		for i, e := range all {
			l := lines[i]
			_, live := want[e.ID]
			wantRecord := e.Op != "delete" && live
			sawDeletedSince = sawDeletedSince || e.Op != "delete" && !live
			if (e.Record != nil) != wantRecord || e.Record != nil && e.Record.ID != e.ID {
				t.Errorf("GraphQL entry %d (%s %s %s): record %v, want one: %v", i, e.Op, e.Entity, e.ID, e.Record, wantRecord)
			}
			if l.Sequence != e.Sequence || l.Op != e.Op || l.Entity != e.Entity || l.ID != e.ID || l.At != e.At {
				t.Errorf("entry %d: NDJSON %+v, GraphQL %+v", i, l, e)
			}
			if _, ok := l.raw["record"]; ok != wantRecord || wantRecord && l.Record["id"] != e.ID {
				t.Errorf("NDJSON entry %d (%s %s %s): record %v, want one: %v", i, e.Op, e.Entity, e.ID, l.Record, wantRecord)
			}
			if !localTime.MatchString(e.At) {
				t.Errorf("entry %d: at %q is not RFC 3339 in +08:00", i, e.At)
			}
			for k, v := range l.Record {
				if str, ok := v.(string); ok && strings.HasSuffix(k, "_at") && !localTime.MatchString(str) {
					t.Errorf("NDJSON entry %d (%s): record.%s = %q is not RFC 3339 in +08:00", i, e.Entity, k, str)
				}
			}
		}
		if !sawDeletedSince {
			t.Error("no entry of a record deleted since: the test did not test it")
		}

		// The same feed as NDJSON.
		res, body := get(t, s, "/open/changes", url.Values{"limit": {"5"}}, nil)
		lines5 := strings.Split(strings.TrimSpace(body), "\n")
		if res.StatusCode != 200 || len(lines5) != 5 || res.Header.Get("X-More") != "true" {
			t.Fatalf("ndjson: %d, %d lines, more %s", res.StatusCode, len(lines5), res.Header.Get("X-More"))
		}
		var first struct {
			ID     string
			Op     string
			Record map[string]any
		}
		if err := json.Unmarshal([]byte(lines5[0]), &first); err != nil || first.Record["id"] != first.ID {
			t.Errorf("ndjson line: %s (%v)", lines5[0], err)
		}
		if r, _ := get(t, s, "/open/changes", url.Values{"after": {"garbage"}}, nil); r.StatusCode != 400 {
			t.Errorf("a bad cursor: %d", r.StatusCode)
		}
	})
}

// localTime is how lifecircle writes a time: RFC 3339 in +08:00, whole seconds.
var localTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$`)

type ndjsonEntry struct {
	Sequence, Op, Entity, ID, At string
	Record                       map[string]any
	raw                          map[string]json.RawMessage
}

// ndjsonFeed reads /open/changes from the start to its end.
func ndjsonFeed(t *testing.T, s *testenv.Server) []ndjsonEntry {
	t.Helper()
	var out []ndjsonEntry
	after := ""
	for i := 0; i < 100; i++ {
		res, body := get(t, s, "/open/changes", url.Values{"after": {after}, "limit": {"1000"}}, nil)
		if res.StatusCode != 200 {
			t.Fatalf("/open/changes after %q: %d %s", after, res.StatusCode, body)
		}
		for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
			if line == "" {
				continue
			}
			var e ndjsonEntry
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("ndjson line %q: %v", line, err)
			}
			if err := json.Unmarshal([]byte(line), &e.raw); err != nil {
				t.Fatalf("ndjson line %q: %v", line, err)
			}
			out = append(out, e)
		}
		after = res.Header.Get("X-Next-Cursor")
		if res.Header.Get("X-More") != "true" {
			return out
		}
	}
	t.Fatal("the NDJSON feed does not end")
	return nil
}

// A bad page size of the feed names the argument the client sent.
func TestChangeFeedPageSizeNamesItsArgument(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	for _, first := range []int{0, -1} {
		r := s.Query(t, "", `query($n: Int) { changes(first: $n) { edges { cursor } } }`, map[string]any{"n": first})
		if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "first" {
			t.Errorf("changes(first: %d): want BAD_USER_INPUT on field first, got %s", first, r.Raw)
		}
	}
}
