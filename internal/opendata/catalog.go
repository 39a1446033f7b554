package opendata

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"lifecircle/ent"
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
		if catalogueConditional(w, r, client, "jsonld|"+base(p, r), false) {
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
					"@type": "dcat:Distribution", "dct:title": x.Title, "dct:description": texts(x.Description, x.DescriptionZh),
					"dcat:accessURL": resource(b + "/open/datasets/" + d.ID), "dcat:downloadURL": resource(b + x.Path),
					"dct:format": map[string]any{"@id": "http://publications.europa.eu/resource/authority/file-type/" + x.Format,
						"@type": "dct:MediaTypeOrExtent"},
					"dct:license": licence(),
				}
				// The CSV's columns are described by its CSVW metadata, the
				// schema the file conforms to.
				if x.Path == d.CSV {
					dist["dct:conformsTo"] = map[string]any{"@id": b + d.CSVW(), "@type": "dct:Standard"}
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
				"dcat:landingPage": map[string]any{"@id": b + "/open/datasets/" + d.ID, "@type": "foaf:Document"},
			}
			if len(dists) > 0 {
				item["dcat:distribution"] = dists
			}
			if hasProvenance(d.Columns) {
				item["dct:provenance"] = map[string]any{"@type": "dct:ProvenanceStatement", "rdfs:label": texts(provenanceEn, provenanceZh)}
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
			"dct:description": texts("Open data of the 15-minute life circle: facilities on the service map, community activities, regions, compounds, organisations, grids, a change feed and anonymised monthly statistics, as files and through a public GraphQL API.",
				"15分钟生活圈开放数据：服务地图上的设施、社区活动、行政区划、小区、组织、网格、变更记录和匿名月度统计，提供数据文件和公开 GraphQL 接口。"),
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

// catalogueConditional is versioned for the catalogue, which also lists the
// publications.
func catalogueConditional(w http.ResponseWriter, r *http.Request, client *ent.Client, variant string, weak bool) bool {
	v, err := catalogueVersion(r.Context(), client)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err)
		return true
	}
	w.Header().Set("Cache-Control", "public, no-cache") // revalidate: 304 costs two small queries
	return conditional(w, r, v, variant, weak)
}

// The provenance statement of a dataset whose rows say where they come
// from (the last two columns, source and illustrative).
const (
	provenanceEn = "Each row names its source (the article that states it, or \"illustrative\") in the column source, and lists the fields no source states, invented for the demo, in the column illustrative (\"*\": the whole row)."
	provenanceZh = "每行在 source 列注明来源（陈述它的文章，或 illustrative），在 illustrative 列列出无来源陈述、为演示而虚构的字段（*：整行）。"
)

// hasProvenance reports whether a dataset's columns end with source and
// illustrative.
func hasProvenance(cols []Column) bool {
	n := len(cols)
	return n >= 2 && cols[n-2].Name == "source" && cols[n-1].Name == "illustrative"
}
