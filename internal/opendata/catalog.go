package opendata

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/facility"
	"lifecircle/ent/publication"
	"lifecircle/internal/timefmt"
)

// Publisher says who publishes the data and under which licence.
type Publisher struct {
	Name       string
	Email      string
	LicenceURL string
	Licence    string
	BaseURL    string // absolute URL of the server, for DCAT; "" uses the request's host
}

// DefaultPublisher publishes under CC BY 4.0.
func DefaultPublisher() Publisher {
	return Publisher{Name: "lifecircle", Email: "opendata@example.org",
		Licence: "CC BY 4.0", LicenceURL: "https://creativecommons.org/licenses/by/4.0/"}
}

type distribution struct {
	Title, Path, MediaType, Format string
}

type dataset struct {
	ID, Title, TitleZh, Description string
	Rows                            int
	Modified                        time.Time
	Temporal                        [2]time.Time
	Distributions                   []distribution
	Example                         string
}

func datasets(ctx context.Context, client *ent.Client) ([]dataset, error) {
	nFac, err := client.Facility.Query().Count(ctx)
	if err != nil {
		return nil, err
	}
	var facMod time.Time
	if f, err := client.Facility.Query().Order(ent.Desc(facility.FieldUpdatedAt)).Select(facility.FieldUpdatedAt).First(ctx); err == nil {
		facMod = f.UpdatedAt
	}
	nAct, err := client.Activity.Query().Count(ctx)
	if err != nil {
		return nil, err
	}
	var actMod time.Time
	var span [2]time.Time
	if a, err := client.Activity.Query().Order(ent.Desc(activity.FieldUpdatedAt)).Select(activity.FieldUpdatedAt).First(ctx); err == nil {
		actMod = a.UpdatedAt
	}
	if a, err := client.Activity.Query().Order(ent.Asc(activity.FieldStartsAt)).Select(activity.FieldStartsAt).First(ctx); err == nil {
		span[0] = a.StartsAt
	}
	if a, err := client.Activity.Query().Order(ent.Desc(activity.FieldStartsAt)).Select(activity.FieldStartsAt).First(ctx); err == nil {
		span[1] = a.StartsAt
	}
	nPub, err := client.Publication.Query().Count(ctx)
	if err != nil {
		return nil, err
	}
	var pubMod time.Time
	if p, err := client.Publication.Query().Order(ent.Desc(publication.FieldPublishedAt)).First(ctx); err == nil {
		pubMod = p.PublishedAt
	}
	return []dataset{
		{ID: "facilities", Title: "15-minute life-circle service map: facilities", TitleZh: "15分钟生活圈服务设施",
			Description: "Every facility on the service map (party-mass service centres, canteens, clinics, shops, schools…) with category, life-circle tier, location, address, opening hours and status. Filters: region, category, bbox.",
			Rows:        nFac, Modified: facMod,
			Distributions: []distribution{
				{"CSV", "/open/facilities.csv", "text/csv", "CSV"},
				{"GeoJSON", "/open/facilities.geojson", "application/geo+json", "GeoJSON"},
				{"NDJSON", "/open/facilities.ndjson", "application/x-ndjson", "NDJSON"},
			},
			Example: `curl "$BASE/open/facilities.csv?category=community_canteen&bom=1"`},
		{ID: "activities", Title: "Community activities", TitleZh: "社区活动",
			Description: "Activities of the communities (one theme a month, one activity a week) as a calendar to subscribe to. Filters: region, category.",
			Rows:        nAct, Modified: actMod, Temporal: span,
			Distributions: []distribution{
				{"iCalendar", "/open/activities.ics", "text/calendar", "ICS"},
				{"CSV", "/open/activities.csv", "text/csv", "CSV"},
				{"NDJSON", "/open/activities.ndjson", "application/x-ndjson", "NDJSON"},
			},
			Example: `webcal://HOST/open/activities.ics?category=HEALTH`},
		{ID: "regions", Title: "Regions: cities, districts, subdistricts and communities", TitleZh: "行政区划与社区",
			Description: "The administrative hierarchy the communities sit in, with division codes where known and approximate centroids.",
			Rows:        -1, Modified: facMod,
			Distributions: []distribution{
				{"CSV", "/open/regions.csv", "text/csv", "CSV"},
				{"GeoJSON", "/open/regions.geojson", "application/geo+json", "GeoJSON"},
				{"NDJSON", "/open/regions.ndjson", "application/x-ndjson", "NDJSON"},
			},
			Example: `curl "$BASE/open/regions.geojson"`},
		{ID: "changes", Title: "Change feed of public records", TitleZh: "公开数据变更记录",
			Description: "Creations, updates and deletions of regions, compounds, grids, organisations, facilities and activities, oldest first, to keep a copy up to date.",
			Rows:        -1, Modified: later(facMod, actMod),
			Distributions: []distribution{{"NDJSON", "/open/changes", "application/x-ndjson", "NDJSON"}},
			Example:       `curl "$BASE/open/changes?limit=100"`},
		{ID: "statistics", Title: "Anonymised monthly statistics of the needs list", TitleZh: "需求清单匿名统计",
			Description: "Published monthly figures per community, subdistrict, district and city: requests by kind and status, completion rate, micro-wishes fulfilled, activities held, registrations, active volunteers. Disclosure control: the 10-5 rule with secondary suppression, or differential privacy.",
			Rows:        nPub, Modified: pubMod,
			Distributions: []distribution{
				{"GraphQL", "/open/graphql", "application/graphql-response+json", "GraphQL"},
				{"CSV (a month: ?period=YYYY-MM)", "/open/statistics.csv", "text/csv", "CSV"},
			},
			Example: `{ statistics(region: "<ID>", period: "2021-06") { values { metric dimension value suppressed } } }`},
	}, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func base(p Publisher, r *http.Request) string {
	if p.BaseURL != "" {
		return strings.TrimRight(p.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// CatalogJSONLD serves the DCAT-AP 3 catalogue as JSON-LD.
func CatalogJSONLD(client *ent.Client, p Publisher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if catalogueConditional(w, r, client, "jsonld") {
			return
		}
		ds, err := datasets(r.Context(), client)
		if err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
		b := base(p, r)
		publisher := map[string]any{"@type": "foaf:Agent", "foaf:name": p.Name}
		var items []map[string]any
		for _, d := range ds {
			var dists []map[string]any
			for _, x := range d.Distributions {
				dists = append(dists, map[string]any{
					"@type": "dcat:Distribution", "dct:title": x.Title,
					"dcat:accessURL": map[string]any{"@id": b + "/open/"}, "dcat:downloadURL": map[string]any{"@id": b + x.Path},
					"dcat:mediaType": map[string]any{"@id": "https://www.iana.org/assignments/media-types/" + x.MediaType},
					"dct:format":     x.Format, "dct:license": map[string]any{"@id": p.LicenceURL},
				})
			}
			item := map[string]any{
				"@id": b + "/open/#" + d.ID, "@type": "dcat:Dataset",
				"dct:title":       []map[string]string{{"@language": "en", "@value": d.Title}, {"@language": "zh-Hans", "@value": d.TitleZh}},
				"dct:description": []map[string]string{{"@language": "en", "@value": d.Description}},
				"dct:publisher":   publisher,
				"dcat:contactPoint": map[string]any{"@type": "vcard:Organization", "vcard:fn": p.Name,
					"vcard:hasEmail": map[string]any{"@id": "mailto:" + p.Email}},
				"dct:license":       map[string]any{"@id": p.LicenceURL},
				"dct:spatial":       map[string]any{"@id": "http://publications.europa.eu/resource/authority/country/CHN"},
				"dcat:distribution": dists,
			}
			if !d.Modified.IsZero() {
				item["dct:modified"] = map[string]string{"@type": "xsd:dateTime", "@value": timefmt.Format(d.Modified)}
			}
			if !d.Temporal[0].IsZero() {
				item["dct:temporal"] = map[string]any{"@type": "dct:PeriodOfTime",
					"dcat:startDate": map[string]string{"@type": "xsd:dateTime", "@value": timefmt.Format(d.Temporal[0])},
					"dcat:endDate":   map[string]string{"@type": "xsd:dateTime", "@value": timefmt.Format(d.Temporal[1])}}
			}
			items = append(items, item)
		}
		doc := map[string]any{
			"@context": map[string]string{
				"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
				"vcard": "http://www.w3.org/2006/vcard/ns#", "xsd": "http://www.w3.org/2001/XMLSchema#",
			},
			"@id": b + "/open/catalog.jsonld", "@type": "dcat:Catalog",
			"dct:title": "lifecircle open data", "dct:publisher": publisher,
			"dct:license": map[string]any{"@id": p.LicenceURL}, "dcat:dataset": items,
		}
		w.Header().Set("Content-Type", "application/ld+json")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		_ = enc.Encode(doc)
	})
}

var page = template.Must(template.New("catalog").Parse(`<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>lifecircle 开放数据 · open data</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="alternate" type="application/ld+json" href="/open/catalog.jsonld">
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
section{border-top:1px solid #ccc;padding:1rem 0}code,pre{background:#f4f4f4;padding:.1rem .3rem}pre{padding:.5rem;overflow:auto}</style></head>
<body><h1>开放数据 · Open data</h1>
<p>Licence: <a href="{{.Publisher.LicenceURL}}">{{.Publisher.Licence}}</a> — attribution: {{.Publisher.Name}}.
Machine-readable catalogue: <a href="/open/catalog.jsonld">DCAT-AP JSON-LD</a>. Public GraphQL: <code>{{.Base}}/open/graphql</code> (no account).</p>
{{range .Datasets}}<section id="{{.ID}}"><h2>{{.TitleZh}} · {{.Title}}</h2>
<p>{{.Description}}</p>
<p>{{if ge .Rows 0}}Rows: {{.Rows}}. {{end}}{{if not .Modified.IsZero}}Updated: {{.Modified.Format "2006-01-02 15:04 MST"}}.{{end}}</p>
<p>Download: {{range .Distributions}}<a href="{{.Path}}">{{.Title}}</a> {{end}}</p>
<p>Example:</p><pre>{{.Example}}</pre></section>{{end}}
</body></html>`))

// CatalogPage serves the catalogue for people.
func CatalogPage(client *ent.Client, p Publisher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if catalogueConditional(w, r, client, "html") {
			return
		}
		ds, err := datasets(r.Context(), client)
		if err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"Datasets": ds, "Publisher": p, "Base": base(p, r)})
	})
}

// catalogueConditional is versioned for the catalogue, which also lists the
// publications.
func catalogueConditional(w http.ResponseWriter, r *http.Request, client *ent.Client, variant string) bool {
	v, err := catalogueVersion(r.Context(), client)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err)
		return true
	}
	w.Header().Set("Cache-Control", "public, no-cache") // revalidate: 304 costs two small queries
	return conditional(w, r, v, variant, false)
}
