package opendata

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/region"
	"lifecircle/internal/apperr"
	"lifecircle/internal/gid"
	"lifecircle/internal/timefmt"
)

// A table is a dataset: its columns, and a page reader that returns rows
// after a given ID, each with its ID and (for GeoJSON) a point. One writer
// streams any table as CSV, GeoJSON or NDJSON.
type table struct {
	columns []string
	page    func(ctx context.Context, after, n int) ([]tableRow, error)
}

type tableRow struct {
	id       int
	cells    []string
	lat, lng float64
}

func idOrEmpty(id *int) string {
	if id == nil {
		return ""
	}
	return gid.Encode(*id)
}

// Regions is the region hierarchy, centroids as points.
func Regions(client *ent.Client) table {
	return table{
		columns: []string{"id", "level", "name", "name_en", "code", "parent_id", "lat", "lng", "approximate", "updated_at"},
		page: func(ctx context.Context, after, n int) ([]tableRow, error) {
			rs, err := client.Region.Query().Where(region.IDGT(after)).Order(ent.Asc(region.FieldID)).Limit(n).All(ctx)
			out := make([]tableRow, len(rs))
			for i, r := range rs {
				code := ""
				if r.Code != nil {
					code = *r.Code
				}
				out[i] = tableRow{id: r.ID, lat: r.Lat, lng: r.Lng, cells: []string{
					gid.Encode(r.ID), string(r.Level), r.Name, r.NameEn, code, idOrEmpty(r.ParentID),
					strconv.FormatFloat(r.Lat, 'f', -1, 64), strconv.FormatFloat(r.Lng, 'f', -1, 64),
					strconv.FormatBool(r.Approximate), timefmt.Format(r.UpdatedAt)}}
			}
			return out, err
		},
	}
}

// Activities lists activities, optionally of some communities and a category.
func Activities(client *ent.Client, communities []int, category string) table {
	return table{
		columns: []string{"id", "title", "theme", "category", "target_groups", "starts_at", "ends_at", "status",
			"capacity", "registered_count", "community_id", "venue_id", "organizer_id", "updated_at"},
		page: func(ctx context.Context, after, n int) ([]tableRow, error) {
			q := client.Activity.Query().Where(activity.IDGT(after)).Order(ent.Asc(activity.FieldID)).Limit(n)
			if communities != nil {
				q.Where(activity.CommunityIDIn(communities...))
			}
			if category != "" {
				q.Where(activity.CategoryEQ(activity.Category(category)))
			}
			as, err := q.All(ctx)
			out := make([]tableRow, len(as))
			for i, a := range as {
				capacity := ""
				if a.Capacity != nil {
					capacity = strconv.Itoa(*a.Capacity)
				}
				out[i] = tableRow{id: a.ID, cells: []string{
					gid.Encode(a.ID), a.Title, a.Theme, string(a.Category), strings.Join(a.TargetGroups, ";"),
					timefmt.Format(a.StartsAt), timefmt.Format(a.EndsAt), string(a.Status), capacity,
					strconv.Itoa(a.RegisteredCount), gid.Encode(a.CommunityID), idOrEmpty(a.VenueID),
					idOrEmpty(a.OrganizerID), timefmt.Format(a.UpdatedAt)}}
			}
			return out, err
		},
	}
}

func (t table) each(ctx context.Context, fn func(tableRow) error) error {
	const page = 5000
	after := 0
	for {
		rows, err := t.page(ctx, after, page)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < page {
			return nil
		}
		after = rows[len(rows)-1].id
	}
}

func (t table) object(r tableRow) map[string]string {
	m := make(map[string]string, len(t.columns))
	for i, c := range t.columns {
		m[c] = r.cells[i]
	}
	return m
}

// write streams t in format: csv, ndjson, or geojson (for tables of places).
func (t table) write(ctx context.Context, w io.Writer, format string, bom bool) error {
	switch format {
	case "csv":
		if bom {
			_, _ = io.WriteString(w, "\uFEFF")
		}
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		_ = cw.Write(t.columns)
		err := t.each(ctx, func(r tableRow) error {
			cells := make([]string, len(r.cells))
			for i, c := range r.cells {
				cells[i] = neutralise(c)
			}
			return cw.Write(cells)
		})
		cw.Flush()
		if err != nil {
			return err
		}
		return cw.Error()
	case "geojson":
		_, _ = io.WriteString(w, `{"type":"FeatureCollection","features":[`)
		n := 0
		err := t.each(ctx, func(r tableRow) error {
			b, err := json.Marshal(map[string]any{"type": "Feature", "id": r.cells[0],
				"geometry": map[string]any{"type": "Point", "coordinates": []float64{r.lng, r.lat}}, "properties": t.object(r)})
			if err != nil {
				return err
			}
			if n > 0 {
				_, _ = io.WriteString(w, ",")
			}
			n++
			_, err = w.Write(b)
			return err
		})
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, "]}\n")
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return t.each(ctx, func(r tableRow) error { return enc.Encode(t.object(r)) })
}

// TableHandler serves regions (csv, geojson, ndjson) or activities (csv,
// ndjson) in format.
func TableHandler(client *ent.Client, dataset, format string) http.Handler {
	types := map[string]string{"csv": "text/csv; charset=utf-8; header=present", "geojson": "application/geo+json", "ndjson": "application/x-ndjson"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var t table
		switch dataset {
		case "regions":
			t = Regions(client)
		default:
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
		}
		w.Header().Set("Content-Type", types[format])
		w.Header().Set("Content-Disposition", `attachment; filename="`+dataset+`.`+format+`"`)
		w.Header().Set("Cache-Control", "public, max-age=300")
		if err := t.write(ctx, w, format, r.URL.Query().Get("bom") == "1"); err != nil {
			panic(http.ErrAbortHandler)
		}
	})
}
