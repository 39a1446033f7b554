// Package recurring expands recurring activities: an RFC 5545 recurrence
// rule (RRULE) anchored at the activity's first start, in Asia/Shanghai
// local time, with exception dates (EXDATE) and extra dates (RDATE). The
// expansion itself is github.com/teambition/rrule-go; this package bounds
// it (rule frequency, series length, requested range and count) and turns
// its failures into BAD_USER_INPUT errors.
package recurring

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"lifecircle/internal/apperr"
	"lifecircle/internal/timefmt"
)

// Limits of a series and of one expansion.
const (
	// MaxCount is the most occurrences a bounded series (COUNT or UNTIL)
	// may have, and the most dates EXDATE or RDATE may list.
	MaxCount = 1000
	// MaxRange is the longest range one expansion covers.
	MaxRange = 366 * 24 * time.Hour
	// MaxFirst is the most occurrences one expansion returns; DefaultFirst
	// is what it returns when the caller does not say.
	MaxFirst     = 500
	DefaultFirst = 100
	// MaxRuleLen bounds the RRULE text.
	MaxRuleLen = 300
)

// Series is what expansion needs of an activity.
type Series struct {
	Rule           string // RRULE value without the "RRULE:" name; "" for a one-off activity
	Start, End     time.Time
	ExDates        []time.Time
	RDates         []time.Time
	CancelledWhole bool // the activity as a whole is cancelled
}

// Occurrence is one occurrence of a series.
type Occurrence struct {
	Start, End time.Time
	// Cancelled is true for an exception date (EXDATE) and for every
	// occurrence of a cancelled activity.
	Cancelled bool
}

// ParseRule parses and checks an RRULE value: the RFC 5545 grammar as
// rrule-go reads it, no DTSTART inside it (the activity's startsAt is the
// start), a frequency of DAILY or slower, and COUNT at most MaxCount.
func ParseRule(s string) (*rrule.ROption, error) {
	bad := func(en, zh string) error { return apperr.Invalid("rrule", en, zh) }
	if len(s) > MaxRuleLen {
		return nil, bad(fmt.Sprintf("the recurrence rule is longer than %d bytes", MaxRuleLen),
			fmt.Sprintf("重复规则超过 %d 字节", MaxRuleLen))
	}
	body := strings.TrimPrefix(s, "RRULE:")
	if strings.ContainsAny(body, "\r\n") || strings.Contains(strings.ToUpper(body), "DTSTART") {
		return nil, bad("give the rule alone (e.g. FREQ=MONTHLY;BYMONTHDAY=15): the series starts at startsAt",
			"只填写规则本身（如 FREQ=MONTHLY;BYMONTHDAY=15）：系列从 startsAt 开始")
	}
	opt, err := rrule.StrToROptionInLocation(body, timefmt.Local)
	if err != nil {
		return nil, bad("not an RFC 5545 recurrence rule: "+err.Error(), "不是有效的 RFC 5545 重复规则："+err.Error())
	}
	if opt.Freq > rrule.DAILY { // HOURLY, MINUTELY, SECONDLY
		return nil, bad("activities repeat at most daily: FREQ must be YEARLY, MONTHLY, WEEKLY or DAILY",
			"活动最多每天重复一次：FREQ 须为 YEARLY、MONTHLY、WEEKLY 或 DAILY")
	}
	if len(opt.Byhour)+len(opt.Byminute)+len(opt.Bysecond) > 0 {
		return nil, bad("BYHOUR, BYMINUTE and BYSECOND are not supported: the time of day is that of startsAt",
			"不支持 BYHOUR、BYMINUTE、BYSECOND：每次活动的时刻与 startsAt 相同")
	}
	if opt.Count > MaxCount {
		return nil, bad(fmt.Sprintf("COUNT may be at most %d", MaxCount), fmt.Sprintf("COUNT 最大为 %d", MaxCount))
	}
	if opt.Interval < 0 {
		return nil, bad("INTERVAL must be positive", "INTERVAL 须为正数")
	}
	return opt, nil
}

// ValidateRule is ParseRule for a field validator.
func ValidateRule(s string) error {
	if s == "" {
		return nil
	}
	_, err := ParseRule(s)
	return err
}

// set builds the rrule-go set of s without its exception dates.
func (s Series) set() (*rrule.Set, error) {
	var set rrule.Set
	start := s.Start.In(timefmt.Local).Truncate(time.Second)
	if s.Rule == "" {
		set.RDate(start)
		return &set, nil
	}
	opt, err := ParseRule(s.Rule)
	if err != nil {
		return nil, err
	}
	opt.Dtstart = start
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, apperr.Invalid("rrule", "not a valid recurrence rule: "+err.Error(), "重复规则无效："+err.Error())
	}
	set.RRule(r)
	for _, d := range s.RDates {
		set.RDate(d.In(timefmt.Local))
	}
	return &set, nil
}

// Check validates a whole series as it will be stored: a valid rule;
// EXDATE and RDATE only with a rule, at most MaxCount each; every
// exception date an occurrence of the rule; every extra date after the
// start; a bounded series at most MaxCount occurrences long. It returns
// the end of the series' last occurrence, or nil for an unbounded series
// (and for a one-off activity, its end).
func Check(s Series) (*time.Time, error) {
	if s.Rule == "" {
		if len(s.ExDates)+len(s.RDates) > 0 {
			return nil, apperr.Invalid("exdates", "exception and extra dates need a recurrence rule (rrule)",
				"例外日期和追加日期须与重复规则（rrule）一起使用")
		}
		end := s.End
		return &end, nil
	}
	if len(s.ExDates) > MaxCount || len(s.RDates) > MaxCount {
		return nil, apperr.Invalid("exdates", fmt.Sprintf("at most %d exception or extra dates", MaxCount),
			fmt.Sprintf("例外日期或追加日期最多 %d 个", MaxCount))
	}
	for _, d := range s.RDates {
		if !d.After(s.Start) {
			return nil, apperr.Invalid("rdates", "extra dates (RDATE) come after the first occurrence (startsAt)",
				"追加日期（RDATE）须晚于首次活动时间（startsAt）")
		}
	}
	set, err := s.set()
	if err != nil {
		return nil, err
	}
	for _, d := range s.ExDates {
		d = d.In(timefmt.Local)
		if !set.Before(d.Add(time.Second), false).Equal(d) {
			return nil, apperr.Invalid("exdates",
				fmt.Sprintf("%s is not an occurrence of the series: an exception date names an occurrence's start", timefmt.Format(d)),
				fmt.Sprintf("%s 不是该系列中的一次活动：例外日期须是某次活动的开始时间", timefmt.Format(d)))
		}
	}
	opt := set.GetRRule().OrigOptions
	if opt.Count == 0 && opt.Until.IsZero() {
		return nil, nil
	}
	// Bounded: walk it, at most MaxCount+1 steps.
	next := set.Iterator()
	var last time.Time
	n := 0
	for t, ok := next(); ok; t, ok = next() {
		if n++; n > MaxCount {
			return nil, apperr.Invalid("rrule", fmt.Sprintf("a bounded series has at most %d occurrences", MaxCount),
				fmt.Sprintf("有结束的系列最多 %d 次活动", MaxCount))
		}
		last = t
	}
	if n == 0 {
		return nil, apperr.Invalid("rrule", "the rule has no occurrence from startsAt on", "该规则自 startsAt 起没有任何一次活动")
	}
	end := last.Add(s.End.Sub(s.Start))
	return &end, nil
}

// CheckRange bounds a requested expansion and returns the page size.
func CheckRange(from, to time.Time, first *int) (int, error) {
	if !to.After(from) {
		return 0, apperr.Invalid("to", "the range must end (to) after it starts (from)", "范围的结束时间（to）须晚于开始时间（from）")
	}
	if to.Sub(from) > MaxRange {
		return 0, apperr.Invalid("to", fmt.Sprintf("a range covers at most %d days", int(MaxRange/(24*time.Hour))),
			fmt.Sprintf("范围最多 %d 天", int(MaxRange/(24*time.Hour))))
	}
	n := DefaultFirst
	if first != nil {
		n = *first
	}
	if n < 0 || n > MaxFirst {
		return 0, apperr.Invalid("first", fmt.Sprintf("first must be between 0 and %d", MaxFirst),
			fmt.Sprintf("first 须在 0 到 %d 之间", MaxFirst))
	}
	return n, nil
}

// Between returns the occurrences of s that overlap [from, to) — those
// starting before to and ending after from — in time order, at most max,
// exception dates included as cancelled.
func Between(s Series, from, to time.Time, max int) ([]Occurrence, error) {
	set, err := s.set()
	if err != nil {
		return nil, err
	}
	d := s.End.Sub(s.Start)
	next := set.Iterator()
	var out []Occurrence
	for t, ok := next(); ok && len(out) < max && t.Before(to); t, ok = next() {
		if !t.Add(d).After(from) {
			continue
		}
		cancelled := s.CancelledWhole || slices.ContainsFunc(s.ExDates, func(x time.Time) bool { return x.Equal(t) })
		out = append(out, Occurrence{Start: t, End: t.Add(d), Cancelled: cancelled})
	}
	return out, nil
}

// Is reports whether at is the start of an occurrence of s (a cancelled
// one included) and whether that occurrence is cancelled.
func Is(s Series, at time.Time) (occurs, cancelled bool, err error) {
	set, err := s.set()
	if err != nil {
		return false, false, err
	}
	at = at.In(timefmt.Local)
	if !set.Before(at.Add(time.Second), false).Equal(at) || at.Truncate(time.Second) != at {
		return false, false, nil
	}
	return true, s.CancelledWhole || slices.ContainsFunc(s.ExDates, func(x time.Time) bool { return x.Equal(at) }), nil
}
