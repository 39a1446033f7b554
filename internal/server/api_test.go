package server_test

import (
	"net/http"
	"strings"
	"testing"

	"lifecircle/internal/limits"
	"lifecircle/internal/testenv"
)

func TestDemoDataIsServed(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		var d struct {
			Communities struct{ TotalCount int }
			Facilities  struct{ TotalCount int }
			Activities  struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Title    string
						StartsAt string
						Venue    *struct{ Name string }
					}
				}
			}
		}
		s.Query(t, "", `{
			communities: regions(where: {level: COMMUNITY}) { totalCount }
			facilities { totalCount }
			activities(first: 100, orderBy: {field: STARTS_AT, direction: ASC}) {
				totalCount edges { node { title startsAt venue { name } } }
			}
		}`, nil).Decode(t, &d)
		if d.Communities.TotalCount != 9 {
			t.Errorf("communities: got %d, want the 9 seed communities", d.Communities.TotalCount)
		}
		if d.Facilities.TotalCount < 100 {
			t.Errorf("facilities: got %d, want the seed facilities plus generic ones (100+)", d.Facilities.TotalCount)
		}
		if d.Activities.TotalCount < 20 {
			t.Errorf("activities: got %d, want the seed activities", d.Activities.TotalCount)
		}
		for _, e := range d.Activities.Edges {
			if !strings.HasSuffix(e.Node.StartsAt, "+08:00") {
				t.Fatalf("activity %q starts at %q: want RFC 3339 in Asia/Shanghai (+08:00)", e.Node.Title, e.Node.StartsAt)
			}
		}
	})
}

func TestRegionHierarchy(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		var d struct {
			Regions struct {
				Edges []struct {
					Node struct {
						Name   string
						Level  string
						Parent struct {
							Name   string
							Level  string
							Parent struct{ Name, Level string }
						}
						Compounds struct{ TotalCount int }
						Grids     struct{ TotalCount int }
					}
				}
			}
		}
		s.Query(t, "", `{ regions(where: {name: "文亭巷社区"}) { edges { node {
			name level parent { name level parent { name level } }
			compounds { totalCount } grids { totalCount } } } } }`, nil).Decode(t, &d)
		if len(d.Regions.Edges) != 1 {
			t.Fatalf("want Wentingxiang once, got %s", mustJSON(d))
		}
		n := d.Regions.Edges[0].Node
		if n.Level != "COMMUNITY" || n.Parent.Name != "文汇路街道" || n.Parent.Level != "SUBDISTRICT" ||
			n.Parent.Parent.Name != "城西区" || n.Parent.Parent.Level != "DISTRICT" {
			t.Errorf("hierarchy of 文亭巷社区 is wrong: %s", mustJSON(n))
		}
		if n.Compounds.TotalCount < 2 || n.Grids.TotalCount < 1 {
			t.Errorf("want compounds and grids in the community, got %s", mustJSON(n))
		}
	})
}

func TestRelayPaginationAndNode(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		type page struct {
			Facilities struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage, HasPreviousPage bool
					StartCursor, EndCursor       string
				}
				Edges []struct {
					Cursor string
					Node   struct{ ID, Name string }
				}
			}
		}
		q := `query($after: Cursor, $first: Int, $last: Int, $before: Cursor) {
			facilities(after: $after, first: $first, last: $last, before: $before, orderBy: {field: NAME, direction: ASC}) {
				totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
				edges { cursor node { id name } } } }`
		var p1, p2, back page
		s.Query(t, "", q, map[string]any{"first": 10}).Decode(t, &p1)
		if len(p1.Facilities.Edges) != 10 || !p1.Facilities.PageInfo.HasNextPage {
			t.Fatalf("first page: want 10 edges and a next page, got %d", len(p1.Facilities.Edges))
		}
		s.Query(t, "", q, map[string]any{"first": 10, "after": p1.Facilities.PageInfo.EndCursor}).Decode(t, &p2)
		if len(p2.Facilities.Edges) != 10 || p2.Facilities.Edges[0].Node.ID == p1.Facilities.Edges[9].Node.ID {
			t.Fatalf("second page overlaps the first")
		}
		if p2.Facilities.Edges[0].Node.Name < p1.Facilities.Edges[9].Node.Name {
			t.Errorf("order by name broken across pages: %q after %q", p2.Facilities.Edges[0].Node.Name, p1.Facilities.Edges[9].Node.Name)
		}
		s.Query(t, "", q, map[string]any{"last": 10, "before": p2.Facilities.PageInfo.StartCursor}).Decode(t, &back)
		if len(back.Facilities.Edges) != 10 {
			t.Fatalf("paging back: %d edges, want 10", len(back.Facilities.Edges))
		}
		for i := range back.Facilities.Edges {
			if back.Facilities.Edges[i].Node.ID != p1.Facilities.Edges[i].Node.ID {
				t.Fatalf("paging back with last/before does not return the first page")
			}
		}

		// node(id:) returns the same facility, by its opaque global ID.
		id := p1.Facilities.Edges[0].Node.ID
		var n struct {
			Node  struct{ ID, Name, Typename string }
			Nodes []struct{ ID string }
		}
		s.Query(t, "", `query($id: ID!) { node(id: $id) { id ... on Facility { name } } nodes(ids: [$id]) { id } }`,
			map[string]any{"id": id}).Decode(t, &n)
		if n.Node.ID != id || n.Node.Name != p1.Facilities.Edges[0].Node.Name || len(n.Nodes) != 1 {
			t.Errorf("node(id:) round trip failed: %s", mustJSON(n))
		}
	})
}

func TestPageSizeDefaultsAndLimits(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		// No first/last: the default page applies at the root and on nested edges.
		var d struct {
			Facilities struct{ Edges []struct{} }
		}
		s.Query(t, "", `{ facilities { edges { node { id } } } }`, nil).Decode(t, &d)
		if got := len(d.Facilities.Edges); got != limits.DefaultPageSize {
			t.Errorf("facilities without first: got %d edges, want the default page of %d", got, limits.DefaultPageSize)
		}
		var nested struct {
			Regions struct {
				Edges []struct {
					Node struct {
						Facilities struct {
							TotalCount int
							Edges      []struct{}
						}
					}
				}
			}
		}
		s.Query(t, "", `{ regions(where: {name: "团结北路社区"}) { edges { node {
			facilities { totalCount edges { node { id } } } } } } }`, nil).Decode(t, &nested)
		f := nested.Regions.Edges[0].Node.Facilities
		if f.TotalCount <= limits.DefaultPageSize || len(f.Edges) != limits.DefaultPageSize {
			t.Errorf("nested facilities without first: %d of %d edges, want the default page of %d",
				len(f.Edges), f.TotalCount, limits.DefaultPageSize)
		}

		for name, tc := range map[string]struct {
			query string
			vars  map[string]any
		}{
			"literal first":  {`{ facilities(first: 101) { totalCount } }`, nil},
			"variable last":  {`query($n: Int) { facilities(last: $n) { totalCount } }`, map[string]any{"n": 5000}},
			"nested first":   {`{ regions(first: 1) { edges { node { facilities(first: 1000) { totalCount } } } } }`, nil},
			"null page size": {`query($n: Int) { facilities(first: $n) { totalCount } }`, map[string]any{"n": nil}},
			"in a fragment":  {`{ regions(first: 1) { edges { node { ...F } } } } fragment F on Region { facilities(first: 500) { totalCount } }`, nil},
		} {
			r := s.Query(t, "", tc.query, tc.vars)
			if r.Code() != limits.CodePageSize || string(r.Data) != "null" {
				t.Errorf("%s: want %s and no data, got %s", name, limits.CodePageSize, r.Raw)
			}
		}
	})
}

func TestMalformedAndHostileQueries(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	for name, tc := range map[string]struct {
		body, code string
		status     int
	}{
		"syntax error":  {`{"query":"{ facilities { "}`, "GRAPHQL_PARSE_FAILED", http.StatusUnprocessableEntity},
		"unknown field": {`{"query":"{ nope }"}`, "GRAPHQL_VALIDATION_FAILED", http.StatusUnprocessableEntity},
		"bad ID":        {`{"query":"{ node(id: \"not-an-id\") { id } }"}`, "BAD_USER_INPUT", http.StatusOK},
		"bad enum":      {`{"query":"{ facilities(where: {status: NOPE}) { totalCount } }"}`, "GRAPHQL_VALIDATION_FAILED", http.StatusUnprocessableEntity},
		"too deep": {`{"query":"{ regions(first:1) { edges { node { parent { parent { children(first:1) { edges { node { children(first:1) { edges { node { children(first:1) { edges { node { name } } } } } } } } } } } } } } }"}`,
			limits.CodeDepth, http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		r := s.Do(t, req)
		if r.Code() != tc.code {
			t.Errorf("%s: want code %s, got %s", name, tc.code, r.Raw)
		}
		if tc.status != 0 && r.Status != tc.status {
			t.Errorf("%s: want HTTP %d, got %d", name, tc.status, r.Status)
		}
		if strings.Contains(strings.ToLower(string(r.Raw)), "select ") || strings.Contains(string(r.Raw), ".go:") {
			t.Errorf("%s: response leaks SQL or source: %s", name, r.Raw)
		}
	}
	// An oversized body is refused before it is read whole.
	big := `{"query":"{ facilities { totalCount } }", "x":"` + strings.Repeat("a", 2<<20) + `"}`
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	if r := s.Do(t, req); r.Status != http.StatusRequestEntityTooLarge || r.Code() != "REQUEST_TOO_LARGE" {
		t.Errorf("2 MiB body: want 413 REQUEST_TOO_LARGE, got %d %s", r.Status, r.Raw)
	}
}

func TestNULBytesAreRefusedAsBadInput(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		r := s.Query(t, "", `query($n: String!) { facilities(where: {nameContains: $n}) { totalCount } }`, map[string]any{"n": "a\x00"})
		if r.Code() != "BAD_USER_INPUT" || strings.Contains(string(r.Raw), "pq:") {
			t.Errorf("NUL in a variable: want BAD_USER_INPUT, got %s", r.Raw)
		}
	})
}

func TestCategoriesAndOpeningHours(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		var d struct {
			Categories []struct {
				Code                string
				Tier                *string
				Required            bool
				ServiceRadiusMeters *int
				En                  string
			}
		}
		s.Query(t, "", `{ categories { code tier required serviceRadiusMeters en: label(lang: "en") } }`, nil).Decode(t, &d)
		found := map[string]bool{}
		for _, c := range d.Categories {
			found[c.Code] = true
			if c.Code == "kindergarten" && (c.Tier == nil || *c.Tier != "MIN5" || !c.Required || c.ServiceRadiusMeters == nil || *c.ServiceRadiusMeters != 300 || c.En != "Kindergarten") {
				t.Errorf("kindergarten row is wrong: %s", mustJSON(c))
			}
			if c.Code == "party_mass_centre" && c.Tier != nil {
				t.Errorf("project category party_mass_centre must have no tier: %s", mustJSON(c))
			}
		}
		for _, code := range []string{"community_canteen", "elderly_daycare", "after_school_care", "courier_rest_station"} {
			if !found[code] {
				t.Errorf("category %s missing", code)
			}
		}

		// isOpenAt against a schedule set here, checked by hand.
		_, comm := s.Community(t, "文亭巷社区")
		tok := s.Token(t, "staff", comm)
		var c struct{ CreateFacility struct{ ID string } }
		s.Query(t, tok, `mutation($c: ID!) { createFacility(input: {name: "测试食堂", category: "community_canteen",
			lat: 36.62, lng: 101.75, communityID: $c, openingHours: "Mo-Fr 11:00-13:30,17:00-19:00; Sa 11:00-13:00"}) { id } }`,
			map[string]any{"c": gidOf(t, s, "文亭巷社区")}).Decode(t, &c)
		for at, want := range map[string]bool{
			"2024-07-01T12:00:00+08:00": true,  // Monday lunch
			"2024-07-01T14:00:00+08:00": false, // Monday afternoon gap
			"2024-07-01T04:30:00Z":      true,  // 12:30 in Shanghai
			"2024-07-06T12:59:00+08:00": true,  // Saturday
			"2024-07-06T13:00:00+08:00": false, // Saturday, closed at 13:00
			"2024-07-07T12:00:00+08:00": false, // Sunday
		} {
			var o struct{ Node struct{ IsOpenAt *bool } }
			s.Query(t, "", `query($id: ID!, $t: Time!) { node(id: $id) { ... on Facility { isOpenAt(time: $t) } } }`,
				map[string]any{"id": c.CreateFacility.ID, "t": at}).Decode(t, &o)
			if o.Node.IsOpenAt == nil || *o.Node.IsOpenAt != want {
				t.Errorf("isOpenAt(%s): got %v, want %v", at, o.Node.IsOpenAt, want)
			}
		}
	})
}

func gidOf(t *testing.T, s *testenv.Server, community string) string {
	id, _ := s.Community(t, community)
	return id
}

func TestCORS(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	for origin, allowed := range map[string]bool{
		"https://district.example": true,
		"https://evil.example":     false,
		"null":                     false,
	} {
		req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := res.Header.Get("Access-Control-Allow-Origin")
		if allowed && got != origin {
			t.Errorf("preflight from %s: want it echoed, got %q", origin, got)
		}
		if !allowed && got != "" {
			t.Errorf("preflight from %s: want no Access-Control-Allow-Origin, got %q", origin, got)
		}
		if res.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("credentials must stay off")
		}
		if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("preflight from %s: want Vary: Origin", origin)
		}
	}
}
