package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

// The catalogue passes the official DCAT-AP 3.0.0 SHACL shapes, read as a
// harvester reads it (JSON-LD to RDF with no remote context, then a SHACL
// engine): no violation.
func TestCatalogPassesDCATAPShapes(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		t.Log(runContractScript(t, "shacl.mjs", s.URL+"/open/catalog.jsonld"))
	})
}

// The catalogue's parts a harvester follows: a description, the GraphQL
// endpoint as a data service (its SDL as endpoint description) serving
// every dataset, and download URLs that answer a plain GET, the statistics
// CSV (the latest month) included once something is published.
func TestCatalogueServiceAndDownloads(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := newStatsWorld(t, b)
		type ref struct {
			ID string `json:"@id"`
		}
		type catalogue struct {
			Description []struct {
				Value string `json:"@value"`
			} `json:"dct:description"`
			Dataset []struct {
				ID           string `json:"@id"`
				Distribution []struct {
					DownloadURL ref `json:"dcat:downloadURL"`
					Format      ref `json:"dct:format"`
				} `json:"dcat:distribution"`
			} `json:"dcat:dataset"`
			Service []struct {
				Type                string `json:"@type"`
				EndpointURL         ref    `json:"dcat:endpointURL"`
				EndpointDescription ref    `json:"dcat:endpointDescription"`
				ServesDataset       []ref  `json:"dcat:servesDataset"`
			} `json:"dcat:service"`
		}
		read := func() (catalogue, map[string]bool) {
			var c catalogue
			_, body := get(t, w.s, "/open/catalog.jsonld", nil, nil)
			if err := json.Unmarshal([]byte(body), &c); err != nil {
				t.Fatalf("catalogue: %v", err)
			}
			files := map[string]bool{}
			for _, d := range c.Dataset {
				for _, x := range d.Distribution {
					path := strings.TrimPrefix(x.DownloadURL.ID, w.s.URL)
					files[path] = true
					if !strings.HasPrefix(x.Format.ID, "http://publications.europa.eu/resource/authority/file-type/") {
						t.Errorf("%s: format %q is not from the EU file-type authority", path, x.Format.ID)
					}
					if r, _ := get(t, w.s, path, nil, nil); r.StatusCode != 200 {
						t.Errorf("%s answers %d to a plain GET", x.DownloadURL.ID, r.StatusCode)
					}
				}
			}
			return c, files
		}
		c, files := read()
		if len(c.Description) == 0 || c.Description[0].Value == "" {
			t.Error("the catalogue has no dct:description")
		}
		if files["/open/graphql"] {
			t.Error("the GraphQL endpoint is listed as a download")
		}
		if files["/open/statistics.csv"] {
			t.Error("statistics.csv is listed with nothing published")
		}
		if len(c.Service) != 1 || c.Service[0].Type != "dcat:DataService" || c.Service[0].EndpointURL.ID != w.s.URL+"/open/graphql" ||
			c.Service[0].EndpointDescription.ID != w.s.URL+"/open/schema.graphql" || len(c.Service[0].ServesDataset) != len(c.Dataset) {
			t.Errorf("the GraphQL data service: %+v", c.Service)
		}
		if r, _ := get(t, w.s, c.Service[0].EndpointDescription.ID[len(w.s.URL):], nil, nil); r.StatusCode != 200 {
			t.Errorf("endpoint description: %d", r.StatusCode)
		}

		// Published: the statistics CSV is listed, and without ?period it is
		// the latest month, whatever order the months were published in.
		for _, p := range []stats.Period{{Year: 2025, Month: 3}, {Year: 2025, Month: 2}} {
			if _, err := stats.Publish(context.Background(), w.s.Store.Client, p, stats.Options{Method: stats.MethodRule105}); err != nil {
				t.Fatal(err)
			}
		}
		if _, files := read(); !files["/open/statistics.csv"] {
			t.Error("statistics.csv is not listed after a publication")
		}
		res, body := get(t, w.s, "/open/statistics.csv", nil, nil)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if res.StatusCode != 200 || err != nil || len(rows) < 2 {
			t.Fatalf("statistics.csv without period: %d %v %.200s", res.StatusCode, err, body)
		}
		for _, r := range rows[1:] {
			if r[0] != "2025-03" {
				t.Fatalf("statistics.csv without period has period %s, want the latest, 2025-03", r[0])
			}
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "statistics-2025-03.csv") {
			t.Errorf("Content-Disposition %q", cd)
		}
	})
}
