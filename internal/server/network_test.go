package server_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"lifecircle/internal/testenv"
	"lifecircle/internal/walknet"
)

// riverNetwork is a street network the test draws itself: from the centre
// a street runs 600 m north, 600 m east and 600 m back south. A motorway
// runs straight east but is not walkable, so the place 600 m east of the
// centre is 1,800 m away on foot, not 600.
func riverNetwork() string {
	node := func(id int, north, east float64) testenv.OSMNode {
		lat, lng := offset(north, east)
		return testenv.OSMNode{ID: id, Lat: lat, Lng: lng}
	}
	street := map[string]string{"highway": "residential"}
	return testenv.OSMXML(
		[]testenv.OSMNode{node(1, 0, 0), node(2, 300, 0), node(3, 600, 0), node(4, 600, 300), node(5, 600, 600), node(6, 300, 600), node(7, 0, 600)},
		[]testenv.OSMWay{
			{ID: 10, Nodes: []int{1, 2, 3}, Tags: street},
			{ID: 11, Nodes: []int{3, 4, 5}, Tags: street},
			{ID: 12, Nodes: []int{5, 6, 7}, Tags: map[string]string{"highway": "footway"}},
			{ID: 13, Nodes: []int{1, 7}, Tags: map[string]string{"highway": "motorway"}},
		})
}

func TestWalkingTimesUseTheStreetNetwork(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		sc := newScene(t, b, testenv.Options{})
		sc.add(t, "north", "pharmacy", 300, 0, "")
		sc.add(t, "across", "pharmacy", 0, 600, "")
		sc.add(t, "corner", "pharmacy", 600, 300, "")

		// Before any network: straight line × 1.3. "across" is 600 m → 10.4 min.
		before := sc.near(t, ", walkMinutes: 15", nil)
		if got := names(before); !sameList(got, []string{"north", "across", "corner"}) {
			t.Fatalf("straight-line model: got %v", got)
		}

		g, err := walknet.Import(context.Background(), strings.NewReader(riverNetwork()), false)
		if err != nil {
			t.Fatal(err)
		}
		if g.Nodes() != 7 || g.Edges() != 12 { // 6 walkable segments, both ways; the motorway left out
			t.Fatalf("graph: %d nodes, %d edges", g.Nodes(), g.Edges())
		}
		if _, err := walknet.Save(context.Background(), sc.s.Store.Client, "river", g); err != nil {
			t.Fatal(err)
		}

		// Now: north 300 m = 4 min; corner 900 m = 12 min; across 1,800 m = 24 min, out of reach.
		after := sc.near(t, ", walkMinutes: 15", nil)
		if got := names(after); !sameList(got, []string{"north", "corner"}) {
			t.Fatalf("network model: got %v, want [north corner]", got)
		}
		for i, want := range []float64{4, 12} {
			e := after.FacilitiesNear.Edges[i]
			if e.Method != "NETWORK" || math.Abs(e.WalkMinutes-want) > 0.05 {
				t.Errorf("%s: %.2f min by %s, want %.0f by NETWORK", e.Node.Name, e.WalkMinutes, e.Method, want)
			}
		}
		// A distance search still finds "across" (600 m straight) and times it over the network.
		far := sc.near(t, ", radiusMeters: 700", nil)
		found := false
		for _, e := range far.FacilitiesNear.Edges {
			if e.Node.Name == "across" {
				found = true
				if e.Method != "NETWORK" || math.Abs(e.WalkMinutes-24) > 0.05 {
					t.Errorf("across by radius: %.2f min by %s, want 24 by NETWORK", e.WalkMinutes, e.Method)
				}
			}
		}
		if !found {
			t.Errorf("a 700 m radius search must find 'across' (600 m): got %v", names(far))
		}

		var c struct {
			ServiceCircle struct {
				Method  string
				Polygon struct {
					Type        string
					Coordinates [][][]float64
				}
				Categories []struct {
					Category    struct{ Code string }
					WithinReach int
				}
			}
		}
		sc.s.Query(t, "", `{ serviceCircle(point: {lat: 30, lng: 120}) { method polygon categories { category { code } withinReach } } }`, nil).Decode(t, &c)
		if c.ServiceCircle.Method != "NETWORK" || c.ServiceCircle.Polygon.Type != "Polygon" {
			t.Fatalf("circle: method %s, polygon %s", c.ServiceCircle.Method, c.ServiceCircle.Polygon.Type)
		}
		for _, cc := range c.ServiceCircle.Categories {
			if cc.Category.Code == "pharmacy" && cc.WithinReach != 2 {
				t.Errorf("pharmacies within 15 minutes on foot: %d, want 2", cc.WithinReach)
			}
		}
		// The isochrone reaches 1,125 m of street: up 600 m, then 525 m east; never across the motorway.
		for _, p := range c.ServiceCircle.Polygon.Coordinates[0] {
			lat, lng := p[1], p[0]
			north := (lat - lat0) * mPerDegLat
			east := (lng - lng0) * mPerDegLat * math.Cos(lat0*math.Pi/180)
			if north < -1 || east < -1 || east > 601 || north > 601 {
				t.Errorf("isochrone corner (%.0f m north, %.0f m east) is off the reachable streets", north, east)
			}
		}
	})
}
