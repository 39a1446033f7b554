package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/auth/rule"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/stats"
	"lifecircle/internal/taxonomy"
	"lifecircle/internal/testenv"
)

// portal serves the demo data with June 2021 (the demo's month) published,
// and a budget that many downloads do not exhaust.
func portal(t *testing.T, b testenv.Backend) *testenv.Server {
	t.Helper()
	s := testenv.StartServer(t, b.Open(t, testenv.Options{}), server.Options{PublicRate: limits.Rate{Points: 1 << 30, Per: time.Minute}})
	if _, err := stats.Publish(context.Background(), s.Store.Client, stats.Period{Year: 2021, Month: 6}, stats.Options{Method: stats.MethodRule105}); err != nil {
		t.Fatal(err)
	}
	return s
}

var hrefs = regexp.MustCompile(`(?:href|src|action)="([^"]*)"`)

// Every link on the portal's pages, followed from /open/ as a visitor
// would, answers 200: downloads, CSVW files, examples (GraphQL GETs with
// real queries included) and the pages themselves. No page shows a
// placeholder where the server's own URL belongs.
func TestPortalLinksAllAnswer(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := portal(t, b)
		seen := map[string]bool{}
		queue := []string{"/open/", "/open/?q=" + url.QueryEscape("食堂")}
		pages := 0
		for len(queue) > 0 {
			link := queue[0]
			queue = queue[1:]
			if seen[link] {
				continue
			}
			seen[link] = true
			u, err := url.Parse(link)
			if err != nil {
				t.Fatalf("bad link %q", link)
			}
			res, body := get(t, s, u.Path, u.Query(), nil)
			if res.StatusCode != 200 {
				t.Errorf("%s answers %d: %.300s", link, res.StatusCode, body)
				continue
			}
			if strings.HasPrefix(u.Path, "/open/graphql") && strings.Contains(body, `"errors"`) {
				t.Errorf("%s: the example query fails: %.300s", link, body)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.HasPrefix(u.Path, "/open/") {
				continue
			}
			pages++
			for _, bad := range []string{"$BASE", "HOST/", "<ID>"} {
				if strings.Contains(body, bad) {
					t.Errorf("%s shows the placeholder %q", link, bad)
				}
			}
			for _, m := range hrefs.FindAllStringSubmatch(body, -1) {
				l := html.UnescapeString(m[1])
				l = strings.TrimPrefix(l, s.URL)
				if i := strings.IndexByte(l, '#'); i >= 0 {
					l = l[:i]
				}
				if strings.HasPrefix(l, "/") && !seen[l] {
					queue = append(queue, l)
				}
			}
		}
		if pages < 9 || !seen["/open/datasets/compounds"] || !seen["/open/grids.csv"] || !seen["/open/organizations.csv-metadata.json"] {
			t.Errorf("the crawl saw %d pages and %d links: %v", pages, len(seen), seen)
		}
		// The examples show the server's own URL.
		_, page := get(t, s, "/open/datasets/facilities", nil, nil)
		if !strings.Contains(page, `curl "`+s.URL+`/open/facilities.csv?category=community_canteen&amp;bom=1"`) {
			t.Errorf("the facilities page has no example on %s", s.URL)
		}
		_, page = get(t, s, "/open/datasets/activities", nil, nil)
		if !strings.Contains(page, "webcal://"+strings.TrimPrefix(s.URL, "http://")+"/open/activities.ics?category=HEALTH") {
			t.Error("the activities page has no webcal:// link on this server")
		}
		if r, _ := get(t, s, "/open/datasets/nope", nil, nil); r.StatusCode != 404 {
			t.Errorf("an unknown dataset's page: %d", r.StatusCode)
		}
	})
}

var csvDatasets = []string{"facilities", "activities", "regions", "compounds", "organizations", "grids", "indicators",
	"matters", "resources", "projects", "project-units", "project-updates", "themes", "statistics"}

// csvwDoc is the part of a CSVW metadata file the tests read.
type csvwDoc struct {
	Context     []any  `json:"@context"`
	URL         string `json:"url"`
	TableSchema struct {
		Columns []struct {
			Name        string            `json:"name"`
			Titles      map[string]string `json:"titles"`
			Datatype    string            `json:"datatype"`
			Description []struct {
				Value    string `json:"@value"`
				Language string `json:"@language"`
			} `json:"dc:description"`
		} `json:"columns"`
		PrimaryKey string `json:"primaryKey"`
	} `json:"tableSchema"`
}

var datatypeCheck = map[string]func(string) bool{
	"string":  func(string) bool { return true },
	"integer": func(v string) bool { _, err := strconv.ParseInt(v, 10, 64); return err == nil },
	"number":  func(v string) bool { _, err := strconv.ParseFloat(v, 64); return err == nil },
	"boolean": func(v string) bool { return v == "true" || v == "false" },
	"dateTime": func(v string) bool {
		t, err := time.Parse(time.RFC3339, v)
		return err == nil && strings.HasSuffix(v, "+08:00") && !t.IsZero()
	},
}

// Each CSV's header is exactly its CSVW metadata's columns, in order; every
// column has titles and a meaning in both languages and a datatype every
// cell of the file satisfies.
func TestPortalCSVMatchesCSVW(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := portal(t, b)
		for _, d := range csvDatasets {
			res, body := get(t, s, "/open/"+d+".csv-metadata.json", nil, nil)
			var m csvwDoc
			if err := json.Unmarshal([]byte(body), &m); err != nil || res.StatusCode != 200 {
				t.Fatalf("%s CSVW: %d %v", d, res.StatusCode, err)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/csvm+json" {
				t.Errorf("%s CSVW Content-Type %q", d, ct)
			}
			if len(m.Context) == 0 || m.Context[0] != "http://www.w3.org/ns/csvw" || m.URL != s.URL+"/open/"+d+".csv" {
				t.Errorf("%s CSVW: context %v url %q", d, m.Context, m.URL)
			}
			_, csvBody := get(t, s, "/open/"+d+".csv", nil, nil)
			rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("%s.csv: %v, %d rows", d, err, len(rows))
			}
			var names []string
			for _, c := range m.TableSchema.Columns {
				names = append(names, c.Name)
				if c.Titles["zh-Hans"] == "" || c.Titles["en"] == "" || len(c.Description) != 2 || c.Description[0].Language != "zh-Hans" || c.Description[1].Language != "en" || datatypeCheck[c.Datatype] == nil {
					t.Errorf("%s column %s: %+v", d, c.Name, c)
				}
			}
			if !slices.Equal(names, rows[0]) {
				t.Errorf("%s: CSV header\n%v\nCSVW columns\n%v", d, rows[0], names)
				continue
			}
			for _, row := range rows[1:] {
				for i, v := range row {
					if c := m.TableSchema.Columns[i]; v != "" && !datatypeCheck[c.Datatype](v) {
						t.Errorf("%s: %s=%q is not a %s", d, c.Name, v, c.Datatype)
					}
				}
			}
		}
	})
}

// Downloads carry names beside IDs and category labels in both languages,
// and nothing personal: no resident's name or phone reaches any file.
func TestPortalDownloadsNameTheirPlaces(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := portal(t, b)
		wtxGID, _ := s.Community(t, "文亭巷社区")
		read := func(path string, q url.Values) []map[string]string {
			_, body := get(t, s, path, q, nil)
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("%s: %v", path, err)
			}
			var out []map[string]string
			for _, r := range rows[1:] {
				m := map[string]string{}
				for i, c := range rows[0] {
					m[c] = r[i]
				}
				out = append(out, m)
			}
			return out
		}
		for _, f := range read("/open/facilities.csv", url.Values{"region": {wtxGID}}) {
			cat, _ := taxonomy.Lookup(f["category"])
			if f["community_id"] != wtxGID || f["community_name"] != "文亭巷社区" || f["subdistrict_name"] != "文汇路街道" || f["district_name"] != "城西区" ||
				f["category_label_zh"] != cat.Labels.ZhHans || f["category_label_en"] != cat.Labels.En || f["category_label_zh"] == "" {
				t.Errorf("facility row: %v", f)
			}
		}
		// (Some demo communities sit right under a county: no subdistrict.)
		for _, path := range []string{"/open/compounds.csv", "/open/grids.csv", "/open/activities.csv"} {
			for _, r := range read(path, nil) {
				if r["community_id"] == "" || r["community_name"] == "" || r["district_name"] == "" || r["community_name"] == "文亭巷社区" && r["subdistrict_name"] != "文汇路街道" {
					t.Errorf("%s row without names: %v", path, r)
				}
			}
		}
		for _, o := range read("/open/organizations.csv", nil) {
			if o["region_name"] == "" || o["kind_label_zh"] == "" || o["kind_label_en"] == "" || (o["parent_id"] != "") != (o["parent_name"] != "") || (o["compound_id"] != "") != (o["compound_name"] != "") {
				t.Errorf("organisation row: %v", o)
			}
		}
		// Compounds are places: GeoJSON points.
		_, gj := get(t, s, "/open/compounds.geojson", nil, nil)
		var fc struct {
			Features []struct {
				Geometry struct{ Coordinates []float64 }
			}
		}
		if err := json.Unmarshal([]byte(gj), &fc); err != nil || len(fc.Features) == 0 || len(fc.Features[0].Geometry.Coordinates) != 2 {
			t.Errorf("compounds.geojson: %v %.200s", err, gj)
		}
		// Nothing personal: the demo residents' names and phones appear in
		// no file.
		var people []struct{ Name, Phone string }
		for _, p := range s.Store.Client.Person.Query().AllX(rule.SystemContext(context.Background())) {
			people = append(people, struct{ Name, Phone string }{p.Name, p.Phone})
		}
		if len(people) == 0 {
			t.Fatal("the demo data has no people to look for")
		}
		for _, d := range []string{"compounds", "organizations", "grids", "activities", "facilities"} {
			for _, format := range []string{"csv", "ndjson"} {
				_, body := get(t, s, "/open/"+d+"."+format, nil, nil)
				for _, p := range people {
					if strings.Contains(body, p.Name) || p.Phone != "" && strings.Contains(body, p.Phone) {
						t.Errorf("%s.%s shows %s", d, format, p.Name)
					}
				}
			}
		}
		// The new downloads revalidate as the others do.
		res, _ := settledGET(t, s, "/open/grids.csv", nil)
		if r2, _ := get(t, s, "/open/grids.csv", nil, map[string]string{"If-None-Match": res.Header.Get("ETag")}); r2.StatusCode != 304 {
			t.Errorf("grids.csv If-None-Match: %d", r2.StatusCode)
		}
		if r2, _ := get(t, s, "/open/compounds.geojson", nil, map[string]string{"If-Modified-Since": time.Now().Add(time.Hour).UTC().Format(http1123)}); r2.StatusCode != 304 {
			t.Errorf("compounds.geojson If-Modified-Since: %d", r2.StatusCode)
		}
	})
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

// Search finds datasets by their titles and descriptions and by their
// columns, in either language.
func TestPortalSearch(t *testing.T) {
	s := portal(t, testenv.Backends()[0])
	hit := regexp.MustCompile(`class="card hit" data-dataset="([a-z-]+)"`)
	col := regexp.MustCompile(`data-col="([a-z_]+)"`)
	for q, want := range map[string][]string{
		"食堂":         {"facilities"},
		"households": {"compounds"},
		"户数":         {"compounds"},
		"网格员":        {"grids", "indicators"},
		"PHONE":      {"facilities"},
		"微心愿":        {"indicators", "statistics"},
		"zzzz-none":  nil,
	} {
		_, page := get(t, s, "/open/", url.Values{"q": {q}}, nil)
		var got []string
		for _, m := range hit.FindAllStringSubmatch(page, -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, want) {
			t.Errorf("search %q: %v, want %v", q, got, want)
		}
		if q == "PHONE" && !slices.ContainsFunc(col.FindAllStringSubmatch(page, -1), func(m []string) bool { return m[1] == "phone" }) {
			t.Errorf("search %q does not name the phone column", q)
		}
		if want == nil && !strings.Contains(page, "没有匹配") {
			t.Errorf("search %q: no 'nothing matches' message", q)
		}
	}
}

// The pages show update times in Beijing time, saying so, and the real
// number of rows.
func TestPortalBeijingTimeAndRows(t *testing.T) {
	s := portal(t, testenv.Backends()[0])
	// The newest updated_at of the CSV, shown in Beijing time.
	_, body := get(t, s, "/open/facilities.csv", nil, nil)
	rows, _ := csv.NewReader(strings.NewReader(body)).ReadAll()
	var updated time.Time
	at := slices.Index(rows[0], "updated_at")
	for _, r := range rows[1:] {
		u, err := time.Parse(time.RFC3339, r[at])
		if err != nil {
			t.Fatal(err)
		}
		if u.After(updated) {
			updated = u
		}
	}
	_, page := get(t, s, "/open/datasets/facilities", nil, nil)
	page = html.UnescapeString(page)
	beijing := updated.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04") + " 北京时间 Beijing time (UTC+8)"
	if !strings.Contains(page, `<dd id="updated">`+beijing+`</dd>`) {
		t.Errorf("the facilities page does not show %q", beijing)
	}
	if !strings.Contains(page, `<dd id="rows">`+strconv.Itoa(len(rows)-1)) {
		t.Errorf("the facilities page does not show %d rows", len(rows)-1)
	}
	_, body = get(t, s, "/open/statistics.csv", nil, nil)
	rows, _ = csv.NewReader(strings.NewReader(body)).ReadAll()
	_, page = get(t, s, "/open/datasets/statistics", nil, nil)
	if len(rows) < 3 || !strings.Contains(page, `<dd id="rows">`+strconv.Itoa(len(rows)-1)+`（2021-06 月的数据）`) {
		t.Errorf("the statistics page does not show the CSV's %d rows", len(rows)-1)
	}
	// The preview is the CSV's first rows, as a table.
	_, page = get(t, s, "/open/datasets/grids", nil, nil)
	_, body = get(t, s, "/open/grids.csv", nil, nil)
	rows, _ = csv.NewReader(strings.NewReader(body)).ReadAll()
	if !strings.Contains(page, `<td title="`+rows[1][1]+`">`+rows[1][1]+`</td>`) || !strings.Contains(page, `<th scope="col">`+rows[0][len(rows[0])-1]+`</th>`) {
		t.Errorf("the grids page does not preview the CSV's first row %v", rows[1])
	}
	// Places get a map.
	_, page = get(t, s, "/open/datasets/compounds", nil, nil)
	if n := strings.Count(page, `class="pt"`); n == 0 || !strings.Contains(page, `<svg class="map"`) {
		t.Errorf("the compounds page has no map (%d points)", n)
	}
}

// The catalogue's datasets and files describe themselves in Chinese too,
// and each CSV names its CSVW metadata as the schema it conforms to.
func TestCatalogueIsBilingualAndLinksCSVW(t *testing.T) {
	s := portal(t, testenv.Backends()[0])
	_, body := get(t, s, "/open/catalog.jsonld", nil, nil)
	type text struct {
		Language string `json:"@language"`
		Value    string `json:"@value"`
	}
	var c struct {
		Dataset []struct {
			ID           string `json:"@id"`
			Description  []text `json:"dct:description"`
			Distribution []struct {
				Description []text `json:"dct:description"`
				DownloadURL struct {
					ID string `json:"@id"`
				} `json:"dcat:downloadURL"`
				ConformsTo *struct {
					ID string `json:"@id"`
				} `json:"dct:conformsTo"`
			} `json:"dcat:distribution"`
		} `json:"dcat:dataset"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	bilingual := func(ts []text) bool {
		return len(ts) == 2 && ts[0].Language == "en" && ts[1].Language == "zh-Hans" && ts[1].Value != ""
	}
	csvws := 0
	for _, d := range c.Dataset {
		if !bilingual(d.Description) {
			t.Errorf("%s: description %v", d.ID, d.Description)
		}
		for _, x := range d.Distribution {
			if !bilingual(x.Description) {
				t.Errorf("%s: distribution description %v", x.DownloadURL.ID, x.Description)
			}
			if strings.HasSuffix(x.DownloadURL.ID, ".csv") {
				if x.ConformsTo == nil || x.ConformsTo.ID != x.DownloadURL.ID+"-metadata.json" {
					t.Errorf("%s conforms to %+v", x.DownloadURL.ID, x.ConformsTo)
					continue
				}
				csvws++
				if r, _ := get(t, s, strings.TrimPrefix(x.ConformsTo.ID, s.URL), nil, nil); r.StatusCode != 200 {
					t.Errorf("%s: %d", x.ConformsTo.ID, r.StatusCode)
				}
			}
		}
	}
	if csvws != len(csvDatasets) {
		t.Errorf("%d CSVs link their CSVW metadata, want %d", csvws, len(csvDatasets))
	}
}

// The portal's pages and files are charged like the other downloads:
// 500 points for a dataset file, 50 for a dataset's page, 10 for a CSVW
// file, 10 for a revalidation answered 304.
func TestPortalCosts(t *testing.T) {
	st := testenv.Backends()[0].Open(t, testenv.Options{})
	s := testenv.StartServer(t, st, server.Options{PublicRate: limits.Rate{Points: 5000, Per: time.Hour}})
	remaining := 5000
	for _, step := range []struct {
		path   string
		header map[string]string
		cost   int
		status int
	}{
		{"/open/compounds.csv", nil, 500, 200},
		{"/open/organizations.ndjson", nil, 500, 200},
		{"/open/grids.csv", nil, 500, 200},
		{"/open/datasets/grids", nil, 50, 200},
		{"/open/grids.csv-metadata.json", nil, 10, 200},
		{"/open/grids.csv-metadata.json", map[string]string{"If-None-Match": "*"}, 10, 304},
	} {
		res, _ := get(t, s, step.path, nil, step.header)
		remaining -= step.cost
		if res.StatusCode != step.status || res.Header.Get("RateLimit-Remaining") != strconv.Itoa(remaining) {
			t.Errorf("%s: %d, %s points remain, want %d and %d", step.path, res.StatusCode, res.Header.Get("RateLimit-Remaining"), step.status, remaining)
			remaining, _ = strconv.Atoi(res.Header.Get("RateLimit-Remaining"))
		}
	}
}

// A search is shown as text, never as markup, and an overlong one is a
// clear error.
func TestPortalSearchBadInput(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	res, page := get(t, s, "/open/", url.Values{"q": {`<script>alert(1)</script>`}}, nil)
	if res.StatusCode != 200 || strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("search for markup: %d, escaped: %v", res.StatusCode, strings.Contains(page, "&lt;script&gt;"))
	}
	if res, body := get(t, s, "/open/", url.Values{"q": {strings.Repeat("食", 201)}}, nil); res.StatusCode != 400 || !strings.Contains(body, "BAD_USER_INPUT") {
		t.Errorf("overlong search: %d %.200s", res.StatusCode, body)
	}
	if res, _ := get(t, s, "/open/", url.Values{"q": {strings.Repeat("食", 200)}}, nil); res.StatusCode != 200 {
		t.Errorf("a 200-character search: %d", res.StatusCode)
	}
	if res, _ := get(t, s, "/open/", url.Values{"q": {"   "}}, nil); res.StatusCode != 200 {
		t.Errorf("a blank search: %d", res.StatusCode)
	}
}

// The examples are on the URL the visitor used: the request's Host.
func TestPortalExamplesUseTheRequestsHost(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/open/datasets/regions", nil)
	req.Host = "data.example.gov"
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	page := string(b)
	if !strings.Contains(page, `curl "http://data.example.gov/open/regions.geojson"`) || strings.Contains(page, s.URL) {
		t.Errorf("the regions page does not use the request's host")
	}
}
