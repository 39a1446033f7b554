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

// A distribution is one file of a dataset: its title, path, IANA media
// type ("" when IANA registers none, as for NDJSON), format (a code of the
// EU file-type authority) and a note on what the file is.
type distribution struct {
	Title, Path, MediaType, Format, Description string
}

type dataset struct {
	ID, Title, TitleZh, Description, DescriptionZh string
	Rows                                           int
	Modified                                       time.Time
	Temporal                                       [2]time.Time
	Distributions                                  []distribution
	Example                                        string
}

const ndjsonNote = "Newline-delimited JSON: one JSON object per line (application/x-ndjson), numbers and booleans typed, missing values null."

func csvFile(path string) distribution {
	return distribution{"CSV", path, "text/csv", "CSV", "RFC 4180, UTF-8 (?bom=1 adds a BOM for Excel), CRLF between records."}
}
func geojsonFile(path string) distribution {
	return distribution{"GeoJSON", path, "application/geo+json", "GEOJSON", "An RFC 7946 FeatureCollection of points; numbers and booleans typed, missing values null."}
}
func ndjsonFile(path string) distribution {
	return distribution{"NDJSON", path, "", "JSON", ndjsonNote}
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
	// The statistics CSV without ?period is the latest published month; it
	// is listed once something is published (before, it answers 404).
	var statFiles []distribution
	if nPub > 0 {
		statFiles = append(statFiles, distribution{"CSV (the latest month; ?period=YYYY-MM for another)", "/open/statistics.csv", "text/csv", "CSV",
			"Every figure of the latest published month, for every region; suppressed figures empty with suppressed=true. ?period=YYYY-MM gives another month."})
	}
	return []dataset{
		{ID: "facilities", Title: "15-minute life-circle service map: facilities", TitleZh: "15分钟生活圈服务设施",
			Description:   "Every facility on the service map (party-mass service centres, canteens, clinics, shops, schools…) with category, life-circle tier, location, address, opening hours and status. Filters: region, category, bbox.",
			DescriptionZh: "服务地图上的全部设施（党群服务中心、食堂、诊所、商店、学校等），含类别、生活圈层级、位置、地址、开放时间和状态。可按区域、类别和范围筛选。",
			Rows:          nFac, Modified: facMod,
			Distributions: []distribution{csvFile("/open/facilities.csv"), geojsonFile("/open/facilities.geojson"), ndjsonFile("/open/facilities.ndjson")},
			Example:       `curl "$BASE/open/facilities.csv?category=community_canteen&bom=1"`},
		{ID: "activities", Title: "Community activities", TitleZh: "社区活动",
			Description:   "Activities of the communities (one theme a month, one activity a week) as a calendar to subscribe to. Filters: region, category.",
			DescriptionZh: "各社区的活动（每月一个主题，每周一次活动），可作为日历订阅。可按区域和类别筛选。",
			Rows:          nAct, Modified: actMod, Temporal: span,
			Distributions: []distribution{
				{"iCalendar", "/open/activities.ics", "text/calendar", "ICS", "RFC 5545 calendar with a VTIMEZONE for Asia/Shanghai; subscribe with webcal://."},
				csvFile("/open/activities.csv"), ndjsonFile("/open/activities.ndjson"),
			},
			Example: `webcal://HOST/open/activities.ics?category=HEALTH`},
		{ID: "regions", Title: "Regions: cities, districts, subdistricts and communities", TitleZh: "行政区划与社区",
			Description:   "The administrative hierarchy the communities sit in, with division codes where known and approximate centroids.",
			DescriptionZh: "社区所在的行政层级，含已知的区划代码和近似中心点。",
			Rows:          -1, Modified: facMod,
			Distributions: []distribution{csvFile("/open/regions.csv"), geojsonFile("/open/regions.geojson"), ndjsonFile("/open/regions.ndjson")},
			Example:       `curl "$BASE/open/regions.geojson"`},
		{ID: "changes", Title: "Change feed of public records", TitleZh: "公开数据变更记录",
			Description:   "Creations, updates and deletions of regions, compounds, grids, organisations, facilities and activities, oldest first, to keep a copy up to date.",
			DescriptionZh: "区域、小区、网格、组织、设施和活动的新增、修改和删除记录，按时间先后排列，用于保持副本最新。",
			Rows:          -1, Modified: later(facMod, actMod),
			Distributions: []distribution{ndjsonFile("/open/changes")},
			Example:       `curl "$BASE/open/changes?limit=100"`},
		{ID: "statistics", Title: "Anonymised monthly statistics of the needs list", TitleZh: "需求清单匿名统计",
			Description:   "Published monthly figures per community, subdistrict, district and city: requests by kind and status, completion rate, micro-wishes fulfilled, activities held, registrations, active volunteers. Disclosure control: the 10-5 rule with secondary suppression, or differential privacy.",
			DescriptionZh: "按社区、街道、区和市发布的月度数据：各类需求及其状态、完成率、已实现的微心愿、举办的活动、报名人数、活跃志愿者。披露控制：10-5 规则加二次抑制，或差分隐私。",
			Rows:          nPub, Modified: pubMod,
			Distributions: statFiles,
			Example:       `{ statistics(region: "<ID>", period: "2021-06") { values { metric dimension value suppressed } } }`},
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

// jsonldContext is the catalogue's @context, inline so that a harvester
// (or a test) needs no network to read it.
var jsonldContext = map[string]string{
	"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
	"vcard": "http://www.w3.org/2006/vcard/ns#", "xsd": "http://www.w3.org/2001/XMLSchema#",
	"rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}

// Typed objects, as the DCAT-AP shapes check them by class.

func resource(url string) map[string]any { return map[string]any{"@id": url, "@type": "rdfs:Resource"} }

func texts(en, zh string) []map[string]string {
	t := []map[string]string{{"@language": "en", "@value": en}}
	if zh != "" {
		t = append(t, map[string]string{"@language": "zh-Hans", "@value": zh})
	}
	return t
}

func dateTime(t time.Time) map[string]string {
	return map[string]string{"@type": "xsd:dateTime", "@value": timefmt.Format(t)}
}

// CatalogJSONLD serves the DCAT-AP 3 catalogue as JSON-LD: the datasets
// with their files as distributions, and the public GraphQL endpoint as a
// data service serving them.
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
		publisher := func() map[string]any { return map[string]any{"@type": "foaf:Agent", "foaf:name": p.Name} }
		licence := func() map[string]any { return map[string]any{"@id": p.LicenceURL, "@type": "dct:LicenseDocument"} }
		contact := func() map[string]any {
			return map[string]any{"@type": []string{"vcard:Kind", "vcard:Organization"}, "vcard:fn": p.Name,
				"vcard:hasEmail": map[string]any{"@id": "mailto:" + p.Email}}
		}
		var items, served []map[string]any
		var modified time.Time
		for _, d := range ds {
			var dists []map[string]any
			for _, x := range d.Distributions {
				dist := map[string]any{
					"@type": "dcat:Distribution", "dct:title": x.Title, "dct:description": texts(x.Description, ""),
					"dcat:accessURL": resource(b + "/open/"), "dcat:downloadURL": resource(b + x.Path),
					"dct:format": map[string]any{"@id": "http://publications.europa.eu/resource/authority/file-type/" + x.Format,
						"@type": "dct:MediaTypeOrExtent"},
					"dct:license": licence(),
				}
				if x.MediaType != "" {
					dist["dcat:mediaType"] = map[string]any{"@id": "http://www.iana.org/assignments/media-types/" + x.MediaType, "@type": "dct:MediaType"}
				}
				dists = append(dists, dist)
			}
			id := b + "/open/#" + d.ID
			item := map[string]any{
				"@id": id, "@type": "dcat:Dataset",
				"dct:title":         texts(d.Title, d.TitleZh),
				"dct:description":   texts(d.Description, d.DescriptionZh),
				"dct:publisher":     publisher(),
				"dcat:contactPoint": contact(),
				"dct:license":       licence(),
				"dct:spatial": map[string]any{"@id": "http://publications.europa.eu/resource/authority/country/CHN",
					"@type": "dct:Location"},
				"dcat:landingPage": map[string]any{"@id": id, "@type": "foaf:Document"},
			}
			if len(dists) > 0 {
				item["dcat:distribution"] = dists
			}
			if !d.Modified.IsZero() {
				item["dct:modified"] = dateTime(d.Modified)
				modified = later(modified, d.Modified)
			}
			if !d.Temporal[0].IsZero() {
				item["dct:temporal"] = map[string]any{"@type": "dct:PeriodOfTime",
					"dcat:startDate": dateTime(d.Temporal[0]), "dcat:endDate": dateTime(d.Temporal[1])}
			}
			items = append(items, item)
			served = append(served, map[string]any{"@id": id})
		}
		// The GraphQL endpoint is an API, not a file: a data service, its
		// schema (the SDL file) as the endpoint's description.
		service := map[string]any{
			"@id": b + "/open/graphql", "@type": "dcat:DataService",
			"dct:title": texts("Public GraphQL API", "公开 GraphQL 接口"),
			"dct:description": texts("The same data as the files, queried with GraphQL over HTTP (GET or POST, no account). The schema, with descriptions, is the SDL file at the endpoint description.",
				"与数据文件相同的数据，通过 HTTP 上的 GraphQL 查询（GET 或 POST，无需账号）。带说明的模式见端点描述中的 SDL 文件。"),
			"dcat:endpointURL":         resource(b + "/open/graphql"),
			"dcat:endpointDescription": resource(b + "/open/schema.graphql"),
			"dct:conformsTo":           map[string]any{"@id": "https://spec.graphql.org/", "@type": "dct:Standard"},
			"dcat:servesDataset":       served,
			"dct:publisher":            publisher(),
			"dcat:contactPoint":        contact(),
			"dct:license":              licence(),
		}
		doc := map[string]any{
			"@context": jsonldContext,
			"@id":      b + "/open/catalog.jsonld", "@type": "dcat:Catalog",
			"dct:title": texts("lifecircle open data", "lifecircle 开放数据"),
			"dct:description": texts("Open data of the 15-minute life circle: facilities on the service map, community activities, regions, a change feed and anonymised monthly statistics, as files and through a public GraphQL API.",
				"15分钟生活圈开放数据：服务地图上的设施、社区活动、行政区划、变更记录和匿名月度统计，提供数据文件和公开 GraphQL 接口。"),
			"dct:publisher": publisher(), "dct:license": licence(),
			"foaf:homepage": map[string]any{"@id": b + "/open/", "@type": "foaf:Document"},
			"dcat:dataset":  items, "dcat:service": []map[string]any{service},
		}
		if !modified.IsZero() {
			doc["dct:modified"] = dateTime(modified)
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
