package opendata

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/facility"
	"lifecircle/ent/organization"
	"lifecircle/ent/region"
	"lifecircle/internal/apperr"
	"lifecircle/internal/gid"
	"lifecircle/internal/timefmt"
)

// A table is a dataset: its columns, and its rows in ID order, each written
// into one reused record and handed to emit. One writer streams any table
// as CSV, GeoJSON or NDJSON.
type table struct {
	columns []string
	kinds   map[string]kind // JSON type of a column; text when absent
	rows    func(ctx context.Context, r *record, emit func() error) error
}

// A kind is the JSON type of a column's values. In CSV every cell is text;
// in GeoJSON and NDJSON numbers are numbers, booleans booleans and an empty
// cell of any kind (a missing value) is null.
type kind uint8

const (
	text kind = iota
	number
	boolean
)

// pageSize is how many rows a download reads per query.
const pageSize = 5000

// A pageReader reads up to n rows of a table with IDs above after, in ID
// order, writing each into r and calling emit; it returns how many rows it
// read and the last one's ID.
type pageReader func(ctx context.Context, after, n int, r *record, emit func() error) (count, last int, err error)

// previewKey marks the context of a preview, which reads one small page.
type previewKey struct{}

// paged reads a table a page at a time, by keyset pagination.
func paged(page pageReader) func(context.Context, *record, func() error) error {
	return func(ctx context.Context, r *record, emit func() error) error {
		size := pageSize
		if n, ok := ctx.Value(previewKey{}).(int); ok {
			size = n
		}
		after := 0
		for {
			n, last, err := page(ctx, after, size, r, emit)
			if err != nil || n < size {
				return err
			}
			after = last
		}
	}
}

// entities reads pages of ent entities: fetch returns up to n with IDs
// above after, in ID order; fill writes one into r and returns its ID.
func entities[T any](fetch func(ctx context.Context, after, n int) ([]T, error), fill func(r *record, v T) int) pageReader {
	return func(ctx context.Context, after, n int, r *record, emit func() error) (int, int, error) {
		page, err := fetch(ctx, after, n)
		if err != nil {
			return 0, 0, err
		}
		last := after
		for _, v := range page {
			r.reset()
			last = fill(r, v)
			if err := emit(); err != nil {
				return 0, 0, err
			}
		}
		return len(page), last, nil
	}
}

// A record is one row of a table: its cells appended to one buffer, reused
// from row to row, and (for GeoJSON) its point.
type record struct {
	buf      []byte
	ends     []int // where each cell ends in buf
	lat, lng float64
}

func (r *record) reset() { r.buf, r.ends, r.lat, r.lng = r.buf[:0], r.ends[:0], 0, 0 }
func (r *record) end()   { r.ends = append(r.ends, len(r.buf)) }

// cell returns cell i.
func (r *record) cell(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.buf[start:r.ends[i]]
}

// The next cell, in column order, from a value of each type.

func (r *record) str(s string)          { r.buf = append(r.buf, s...); r.end() }
func (r *record) bytes(b []byte)        { r.buf = append(r.buf, b...); r.end() }
func (r *record) id(id int)             { r.buf = gid.Append(r.buf, id); r.end() }
func (r *record) integer(n int)         { r.buf = strconv.AppendInt(r.buf, int64(n), 10); r.end() }
func (r *record) float(f float64)       { r.buf = strconv.AppendFloat(r.buf, f, 'f', -1, 64); r.end() }
func (r *record) boolean(b bool)        { r.buf = strconv.AppendBool(r.buf, b); r.end() }
func (r *record) timestamp(t time.Time) { r.buf = timefmt.Append(r.buf, t); r.end() }

// provenance writes the source and illustrative cells: the illustrative
// field names separated by semicolons.
func (r *record) provenance(source string, illustrative []string) {
	r.str(source)
	r.list(illustrative)
}

// list writes one cell of values separated by semicolons.
func (r *record) list(values []string) {
	for i, f := range values {
		if i > 0 {
			r.buf = append(r.buf, ';')
		}
		r.buf = append(r.buf, f...)
	}
	r.end()
}

func (r *record) optionalID(id *int) {
	if id != nil {
		r.buf = gid.Append(r.buf, *id)
	}
	r.end()
}

// place sets the row's point.
func (r *record) place(lat, lng float64) { r.lat, r.lng = lat, lng }

// Regions is the region hierarchy, centroids as points.
func Regions(client *ent.Client) table {
	return newTable(regionColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.Region, error) {
			return client.Region.Query().Where(region.IDGT(after)).Order(ent.Asc(region.FieldID)).Limit(n).All(ctx)
		}, func(r *record, v *ent.Region) int {
			r.id(v.ID)
			r.str(string(v.Level))
			r.str(v.Name)
			r.str(v.NameEn)
			if v.Code != nil {
				r.str(*v.Code)
			} else {
				r.str("")
			}
			r.optionalID(v.ParentID)
			if v.ParentID != nil {
				r.str(idx.name(*v.ParentID))
			} else {
				r.str("")
			}
			r.float(v.Lat)
			r.float(v.Lng)
			r.boolean(v.Approximate)
			r.timestamp(v.UpdatedAt)
			r.provenance(v.Source, v.Illustrative)
			r.place(v.Lat, v.Lng)
			return v.ID
		}))
	}))
}

// Activities lists activities, optionally of some communities and a
// category, with the names of their community, venue and organiser.
func Activities(client *ent.Client, communities []int, category string) table {
	return newTable(activityColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.Activity, error) {
			q := client.Activity.Query().Where(activity.IDGT(after)).Order(ent.Asc(activity.FieldID)).Limit(n).
				WithVenue(func(q *ent.FacilityQuery) { q.Select(facility.FieldName) }).
				WithOrganizer(func(q *ent.OrganizationQuery) { q.Select(organization.FieldName) })
			if communities != nil {
				q.Where(activity.CommunityIDIn(communities...))
			}
			if category != "" {
				q.Where(activity.CategoryEQ(activity.Category(category)))
			}
			return q.All(ctx)
		}, func(r *record, a *ent.Activity) int {
			r.id(a.ID)
			r.str(a.Title)
			r.str(a.Theme)
			r.str(string(a.Category))
			r.str(strings.Join(a.TargetGroups, ";"))
			r.timestamp(a.StartsAt)
			r.timestamp(a.EndsAt)
			r.str(string(a.Status))
			if a.Capacity != nil {
				r.integer(*a.Capacity)
			} else {
				r.str("")
			}
			r.integer(a.RegisteredCount)
			idx.place(r, a.CommunityID)
			r.optionalID(a.VenueID)
			if v := a.Edges.Venue; v != nil {
				r.str(v.Name)
			} else {
				r.str("")
			}
			r.optionalID(a.OrganizerID)
			if o := a.Edges.Organizer; o != nil {
				r.str(o.Name)
			} else {
				r.str("")
			}
			r.timestamp(a.UpdatedAt)
			r.provenance(a.Source, a.Illustrative)
			return a.ID
		}))
	}))
}

// write streams t in format: csv, ndjson, or geojson (for tables of places).
// Each row is encoded into one reused line buffer: nothing is allocated per
// row or cell.
func (t table) write(ctx context.Context, w io.Writer, format string, bom bool) error {
	var (
		r          record
		head, tail string
		encode     func(dst []byte, n int) []byte // appends row n, in r
	)
	switch format {
	case "csv":
		if bom {
			head = "\uFEFF"
		}
		for _, c := range t.columns {
			r.str(c)
		}
		head += string(appendCSV(nil, &r))
		encode = func(dst []byte, _ int) []byte { return appendCSV(dst, &r) }
	case "geojson":
		fields := jsonFields(t.columns, t.kinds, true)
		head, tail = `{"type":"FeatureCollection","features":[`, "]}\n"
		encode = func(dst []byte, n int) []byte {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"geometry":{"coordinates":[`...)
			dst = appendJSONFloat(dst, r.lng)
			dst = append(dst, ',')
			dst = appendJSONFloat(dst, r.lat)
			dst = append(dst, `],"type":"Point"},"id":`...)
			dst = appendJSONString(dst, r.cell(0), true)
			dst = append(dst, `,"properties":`...)
			dst = appendJSONObject(dst, fields, &r, true)
			return append(dst, `,"type":"Feature"}`...)
		}
	default:
		fields := jsonFields(t.columns, t.kinds, false)
		encode = func(dst []byte, _ int) []byte { return append(appendJSONObject(dst, fields, &r, false), '\n') }
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString(head)
	var (
		line []byte
		n    int
		heap = newHeapWatch()
	)
	err := t.rows(ctx, &r, func() error {
		if n%4096 == 0 {
			heap.check()
		}
		line = encode(line[:0], n)
		n++
		_, err := bw.Write(line)
		return err
	})
	if err == nil {
		_, err = bw.WriteString(tail)
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// appendCSV appends r as one RFC 4180 record ending in CRLF, every cell
// neutralised, as encoding/csv's Writer with UseCRLF writes it.
func appendCSV(dst []byte, r *record) []byte {
	for i := range r.ends {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCSVCell(dst, r.cell(i))
	}
	return append(dst, '\r', '\n')
}

// appendCSVCell appends one cell: a cell a spreadsheet would run as a
// formula (first character = + - @ tab or CR) gets a leading apostrophe;
// a cell holding a comma, quote or line break, or starting with a space, is
// quoted, quotes doubled, and its own line breaks (LF, CRLF or CR) kept as
// they are: only the record separator is CRLF.
func appendCSVCell(dst, cell []byte) []byte {
	formula := len(cell) > 0 && strings.IndexByte("=+-@\t\r", cell[0]) >= 0
	quote := false
	switch {
	case len(cell) == 0:
	case formula:
		quote = hasCSVSpecial(cell) // the apostrophe comes first: no leading space
	case string(cell) == `\.`:
		quote = true
	default:
		first, _ := utf8.DecodeRune(cell)
		quote = unicode.IsSpace(first) || hasCSVSpecial(cell)
	}
	if !quote {
		if formula {
			dst = append(dst, '\'')
		}
		return append(dst, cell...)
	}
	dst = append(dst, '"')
	if formula {
		dst = append(dst, '\'')
	}
	for {
		i := bytes.IndexByte(cell, '"')
		if i < 0 {
			break
		}
		dst = append(dst, cell[:i+1]...)
		dst = append(dst, '"')
		cell = cell[i+1:]
	}
	dst = append(dst, cell...)
	return append(dst, '"')
}

// hasCSVSpecial reports whether cell holds a comma, quote or line break.
func hasCSVSpecial(cell []byte) bool {
	for _, c := range cell {
		if c == ',' || c == '"' || c == '\r' || c == '\n' {
			return true
		}
	}
	return false
}

// A jsonField is a column of a JSON object: its encoded key and colon, the
// column it holds and the JSON type of its values.
type jsonField struct {
	key  []byte
	col  int
	kind kind
}

// jsonFields are the fields of a table's JSON objects, keys sorted as
// encoding/json sorts the keys of a map.
func jsonFields(columns []string, kinds map[string]kind, escapeHTML bool) []jsonField {
	fields := make([]jsonField, len(columns))
	for i, c := range columns {
		fields[i] = jsonField{key: append(appendJSONString(nil, []byte(c), escapeHTML), ':'), col: i, kind: kinds[c]}
	}
	slices.SortFunc(fields, func(a, b jsonField) int { return strings.Compare(columns[a.col], columns[b.col]) })
	return fields
}

// appendJSONObject appends r as a JSON object: text as strings, numbers and
// booleans as themselves, empty cells as null.
func appendJSONObject(dst []byte, fields []jsonField, r *record, escapeHTML bool) []byte {
	dst = append(dst, '{')
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, f.key...)
		cell := r.cell(f.col)
		switch {
		case len(cell) == 0:
			dst = append(dst, "null"...)
		case f.kind == text:
			dst = appendJSONString(dst, cell, escapeHTML)
		case f.kind == number && !jsonNumber(cell), f.kind == boolean && string(cell) != "true" && string(cell) != "false":
			dst = append(dst, "null"...) // NaN or ±Inf: no JSON number
		default:
			dst = append(dst, cell...)
		}
	}
	return append(dst, '}')
}

// jsonNumber reports whether a number cell (written by strconv in 'f'
// format) is a JSON number: not NaN or ±Inf.
func jsonNumber(cell []byte) bool {
	c := cell[0]
	if c == '-' && len(cell) > 1 {
		c = cell[1]
	}
	return c >= '0' && c <= '9'
}

const hex = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it: control characters, quote and backslash escaped, invalid UTF-8
// as U+FFFD, U+2028 and U+2029 escaped, and with escapeHTML also < > &.
func appendJSONString(dst, s []byte, escapeHTML bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && (!escapeHTML || b != '<' && b != '>' && b != '&') {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRune(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64.
func appendJSONFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' { // e-09 as e-9
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// TableFormats are the formats of each table served by TableHandler:
// GeoJSON only for tables of places.
var TableFormats = map[string][]string{
	"regions":         {"csv", "geojson", "ndjson"},
	"compounds":       {"csv", "geojson", "ndjson"},
	"activities":      {"csv", "ndjson"},
	"organizations":   {"csv", "ndjson"},
	"grids":           {"csv", "ndjson"},
	"indicators":      {"csv", "ndjson"},
	"matters":         {"csv", "ndjson"},
	"resources":       {"csv", "ndjson"},
	"projects":        {"csv", "ndjson"},
	"project-units":   {"csv", "ndjson"},
	"project-updates": {"csv", "ndjson"},
	"themes":          {"csv", "ndjson"},
}

// publicTable returns the table of a dataset served by TableHandler.
func publicTable(client *ent.Client, dataset string) table {
	switch dataset {
	case "regions":
		return Regions(client)
	case "compounds":
		return Compounds(client)
	case "organizations":
		return Organizations(client)
	case "grids":
		return Grids(client)
	case "indicators":
		return Indicators(client)
	case "matters":
		return Matters(client)
	case "resources":
		return Resources(client)
	case "projects":
		return Projects(client)
	case "project-units":
		return ProjectUnits(client)
	case "project-updates":
		return ProjectUpdates(client)
	case "themes":
		return Themes(client)
	}
	return Activities(client, nil, "")
}

// TableHandler serves a dataset of TableFormats in format (see TableFormats); activities take the filters
// region and category.
func TableHandler(client *ent.Client, dataset, format string) http.Handler {
	types := map[string]string{"csv": "text/csv; charset=utf-8; header=present", "geojson": "application/geo+json", "ndjson": "application/x-ndjson"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var t table
		switch dataset {
		case "activities":
			f, err := ParseFilter(ctx, client, map[string][]string{"region": {r.URL.Query().Get("region")}})
			if err != nil {
				httpError(w, http.StatusBadRequest, err)
				return
			}
			category := strings.ToUpper(r.URL.Query().Get("category"))
			if category != "" && activity.CategoryValidator(activity.Category(category)) != nil {
				httpError(w, http.StatusBadRequest, apperr.BadInput("category", "unknown activity category %q", r.URL.Query().Get("category")))
				return
			}
			t = Activities(client, f.Communities, category)
		default:
			t = publicTable(client, dataset)
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		// The activities show registered_count, a live figure the change
		// log does not version: their ETag is weak.
		if versioned(w, r, client, dataset+"."+format+"?"+r.URL.RawQuery, dataset == "activities") {
			return
		}
		w.Header().Set("Content-Type", types[format])
		w.Header().Set("Content-Disposition", `attachment; filename="`+dataset+`.`+format+`"`)
		if err := t.write(ctx, w, format, r.URL.Query().Get("bom") == "1"); err != nil {
			panic(http.ErrAbortHandler)
		}
	})
}
