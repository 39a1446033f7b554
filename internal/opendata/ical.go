package opendata

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/internal/apperr"
	"lifecircle/internal/gid"
	"lifecircle/internal/timefmt"
)

// Calendar writes activities as iCalendar (RFC 5545, with RFC 7986 NAME and
// REFRESH-INTERVAL): one VEVENT per activity with a stable UID (its global
// ID), times in Asia/Shanghai with a VTIMEZONE, cancelled ones as
// STATUS:CANCELLED. A recurring activity is one VEVENT with its RRULE, its
// cancelled occurrences as EXDATE and its extra dates as RDATE.
func Calendar(ctx context.Context, w io.Writer, client *ent.Client, communities []int, category string, name string) error {
	q := client.Activity.Query().WithVenue().Order(ent.Asc(activity.FieldStartsAt), ent.Asc(activity.FieldID))
	if communities != nil {
		q.Where(activity.CommunityIDIn(communities...))
	}
	if category != "" {
		q.Where(activity.CategoryEQ(activity.Category(category)))
	}
	acts, err := q.All(ctx)
	if err != nil {
		return err
	}
	cw := &contentWriter{w: w}
	cw.line("BEGIN:VCALENDAR")
	cw.line("VERSION:2.0")
	cw.line("PRODID:-//lifecircle//community activities//ZH")
	cw.line("CALSCALE:GREGORIAN")
	cw.line("METHOD:PUBLISH")
	cw.line("NAME:" + escape(name))
	cw.line("X-WR-CALNAME:" + escape(name))
	cw.line("X-WR-TIMEZONE:Asia/Shanghai")
	cw.line("REFRESH-INTERVAL;VALUE=DURATION:PT6H")
	// China has kept +08:00 all year since 1991: one STANDARD rule.
	cw.line("BEGIN:VTIMEZONE")
	cw.line("TZID:Asia/Shanghai")
	cw.line("BEGIN:STANDARD")
	cw.line("DTSTART:19910915T000000")
	cw.line("TZOFFSETFROM:+0800")
	cw.line("TZOFFSETTO:+0800")
	cw.line("TZNAME:CST")
	cw.line("END:STANDARD")
	cw.line("END:VTIMEZONE")
	for _, a := range acts {
		cw.line("BEGIN:VEVENT")
		cw.line("UID:" + gid.Encode(a.ID) + "@lifecircle")
		cw.line("DTSTAMP:" + a.UpdatedAt.UTC().Format("20060102T150405Z"))
		cw.line("LAST-MODIFIED:" + a.UpdatedAt.UTC().Format("20060102T150405Z"))
		cw.line("DTSTART;TZID=Asia/Shanghai:" + a.StartsAt.In(timefmt.Local).Format("20060102T150405"))
		cw.line("DTEND;TZID=Asia/Shanghai:" + a.EndsAt.In(timefmt.Local).Format("20060102T150405"))
		if a.Rrule != "" { // a series: its rule and dates, in the same local time as DTSTART
			cw.line("RRULE:" + a.Rrule)
			if len(a.Exdates) > 0 {
				cw.line("EXDATE;TZID=Asia/Shanghai:" + localDates(a.Exdates))
			}
			if len(a.Rdates) > 0 {
				cw.line("RDATE;TZID=Asia/Shanghai:" + localDates(a.Rdates))
			}
		}
		cw.line("SUMMARY:" + escape(a.Title))
		if a.Description != "" {
			cw.line("DESCRIPTION:" + escape(a.Description))
		}
		if v := a.Edges.Venue; v != nil {
			cw.line("LOCATION:" + escape(strings.TrimSpace(v.Name+" "+v.Address)))
			cw.line(fmt.Sprintf("GEO:%.6f;%.6f", v.Lat, v.Lng))
		}
		cw.line("CATEGORIES:" + escape(string(a.Category)))
		status := "CONFIRMED"
		if a.Status == activity.StatusCancelled {
			status = "CANCELLED"
		}
		cw.line("STATUS:" + status)
		cw.line("END:VEVENT")
	}
	cw.line("END:VCALENDAR")
	return cw.err
}

// localDates writes times as a DATE-TIME list in Asia/Shanghai local time.
func localDates(ts []time.Time) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.In(timefmt.Local).Format("20060102T150405")
	}
	return strings.Join(out, ",")
}

// escape escapes TEXT values (RFC 5545 §3.3.11).
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// contentWriter writes content lines folded at 75 octets, never inside a
// UTF-8 character, ending in CRLF (RFC 5545 §3.1).
type contentWriter struct {
	w   io.Writer
	err error
}

func (c *contentWriter) line(s string) {
	if c.err != nil {
		return
	}
	var b strings.Builder
	width := 0
	for _, r := range s {
		n := len(string(r))
		if width+n > 75 {
			b.WriteString("\r\n ")
			width = 1
		}
		b.WriteRune(r)
		width += n
	}
	b.WriteString("\r\n")
	_, c.err = io.WriteString(c.w, b.String())
}

// CalendarHandler serves /open/activities.ics?region=&category=.
func CalendarHandler(client *ent.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		q := r.URL.Query()
		name := "社区活动 Community activities"
		var communities []int
		if rg := q.Get("region"); rg != "" {
			f, err := ParseFilter(ctx, client, map[string][]string{"region": {rg}})
			if err != nil {
				httpError(w, http.StatusBadRequest, err)
				return
			}
			communities = f.Communities
			if id, err := gid.Decode(rg); err == nil {
				if reg, err := client.Region.Get(ctx, id); err == nil {
					name = reg.Name + " 社区活动"
				}
			}
		}
		category := strings.ToUpper(q.Get("category"))
		if category != "" && activity.CategoryValidator(activity.Category(category)) != nil {
			httpError(w, http.StatusBadRequest, apperr.BadInput("category", "unknown activity category %q", q.Get("category")))
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=900")
		if versioned(w, r, client, "ics?"+r.URL.RawQuery, false) {
			return
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		if err := Calendar(ctx, w, client, communities, category, name); err != nil {
			panic(http.ErrAbortHandler)
		}
	})
}
