package opendata

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lifecircle/ent"
	"lifecircle/ent/compound"
	"lifecircle/ent/facility"
	"lifecircle/ent/region"
	"lifecircle/ent/statcell"
	"lifecircle/internal/apperr"
	"lifecircle/internal/gid"
	"lifecircle/internal/timefmt"
	"lifecircle/internal/webasset"
)

// previewRows is how many rows a dataset's page shows.
const previewRows = 10

// maxQuery is the longest search, in characters.
const maxQuery = 200

// mapPoints is the most points a dataset's map draws.
const mapPoints = 3000

// beijing shows t in Beijing time, saying so.
func beijing(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(timefmt.Local).Format("2006-01-02 15:04") + " 北京时间 Beijing time (UTC+8)"
}

// A preview is the first rows of a dataset, as its CSV has them.
type preview struct {
	Header []string
	Rows   [][]string
}

var errEnough = errors.New("enough rows")

// previewOf reads the first rows of dataset d.
func previewOf(ctx context.Context, client *ent.Client, d dataset) (preview, error) {
	p := preview{Header: names(d.Columns)}
	var t table
	switch d.ID {
	case "facilities":
		t = Facilities(client, Filter{})
	case "statistics":
		return p, previewStatistics(ctx, client, &p)
	case "changes":
		entries, _, err := Changes(ctx, client, 0, previewRows)
		for _, e := range entries {
			p.Rows = append(p.Rows, []string{e.Sequence, string(e.Op), e.Entity, gid.Encode(e.ID), timefmt.Format(e.At)})
		}
		return p, err
	default:
		t = publicTable(client, d.ID)
	}
	var r record
	err := t.rows(context.WithValue(ctx, previewKey{}, previewRows), &r, func() error {
		row := make([]string, len(r.ends))
		for i := range row {
			row[i] = string(r.cell(i))
		}
		p.Rows = append(p.Rows, row)
		if len(p.Rows) == previewRows {
			return errEnough
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return p, err
}

func previewStatistics(ctx context.Context, client *ent.Client, p *preview) error {
	pub, err := latestPublication(ctx, client)
	if pub == nil || err != nil {
		return err
	}
	cells, err := client.StatCell.Query().Where(statcell.PublicationID(pub.ID)).Order(ent.Asc(statcell.FieldID)).Limit(previewRows).All(ctx)
	if err != nil {
		return err
	}
	idx, err := loadRegions(ctx, client)
	if err != nil {
		return err
	}
	codes := map[int]string{}
	if rs, err := client.Region.Query().Where(region.CodeNotNil()).Select(region.FieldID, region.FieldCode).All(ctx); err == nil {
		for _, r := range rs {
			codes[r.ID] = *r.Code
		}
	}
	for _, c := range cells {
		value, level := "", ""
		if c.Value != nil {
			value = strconv.FormatFloat(*c.Value, 'f', -1, 64)
		}
		if rg := idx[c.RegionID]; rg != nil {
			level = string(rg.Level)
		}
		p.Rows = append(p.Rows, []string{pub.Period, gid.Encode(c.RegionID), idx.name(c.RegionID), level, codes[c.RegionID], c.Metric, c.Dimension, value,
			strconv.FormatBool(c.Suppressed), strconv.FormatBool(c.Noisy), string(pub.Method), timefmt.Format(pub.PublishedAt)})
	}
	return nil
}

// A dictionaryEntry is a column of the dictionary with an example from the
// data.
type dictionaryEntry struct {
	Column
	Example string
}

func dictionary(cols []Column, p preview) []dictionaryEntry {
	out := make([]dictionaryEntry, len(cols))
	for i, c := range cols {
		out[i].Column = c
		for _, row := range p.Rows {
			if i < len(row) && row[i] != "" {
				out[i].Example = row[i]
				break
			}
		}
	}
	return out
}

type point struct {
	lat, lng float64
	label    string
}

// placesOf reads the points a dataset's map draws, and the communities
// around them (labelled, for orientation).
func placesOf(ctx context.Context, client *ent.Client, id string) (pts, communities []point, err error) {
	switch id {
	case "facilities":
		fs, err := client.Facility.Query().Order(ent.Asc(facility.FieldID)).Limit(mapPoints).Select(facility.FieldLat, facility.FieldLng).All(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range fs {
			pts = append(pts, point{f.Lat, f.Lng, ""})
		}
	case "compounds":
		cs, err := client.Compound.Query().Order(ent.Asc(compound.FieldID)).Limit(mapPoints).Select(compound.FieldLat, compound.FieldLng, compound.FieldName).All(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cs {
			pts = append(pts, point{c.Lat, c.Lng, c.Name})
		}
	}
	rs, err := client.Region.Query().Where(region.LevelEQ(region.LevelCommunity)).Order(ent.Asc(region.FieldID)).Limit(mapPoints).
		Select(region.FieldLat, region.FieldLng, region.FieldName).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rs {
		communities = append(communities, point{r.Lat, r.Lng, r.Name})
	}
	return pts, communities, nil
}

// focus keeps a map legible when the data spans several cities: when the
// points spread over more than about 30 km it keeps the area (about 20 km
// across) around the community with the most points, and says how many of
// the points that shows.
func focus(pts, communities []point) (keptPts, keptCommunities []point, note string) {
	if len(communities) == 0 {
		return pts, communities, ""
	}
	all := append(append([]point{}, pts...), communities...)
	minLat, maxLat, minLng, maxLng := all[0].lat, all[0].lat, all[0].lng, all[0].lng
	for _, p := range all {
		minLat, maxLat = math.Min(minLat, p.lat), math.Max(maxLat, p.lat)
		minLng, maxLng = math.Min(minLng, p.lng), math.Max(maxLng, p.lng)
	}
	if maxLat-minLat < 0.3 && maxLng-minLng < 0.3 {
		return pts, communities, ""
	}
	const r = 0.1 // degrees of latitude, about 11 km
	near := func(c, p point) bool {
		return math.Abs(p.lat-c.lat) <= r && math.Abs(p.lng-c.lng)*math.Cos(c.lat*math.Pi/180) <= r
	}
	best, bestN := communities[0], -1
	for _, c := range communities {
		n := 0
		for _, p := range pts {
			if near(c, p) {
				n++
			}
		}
		if n > bestN {
			best, bestN = c, n
		}
	}
	for _, p := range pts {
		if near(best, p) {
			keptPts = append(keptPts, p)
		}
	}
	for _, c := range communities {
		if near(best, c) {
			keptCommunities = append(keptCommunities, c)
		}
	}
	return keptPts, keptCommunities, fmt.Sprintf("数据分布在多个城市：地图显示%s附近约 20 公里范围内的 %d 个点（共 %d 个）。 The data spans several cities: the map shows the %d of %d points within about 10 km of %s.",
		best.label, len(keptPts), len(pts), len(keptPts), len(pts), best.label)
}

// svgMap draws points and labelled communities on a plain background, in
// an equirectangular projection scaled to the latitude: no tiles, no
// script, nothing from another server.
func svgMap(pts, communities []point) template.HTML {
	all := append(append([]point{}, pts...), communities...)
	if len(all) == 0 {
		return ""
	}
	minLat, maxLat, minLng, maxLng := all[0].lat, all[0].lat, all[0].lng, all[0].lng
	for _, p := range all {
		minLat, maxLat = math.Min(minLat, p.lat), math.Max(maxLat, p.lat)
		minLng, maxLng = math.Min(minLng, p.lng), math.Max(maxLng, p.lng)
	}
	k := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	w, h := (maxLng-minLng)*k, maxLat-minLat
	pad := math.Max(math.Max(w, h)*0.08, 0.002)
	w, h = w+2*pad, h+2*pad
	const width = 640.0
	height := math.Min(math.Max(width*h/w, 260), 520)
	scale := math.Min(width/w, height/h)
	offX, offY := (width-w*scale)/2, (height-h*scale)/2
	xy := func(p point) (float64, float64) {
		return offX + ((p.lng-minLng)*k+pad)*scale, offY + (maxLat-p.lat+pad)*scale
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="map" viewBox="0 0 %.0f %.0f" role="img" aria-label="地图 · map: %d 个点 points, %d 个社区 communities" xmlns="http://www.w3.org/2000/svg">`,
		width, height, len(pts), len(communities))
	fmt.Fprintf(&b, `<rect width="%.0f" height="%.0f" fill="#f3f1ea"/>`, width, height)
	for _, p := range pts {
		x, y := xy(p)
		fmt.Fprintf(&b, `<circle class="pt" cx="%.1f" cy="%.1f" r="3.2" fill="#c0392b" fill-opacity=".75"><title>%s</title></circle>`, x, y, template.HTMLEscapeString(p.label))
	}
	for _, c := range communities {
		x, y := xy(c)
		fmt.Fprintf(&b, `<circle class="community" cx="%.1f" cy="%.1f" r="5" fill="none" stroke="#1f5f8b" stroke-width="2"/>`, x, y)
		anchor, dx := "start", 7.0
		if x > width*0.75 {
			anchor, dx = "end", -7
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="12" fill="#1f3b4d" stroke="#f3f1ea" stroke-width="3" paint-order="stroke">%s</text>`,
			x+dx, y+4, anchor, template.HTMLEscapeString(c.label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above is escaped
}

// A searchHit is a dataset that matches a search, with the columns that do.
type searchHit struct {
	dataset
	InText  bool
	Columns []Column
}

// search matches q, case-insensitively, against the titles and
// descriptions of the datasets and the names, titles and meanings of their
// columns, in both languages.
func search(ds []dataset, q string) []searchHit {
	q = strings.ToLower(strings.TrimSpace(q))
	var hits []searchHit
	for _, d := range ds {
		h := searchHit{dataset: d}
		h.InText = contains(q, d.ID, d.Title, d.TitleZh, d.Description, d.DescriptionZh)
		for _, c := range d.Columns {
			if contains(q, c.Name, c.TitleZh, c.TitleEn, c.MeaningZh, c.MeaningEn) {
				h.Columns = append(h.Columns, c)
			}
		}
		if h.InText || len(h.Columns) > 0 {
			hits = append(hits, h)
		}
	}
	return hits
}

func contains(q string, fields ...string) bool {
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

type pageData struct {
	Base      string
	Host      string
	Publisher Publisher
	Datasets  []dataset
	Query     string
	Hits      []searchHit
	Searched  bool

	// A dataset's page.
	D          dataset
	Preview    preview
	Dictionary []dictionaryEntry
	Map        template.HTML
	MapNote    string
	GraphQL    string
}

var funcs = template.FuncMap{
	"beijing": beijing,
	"url": func(base string, e example) string {
		if e.Scheme != "" {
			return e.Scheme + strings.TrimPrefix(strings.TrimPrefix(base, "https"), "http") + e.Path
		}
		return base + e.Path
	},
	"plain": func(e example) bool { return e.Scheme == "" },
	"date":  func(t time.Time) string { return t.In(timefmt.Local).Format("2006-01-02") },
}

const styles = `<style>
*{box-sizing:border-box}
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:64rem;margin:0 auto;padding:1rem;line-height:1.55;color:#1d252c}
a{color:#0b5394;overflow-wrap:anywhere}h1{margin:.3rem 0;font-size:1.7rem}h2{margin:1.6rem 0 .4rem;font-size:1.25rem}
.en{color:#4a5560}.lead{font-size:1.05rem}
header{border-bottom:3px solid #b22222;padding-bottom:.6rem}
form.search{display:flex;gap:.4rem;flex-wrap:wrap;margin:1rem 0}form.search input{flex:1 1 14rem;min-width:0;font-size:1rem;padding:.45rem .6rem;border:1px solid #889;border-radius:4px}
form.search button{font-size:1rem;padding:.45rem 1rem;border-radius:4px;border:1px solid #0b5394;background:#0b5394;color:#fff}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:1rem;padding:0;list-style:none}
.card{border:1px solid #d5d9de;border-radius:6px;padding:.8rem 1rem;background:#fff}
.card h2{margin:0 0 .3rem;font-size:1.1rem}.card p{margin:.3rem 0}.meta{font-size:.9rem;color:#4a5560}
.files a{display:inline-block;margin-right:.6rem}
table{border-collapse:collapse;font-size:.88rem;width:100%}th,td{border:1px solid #d5d9de;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f0f2f4}.scroll{overflow-x:auto;max-width:100%;border:1px solid #d5d9de}.scroll table{border:0}
.preview td{white-space:nowrap;max-width:16rem;overflow:hidden;text-overflow:ellipsis}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.6rem 0}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
code,pre{background:#f4f4f4;border-radius:3px}code{padding:.05rem .25rem;overflow-wrap:anywhere}pre{padding:.5rem;white-space:pre-wrap;word-break:break-all}
ul.examples{padding-left:1.1rem}ul.examples li{margin:.35rem 0}
svg.map{width:100%;height:auto;max-height:32rem;background:#f3f1ea;border:1px solid #d5d9de;border-radius:6px;display:block}
.hit-cols{font-size:.9rem}footer{margin-top:2rem;border-top:1px solid #d5d9de;padding-top:.6rem;font-size:.9rem;color:#4a5560}
.narrow{display:none}.small{font-size:.88rem}form.search label{flex-basis:100%}
@media (max-width:40rem){body{padding:.7rem}h1{font-size:1.4rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}
.scroll.dict{overflow:visible;border:0}table.dictionary thead{display:none}table.dictionary,table.dictionary tbody{display:block}
table.dictionary tr{display:grid;grid-template-columns:1fr auto;border:1px solid #d5d9de;border-radius:4px;margin-bottom:.5rem}
table.dictionary td{border:0;display:block;padding:.2rem .5rem}table.dictionary td.m{grid-column:1/-1}.narrow{display:inline}}
</style>`

var catalogTemplate = template.Must(template.New("catalog").Funcs(funcs).Parse(`<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>开放数据 · Open data — lifecircle</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<link rel="alternate" type="application/ld+json" href="/open/catalog.jsonld">` + styles + `</head>
<body><header><h1>开放数据 <span class="en">· Open data</span></h1>
<p class="lead">15分钟生活圈的公开数据：设施、活动、区划、小区、组织、网格、变更记录和匿名统计。可直接下载 CSV（附列说明）、GeoJSON 和 NDJSON，无需账号。</p>
<p class="en">Public data of the 15-minute life circle: facilities, activities, regions, compounds, organisations, grids, a change feed and anonymised statistics. Download CSV (with a column dictionary), GeoJSON and NDJSON; no account needed.</p>
<p class="meta">许可 Licence: <a href="{{.Publisher.LicenceURL}}">{{.Publisher.Licence}}</a>，署名 attribution: {{.Publisher.Name}}.</p></header>
<form class="search" method="get" action="/open/" role="search"><label for="q" class="meta">搜索数据集和列 · Search datasets and columns</label>
<input id="q" name="q" type="search" value="{{.Query}}" placeholder="如：食堂、电话、community…"><button type="submit">搜索 Search</button></form>
{{if .Searched}}<section id="results"><h2>“{{.Query}}” 的搜索结果 <span class="en">· Results</span>: {{len .Hits}}</h2>
{{if not .Hits}}<p>没有匹配的数据集或列。<span class="en">No dataset or column matches.</span></p>{{end}}
<p><a href="/open/">← 全部数据集 · All datasets</a></p>
<ul class="cards">{{range .Hits}}{{$id := .ID}}<li class="card hit" data-dataset="{{.ID}}"><h2><a href="/open/datasets/{{.ID}}">{{.TitleZh}}</a></h2><p class="en">{{.Title}}</p>
{{if .InText}}<p class="small">{{.DescriptionZh}}</p>{{end}}
{{if .Columns}}<p class="hit-cols">匹配的列 Matching columns: {{range .Columns}}<a href="/open/datasets/{{$id}}#col-{{.Name}}" class="col-link" data-col="{{.Name}}"><code>{{.Name}}</code></a> {{.TitleZh}} · {{.TitleEn}}; {{end}}</p>{{end}}</li>{{end}}</ul></section>{{end}}
{{if not .Searched}}<section id="datasets"><h2>数据集 <span class="en">· Datasets</span></h2>
<ul class="cards">{{range .Datasets}}<li class="card" id="{{.ID}}"><h2><a href="/open/datasets/{{.ID}}">{{.TitleZh}}</a></h2><p class="en">{{.Title}}</p>
<p>{{.DescriptionZh}}</p><p class="en small">{{.Description}}</p>
<p class="meta">{{if ge .Rows 0}}{{.Rows}} 行 rows{{.RowsNoteZh}}。{{end}}{{with beijing .Modified}}更新 Updated: {{.}}{{end}}</p>
<p class="files">{{range .Distributions}}<a href="{{.Path}}">{{.Title}}</a>{{end}}{{with .CSVW}}<a href="{{.}}">列说明 CSVW</a>{{end}}{{if not .Distributions}}<span class="meta">尚未发布 · nothing published yet</span>{{end}}</p></li>{{end}}</ul></section>{{end}}
<section id="api"><h2>接口 <span class="en">· API</span></h2>
<p>公开 GraphQL 接口（GET 或 POST，无需账号）<span class="en">Public GraphQL endpoint (GET or POST, no account)</span>: <code>{{.Base}}/open/graphql</code>
— <a href="/open/schema.graphql">模式 schema (SDL)</a> — 浏览器中探索 explore in the browser: <a href="/">{{.Base}}/</a></p>
<p>机器可读目录 <span class="en">Machine-readable catalogue</span>: <a href="/open/catalog.jsonld">DCAT-AP 3 JSON-LD</a></p></section>
<footer>lifecircle · {{.Publisher.Licence}} · <a href="/open/catalog.jsonld">catalog.jsonld</a></footer>
</body></html>`))

var datasetTemplate = template.Must(template.New("dataset").Funcs(funcs).Parse(`<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>{{.D.TitleZh}} · {{.D.Title}} — 开放数据 Open data</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<link rel="alternate" type="application/ld+json" href="/open/catalog.jsonld">` + styles + `</head>
<body><header><p class="meta"><a href="/open/">← 开放数据 · Open data</a></p>
<h1>{{.D.TitleZh}}</h1><p class="en lead">{{.D.Title}}</p></header>
<p>{{.D.DescriptionZh}}</p><p class="en">{{.D.Description}}</p>
<dl class="facts">
<dt>许可 Licence</dt><dd><a href="{{.Publisher.LicenceURL}}">{{.Publisher.Licence}}</a>，署名 attribution: {{.Publisher.Name}}</dd>
<dt>更新时间 Updated</dt><dd id="updated">{{with beijing .D.Modified}}{{.}}{{else}}—{{end}}</dd>
<dt>行数 Rows</dt><dd id="rows">{{if ge .D.Rows 0}}{{.D.Rows}}{{.D.RowsNoteZh}}<span class="en">{{.D.RowsNote}}</span>{{else}}尚未发布 · nothing published yet{{end}}</dd>
{{if not (index .D.Temporal 0).IsZero}}<dt>时间范围 Period</dt><dd>{{date (index .D.Temporal 0)}} — {{date (index .D.Temporal 1)}}</dd>{{end}}
</dl>
<h2>下载 <span class="en">· Downloads</span></h2>
{{if .D.Distributions}}<ul>{{range .D.Distributions}}<li><a href="{{.Path}}">{{.Title}}</a> — {{.DescriptionZh}} <span class="en">{{.Description}}</span></li>{{end}}
{{with .D.CSVW}}<li><a href="{{.}}">CSVW 列说明 (csv-metadata.json)</a> — W3C CSV on the Web 元数据：每列的名称、类型和中英文说明。<span class="en">W3C CSV on the Web metadata: each column's name, datatype and meaning in both languages.</span></li>{{end}}</ul>
{{else}}<p>尚未发布任何月份的数据。<span class="en">No month is published yet.</span></p>{{end}}
{{if .D.Examples}}<h2>示例 <span class="en">· Examples</span></h2><ul class="examples">
{{range .D.Examples}}<li>{{.TitleZh}} <span class="en">· {{.Title}}</span><br>{{if plain .}}<a href="{{.Path}}" class="example">{{url $.Base .}}</a>{{else}}<code>{{url $.Base .}}</code> (<a href="{{.Path}}" class="example">下载 .ics · download</a>){{end}}{{if plain .}}<pre>curl "{{url $.Base .}}"</pre>{{end}}</li>{{end}}</ul>{{end}}
{{if .Map}}<h2>地图 <span class="en">· Map</span></h2><p class="meta">红点：{{.D.TitleZh}}；蓝圈：社区中心点（近似）。<span class="en">Red dots: the rows; blue rings: community centres (approximate).</span></p>{{with .MapNote}}<p class="meta" id="map-note">{{.}}</p>{{end}}{{.Map}}{{end}}
<h2>预览 <span class="en">· Preview</span></h2>
{{if .Preview.Rows}}<p class="meta">前 {{len .Preview.Rows}} 行，与 CSV 相同。<span class="en">The first {{len .Preview.Rows}} rows, as in the CSV.</span></p>
<div class="scroll"><table class="preview"><thead><tr>{{range .Preview.Header}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Preview.Rows}}<tr>{{range .}}<td title="{{.}}">{{.}}</td>{{end}}</tr>{{end}}</tbody></table></div>
{{else}}<p>暂无数据。<span class="en">No rows yet.</span></p>{{end}}
<h2 id="columns">列说明 <span class="en">· Column dictionary</span></h2>
<div class="scroll dict"><table class="dictionary"><thead><tr><th scope="col">列 Column</th><th scope="col">类型 Type</th><th scope="col">含义</th><th scope="col">Meaning</th><th scope="col">示例 Example</th></tr></thead>
<tbody>{{range .Dictionary}}<tr id="col-{{.Name}}"><td><code>{{.Name}}</code><br>{{.TitleZh}}<br><span class="en">{{.TitleEn}}</span></td><td>{{.Datatype}}</td><td class="m">{{.MeaningZh}}</td><td class="m en">{{.MeaningEn}}</td><td class="m">{{with .Example}}<span class="narrow">示例 Example: </span><code>{{.}}</code>{{end}}</td></tr>{{end}}</tbody></table></div>
<footer><a href="/open/">开放数据 · Open data</a> · <a href="/open/catalog.jsonld">DCAT-AP</a> · <a href="{{.GraphQL}}">GraphQL</a></footer>
</body></html>`))

// CatalogPage serves the catalogue for people, and searches it with ?q=.
func CatalogPage(client *ent.Client, p Publisher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query().Get("q"); utf8.RuneCountInString(q) > maxQuery {
			httpError(w, http.StatusBadRequest, apperr.BadInput("q", "a search is at most %d characters", maxQuery))
			return
		}
		b := base(p, r)
		if catalogueConditional(w, r, client, "html|"+b+"|"+r.URL.RawQuery, false) {
			return
		}
		ds, err := datasets(r.Context(), client)
		if err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
		data := pageData{Base: b, Publisher: p, Datasets: ds, Query: r.URL.Query().Get("q")}
		if strings.TrimSpace(data.Query) != "" {
			data.Searched = true
			data.Hits = search(ds, data.Query)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = catalogTemplate.Execute(w, data)
	})
}

// DatasetPage serves /open/datasets/{id} for a dataset of DatasetIDs: its description,
// licence, update time, row count, downloads, examples, map, preview and
// column dictionary.
func DatasetPage(client *ent.Client, p Publisher, id string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		b := base(p, r)
		// The activities' preview shows registered counts, which the change
		// log does not version: a weak validator.
		if catalogueConditional(w, r, client, "dataset|"+id+"|"+b, id == "activities") {
			return
		}
		ds, err := datasets(ctx, client)
		if err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
		data := pageData{Base: b, Publisher: p, Datasets: ds, GraphQL: graphqlExample}
		for _, d := range ds {
			if d.ID == id {
				data.D = d
			}
		}
		if data.Preview, err = previewOf(ctx, client, data.D); err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
		data.Dictionary = dictionary(data.D.Columns, data.Preview)
		if data.D.Map {
			pts, communities, err := placesOf(ctx, client, id)
			if err != nil {
				httpError(w, http.StatusInternalServerError, err)
				return
			}
			pts, communities, data.MapNote = focus(pts, communities)
			data.Map = svgMap(pts, communities)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = datasetTemplate.Execute(w, data)
	})
}

// DatasetIDs are the datasets with a page.
var DatasetIDs = []string{"facilities", "activities", "regions", "compounds", "organizations", "grids", "indicators",
	"matters", "resources", "projects", "project-units", "project-updates", "themes", "changes", "statistics"}

// CSVWHandler serves the CSVW metadata (csv-metadata.json) of a dataset's
// CSV. It depends on the server's URL only, not on the data: its ETag is a
// hash of the document.
func CSVWHandler(p Publisher, id string) http.Handler {
	t := csvwTables[id]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(csvw(base(p, r)+"/open/"+id+".csv", t.titleZh, t.title, t.columns, p)); err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
		sum := sha256.Sum256(buf.Bytes())
		etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if webasset.ETagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/csvm+json")
		_, _ = w.Write(buf.Bytes())
	})
}

// csvwTables are the titles and columns of each CSV.
var csvwTables = map[string]struct {
	titleZh, title string
	columns        []Column
}{
	"facilities":      {"15分钟生活圈服务设施", "15-minute life-circle service map: facilities", facilityColumns},
	"activities":      {"社区活动", "Community activities", activityColumns},
	"regions":         {"行政区划与社区", "Regions: cities, districts, subdistricts and communities", regionColumns},
	"compounds":       {"居民小区", "Residential compounds", compoundColumns},
	"organizations":   {"组织", "Organisations", organizationColumns},
	"grids":           {"网格", "Grids", gridColumns},
	"indicators":      {"社区报告指标", "Community-reported indicators", indicatorColumns},
	"matters":         {"“全岗通”事项清单", "One-window service catalogue", matterColumns},
	"resources":       {"资源清单", "Resource list", resourceColumns},
	"projects":        {"共建项目清单", "Co-building projects", projectColumns},
	"project-units":   {"共建项目签约单位", "Units that signed the co-building projects", projectUnitColumns},
	"project-updates": {"共建项目进展", "Progress updates of the co-building projects", projectUpdateColumns},
	"themes":          {"月度主题", "Months' themes", themeColumns},
	"statistics":      {"需求清单匿名统计", "Anonymised monthly statistics of the needs list", statisticsColumns},
}
