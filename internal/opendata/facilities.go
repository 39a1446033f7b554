// Package opendata serves public datasets as files: facilities as CSV
// (RFC 4180), GeoJSON (RFC 7946) and NDJSON, streamed page by page so a
// download of any size runs in constant memory.
package opendata

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/change"
	"lifecircle/ent/facility"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/i18n"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/taxonomy"
	"lifecircle/internal/timefmt"
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

// Version identifies the facility data as it is now: it changes with any
// write (the change log) or any row count or timestamp change.
func Version(ctx context.Context, client *ent.Client, f Filter, salt string) (etag string, modified time.Time, err error) {
	var latest int
	// The change log is internal: read under the system context.
	if ids, err := client.Change.Query().Order(ent.Desc(change.FieldID)).Limit(1).IDs(rule.SystemContext(ctx)); err == nil && len(ids) > 0 {
		latest = ids[0]
	} else if err != nil {
		return "", time.Time{}, err
	}
	last, err := f.query(client).Order(ent.Desc(facility.FieldUpdatedAt)).Select(facility.FieldUpdatedAt).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return "", time.Time{}, err
	}
	if last != nil {
		modified = last.UpdatedAt
	}
	n, err := f.query(client).Count(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d|%d|%d|%s", latest, modified.UnixNano(), n, salt)))
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`, modified, nil
}

// Columns of the facilities dataset.
var Columns = []string{"id", "name", "name_zh_hant", "name_en", "category", "category_label_en", "tier",
	"lat", "lng", "approximate", "address", "phone", "opening_hours", "wheelchair", "status",
	"community_id", "verified_at", "updated_at"}

func row(f *ent.Facility) []string {
	cat, _ := taxonomy.Lookup(f.Category)
	verified := ""
	if f.VerifiedAt != nil {
		verified = timefmt.Format(*f.VerifiedAt)
	}
	return []string{gid.Encode(f.ID), f.Name, i18n.Pick(f.Names, "zh-Hant", ""), i18n.Pick(f.Names, "en", ""),
		f.Category, cat.Labels.En, string(cat.Tier),
		strconv.FormatFloat(f.Lat, 'f', -1, 64), strconv.FormatFloat(f.Lng, 'f', -1, 64),
		strconv.FormatBool(f.Approximate), f.Address, f.Phone, f.OpeningHours, string(f.Wheelchair), string(f.Status),
		gid.Encode(f.CommunityID), verified, timefmt.Format(f.UpdatedAt)}
}

// exported are the columns a download reads: not tags or services, whose
// JSON would be decoded for nothing.
var exported = []string{facility.FieldID, facility.FieldName, facility.FieldNames, facility.FieldCategory,
	facility.FieldLat, facility.FieldLng, facility.FieldApproximate, facility.FieldAddress, facility.FieldPhone,
	facility.FieldOpeningHours, facility.FieldWheelchair, facility.FieldStatus, facility.FieldCommunityID,
	facility.FieldVerifiedAt, facility.FieldUpdatedAt}

// Facilities is the facilities dataset, narrowed by f.
func Facilities(client *ent.Client, f Filter) table {
	return table{
		columns: Columns,
		page: func(ctx context.Context, after, n int) ([]tableRow, error) {
			fs, err := f.query(client).Where(facility.IDGT(after)).Order(ent.Asc(facility.FieldID)).
				Limit(n).Select(exported...).All(ctx)
			out := make([]tableRow, len(fs))
			for i, fac := range fs {
				out[i] = tableRow{id: fac.ID, cells: row(fac), lat: fac.Lat, lng: fac.Lng}
			}
			return out, err
		},
	}
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
		etag, modified, err := Version(ctx, client, f, r.URL.RawQuery+format)
		if err != nil {
			slog.ErrorContext(ctx, "opendata: version", "err", err)
			httpError(w, http.StatusInternalServerError, apperr.New(apperr.CodeInternal, "internal error"))
			return
		}
		w.Header().Set("ETag", etag)
		if !modified.IsZero() {
			w.Header().Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		if m := r.Header.Get("If-None-Match"); m != "" && m == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if ims := r.Header.Get("If-Modified-Since"); ims != "" && r.Header.Get("If-None-Match") == "" && !modified.IsZero() {
			if t, err := http.ParseTime(ims); err == nil && !modified.Truncate(time.Second).After(t) {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Disposition", `attachment; filename="facilities.`+format+`"`)
		if err := Facilities(client, f).write(ctx, w, format, r.URL.Query().Get("bom") == "1"); err != nil {
			slog.ErrorContext(ctx, "opendata: export", "err", err)
			// Headers are gone; all that can be done is to cut the stream
			// short, so the client sees an incomplete file, not a wrong one.
			panic(http.ErrAbortHandler)
		}
	})
}

func httpError(w http.ResponseWriter, status int, err error) {
	e, ok := apperr.As(err)
	if !ok {
		e = apperr.New(apperr.CodeInternal, "internal error")
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": e.Message, "extensions": map[string]any{"code": e.Code}}}})
}
