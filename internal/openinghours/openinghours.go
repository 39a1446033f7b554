// Package openinghours parses and evaluates a subset of the OpenStreetMap
// opening_hours syntax: "24/7", or rules separated by ";" of the form
// "Mo-Fr 08:30-12:00,14:00-18:00" or "Sa,Su off". Later rules override
// earlier ones for the days they name, as in OSM.
package openinghours

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"lifecircle/internal/timefmt"
)

// Location is the time zone opening hours are read in.
var Location = timefmt.Local

// span is an opening interval in minutes since midnight, [From, To).
type span struct{ From, To int }

// Schedule is a parsed weekly schedule.
type Schedule struct {
	always bool
	days   [7][]span // indexed by time.Weekday
}

var dayNames = map[string]time.Weekday{
	"Su": time.Sunday, "Mo": time.Monday, "Tu": time.Tuesday, "We": time.Wednesday,
	"Th": time.Thursday, "Fr": time.Friday, "Sa": time.Saturday,
}

// osmOrder is Monday-first, the order of OSM day ranges.
var osmOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// Parse reads s. The empty string is an error: callers treat a missing
// schedule as unknown and do not parse it.
func Parse(s string) (Schedule, error) {
	var sch Schedule
	s = strings.TrimSpace(s)
	if s == "" {
		return sch, fmt.Errorf("opening hours are empty")
	}
	if len(s) > 500 {
		return sch, fmt.Errorf("opening hours are longer than 500 characters")
	}
	if s == "24/7" {
		sch.always = true
		return sch, nil
	}
	rules := 0
	for _, rule := range strings.Split(s, ";") {
		rule = strings.TrimSpace(rule)
		if rule == "" {
			continue
		}
		rules++
		daysPart, timesPart, ok := strings.Cut(rule, " ")
		if !ok {
			return sch, fmt.Errorf("rule %q: want DAYS TIMES, e.g. \"Mo-Fr 08:00-17:00\"", rule)
		}
		days, err := parseDays(daysPart)
		if err != nil {
			return sch, fmt.Errorf("rule %q: %w", rule, err)
		}
		var spans []span
		timesPart = strings.TrimSpace(timesPart)
		if timesPart != "off" && timesPart != "closed" {
			if spans, err = parseSpans(timesPart); err != nil {
				return sch, fmt.Errorf("rule %q: %w", rule, err)
			}
		}
		for _, d := range days {
			sch.days[d] = spans
		}
	}
	if rules == 0 {
		return sch, fmt.Errorf("opening hours %q have no rule", s)
	}
	return sch, nil
}

// Validate reports whether s is in the supported syntax.
func Validate(s string) error {
	_, err := Parse(s)
	return err
}

func parseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayNames[from]
		if !ok {
			return nil, fmt.Errorf("unknown day %q (use Mo Tu We Th Fr Sa Su)", from)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, ok := dayNames[to]
		if !ok {
			return nil, fmt.Errorf("unknown day %q (use Mo Tu We Th Fr Sa Su)", to)
		}
		i, j := osmIndex(a), osmIndex(b)
		for k := i; ; k = (k + 1) % 7 { // ranges may wrap: Sa-Mo
			out = append(out, osmOrder[k])
			if k == j {
				break
			}
		}
	}
	return out, nil
}

func osmIndex(d time.Weekday) int { return (int(d) + 6) % 7 }

func parseSpans(s string) ([]span, error) {
	var out []span
	for _, part := range strings.Split(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("time range %q: want HH:MM-HH:MM", part)
		}
		a, err := parseClock(from)
		if err != nil {
			return nil, err
		}
		b, err := parseClock(to)
		if err != nil {
			return nil, err
		}
		if b <= a {
			return nil, fmt.Errorf("time range %q ends before it starts", part)
		}
		out = append(out, span{a, b})
	}
	return out, nil
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q is not a time of day", s)
	}
	return h*60 + m, nil
}

// OpenAt reports whether the schedule is open at t (read in Location).
func (s Schedule) OpenAt(t time.Time) bool {
	if s.always {
		return true
	}
	t = t.In(Location)
	minute := t.Hour()*60 + t.Minute()
	for _, sp := range s.days[t.Weekday()] {
		if minute >= sp.From && minute < sp.To {
			return true
		}
	}
	return false
}
