package server_test

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"

	"lifecircle/internal/testenv"
)

type feedPage struct {
	Changes struct {
		Cursor  *string
		HasMore bool
		Entries []struct {
			Op, Entity, ID string
			Record         *struct{ ID string }
		}
	}
}

// replay reads the feed from cursor to its end, applying it to state.
func replay(t *testing.T, s *testenv.Server, state map[string]string, cursor *string) *string {
	t.Helper()
	for i := 0; i < 1000; i++ {
		var p feedPage
		s.Query(t, "", `query($after: String) { changes(after: $after, first: 100) { cursor hasMore
			entries { op entity id record { id } } } }`, map[string]any{"after": cursor}).Decode(t, &p)
		for _, e := range p.Changes.Entries {
			switch {
			case e.Op == "delete":
				delete(state, e.ID)
			case e.Record != nil:
				state[e.ID] = e.Entity
			}
		}
		if p.Changes.Cursor != nil {
			cursor = p.Changes.Cursor
		}
		if !p.Changes.HasMore {
			return cursor
		}
	}
	t.Fatal("the feed does not end")
	return nil
}

// current lists every public record's ID through the API.
func current(t *testing.T, s *testenv.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for field, entity := range map[string]string{"regions": "Region", "compounds": "Compound", "grids": "Grid",
		"organizations": "Organization", "facilities": "Facility", "activities": "Activity"} {
		var after *string
		for {
			var d map[string]struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
				Edges []struct{ Node struct{ ID string } }
			}
			s.Query(t, "", `query($after: Cursor) { list: `+field+`(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }`,
				map[string]any{"after": after}).Decode(t, &d)
			for _, e := range d["list"].Edges {
				out[e.Node.ID] = entity
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
		wtxGID, wtx := communityID(t, s, "文亭巷社区")
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

		// The same feed as NDJSON.
		res, body := get(t, s, "/open/changes", url.Values{"limit": {"5"}}, nil)
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if res.StatusCode != 200 || len(lines) != 5 || res.Header.Get("X-More") != "true" {
			t.Fatalf("ndjson: %d, %d lines, more %s", res.StatusCode, len(lines), res.Header.Get("X-More"))
		}
		var first struct {
			ID     string
			Op     string
			Record map[string]any
		}
		if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Record["id"] != first.ID {
			t.Errorf("ndjson line: %s (%v)", lines[0], err)
		}
		if r, _ := get(t, s, "/open/changes", url.Values{"after": {"garbage"}}, nil); r.StatusCode != 400 {
			t.Errorf("a bad cursor: %d", r.StatusCode)
		}
	})
}
