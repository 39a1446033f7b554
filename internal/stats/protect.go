package stats

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/google/differential-privacy/go/v3/dpagg"

	"lifecircle/ent/region"
)

// Threshold and Base are the 10-5 rule: counts below 10 are suppressed, the
// rest rounded to the nearest 5.
const (
	Threshold = 10
	Base      = 5
)

// Value is a protected figure.
type Value struct {
	V          *float64 // nil when suppressed or withheld
	Suppressed bool
	Noisy      bool
}

// Table is the protected figures of every region.
type Table map[int]map[cell]Value

// personal reports whether a metric counts people or their requests (and so
// must be protected). Activities held are counts of public events.
func personal(metric string) bool { return metric != ActivitiesHeld }

// countMetrics are the protected counts (rates and medians derive from them).
var countMetrics = []string{RequestsSubmitted, RequestsCompleted, MicroWishesFulfilled, Registrations, ActiveVolunteers,
	OneWindowHandled, OneWindowServed, Visits}

func ptr(f float64) *float64 { return &f }

// Rule105 protects raw tables with the 10-5 rule: primary suppression of
// counts 1–9, rounding to base 5, and secondary suppression so no
// suppressed cell can be recovered from a published total (within a
// region's breakdown) or from a published parent and its other children
// (across the hierarchy).
func Rule105(tables map[int]*raw, h hierarchy) Table {
	sup := map[int]map[cell]bool{}
	for id, t := range tables {
		sup[id] = map[cell]bool{}
		for _, m := range countMetrics {
			for _, d := range dims(m) {
				if v := t.counts[cell{m, d}]; v > 0 && v < Threshold {
					sup[id][cell{m, d}] = true
				}
			}
		}
	}
	children := map[int][]int{}
	for id := range tables {
		if p, ok := h.parent[id]; ok {
			if _, has := tables[p]; has {
				children[p] = append(children[p], id)
			}
		}
	}
	for _, ids := range children {
		sort.Ints(ids)
	}
	// Secondary suppression until nothing changes.
	for changed := true; changed; {
		changed = false
		for id, t := range tables {
			for _, m := range countMetrics {
				for _, family := range families(m) {
					if protectGroup(sup[id], m, family, func(c cell) int64 { return t.counts[c] }) {
						changed = true
					}
				}
			}
		}
		for parent, kids := range children {
			for _, m := range countMetrics {
				for _, d := range dims(m) {
					c := cell{m, d}
					if sup[parent][c] || tables[parent].counts[c] == 0 {
						continue
					}
					n, smallest := 0, -1
					for _, k := range kids {
						if sup[k][c] {
							n++
						} else if v := tables[k].counts[c]; v > 0 && (smallest < 0 || v < tables[smallest].counts[c]) {
							smallest = k
						}
					}
					if n != 1 {
						continue
					}
					if smallest >= 0 {
						sup[smallest][c] = true
					} else {
						sup[parent][c] = true
					}
					changed = true
				}
			}
		}
	}
	out := Table{}
	for id, t := range tables {
		out[id] = map[cell]Value{}
		for _, m := range countMetrics {
			for _, d := range dims(m) {
				c := cell{m, d}
				if sup[id][c] {
					out[id][c] = Value{Suppressed: true}
					continue
				}
				out[id][c] = Value{V: ptr(roundTo(float64(t.counts[c]), Base))}
			}
		}
		out[id][cell{ActivitiesHeld, ""}] = Value{V: ptr(float64(t.counts[cell{ActivitiesHeld, ""}]))}
		// Rates and medians only over a published base.
		sub, done := cell{RequestsSubmitted, ""}, cell{RequestsCompleted, ""}
		if !sup[id][sub] && !sup[id][done] && t.counts[sub] >= Threshold {
			// From the published (rounded) counts: the rate must not undo
			// the rounding.
			pubSub, pubDone := roundTo(float64(t.counts[sub]), Base), roundTo(float64(t.counts[done]), Base)
			out[id][cell{CompletionRate, ""}] = Value{V: ptr(math.Round(math.Min(pubDone/pubSub, 1) * 100))}
		} else {
			out[id][cell{CompletionRate, ""}] = Value{Suppressed: true}
		}
		// The one-window completion rate, the same way.
		taken, served := cell{OneWindowHandled, ""}, cell{OneWindowServed, ""}
		if !sup[id][taken] && !sup[id][served] && t.counts[taken] >= Threshold {
			pubTaken, pubServed := roundTo(float64(t.counts[taken]), Base), roundTo(float64(t.counts[served]), Base)
			out[id][cell{OneWindowCompletionRate, ""}] = Value{V: ptr(math.Round(math.Min(pubServed/pubTaken, 1) * 100))}
		} else {
			out[id][cell{OneWindowCompletionRate, ""}] = Value{Suppressed: true}
		}
		if !sup[id][done] && len(t.durations) >= Threshold {
			out[id][cell{MedianDaysToResolve, ""}] = Value{V: ptr(math.Round(median(t.durations)*10) / 10)}
		} else {
			out[id][cell{MedianDaysToResolve, ""}] = Value{Suppressed: true}
		}
	}
	return out
}

// families splits a metric's breakdowns into groups that add up to the
// total: each is the total ("") followed by its parts.
func families(metric string) [][]string {
	ds := dims(metric)
	if len(ds) == 1 {
		return nil
	}
	byPrefix := map[string][]string{}
	var order []string
	for _, d := range ds[1:] {
		prefix, _, found := strings.Cut(d, ":")
		if !found {
			prefix = ""
		}
		if _, ok := byPrefix[prefix]; !ok {
			order = append(order, prefix)
		}
		byPrefix[prefix] = append(byPrefix[prefix], d)
	}
	var out [][]string
	for _, p := range order {
		if p == "group" {
			continue // target groups overlap (an activity has several): no additivity to protect
		}
		out = append(out, append([]string{""}, byPrefix[p]...))
	}
	return out
}

// protectGroup makes sure that, when a breakdown's total is published, no
// part is the only suppressed one (total minus the others would give it
// back): it suppresses the smallest other non-zero part, or else the total.
// It reports whether it suppressed anything.
func protectGroup(sup map[cell]bool, metric string, family []string, value func(cell) int64) bool {
	total := cell{metric, family[0]}
	if sup[total] {
		return false
	}
	n := 0
	var smallest *cell
	for _, d := range family[1:] {
		c := cell{metric, d}
		if sup[c] {
			n++
		} else if v := value(c); v > 0 && (smallest == nil || v < value(*smallest)) {
			cc := c
			smallest = &cc
		}
	}
	changed := false
	if n >= 1 {
		// Published zeros beside suppressed parts would pin them when the
		// total is known from elsewhere (activities' registered counts are
		// public): withhold the zeros too.
		for _, d := range family[1:] {
			if c := (cell{metric, d}); !sup[c] && value(c) == 0 {
				sup[c] = true
				changed = true
			}
		}
	}
	if n != 1 {
		return changed
	}
	if smallest != nil {
		sup[*smallest] = true
	} else {
		sup[total] = true
	}
	return true
}

func roundTo(v float64, base float64) float64 { return math.Round(v/base) * base }

// DPOptions configure a differentially private release.
type DPOptions struct {
	// Epsilon is the release's total budget, split evenly across the
	// protected metrics.
	Epsilon float64
	// MaxPerPerson bounds how much one person adds to one cell.
	MaxPerPerson int64
}

// DifferentialPrivacy noises every community cell (zeros included) of the
// fixed partitions (community × month × metric × breakdown), with each
// person's contribution bounded, and derives every roll-up by summing the
// noisy community cells (post-processing, which costs no budget and keeps
// the hierarchy consistent). No data-dependent threshold is applied.
func DifferentialPrivacy(tables map[int]*raw, h hierarchy, o DPOptions) (Table, error) {
	if o.Epsilon <= 0 {
		return nil, fmt.Errorf("stats: epsilon must be positive")
	}
	if o.MaxPerPerson <= 0 {
		o.MaxPerPerson = 3
	}
	perMetric := o.Epsilon / float64(len(countMetrics))
	out := Table{}
	for id, t := range tables {
		if h.level[id] != region.LevelCommunity {
			continue
		}
		out[id] = map[cell]Value{}
		for _, m := range countMetrics {
			ds := dims(m)
			// A person touches at most every breakdown of a metric once.
			l0 := int64(len(ds))
			for _, d := range ds {
				c := cell{m, d}
				upper := o.MaxPerPerson
				if m == ActiveVolunteers {
					upper = 1
				}
				sum, err := dpagg.NewBoundedSumInt64(&dpagg.BoundedSumInt64Options{
					Epsilon: perMetric, MaxPartitionsContributed: l0, Lower: 0, Upper: upper,
				})
				if err != nil {
					return nil, fmt.Errorf("stats: noise: %w", err)
				}
				for _, n := range t.people[c] {
					if err := sum.Add(min(n, upper)); err != nil {
						return nil, err
					}
				}
				v, err := sum.Result()
				if err != nil {
					return nil, err
				}
				out[id][c] = Value{V: ptr(float64(max(v, 0))), Noisy: true}
			}
		}
		out[id][cell{ActivitiesHeld, ""}] = Value{V: ptr(float64(t.counts[cell{ActivitiesHeld, ""}]))}
	}
	// Roll-ups: sums of the noisy community cells.
	for id := range tables {
		if h.level[id] == region.LevelCommunity {
			continue
		}
		out[id] = map[cell]Value{}
	}
	for id, cells := range out {
		if h.level[id] != region.LevelCommunity {
			continue
		}
		for _, a := range h.ancestors(id)[1:] {
			if out[a] == nil {
				continue
			}
			for c, v := range cells {
				prev := out[a][c]
				sum := v.V
				if prev.V != nil {
					sum = ptr(*prev.V + *v.V)
				}
				out[a][c] = Value{V: sum, Noisy: c.metric != ActivitiesHeld}
			}
		}
	}
	// Rates from noisy counts (post-processing); medians are not released
	// under differential privacy in this version.
	for id, cells := range out {
		sub, done := cells[cell{RequestsSubmitted, ""}], cells[cell{RequestsCompleted, ""}]
		if sub.V != nil && done.V != nil && *sub.V > 0 {
			cells[cell{CompletionRate, ""}] = Value{V: ptr(math.Round(math.Min(*done.V / *sub.V, 1) * 100)), Noisy: true}
		} else {
			cells[cell{CompletionRate, ""}] = Value{Suppressed: true, Noisy: true}
		}
		taken, served := cells[cell{OneWindowHandled, ""}], cells[cell{OneWindowServed, ""}]
		if taken.V != nil && served.V != nil && *taken.V > 0 {
			cells[cell{OneWindowCompletionRate, ""}] = Value{V: ptr(math.Round(math.Min(*served.V / *taken.V, 1) * 100)), Noisy: true}
		} else {
			cells[cell{OneWindowCompletionRate, ""}] = Value{Suppressed: true, Noisy: true}
		}
		cells[cell{MedianDaysToResolve, ""}] = Value{Suppressed: true}
		out[id] = cells
	}
	return out, nil
}
