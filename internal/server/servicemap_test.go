package server_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// The scene: a community centred on (30, 120) with facilities placed at
// known distances north or east of the centre, so every expected distance,
// walking time and tier verdict below is computed by hand.
const (
	lat0, lng0 = 30.0, 120.0
	mPerDegLat = 111194.93 // metres per degree of latitude on the 6371008.8 m sphere
)

type scene struct {
	s           *testenv.Server
	admin       string
	communityID string
	ids         map[string]string
}

func offset(north, east float64) (float64, float64) {
	return lat0 + north/mPerDegLat, lng0 + east/(mPerDegLat*math.Cos(lat0*math.Pi/180))
}

func newScene(t *testing.T, b testenv.Backend, opts testenv.Options) *scene {
	t.Helper()
	opts.NoDemo = true
	st := b.Open(t, opts)
	s := testenv.StartServer(t, st, server.Options{})
	sc := &scene{s: s, ids: map[string]string{}}
	sc.admin = s.Token(t, "admin", 0)
	var r struct{ CreateRegion struct{ ID string } }
	s.Query(t, sc.admin, `mutation { createRegion(input: {level: COMMUNITY, name: "测试社区", lat: 30, lng: 120}) { id } }`, nil).Decode(t, &r)
	sc.communityID = r.CreateRegion.ID
	return sc
}

// add creates a facility north and east of the centre by metres.
func (sc *scene) add(t *testing.T, key, category string, north, east float64, extra string) {
	t.Helper()
	lat, lng := offset(north, east)
	var r struct{ CreateFacility struct{ ID string } }
	sc.s.Query(t, sc.admin, fmt.Sprintf(`mutation($c: ID!) { createFacility(input: {name: %q, category: %q,
		lat: %.9f, lng: %.9f, communityID: $c %s}) { id } }`, key, category, lat, lng, extra),
		map[string]any{"c": sc.communityID}).Decode(t, &r)
	sc.ids[key] = r.CreateFacility.ID
}

func (sc *scene) standard(t *testing.T) {
	sc.add(t, "pharmacy", "pharmacy", 100, 0, `, openingHours: "Mo-Fr 08:00-12:00"`)
	sc.add(t, "kindergarten-near", "kindergarten", 200, 0, "")
	sc.add(t, "clinic", "health_station", 0, 400, "")
	sc.add(t, "kindergarten-far", "kindergarten", 500, 0, "")
	sc.add(t, "primary", "primary_school", 700, 0, "")
	sc.add(t, "junior", "junior_school", 0, 800, "")
	sc.add(t, "store", "convenience_store", 1000, 0, "")
	sc.add(t, "closed-kindergarten", "kindergarten", 50, 0, ", status: CLOSED")
}

type nearEdge struct {
	DistanceMeters, WalkMinutes float64
	Method                      string
	Node                        struct{ Name string }
}

type nearResult struct {
	FacilitiesNear struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges []nearEdge
	}
}

func (sc *scene) near(t *testing.T, args string, vars map[string]any) nearResult {
	t.Helper()
	var d nearResult
	var decl []string
	for name, typ := range map[string]string{"after": "Cursor", "at": "Time"} {
		if _, ok := vars[name]; ok {
			decl = append(decl, "$"+name+": "+typ)
		}
	}
	head := "query"
	if len(decl) > 0 {
		head += "(" + strings.Join(decl, ", ") + ")"
	}
	sc.s.Query(t, "", head+` { facilitiesNear(lat: 30, lng: 120`+args+`) {
		totalCount pageInfo { hasNextPage endCursor } edges { distanceMeters walkMinutes method node { name } } } }`, vars).Decode(t, &d)
	return d
}

func names(d nearResult) []string {
	var out []string
	for _, e := range d.FacilitiesNear.Edges {
		out = append(out, e.Node.Name)
	}
	return out
}

func sameList(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func TestFacilitiesNear(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		sc := newScene(t, b, testenv.Options{})
		sc.standard(t)

		// 15 minutes at 4.5 km/h with circuity 1.3: 15 × 75 / 1.3 = 865.4 m.
		d := sc.near(t, ", walkMinutes: 15", nil)
		want := []string{"pharmacy", "kindergarten-near", "clinic", "kindergarten-far", "primary", "junior"}
		if !sameList(names(d), want) || d.FacilitiesNear.TotalCount != 6 {
			t.Fatalf("15 minutes: got %v (total %d), want %v", names(d), d.FacilitiesNear.TotalCount, want)
		}
		for i, dist := range []float64{100, 200, 400, 500, 700, 800} {
			e := d.FacilitiesNear.Edges[i]
			if math.Abs(e.DistanceMeters-dist) > 0.5 {
				t.Errorf("%s: distance %.1f m, want %.0f", e.Node.Name, e.DistanceMeters, dist)
			}
			if wantMin := dist * 1.3 / 75; math.Abs(e.WalkMinutes-wantMin) > 0.01 || e.Method != "STRAIGHT_LINE" {
				t.Errorf("%s: %.2f min by %s, want %.2f by STRAIGHT_LINE", e.Node.Name, e.WalkMinutes, e.Method, wantMin)
			}
		}

		// The elderly walk 3.6 km/h: 15 × 60 / 1.3 = 692.3 m, so the school at 700 m drops out.
		if got := names(sc.near(t, ", walkMinutes: 15, profile: ELDERLY", nil)); !sameList(got, want[:4]) {
			t.Errorf("elderly: got %v, want %v", got, want[:4])
		}
		if got := names(sc.near(t, ", radiusMeters: 450", nil)); !sameList(got, want[:3]) {
			t.Errorf("450 m: got %v", got)
		}
		if got := names(sc.near(t, `, categories: ["kindergarten"]`, nil)); !sameList(got, []string{"kindergarten-near", "kindergarten-far"}) {
			t.Errorf("kindergartens: got %v (the closed one must not appear)", got)
		}
		// 2024-07-01 is a Monday; facilities with unknown hours are not "open".
		if got := names(sc.near(t, `, openAt: $at`, map[string]any{"at": "2024-07-01T10:00:00+08:00"})); !sameList(got, []string{"pharmacy"}) {
			t.Errorf("open on Monday 10:00: got %v", got)
		}
		if got := names(sc.near(t, `, openAt: $at`, map[string]any{"at": "2024-06-30T10:00:00+08:00"})); len(got) != 0 {
			t.Errorf("open on Sunday: got %v", got)
		}

		// Paging by cursor walks the same order.
		p1 := sc.near(t, ", first: 4", nil)
		p2 := sc.near(t, ", first: 4, after: $after", map[string]any{"after": p1.FacilitiesNear.PageInfo.EndCursor})
		if !sameList(append(names(p1), names(p2)...), want) || !p1.FacilitiesNear.PageInfo.HasNextPage || p2.FacilitiesNear.PageInfo.HasNextPage {
			t.Errorf("pages: %v then %v", names(p1), names(p2))
		}

		for name, args := range map[string]string{
			"both radius and minutes": ", walkMinutes: 10, radiusMeters: 100",
			"minutes too long":        ", walkMinutes: 600",
			"negative radius":         ", radiusMeters: -5",
			"unknown category":        `, categories: ["spaceport"]`,
		} {
			r := sc.s.Query(t, "", `{ facilitiesNear(lat: 30, lng: 120`+args+`) { totalCount } }`, nil)
			if r.Code() != "BAD_USER_INPUT" {
				t.Errorf("%s: want BAD_USER_INPUT, got %s", name, r.Raw)
			}
		}
		if r := sc.s.Query(t, "", `{ facilitiesNear(lat: 95, lng: 120) { totalCount } }`, nil); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("latitude 95: want BAD_USER_INPUT, got %s", r.Raw)
		}
		if r := sc.s.Query(t, "", `{ facilitiesNear(lat: 30, lng: 120, first: 500) { totalCount } }`, nil); r.Code() != "PAGE_SIZE_LIMIT" {
			t.Errorf("first: 500: want PAGE_SIZE_LIMIT, got %s", r.Raw)
		}
	})
}

func TestServiceCircleTiers(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		sc := newScene(t, b, testenv.Options{})
		sc.standard(t)
		var d struct {
			ServiceCircle struct {
				ReachMeters                float64
				RequiredTotal, RequiredMet int
				Score                      float64
				Missing                    []struct{ Code string }
				Polygon                    map[string]any
				Categories                 []struct {
					Category       struct{ Code string }
					WithinReach    int
					RequirementMet *bool
					Nearest        []struct {
						WalkMinutes float64
						Facility    struct{ Name string }
					}
				}
			}
		}
		sc.s.Query(t, "", `{ serviceCircle(point: {lat: 30, lng: 120}) { reachMeters requiredTotal requiredMet score
			missing { code } polygon categories { category { code } withinReach requirementMet
			nearest { walkMinutes facility { name } } } } }`, nil).Decode(t, &d)
		c := d.ServiceCircle
		if math.Abs(c.ReachMeters-865.4) > 0.1 {
			t.Errorf("reach %.1f m, want 865.4", c.ReachMeters)
		}
		byCode := map[string]int{}
		for i, cc := range c.Categories {
			byCode[cc.Category.Code] = i
		}
		check := func(code string, within int, met *bool, nearest string) {
			t.Helper()
			cc := c.Categories[byCode[code]]
			if cc.WithinReach != within {
				t.Errorf("%s: %d within reach, want %d", code, cc.WithinReach, within)
			}
			if (met == nil) != (cc.RequirementMet == nil) || (met != nil && *met != *cc.RequirementMet) {
				t.Errorf("%s: requirementMet %v, want %v", code, deref(cc.RequirementMet), deref(met))
			}
			if nearest != "" && (len(cc.Nearest) == 0 || cc.Nearest[0].Facility.Name != nearest) {
				t.Errorf("%s: nearest %+v, want %s", code, cc.Nearest, nearest)
			}
		}
		yes, no := true, false
		check("kindergarten", 2, &yes, "kindergarten-near") // tier 5: 3.47 min; the closed one at 50 m does not count
		check("primary_school", 1, &no, "primary")          // tier 10: 12.13 min > 10
		check("junior_school", 1, &yes, "junior")           // tier 15: 13.87 min
		check("convenience_store", 0, &no, "store")         // block (5 min): 17.3 min, found beyond reach
		check("pharmacy", 1, nil, "pharmacy")               // project category: no tier
		check("health_station", 1, &no, "clinic")           // optional, tier 5: 400 m = 6.93 min > 5
		missing := map[string]bool{}
		for _, m := range c.Missing {
			missing[m.Code] = true
		}
		if !missing["primary_school"] || !missing["convenience_store"] || missing["kindergarten"] || missing["junior_school"] {
			t.Errorf("missing: %v", c.Missing)
		}
		if missing["health_station"] {
			t.Error("health_station is optional (△): it is never 'missing'")
		}
		if c.RequiredMet != 2 || c.RequiredTotal < 30 || math.Abs(c.Score-float64(c.RequiredMet)/float64(c.RequiredTotal)) > 1e-3 {
			t.Errorf("score %v = %d/%d", c.Score, c.RequiredMet, c.RequiredTotal)
		}
		if c.Polygon["type"] != "Polygon" {
			t.Errorf("polygon: %v", c.Polygon["type"])
		}
	})
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// A second server over the same database (its own index) sees every write
// made through the first in its next query: the change log keeps them in step.
func TestServiceMapFollowsEdits(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		sc := newScene(t, b, testenv.Options{})
		sc.standard(t)
		other := &scene{s: testenv.StartServer(t, sc.s.Store, server.Options{}), ids: sc.ids}
		want := []string{"pharmacy", "kindergarten-near", "clinic", "kindergarten-far", "primary", "junior"}
		if got := names(other.near(t, "", nil)); !sameList(got, want) {
			t.Fatalf("before edits: %v", got)
		}
		update := func(key, input string) {
			t.Helper()
			sc.s.Query(t, sc.admin, `mutation($id: ID!) { updateFacility(id: $id, input: {`+input+`}) { id } }`,
				map[string]any{"id": sc.ids[key]}).Decode(t, &struct{}{})
		}
		lat, _ := offset(2000, 0)
		update("kindergarten-near", fmt.Sprintf("lat: %.9f", lat)) // moved away
		update("clinic", "status: CLOSED")                         // closed
		sc.s.Query(t, sc.admin, `mutation($id: ID!) { deleteFacility(id: $id) }`, map[string]any{"id": sc.ids["pharmacy"]}).Decode(t, &struct{}{})
		sc.add(t, "new-canteen", "community_canteen", 300, 0, "") // created
		want = []string{"new-canteen", "kindergarten-far", "primary", "junior"}
		for _, srv := range []*scene{sc, other} {
			if got := names(srv.near(t, "", nil)); !sameList(got, want) {
				t.Errorf("after edits: got %v, want %v", got, want)
			}
		}
		// A failed operation leaves nothing behind in the index either.
		lat, lng := offset(10, 0)
		r := sc.s.Query(t, sc.admin, fmt.Sprintf(`mutation($c: ID!) {
			a: createFacility(input: {name: "ghost", category: "pharmacy", lat: %.9f, lng: %.9f, communityID: $c}) { id }
			b: createFacility(input: {name: "bad", category: "nope", lat: 30, lng: 120, communityID: $c}) { id } }`, lat, lng),
			map[string]any{"c": sc.communityID})
		if r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("want the second create refused: %s", r.Raw)
		}
		if got := names(other.near(t, "", nil)); !sameList(got, want) {
			t.Errorf("after a rolled-back create: got %v, want %v", got, want)
		}
	})
}

func TestLifeCircleReport(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		sc := newScene(t, b, testenv.Options{})
		sc.standard(t)
		var city struct{ CreateRegion struct{ ID string } }
		sc.s.Query(t, sc.admin, `mutation { createRegion(input: {level: CITY, name: "测试市", lat: 30, lng: 120}) { id } }`, nil).Decode(t, &city)
		sc.s.Query(t, sc.admin, `mutation($id: ID!, $p: ID!) { updateRegion(id: $id, input: {parentID: $p}) { id } }`,
			map[string]any{"id": sc.communityID, "p": city.CreateRegion.ID}).Decode(t, &struct{}{})
		compound := func(name string, north float64, households int) {
			lat, lng := offset(north, 0)
			sc.s.Query(t, sc.admin, fmt.Sprintf(`mutation($c: ID!) { createCompound(input: {name: %q, lat: %.9f, lng: %.9f,
				households: %d, communityID: $c}) { id } }`, name, lat, lng, households), map[string]any{"c": sc.communityID}).Decode(t, &struct{}{})
		}
		compound("centre", 0, 300)
		compound("far", 3000, 500)
		compound("near", 150, 200)

		type report struct {
			LifeCircleReport struct {
				CompoundCount, Households int
				MissingByCategory         []struct {
					Category              struct{ Code string }
					Compounds, Households int
				}
				Compounds struct {
					TotalCount int
					PageInfo   struct{ HasNextPage bool }
					Edges      []struct {
						Node struct {
							Compound struct {
								Name      string
								Community struct{ Name string }
							}
							Score   float64
							Missing []struct{ Code string }
						}
					}
				}
			}
		}
		run := func(region, args string) report {
			t.Helper()
			var d report
			sc.s.Query(t, "", `query($r: ID!) { lifeCircleReport(region: $r) { compoundCount households
				missingByCategory { category { code } compounds households }
				compounds`+args+` { totalCount pageInfo { hasNextPage } edges { node { compound { name community { name } } score missing { code } } } } } }`,
				map[string]any{"r": region}).Decode(t, &d)
			return d
		}
		d := run(city.CreateRegion.ID, "") // the city: its community's compounds
		rep := d.LifeCircleReport
		if rep.CompoundCount != 3 || rep.Households != 1000 {
			t.Fatalf("report: %d compounds, %d households", rep.CompoundCount, rep.Households)
		}
		if first := rep.Compounds.Edges[0].Node; first.Compound.Name != "far" || first.Compound.Community.Name != "测试社区" {
			t.Errorf("worst score first: got %s", first.Compound.Name)
		}
		kindergarten := func(r report) (compounds, households int) {
			for _, m := range r.LifeCircleReport.MissingByCategory {
				if m.Category.Code == "kindergarten" {
					return m.Compounds, m.Households
				}
			}
			return 0, 0
		}
		if c, h := kindergarten(d); c != 1 || h != 500 {
			t.Errorf("kindergarten missing for %d compounds / %d households, want 1 / 500 (the far one)", c, h)
		}
		only := run(sc.communityID, `(missing: "kindergarten")`)
		if n := only.LifeCircleReport.Compounds.Edges; len(n) != 1 || n[0].Node.Compound.Name != "far" {
			t.Errorf("compounds lacking a kindergarten: %+v", n)
		}
		page := run(sc.communityID, `(first: 1, orderBy: {field: NAME, direction: ASC})`)
		if e := page.LifeCircleReport.Compounds; len(e.Edges) != 1 || e.Edges[0].Node.Compound.Name != "centre" || !e.PageInfo.HasNextPage || e.TotalCount != 3 {
			t.Errorf("first page by name: %+v", e)
		}
		// Paging forward with after visits every compound once.
		var seen []string
		after := any(nil)
		for i := 0; i < 5; i++ {
			var pg struct {
				LifeCircleReport struct {
					Compounds struct {
						PageInfo struct {
							HasNextPage bool
							EndCursor   string
						}
						Edges []struct {
							Node struct{ Compound struct{ Name string } }
						}
					}
				}
			}
			sc.s.Query(t, "", `query($r: ID!, $after: Cursor) { lifeCircleReport(region: $r) { compounds(first: 1, after: $after,
				orderBy: {field: NAME, direction: ASC}) { pageInfo { hasNextPage endCursor } edges { node { compound { name } } } } } }`,
				map[string]any{"r": sc.communityID, "after": after}).Decode(t, &pg)
			for _, e := range pg.LifeCircleReport.Compounds.Edges {
				seen = append(seen, e.Node.Compound.Name)
			}
			if !pg.LifeCircleReport.Compounds.PageInfo.HasNextPage {
				break
			}
			after = pg.LifeCircleReport.Compounds.PageInfo.EndCursor
		}
		if !sameList(seen, []string{"centre", "far", "near"}) {
			t.Errorf("paging the report one by one: %v", seen)
		}
		// minutes: null means the default, a negative page size is refused.
		if r := sc.s.Query(t, "", `query($r: ID!) { lifeCircleReport(region: $r, minutes: null) { compoundCount compounds(first: -1) { totalCount } } }`,
			map[string]any{"r": sc.communityID}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("first: -1: want BAD_USER_INPUT, got %s", r.Raw)
		}
		var dflt struct{ ServiceCircle struct{ Minutes float64 } }
		sc.s.Query(t, "", `{ serviceCircle(point: {lat: 30, lng: 120}, minutes: null, k: null) { minutes } }`, nil).Decode(t, &dflt)
		if dflt.ServiceCircle.Minutes != 15 {
			t.Errorf("minutes: null gave %v, want the default 15", dflt.ServiceCircle.Minutes)
		}
		// A kindergarten opened next to the far compound shows in the next report.
		sc.add(t, "kindergarten-north", "kindergarten", 3050, 0, "")
		if c, _ := kindergarten(run(sc.communityID, "")); c != 0 {
			t.Errorf("after opening a kindergarten: still missing for %d compounds", c)
		}
	})
}

func TestServiceMapQueriesDoNotRunNPlusOne(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		s := testenv.StartServer(t, b.Open(t, testenv.Options{Counter: &counter}), server.Options{})
		// Warm the index: its first load reads every facility once.
		s.Query(t, "", `{ facilitiesNear(lat: 34.33, lng: 108.70, radiusMeters: 10) { totalCount } }`, nil)
		for _, tc := range []struct{ name, query string }{
			{"facilitiesNear with community and operator", `{ facilitiesNear(lat: 34.3385, lng: 108.7055, radiusMeters: 3000, first: 50) {
				edges { walkMinutes node { name community { name parent { name } } operator { name } } } } }`},
			{"serviceCircle with facilities and their communities", `{ serviceCircle(point: {lat: 34.3385, lng: 108.7055}, k: 5) {
				categories { nearest { facility { name community { name } } } } } }`},
		} {
			counter.Reset()
			r := s.Query(t, "", tc.query, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %s", tc.name, r.Raw)
			}
			if strings.Count(string(r.Raw), `"community":{"name"`) < 5 {
				t.Fatalf("%s: want facilities with their communities back, got %s", tc.name, r.Raw)
			}
			if n := len(counter.Statements()); n > 6 {
				t.Errorf("%s: %d statements, want at most 6:\n%s", tc.name, n, strings.Join(counter.Statements(), "\n"))
			}
		}
	})
}
