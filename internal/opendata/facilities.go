// Package opendata serves public datasets as files: facilities as CSV
// (RFC 4180), GeoJSON (RFC 7946) and NDJSON, streamed page by page so a
// download of any size runs in constant memory.
package opendata

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"lifecircle/ent"
	"lifecircle/ent/facility"
	"lifecircle/internal/apperr"
	"lifecircle/internal/gid"
	"lifecircle/internal/i18n"
	"lifecircle/internal/outage"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/store"
	"lifecircle/internal/taxonomy"
)

// Filter narrows a download.
type Filter struct {
	Communities []int    // nil: everywhere
	Categories  []string // nil: all
	BBox        *[4]float64
}

// ParseFilter reads region, category and bbox (minLng,minLat,maxLng,maxLat)
// from query parameters.
func ParseFilter(ctx context.Context, client *ent.Client, q map[string][]string) (Filter, error) {
	var f Filter
	if r := first(q, "region"); r != "" {
		id, err := gid.Decode(r)
		if err != nil {
			return f, apperr.BadInput("region", "%v", err)
		}
		cs, err := servicemap.CommunitiesUnder(ctx, client, id)
		if ent.IsNotFound(err) {
			return f, apperr.BadInput("region", "no such region")
		}
		if err != nil {
			return f, err
		}
		f.Communities = append(cs, -1) // never empty: a region without communities matches nothing
	}
	for _, v := range q["category"] {
		for _, c := range strings.Split(v, ",") {
			if !taxonomy.Valid(c) {
				return f, apperr.BadInput("category", "unknown category %q", c)
			}
			f.Categories = append(f.Categories, c)
		}
	}
	if b := first(q, "bbox"); b != "" {
		parts := strings.Split(b, ",")
		if len(parts) != 4 {
			return f, apperr.BadInput("bbox", "bbox is minLng,minLat,maxLng,maxLat")
		}
		var box [4]float64
		for i, p := range parts {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return f, apperr.BadInput("bbox", "bbox value %q is not a number", p)
			}
			box[i] = v
		}
		if err := servicemap.CheckPoint("bbox", box[1], box[0]); err != nil {
			return f, err
		}
		if err := servicemap.CheckPoint("bbox", box[3], box[2]); err != nil {
			return f, err
		}
		if box[0] > box[2] || box[1] > box[3] {
			return f, apperr.BadInput("bbox", "bbox minimums exceed maximums")
		}
		f.BBox = &box
	}
	return f, nil
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (f Filter) query(client *ent.Client) *ent.FacilityQuery {
	q := client.Facility.Query()
	if f.Communities != nil {
		q.Where(facility.CommunityIDIn(f.Communities...))
	}
	if f.Categories != nil {
		q.Where(facility.CategoryIn(f.Categories...))
	}
	if b := f.BBox; b != nil {
		q.Where(facility.LngGTE(b[0]), facility.LatGTE(b[1]), facility.LngLTE(b[2]), facility.LatLTE(b[3]))
	}
	return q
}

// exported are the columns a download reads: not tags or services, whose
// JSON would be decoded for nothing.
var exported = []string{facility.FieldID, facility.FieldName, facility.FieldNames, facility.FieldCategory,
	facility.FieldLat, facility.FieldLng, facility.FieldApproximate, facility.FieldAddress, facility.FieldPhone,
	facility.FieldOpeningHours, facility.FieldWheelchair, facility.FieldStatus, facility.FieldCommunityID,
	facility.FieldVerifiedAt, facility.FieldUpdatedAt, facility.FieldSource, facility.FieldIllustrative}

// Facilities is the facilities dataset, narrowed by f. Each page is an ent
// query (privacy policy and all) whose rows are scanned into one reused
// facilityRow rather than into an entity per row.
func Facilities(client *ent.Client, f Filter) table {
	return newTable(facilityColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(func(ctx context.Context, after, n int, r *record, emit func() error) (count, last int, err error) {
			v := facilityRow{regions: idx}
			read := func(rows entsql.ColumnScanner) error {
				dest, err := v.dest(rows)
				if err != nil {
					return err
				}
				for rows.Next() {
					if err := rows.Scan(dest...); err != nil {
						return err
					}
					if err := v.fill(r); err != nil {
						return err
					}
					count, last = count+1, int(v.id)
					if err := emit(); err != nil {
						return err
					}
				}
				return rows.Err()
			}
			err = store.ReadRows(ctx, read, func(ctx context.Context, mark func(*entsql.Selector)) error {
				_, err := f.query(client).Where(facility.IDGT(after), mark).Order(ent.Asc(facility.FieldID)).
					Limit(n).Select(exported...).All(ctx)
				return err
			})
			return count, last, err
		})
	}))
}

// facilityRow receives the exported columns of one facility, row after row.
type facilityRow struct {
	id, communityID                       int64
	name, names, category, address, phone sql.RawBytes
	openingHours, wheelchair, status      sql.RawBytes
	source, illustrative                  sql.RawBytes // illustrative: a JSON array
	lat, lng                              float64
	approximate                           bool
	verifiedAt                            sql.NullTime
	updatedAt                             time.Time
	texts                                 []i18n.Text // names, decoded
	fields                                []string    // illustrative, decoded
	regions                               regionIndex
}

// dest returns where rows.Scan puts each column of rows.
func (v *facilityRow) dest(rows entsql.ColumnScanner) ([]any, error) {
	columns, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	byName := map[string]any{
		facility.FieldID: &v.id, facility.FieldName: &v.name, facility.FieldNames: &v.names,
		facility.FieldCategory: &v.category, facility.FieldLat: &v.lat, facility.FieldLng: &v.lng,
		facility.FieldApproximate: &v.approximate, facility.FieldAddress: &v.address, facility.FieldPhone: &v.phone,
		facility.FieldOpeningHours: &v.openingHours, facility.FieldWheelchair: &v.wheelchair,
		facility.FieldStatus: &v.status, facility.FieldCommunityID: &v.communityID,
		facility.FieldVerifiedAt: &v.verifiedAt, facility.FieldUpdatedAt: &v.updatedAt,
		facility.FieldSource: &v.source, facility.FieldIllustrative: &v.illustrative,
	}
	dest := make([]any, len(columns))
	for i, c := range columns {
		if dest[i] = byName[c]; dest[i] == nil {
			return nil, fmt.Errorf("opendata: unexpected facility column %q", c)
		}
	}
	return dest, nil
}

// fill writes the row's cells, in the order of Columns.
func (v *facilityRow) fill(r *record) error {
	v.texts = v.texts[:0]
	if n := string(v.names); n != "" && n != "[]" && n != "null" {
		if err := json.Unmarshal(v.names, &v.texts); err != nil {
			return fmt.Errorf("opendata: names of facility %d: %w", v.id, err)
		}
	}
	v.fields = v.fields[:0]
	if n := string(v.illustrative); n != "" && n != "[]" && n != "null" {
		if err := json.Unmarshal(v.illustrative, &v.fields); err != nil {
			return fmt.Errorf("opendata: illustrative of facility %d: %w", v.id, err)
		}
	}
	cat, _ := taxonomy.Lookup(string(v.category))
	r.reset()
	r.id(int(v.id))
	r.bytes(v.name)
	r.str(i18n.Pick(v.texts, "zh-Hant", ""))
	r.str(i18n.Pick(v.texts, "en", ""))
	r.bytes(v.category)
	r.str(cat.Labels.ZhHans)
	r.str(cat.Labels.En)
	r.str(string(cat.Tier))
	r.float(v.lat)
	r.float(v.lng)
	r.boolean(v.approximate)
	r.bytes(v.address)
	r.bytes(v.phone)
	r.bytes(v.openingHours)
	r.bytes(v.wheelchair)
	r.bytes(v.status)
	v.regions.place(r, int(v.communityID))
	if v.verifiedAt.Valid {
		r.timestamp(v.verifiedAt.Time)
	} else {
		r.str("")
	}
	r.timestamp(v.updatedAt)
	r.bytes(v.source)
	r.list(v.fields)
	r.place(v.lat, v.lng)
	return nil
}

// neutralise keeps spreadsheet programs from running a cell as a formula.
func neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Handler serves the facilities dataset in format: csv, geojson or ndjson.
func Handler(client *ent.Client, format string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		types := map[string]string{"csv": "text/csv; charset=utf-8; header=present", "geojson": "application/geo+json", "ndjson": "application/x-ndjson"}
		ct, ok := types[format]
		if !ok {
			httpError(w, http.StatusNotFound, apperr.New(apperr.CodeNotFound, "no such format: use csv, geojson or ndjson"))
			return
		}
		f, err := ParseFilter(ctx, client, r.URL.Query())
		if err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		if versioned(w, r, client, format+"?"+r.URL.RawQuery, false) {
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Disposition", `attachment; filename="facilities.`+format+`"`)
		if err := Facilities(client, f).write(ctx, w, format, r.URL.Query().Get("bom") == "1"); err != nil {
			if ctx.Err() == nil { // not a client that left, nor a refusal
				slog.ErrorContext(ctx, "opendata: export", "err", err)
			}
			// Headers are gone; all that can be done is to cut the stream
			// short, so the client sees an incomplete file, not a wrong one.
			panic(http.ErrAbortHandler)
		}
	})
}

// httpError answers a download that failed before its first byte: an
// error for the client as it is, a database outage with 503 and
// Retry-After, anything else as INTERNAL (logged, never shown).
func httpError(w http.ResponseWriter, status int, err error) {
	e, ok := apperr.As(err)
	if !ok {
		if outage.WriteHTTP(w, err) {
			slog.Warn("opendata: database unavailable", "err", err)
			return
		}
		if !errors.Is(err, context.Canceled) {
			slog.Error("opendata: internal error", "err", err)
		}
		e = apperr.New(apperr.CodeInternal, "internal error")
		status = http.StatusInternalServerError
	}
	apperr.WriteHTTP(w, status, e)
}
