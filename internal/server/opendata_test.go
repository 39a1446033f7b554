package server_test

import (
	"encoding/csv"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"lifecircle/internal/testenv"
)

func TestFacilityDownloads(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		var total struct{ Facilities struct{ TotalCount int } }
		s.Query(t, "", `query($c: ID!) { facilities(where: {hasCommunityWith: {id: $c}}) { totalCount } }`, map[string]any{"c": wtxGID}).Decode(t, &total)

		// CSV of one community: RFC 4180, the same IDs as GraphQL, one row per facility.
		res, body := get(t, s, "/open/facilities.csv", url.Values{"region": {wtxGID}}, nil)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s", res.StatusCode, body)
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("csv does not parse: %v", err)
		}
		if rows[0][0] != "id" || len(rows)-1 != total.Facilities.TotalCount {
			t.Errorf("csv: header %v, %d rows, want %d", rows[0], len(rows)-1, total.Facilities.TotalCount)
		}
		var node struct{ Node struct{ Name string } }
		s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Facility { name } } }`, map[string]any{"id": rows[1][0]}).Decode(t, &node)
		if node.Node.Name != rows[1][1] {
			t.Errorf("csv id %s is not the GraphQL ID of %q", rows[1][0], rows[1][1])
		}
		if !strings.Contains(body, "\r\n") {
			t.Error("csv rows must end in CRLF (RFC 4180)")
		}
		// Excel BOM on request; formula-like cells neutralised.
		staff := s.Token(t, "staff", wtx)
		s.Query(t, staff, `mutation($c: ID!) { createFacility(input: {name: "=HYPERLINK(\"http://evil\")", category: "pharmacy",
			lat: 36.62, lng: 101.75, communityID: $c}) { id } }`, map[string]any{"c": wtxGID}).Decode(t, &struct{}{})
		_, bom := get(t, s, "/open/facilities.csv", url.Values{"region": {wtxGID}, "bom": {"1"}}, nil)
		if !strings.HasPrefix(bom, "\uFEFF") || strings.Contains(bom, "\n=HYPERLINK") || strings.Contains(bom, ",=HYPERLINK") || !strings.Contains(bom, "'=HYPERLINK") {
			t.Errorf("bom or formula neutralisation missing")
		}

		// GeoJSON: a FeatureCollection of points, longitude first.
		_, gj := get(t, s, "/open/facilities.geojson", url.Values{"category": {"pharmacy"}, "bbox": {"101.7,36.5,101.8,36.7"}}, nil)
		var fc struct {
			Type     string
			Features []struct {
				ID       string
				Geometry struct {
					Type        string
					Coordinates []float64
				}
				Properties map[string]any
			}
		}
		if err := json.Unmarshal([]byte(gj), &fc); err != nil {
			t.Fatalf("geojson: %v", err)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
			t.Fatalf("geojson: %s", gj[:min(200, len(gj))])
		}
		for _, f := range fc.Features {
			c := f.Geometry.Coordinates
			if f.Geometry.Type != "Point" || c[0] < 101.7 || c[0] > 101.8 || c[1] < 36.5 || c[1] > 36.7 || f.Properties["category"] != "pharmacy" {
				t.Errorf("feature outside the filter: %+v", f)
			}
		}
		// NDJSON: one object per line.
		_, nd := get(t, s, "/open/facilities.ndjson", url.Values{"region": {wtxGID}}, nil)
		lines := strings.Split(strings.TrimSpace(nd), "\n")
		if len(lines) != total.Facilities.TotalCount+1 {
			t.Errorf("ndjson: %d lines, want %d", len(lines), total.Facilities.TotalCount+1)
		}
		// Conditional GET.
		res, _ = settledGET(t, s, "/open/facilities.ndjson", url.Values{"region": {wtxGID}})
		if r2, _ := get(t, s, "/open/facilities.ndjson", url.Values{"region": {wtxGID}}, map[string]string{"If-None-Match": res.Header.Get("ETag")}); r2.StatusCode != 304 {
			t.Errorf("If-None-Match: %d", r2.StatusCode)
		}
		if r2, _ := get(t, s, "/open/facilities.ndjson", url.Values{"region": {wtxGID}}, map[string]string{"If-Modified-Since": res.Header.Get("Last-Modified")}); r2.StatusCode != 304 {
			t.Errorf("If-Modified-Since: %d", r2.StatusCode)
		}
		// Bad filters are clear errors.
		for _, bad := range []url.Values{{"category": {"spaceport"}}, {"bbox": {"1,2,3"}}, {"bbox": {"200,0,201,1"}}, {"region": {"nope"}}} {
			if r, body := get(t, s, "/open/facilities.csv", bad, nil); r.StatusCode != 400 || !strings.Contains(body, "BAD_USER_INPUT") {
				t.Errorf("%v: %d %s", bad, r.StatusCode, body)
			}
		}
	})
}

const jsonFormat = "http://publications.europa.eu/resource/authority/file-type/JSON"

func TestCatalogue(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	res, page := get(t, s, "/open/", nil, nil)
	if res.StatusCode != 200 || !strings.Contains(page, "/open/facilities.csv") || !strings.Contains(page, "CC BY 4.0") {
		t.Errorf("catalogue page: %d", res.StatusCode)
	}
	res, body := get(t, s, "/open/catalog.jsonld", nil, nil)
	var cat struct {
		Type    string `json:"@type"`
		Dataset []struct {
			ID      string `json:"@id"`
			Type    string `json:"@type"`
			License struct {
				ID string `json:"@id"`
			} `json:"dct:license"`
			Modified     any `json:"dct:modified"`
			Distribution []struct {
				DownloadURL struct {
					ID string `json:"@id"`
				} `json:"dcat:downloadURL"`
				MediaType struct {
					ID string `json:"@id"`
				} `json:"dcat:mediaType"`
				Format struct {
					ID string `json:"@id"`
				} `json:"dct:format"`
			} `json:"dcat:distribution"`
		} `json:"dcat:dataset"`
	}
	if err := json.Unmarshal([]byte(body), &cat); err != nil || cat.Type != "dcat:Catalog" || len(cat.Dataset) < 4 {
		t.Fatalf("DCAT catalogue: %v %s", err, body[:min(len(body), 300)])
	}
	for _, d := range cat.Dataset {
		// The statistics have no file until a month is published (the
		// GraphQL data service serves them).
		if d.Type != "dcat:Dataset" || d.License.ID != "https://creativecommons.org/licenses/by/4.0/" || len(d.Distribution) == 0 && !strings.HasSuffix(d.ID, "#statistics") {
			t.Errorf("dataset: %+v", d)
		}
		for _, x := range d.Distribution {
			// NDJSON has no IANA media type: its distributions name none.
			if !strings.HasPrefix(x.DownloadURL.ID, s.URL+"/open/") || (x.MediaType.ID == "") != (x.Format.ID == jsonFormat) {
				t.Errorf("distribution: %+v", x)
			}
			path := strings.TrimPrefix(x.DownloadURL.ID, s.URL)
			if path == "/open/graphql" {
				t.Errorf("the GraphQL endpoint is listed as a file to download: %+v", x)
			}
			// Every listed file downloads with a plain GET, as a harvester
			// checks it.
			if r, _ := get(t, s, path, nil, nil); r.StatusCode != 200 {
				t.Errorf("%s answers %d", x.DownloadURL.ID, r.StatusCode)
			}
		}
	}
}

func TestRegionAndActivityDownloads(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		var n struct {
			Regions    struct{ TotalCount int }
			Activities struct{ TotalCount int }
		}
		s.Query(t, "", `{ regions { totalCount } activities { totalCount } }`, nil).Decode(t, &n)
		_, gj := get(t, s, "/open/regions.geojson", nil, nil)
		var fc struct {
			Features []struct {
				ID         string
				Properties map[string]any
			}
		}
		if err := json.Unmarshal([]byte(gj), &fc); err != nil || len(fc.Features) != n.Regions.TotalCount {
			t.Fatalf("regions.geojson: %v, %d features, want %d", err, len(fc.Features), n.Regions.TotalCount)
		}
		_, body := get(t, s, "/open/activities.csv", nil, nil)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(rows)-1 != n.Activities.TotalCount {
			t.Fatalf("activities.csv: %v, %d rows, want %d", err, len(rows)-1, n.Activities.TotalCount)
		}
		wtxGID, _ := s.Community(t, "文亭巷社区")
		_, nd := get(t, s, "/open/activities.ndjson", url.Values{"region": {wtxGID}}, nil)
		for _, line := range strings.Split(strings.TrimSpace(nd), "\n") {
			var a map[string]any
			if err := json.Unmarshal([]byte(line), &a); err != nil || a["community_id"] != wtxGID {
				t.Errorf("activity outside the region: %s", line)
			}
		}
	})
}
