package openinghours

import (
	"strings"
)

// words are what Format writes in each language it knows.
type words struct {
	days                   [7]string // Monday first
	through, dayList, span string    // "至", "、"; the separators of days and of spans
	rule                   string    // between rules
	always                 string
}

var languages = map[string]words{
	"zh-Hans": {days: [7]string{"周一", "周二", "周三", "周四", "周五", "周六", "周日"}, through: "至", dayList: "、", span: "、", rule: "；", always: "全天开放"},
	"zh-Hant": {days: [7]string{"週一", "週二", "週三", "週四", "週五", "週六", "週日"}, through: "至", dayList: "、", span: "、", rule: "；", always: "全天開放"},
	"en":      {days: [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}, through: "–", dayList: ", ", span: ", ", rule: "; ", always: "Open 24/7"},
}

// FormatLanguages are the languages Format writes; any other falls back to
// Simplified Chinese.
var FormatLanguages = []string{"zh-Hans", "zh-Hant", "en"}

// Format writes the schedule for people in lang: "周一至周五 08:30–12:00、
// 14:30–18:00；周六 09:00–12:00" or "Mon–Fri 08:30–12:00, 14:30–18:00; Sat
// 09:00–12:00". Days with the same hours are named together, consecutive
// days as a range; closed days are left out.
func (s Schedule) Format(lang string) string {
	w, ok := languages[lang]
	if !ok {
		w = languages["zh-Hans"]
	}
	if s.always {
		return w.always
	}
	// Runs of consecutive days (Monday first) with the same hours.
	type run struct{ from, to int }
	var keys []string
	groups := map[string][]run{}
	for i := 0; i < 7; {
		spans := s.days[osmOrder[i]]
		j := i
		for j+1 < 7 && sameSpans(s.days[osmOrder[j+1]], spans) {
			j++
		}
		if len(spans) > 0 {
			k := spansText(spans, w.span)
			if _, seen := groups[k]; !seen {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], run{i, j})
		}
		i = j + 1
	}
	rules := make([]string, 0, len(keys))
	for _, k := range keys {
		days := make([]string, 0, len(groups[k]))
		for _, r := range groups[k] {
			switch {
			case r.from == r.to:
				days = append(days, w.days[r.from])
			case r.to == r.from+1:
				days = append(days, w.days[r.from]+w.dayList+w.days[r.to])
			default:
				days = append(days, w.days[r.from]+w.through+w.days[r.to])
			}
		}
		rules = append(rules, strings.Join(days, w.dayList)+" "+k)
	}
	return strings.Join(rules, w.rule)
}

// Format is Schedule.Format for a stored opening_hours string; text that
// does not parse is returned as it is.
func Format(raw, lang string) string {
	s, err := Parse(raw)
	if err != nil {
		return raw
	}
	return s.Format(lang)
}

func sameSpans(a, b []span) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func spansText(spans []span, sep string) string {
	parts := make([]string, len(spans))
	for i, sp := range spans {
		parts[i] = clock(sp.From) + "–" + clock(sp.To)
	}
	return strings.Join(parts, sep)
}

func clock(m int) string {
	return string([]byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)})
}
