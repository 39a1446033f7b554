package server_test

import (
	"net/url"
	"strings"
	"testing"

	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// Nested queries are eager-loaded: the statement count does not grow with
// the number of rows.
func TestNestedQueriesDoNotRunNPlusOne(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		st := b.Open(t, testenv.Options{Counter: &counter})
		s := testenv.StartServer(t, st, server.Options{})
		for _, tc := range []struct {
			name  string
			query string
			max   int
		}{
			{"50 facilities with community, subdistrict and operator", `{ facilities(first: 50) { totalCount edges { node {
				name community { name parent { name } } operator { name kind } } } } }`, 5},
			{"communities with nested facilities and their rooms", `{ regions(first: 20, where: {level: COMMUNITY}) { edges { node {
				name facilities(first: 10) { totalCount edges { node { name rooms(first: 5) { edges { node { name } } } } } } } } } }`, 6},
			{"activities with venue, organiser and community", `{ activities(first: 50) { edges { node {
				title venue { name } organizer { name } community { name parent { name } } } } } }`, 6},
			// The feed's current records: one query per type, with what the
			// client selected inside them eager-loaded.
			{"100 changes with their records", `{ changes(first: 100) { edges { node { op record { id
				... on Facility { name community { name } } ... on Activity { title venue { name } }
				... on Region { name parent { name } } } } } } }`, 10},
		} {
			counter.Reset()
			r := s.Query(t, "", tc.query, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %s", tc.name, r.Raw)
			}
			if n := len(counter.Statements()); n > tc.max {
				t.Errorf("%s: %d SQL statements, want at most %d:\n%s", tc.name, n, tc.max, strings.Join(counter.Statements(), "\n"))
			}
		}
		// The NDJSON feed: one query for the entries, one per type of
		// record in it (regions, compounds, grids, organisations,
		// facilities, activities; service matters, resources, projects,
		// signings, updates, themes), whatever the number of entries.
		counter.Reset()
		if res, _ := get(t, s, "/open/changes", url.Values{"limit": {"1000"}}, nil); res.StatusCode != 200 {
			t.Fatalf("/open/changes: %d", res.StatusCode)
		}
		if n := len(counter.Statements()); n > 13 {
			t.Errorf("/open/changes: %d SQL statements, want at most 13:\n%s", n, strings.Join(counter.Statements(), "\n"))
		}
		// Revalidating a download reads the change log's latest entry (and
		// the latest publication for the catalogue), not the data.
		for _, p := range []string{"/open/facilities.csv", "/open/regions.geojson", "/open/activities.ics", "/open/catalog.jsonld"} {
			res, _ := get(t, s, p, nil, nil)
			counter.Reset()
			if r, _ := get(t, s, p, nil, map[string]string{"If-None-Match": res.Header.Get("ETag")}); r.StatusCode != 304 {
				t.Fatalf("%s with its ETag: %d", p, r.StatusCode)
			}
			if n := len(counter.Statements()); n > 2 {
				t.Errorf("%s revalidated: %d SQL statements, want at most 2:\n%s", p, n, strings.Join(counter.Statements(), "\n"))
			}
		}
	})
}

// A staff page of people with their teams loads every membership in one
// query, not one per person.
func TestPeopleWithTeamsDoNotRunNPlusOne(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		st := b.Open(t, testenv.Options{Counter: &counter})
		s := testenv.StartServer(t, st, server.Options{})
		_, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		s.Query(t, staff, `{ viewer { role } }`, nil).Decode(t, &struct{}{}) // the token's first use is recorded
		counter.Reset()
		var d struct {
			People struct {
				Edges []struct {
					Node struct {
						Name  string
						Teams []struct{ Name string }
					}
				}
			}
		}
		s.Query(t, staff, `{ people(first: 50) { edges { node { name teams { name } } } } }`, nil).Decode(t, &d)
		members := 0
		for _, e := range d.People.Edges {
			members += len(e.Node.Teams)
		}
		if len(d.People.Edges) < 4 || members == 0 {
			t.Fatalf("want the people of 文亭巷 and some memberships, got %+v", d)
		}
		// The token, the people, their teams, the reading log's one INSERT.
		if n := len(counter.Statements()); n > 4 {
			t.Errorf("%d people with teams: %d SQL statements, want at most 4:\n%s", len(d.People.Edges), n, strings.Join(counter.Statements(), "\n"))
		}
	})
}
