package opendata

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"lifecircle/ent"
	"lifecircle/ent/publication"
	"lifecircle/ent/region"
	"lifecircle/ent/statcell"
	"lifecircle/internal/apperr"
	"lifecircle/internal/gid"
	"lifecircle/internal/stats"
	"lifecircle/internal/timefmt"
)

// StatisticsCSV serves /open/statistics.csv?period=YYYY-MM: every published
// figure of the month's latest publication, for every region, suppressed
// ones as empty cells with suppressed=true. Without period it serves the
// latest published month (the file the catalogue lists). Only published
// tables are read.
func StatisticsCSV(client *ent.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		q := client.Publication.Query()
		latest := r.URL.Query().Get("period") == ""
		if !latest {
			p, err := stats.ParsePeriod(r.URL.Query().Get("period"))
			if err != nil {
				httpError(w, http.StatusBadRequest, apperr.BadInput("period", "%v", err))
				return
			}
			q.Where(publication.Period(p.String()))
		}
		pub, err := q.Order(ent.Desc(publication.FieldPeriod), ent.Desc(publication.FieldPublishedAt), ent.Desc(publication.FieldID)).First(ctx)
		if ent.IsNotFound(err) {
			what := "anything"
			if !latest {
				what = r.URL.Query().Get("period")
			}
			httpError(w, http.StatusNotFound, apperr.New(apperr.CodeNotFound, "nothing is published for %s", what))
			return
		}
		if err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
		regions, err := client.Region.Query().Select(region.FieldID, region.FieldName, region.FieldLevel, region.FieldCode).All(ctx)
		if err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
		byID := make(map[int]*ent.Region, len(regions))
		for _, rg := range regions {
			byID[rg.ID] = rg
		}
		etag := `"pub-` + strconv.Itoa(pub.ID) + `"` // publications are immutable
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", pub.PublishedAt.UTC().Format(http.TimeFormat))
		if latest {
			w.Header().Set("Cache-Control", "public, max-age=300") // the next month replaces it
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
		w.Header().Set("Content-Disposition", `attachment; filename="statistics-`+pub.Period+`.csv"`)
		if r.URL.Query().Get("bom") == "1" {
			_, _ = w.Write([]byte("\uFEFF"))
		}
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		_ = cw.Write(names(statisticsColumns))
		const page = 5000
		after := 0
		for {
			cells, err := client.StatCell.Query().Where(statcell.PublicationID(pub.ID), statcell.IDGT(after)).
				Order(ent.Asc(statcell.FieldID)).Limit(page).All(ctx)
			if err != nil {
				panic(http.ErrAbortHandler)
			}
			for _, c := range cells {
				rg := byID[c.RegionID]
				name, level, code := "", "", ""
				if rg != nil {
					name, level = rg.Name, string(rg.Level)
					if rg.Code != nil {
						code = *rg.Code
					}
				}
				value := ""
				if c.Value != nil {
					value = strconv.FormatFloat(*c.Value, 'f', -1, 64)
				}
				_ = cw.Write([]string{pub.Period, gid.Encode(c.RegionID), neutralise(name), level, code, c.Metric, c.Dimension, value,
					strconv.FormatBool(c.Suppressed), strconv.FormatBool(c.Noisy), string(pub.Method), timefmt.Format(pub.PublishedAt)})
			}
			if len(cells) < page {
				break
			}
			after = cells[len(cells)-1].ID
		}
		cw.Flush()
	})
}
