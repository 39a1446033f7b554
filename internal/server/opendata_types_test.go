package server_test

import (
	"encoding/csv"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"lifecircle/internal/testenv"
)

// A line feed inside a cell reaches the CSV as it is (a quoted RFC 4180
// field), so a strict parser reads back the stored value exactly.
func TestCSVKeepsLineBreaksInCells(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		const address = "文亭巷12号\n2楼, 东门"
		var created struct{ CreateFacility struct{ ID string } }
		s.Query(t, staff, `mutation($c: ID!, $a: String!) { createFacility(input: {name: "换行药店", category: "pharmacy",
			lat: 36.62, lng: 101.75, communityID: $c, address: $a}) { id } }`, map[string]any{"c": wtxGID, "a": address}).Decode(t, &created)

		_, body := get(t, s, "/open/facilities.csv", url.Values{"region": {wtxGID}}, nil)
		if !strings.Contains(body, "\"文亭巷12号\n2楼, 东门\"") {
			t.Errorf("the address's LF is not kept as LF in a quoted field")
		}
		cr := csv.NewReader(strings.NewReader(body))
		cr.FieldsPerRecord = 0
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("csv: %v", err)
		}
		col := map[string]int{}
		for i, c := range rows[0] {
			col[c] = i
		}
		found := false
		for _, r := range rows[1:] {
			if r[col["id"]] == created.CreateFacility.ID {
				found = true
				if r[col["address"]] != address {
					t.Errorf("address reads back as %q, want %q", r[col["address"]], address)
				}
			}
		}
		if !found {
			t.Fatalf("the new facility %s is not in the CSV", created.CreateFacility.ID)
		}
	})
}

// checkTyped checks one GeoJSON or NDJSON object: the columns in numbers are
// JSON numbers, in booleans JSON booleans, and nothing is an empty string
// (a missing value is null).
func checkTyped(t *testing.T, what string, props map[string]any, numbers, booleans []string) {
	t.Helper()
	for _, k := range numbers {
		if _, ok := props[k].(float64); !ok && props[k] != nil {
			t.Errorf("%s: %s is %#v, want a number", what, k, props[k])
		}
	}
	for _, k := range booleans {
		if _, ok := props[k].(bool); !ok {
			t.Errorf("%s: %s is %#v, want a boolean", what, k, props[k])
		}
	}
	for k, v := range props {
		if v == "" {
			t.Errorf("%s: %s is an empty string, want null", what, k)
		}
	}
}

// GeoJSON and NDJSON carry numbers as numbers, booleans as booleans and
// missing values as null, so QGIS or Datawrapper need no casting.
func TestGeoJSONAndNDJSONAreTyped(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		type feature struct {
			Geometry   struct{ Coordinates []float64 }
			Properties map[string]any
		}
		read := func(path string) []feature {
			t.Helper()
			res, body := get(t, s, path, nil, nil)
			var fc struct{ Features []feature }
			if err := json.Unmarshal([]byte(body), &fc); res.StatusCode != 200 || err != nil || len(fc.Features) == 0 {
				t.Fatalf("%s: %d %v %.200s", path, res.StatusCode, err, body)
			}
			return fc.Features
		}
		var nulls int
		for _, path := range []string{"/open/facilities.geojson", "/open/regions.geojson"} {
			for _, f := range read(path) {
				p := f.Properties
				checkTyped(t, path, p, []string{"lat", "lng"}, []string{"approximate"})
				if p["lat"] != f.Geometry.Coordinates[1] || p["lng"] != f.Geometry.Coordinates[0] {
					t.Errorf("%s: lat/lng %v,%v differ from the point %v", path, p["lat"], p["lng"], f.Geometry.Coordinates)
				}
				for _, v := range p {
					if v == nil {
						nulls++
					}
				}
			}
		}
		if nulls == 0 {
			t.Error("no property is null: the demo data has facilities without verified_at and regions without a parent")
		}
		for path, cols := range map[string][2][]string{
			"/open/facilities.ndjson": {{"lat", "lng"}, {"approximate"}},
			"/open/regions.ndjson":    {{"lat", "lng"}, {"approximate"}},
			"/open/activities.ndjson": {{"capacity", "registered_count"}, nil},
		} {
			_, nd := get(t, s, path, nil, nil)
			for _, line := range strings.Split(strings.TrimSpace(nd), "\n") {
				var p map[string]any
				if err := json.Unmarshal([]byte(line), &p); err != nil {
					t.Fatalf("%s: %v: %s", path, err, line)
				}
				checkTyped(t, path, p, cols[0], cols[1])
				if path == "/open/activities.ndjson" {
					if _, ok := p["registered_count"].(float64); !ok {
						t.Errorf("%s: registered_count %#v", path, p["registered_count"])
					}
				}
			}
		}
	})
}
