package widgetdata_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifecircle/ent/region"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/taxonomy"
	"lifecircle/internal/testenv"
	"lifecircle/internal/walknet"
	"lifecircle/internal/widgetdata"
)

type reply struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, s *testenv.Server, path string, header map[string]string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// The transport would gunzip silently; ask for gzip only when a test says so.
	req.Header.Set("Accept-Encoding", header["Accept-Encoding"])
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, b}
}

func remaining(t *testing.T, r reply) int {
	t.Helper()
	n, err := strconv.Atoi(r.header.Get("RateLimit-Remaining"))
	if err != nil {
		t.Fatalf("RateLimit-Remaining %q", r.header.Get("RateLimit-Remaining"))
	}
	return n
}

// The widget's one request, over HTTP to the real server on each backend:
// what it holds, what it costs, and that a repeat load costs a
// revalidation only.
func TestWidgetData(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{})
		// A budget that refills slowly (about 0.3 points a second), so the
		// charges can be read off RateLimit-Remaining.
		const budget = 100000
		s := testenv.StartServer(t, st, server.Options{PublicRate: limits.Rate{Points: budget, Per: 100 * time.Hour}})
		ctx := rule.SystemContext(context.Background())
		c := st.Client.Region.Query().Where(region.Name("文亭巷社区")).OnlyX(ctx)
		canteen := st.Client.Facility.Query().Where().AllX(ctx)
		var canteenID int
		for _, f := range canteen {
			if f.Name == "文亭巷社区幸福食堂" {
				canteenID = f.ID
			}
		}
		// Activities at the canteen: one coming, one cancelled, one past.
		now := time.Now()
		mk := func(title string, start time.Time, cancelled bool) {
			a := st.Client.Activity.Create().SetTitle(title).SetCategory("ELDERLY").SetStartsAt(start).SetEndsAt(start.Add(2 * time.Hour)).
				SetCommunityID(c.ID).SetVenueID(canteenID)
			if cancelled {
				a.SetStatus("CANCELLED")
			}
			a.SaveX(ctx)
		}
		mk("饺子宴", now.Add(48*time.Hour), false)
		mk("取消的活动", now.Add(72*time.Hour), true)
		mk("上周的活动", now.Add(-7*24*time.Hour), false)

		// Cost: a load is charged Cost; a repeat load with the ETag is a
		// 304 charged limits.RevalidationCost.
		path := "/open/widget.json?place=" + gid.Encode(c.ID)
		first := get(t, s, path, map[string]string{"Origin": "https://district.example"})
		if first.status != http.StatusOK || !strings.HasPrefix(first.header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s: %d %s", path, first.status, first.body)
		}
		if got := remaining(t, first); got != budget-widgetdata.Cost {
			t.Errorf("after one load %d points remain, want %d", got, budget-widgetdata.Cost)
		}
		etag := first.header.Get("ETag")
		if etag == "" || first.header.Get("Cache-Control") != "public, max-age=60" || first.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("headers %v", first.header)
		}
		again := get(t, s, path, map[string]string{"If-None-Match": etag})
		if again.status != http.StatusNotModified || len(again.body) != 0 {
			t.Errorf("revalidation: %d, %d bytes", again.status, len(again.body))
		}
		if spent := remaining(t, first) - remaining(t, again); spent < limits.RevalidationCost-2 || spent > limits.RevalidationCost {
			t.Errorf("a revalidation cost %d points, want %d", spent, limits.RevalidationCost)
		}
		var d widgetdata.Data
		if err := json.Unmarshal(first.body, &d); err != nil {
			t.Fatal(err)
		}

		// The cursor is the change feed's position the answer was read at:
		// the feed has nothing after it yet, and a facility created now
		// comes after it (a map subscribing from it misses nothing).
		changesAfter := func() []string {
			var ch struct {
				Changes struct {
					Edges []struct{ Node struct{ Entity, Op string } }
				}
			}
			s.Query(t, "", `query($after: Cursor) { changes(after: $after, first: 100) { edges { node { entity op } } } }`,
				map[string]any{"after": d.Cursor}).Decode(t, &ch)
			var got []string
			for _, e := range ch.Changes.Edges {
				got = append(got, e.Node.Entity+" "+e.Node.Op)
			}
			return got
		}
		if d.Cursor == "" {
			t.Fatal("widget.json has no cursor")
		}
		if got := changesAfter(); len(got) != 0 {
			t.Errorf("changes after widget.json's cursor before any write: %q, want none", got)
		}
		// Far away: the rest of the test does not see it.
		st.Client.Facility.Create().SetName("游标之后的新药店").SetCategory("pharmacy").SetLat(c.Lat + 1).SetLng(c.Lng).SetCommunityID(c.ID).SaveX(ctx)
		if got := changesAfter(); len(got) != 1 || got[0] != "Facility create" {
			t.Errorf("changes after widget.json's cursor after one creation: %q, want [Facility create]", got)
		}

		// The same facilities as the public API's facilitiesNear.
		var near struct {
			FacilitiesNear struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `query($lat: Float!, $lng: Float!) { facilitiesNear(lat: $lat, lng: $lng, walkMinutes: 15, first: 100) { totalCount edges { node { id } } } }`,
			map[string]any{"lat": c.Lat, "lng": c.Lng}).Decode(t, &near)
		if len(d.Facilities) != near.FacilitiesNear.TotalCount || d.More {
			t.Fatalf("%d facilities (more: %v); facilitiesNear has %d", len(d.Facilities), d.More, near.FacilitiesNear.TotalCount)
		}
		for i, e := range near.FacilitiesNear.Edges {
			if d.Facilities[i].ID != e.Node.ID {
				t.Errorf("facility %d is %s, facilitiesNear says %s", i, d.Facilities[i].ID, e.Node.ID)
			}
		}
		if d.Place.Kind != "community" || d.Place.Name != "文亭巷社区" || d.Minutes != 15 || d.Polygon["type"] != "Polygon" {
			t.Errorf("place %+v, minutes %v, polygon %v", d.Place, d.Minutes, d.Polygon["type"])
		}

		// The canteen: hours for people, phone, services, the coming activity only.
		var f *widgetdata.Facility
		for i := range d.Facilities {
			if d.Facilities[i].ID == gid.Encode(canteenID) {
				f = &d.Facilities[i]
			}
		}
		if f == nil {
			t.Fatal("the community's canteen is not within 15 minutes")
		}
		if f.Hours["zh-Hans"] != "周一至周日 11:30–13:00、17:30–19:00" || f.Hours["en"] != "Mon–Sun 11:30–13:00, 17:30–19:00" || f.Hours["zh-Hant"] != "週一至週日 11:30–13:00、17:30–19:00" {
			t.Errorf("canteen hours %v", f.Hours)
		}
		if f.Phone != "000-0000-0002" || !slices.Contains(f.Services, "电话订餐") || f.OpenNow == nil {
			t.Errorf("canteen phone %q, services %v, openNow %v", f.Phone, f.Services, f.OpenNow)
		}
		if len(f.Activities) != 1 || f.Activities[0].Title != "饺子宴" || !strings.HasSuffix(f.Activities[0].StartsAt, "+08:00") {
			t.Errorf("canteen activities %+v, want the coming one only, in Beijing time", f.Activities)
		}
		for _, x := range d.Facilities {
			if _, ok := d.Categories[x.Category]; !ok {
				t.Errorf("category %s of %s has no labels", x.Category, x.Name)
			}
			for _, h := range x.Hours {
				if strings.Contains(h, "Mo") && !strings.Contains(h, "Mon") {
					t.Errorf("%s: raw hours %q", x.Name, h)
				}
			}
		}

		// Coverage counts the community's own tiers, required rows only,
		// and says they are to be verified.
		cov := d.Coverage
		reached := 0
		for _, cc := range cov.Categories {
			cat, _ := taxonomy.Lookup(cc.Code)
			if !cat.Required || (cat.Tier != taxonomy.Tier5 && cat.Tier != taxonomy.TierBlock) {
				t.Errorf("coverage counts %s (tier %s, required %v): not a community's", cc.Code, cat.Tier, cat.Required)
			}
			if cc.WithinReach > 0 {
				reached++
			}
			if !cc.ToVerify || cc.StandardMinutes != 5 {
				t.Errorf("%s: toVerify %v, standard minutes %d", cc.Code, cc.ToVerify, cc.StandardMinutes)
			}
			if _, ok := d.Categories[cc.Code]; !ok {
				t.Errorf("counted category %s has no labels", cc.Code)
			}
		}
		want := 0
		for _, cat := range taxonomy.All() {
			if cat.Required && (cat.Tier == taxonomy.Tier5 || cat.Tier == taxonomy.TierBlock) {
				want++
			}
		}
		if cov.Total != want || len(cov.Categories) != want || cov.Reached != reached || reached == 0 || !cov.ToVerify {
			t.Errorf("coverage: %d of %d reached (%d rows), want %d rows and %d reached", cov.Reached, cov.Total, len(cov.Categories), want, reached)
		}
		if len(d.Streets.Lines) != 0 {
			t.Errorf("no walking network imported, yet %d streets", len(d.Streets.Lines))
		}

		// Gzip is its own representation, with its own ETag.
		gz := get(t, s, path, map[string]string{"Accept-Encoding": "gzip"})
		zr, err := gzip.NewReader(bytes.NewReader(gz.body))
		if err != nil || gz.header.Get("Content-Encoding") != "gzip" || gz.header.Get("ETag") == etag {
			t.Fatalf("gzip: %v, headers %v", err, gz.header)
		}
		plain, _ := io.ReadAll(zr)
		var dz widgetdata.Data
		if json.Unmarshal(plain, &dz) != nil || len(dz.Facilities) != len(d.Facilities) || len(gz.body) >= len(first.body) {
			t.Errorf("gzipped answer: %d bytes for %d plain", len(gz.body), len(first.body))
		}
		if r := get(t, s, path, map[string]string{"If-None-Match": gz.header.Get("ETag"), "Accept-Encoding": "gzip"}); r.status != http.StatusNotModified {
			t.Errorf("gzip revalidation: %d", r.status)
		}

		// The old way for comparison: the widget's GraphQL query for the
		// same circle, one page of 100.
		res := s.Query(t, "", `query($lat: Float!, $lng: Float!, $p: PointInput) {
			circle: serviceCircle(point: $p, minutes: 15) { polygon requiredTotal requiredMet categories { category { code required labels { lang value } } withinReach requirementMet } }
			facilitiesNear(lat: $lat, lng: $lng, walkMinutes: 15, first: 100) { totalCount pageInfo { hasNextPage endCursor }
				edges { walkMinutes node { id name names { lang value } category lat lng address openingHours openNow categoryInfo { group labels { lang value } } } } } }`,
			map[string]any{"lat": c.Lat, "lng": c.Lng, "p": map[string]any{"lat": c.Lat, "lng": c.Lng}})
		var ext struct {
			Extensions struct{ Cost struct{ Requested int } }
		}
		_ = json.Unmarshal(res.Raw, &ext)
		t.Logf("one widget load: %d points by /open/widget.json (%d bytes, %d gzipped), %d by the GraphQL query it replaces; a revalidation %d",
			widgetdata.Cost, len(first.body), len(gz.body), ext.Extensions.Cost.Requested, limits.RevalidationCost)
		if ext.Extensions.Cost.Requested < 10*widgetdata.Cost {
			t.Errorf("the GraphQL query costs %d; the widget's request (%d) was meant to be far cheaper", ext.Extensions.Cost.Requested, widgetdata.Cost)
		}

		// A compound, two categories: only those, around the compound.
		k := c.QueryCompounds().FirstX(ctx)
		r := get(t, s, "/open/widget.json?categories=restaurant,,community_canteen,restaurant,&minutes=10&place="+url.QueryEscape(gid.Encode(k.ID)), nil)
		var dk widgetdata.Data
		if r.status != 200 || json.Unmarshal(r.body, &dk) != nil {
			t.Fatalf("compound: %d %s", r.status, r.body)
		}
		if dk.Place.Kind != "compound" || dk.Place.Lat != k.Lat || dk.Minutes != 10 {
			t.Errorf("compound place %+v, minutes %v", dk.Place, dk.Minutes)
		}
		for _, x := range dk.Facilities {
			if x.Category != "restaurant" && x.Category != "community_canteen" || x.WalkMinutes > 10 {
				t.Errorf("compound widget shows %s (%s, %.1f min)", x.Name, x.Category, x.WalkMinutes)
			}
		}

		// Bad input: 400 with the field, 404 for an ID that is no
		// community or compound; GraphQL's error shape.
		sub := st.Client.Region.Query().Where(region.LevelEQ(region.LevelSubdistrict)).FirstIDX(ctx)
		for q, want := range map[string]struct {
			status      int
			code, field string
		}{
			"":               {400, "BAD_USER_INPUT", "place"},
			"place=nonsense": {400, "BAD_USER_INPUT", "place"},
			"place=" + gid.Encode(c.ID) + "&minutes=0":                 {400, "BAD_USER_INPUT", "minutes"},
			"place=" + gid.Encode(c.ID) + "&minutes=31":                {400, "BAD_USER_INPUT", "minutes"},
			"place=" + gid.Encode(c.ID) + "&minutes=NaN":               {400, "BAD_USER_INPUT", "minutes"},
			"place=" + gid.Encode(c.ID) + "&categories=restaurant,<b>": {400, "BAD_USER_INPUT", "categories"},
			"place=" + gid.Encode(sub):                                 {404, "NOT_FOUND", "place"},
			"place=" + gid.Encode(canteenID):                           {404, "NOT_FOUND", "place"},
		} {
			r := get(t, s, "/open/widget.json?"+q, nil)
			var e struct {
				Errors []struct {
					Message    string
					Extensions struct{ Code, Field string }
				}
			}
			if json.Unmarshal(r.body, &e) != nil || r.status != want.status || len(e.Errors) != 1 ||
				e.Errors[0].Extensions.Code != want.code || e.Errors[0].Extensions.Field != want.field {
				t.Errorf("?%s: %d %s, want %d %s on %s", q, r.status, r.body, want.status, want.code, want.field)
			}
			if strings.Contains(string(r.body), "sql") || strings.Contains(string(r.body), "ent:") {
				t.Errorf("?%s: a driver's text reached the client: %s", q, r.body)
			}
		}

		// HEAD answers the headers only; other methods are refused.
		req, _ := http.NewRequest(http.MethodHead, s.URL+path, nil)
		if res, err := s.Client().Do(req); err != nil || res.StatusCode != 200 || res.Header.Get("ETag") == "" {
			t.Errorf("HEAD: %v %v", err, res)
		}
		if res, err := s.Client().Post(s.URL+path, "application/json", strings.NewReader("{}")); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST: %v %v", err, res)
		}

		// With a walking network imported, the answer carries its streets
		// around the place, and nothing far away.
		g, err := walknet.Import(context.Background(), strings.NewReader(streetGrid(c.Lat, c.Lng)), false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := walknet.Save(context.Background(), st.Client, "grid", g); err != nil {
			t.Fatal(err)
		}
		// minutes=14: a question the server has not cached.
		r = get(t, s, "/open/widget.json?minutes=14&place="+gid.Encode(c.ID), nil)
		var dn widgetdata.Data
		if r.status != 200 || json.Unmarshal(r.body, &dn) != nil {
			t.Fatalf("with a network: %d %s", r.status, r.body)
		}
		if len(dn.Streets.Lines) == 0 || dn.Streets.Truncated || dn.Method != "NETWORK" {
			t.Fatalf("with a network: %d streets (truncated %v), method %s", len(dn.Streets.Lines), dn.Streets.Truncated, dn.Method)
		}
		for _, l := range dn.Streets.Lines {
			for _, p := range l {
				if math.Abs(p[0]-c.Lat) > 0.03 || math.Abs(p[1]-c.Lng) > 0.04 {
					t.Errorf("street point %v is far from the community (%v, %v)", p, c.Lat, c.Lng)
				}
			}
		}
	})
}

// streetGrid is a 25 × 25 grid of streets 100 m apart centred on a point,
// plus one street 50 km away that must not be drawn.
func streetGrid(lat, lng float64) string {
	const n = 25
	dLat := 100 / 111195.0
	dLng := dLat / math.Cos(lat*math.Pi/180)
	var nodes []testenv.OSMNode
	var ways []testenv.OSMWay
	id := func(i, j int) int { return i*n + j + 1 }
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			nodes = append(nodes, testenv.OSMNode{ID: id(i, j), Lat: lat + float64(i-n/2)*dLat, Lng: lng + float64(j-n/2)*dLng})
		}
	}
	street := map[string]string{"highway": "residential"}
	for i := 0; i < n; i++ {
		row, col := make([]int, n), make([]int, n)
		for j := 0; j < n; j++ {
			row[j], col[j] = id(i, j), id(j, i)
		}
		ways = append(ways, testenv.OSMWay{ID: 1000 + i, Nodes: row, Tags: street}, testenv.OSMWay{ID: 2000 + i, Nodes: col, Tags: street})
	}
	far := n*n + 1
	nodes = append(nodes, testenv.OSMNode{ID: far, Lat: lat + 0.45, Lng: lng}, testenv.OSMNode{ID: far + 1, Lat: lat + 0.451, Lng: lng})
	ways = append(ways, testenv.OSMWay{ID: 9999, Nodes: []int{far, far + 1}, Tags: street})
	return testenv.OSMXML(nodes, ways)
}
