package servicemap

import (
	"context"
	"math"
	"math/bits"

	"lifecircle/internal/taxonomy"
)

// CircleQuery asks what can be reached on foot from a point.
type CircleQuery struct {
	Lat, Lng float64
	Minutes  float64
	Profile  Profile
	// K is how many nearest facilities per category to return and to
	// average over for the proximity score (Sony CSL uses 20; default 3).
	K int
}

// CategoryCoverage is what a circle holds of one category.
type CategoryCoverage struct {
	Category taxonomy.Category
	// Nearest are up to K nearest open facilities, within twice the
	// circle's time, nearest first.
	Nearest []Hit
	// WithinReach counts open facilities within the circle's time.
	WithinReach int
	// RequirementMinutes is the time within which the standard wants the
	// category: its tier's time, or the circle's if that is shorter; 0
	// for categories without a tier.
	RequirementMinutes float64
	// RequirementMet says whether the nearest facility is within
	// RequirementMinutes; nil for categories without a tier.
	RequirementMet *bool
	// MeanMinutes is the mean walking time to the K nearest, counting a
	// facility not found within the search as the search's limit: the
	// Sony CSL "dual access" measure, bounded.
	MeanMinutes float64
}

// Circle is the walking circle around a point and what it covers.
type Circle struct {
	Query        CircleQuery
	Method       Method
	ReachMeters  float64
	SearchMeters float64
	Categories   []CategoryCoverage
	// Required counts the standard's required (▲) categories; Met those
	// whose requirement is met.
	Required, Met int
	// Score is Met / Required.
	Score float64
	// ProximityMinutes is the mean of MeanMinutes over required
	// categories: lower is better.
	ProximityMinutes float64
	Missing          []taxonomy.Category
	// Reached are the network nodes within the circle's time (nil for the
	// straight-line model): the isochrone's points.
	Reached [][2]float64
}

// pruneCells lets the straight-line circle skip cells that can change
// nothing; tests turn it off to compare with reading every cell.
var pruneCells = true

// searchFactor: nearest facilities are looked for up to this many times the
// circle's time, so "the nearest clinic is 22 minutes away" can be said.
const searchFactor = 2

// Coverage computes the circle around q's point.
func (ix *Index) Coverage(ctx context.Context, model WalkModel, q CircleQuery) (Circle, error) {
	if err := ix.Sync(ctx); err != nil {
		return Circle{}, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.coverage(model, q, true), nil
}

// coverage is Coverage without syncing; shape asks for the isochrone's
// points. Callers hold mu for reading.
func (ix *Index) coverage(model WalkModel, q CircleQuery, shape bool) Circle {
	if q.K <= 0 {
		q.K = 3
	}
	cats := taxonomy.All()
	limit := q.Minutes * searchFactor
	r := ix.newRouter(model, q.Profile, q.Lat, q.Lng, limit)
	c := Circle{
		Query:        q,
		Method:       r.Method(),
		ReachMeters:  model.ReachMeters(q.Profile, q.Minutes),
		SearchMeters: r.candidateMeters(limit),
		Categories:   make([]CategoryCoverage, len(cats)),
	}
	if shape && r.tree != nil {
		c.Reached = r.tree.Reached(q.Minutes * model.metersPerMinute(q.Profile))
	}
	for i, cat := range cats {
		c.Categories[i].Category = cat
		c.Categories[i].Nearest = make([]Hit, 0, q.K)
	}
	collect := func(p *point, d float64) {
		if p.status != statusOpen {
			return
		}
		m, ok := r.minutes(p, d)
		if !ok || m > limit {
			return
		}
		cc := &c.Categories[p.cat]
		if m <= q.Minutes {
			cc.WithinReach++
		}
		insertNearest(&cc.Nearest, q.K, Hit{ID: p.id, Meters: d, Minutes: m, Method: c.Method})
	}
	if r.tree != nil || len(cats) > 64 || !pruneCells {
		ix.visit(q.Lat, q.Lng, c.SearchMeters, collect)
	} else {
		// Straight line: distance orders time, so a cell can be skipped
		// once it is beyond reach and every category it holds already
		// has its k nearest closer than the cell's nearest corner.
		ix.visitNearestFirst(q.Lat, q.Lng, c.SearchMeters, func(cellCats uint64, dmin float64) bool {
			if dmin <= c.ReachMeters*(1+1e-9) {
				return true
			}
			for m := cellCats; m != 0; m &= m - 1 {
				nearest := c.Categories[bits.TrailingZeros64(m)].Nearest
				// The margin keeps a hit at the same time (and lower ID)
				// from being skipped through rounding.
				if len(nearest) < q.K || nearest[q.K-1].Meters+1e-6 >= dmin {
					return true
				}
			}
			return false
		}, collect)
	}
	var proximitySum float64
	for i := range c.Categories {
		cc := &c.Categories[i]
		sum := 0.0
		for _, h := range cc.Nearest {
			sum += h.Minutes
		}
		sum += float64(q.K-len(cc.Nearest)) * limit
		cc.MeanMinutes = sum / float64(q.K)
		tierMinutes := float64(cc.Category.Tier.Minutes())
		if tierMinutes == 0 {
			continue
		}
		cc.RequirementMinutes = math.Min(tierMinutes, q.Minutes)
		met := len(cc.Nearest) > 0 && cc.Nearest[0].Minutes <= cc.RequirementMinutes
		cc.RequirementMet = &met
		if !cc.Category.Required {
			continue
		}
		c.Required++
		proximitySum += cc.MeanMinutes
		if met {
			c.Met++
		} else {
			c.Missing = append(c.Missing, cc.Category)
		}
	}
	if c.Required > 0 {
		c.Score = float64(c.Met) / float64(c.Required)
		c.ProximityMinutes = proximitySum / float64(c.Required)
	}
	return c
}

// insertNearest keeps the k nearest hits in order.
func insertNearest(hits *[]Hit, k int, h Hit) {
	s := *hits
	if len(s) == k && !closer(h, s[k-1]) {
		return
	}
	i := len(s)
	if len(s) < k {
		s = append(s, h)
	} else {
		i = k - 1
	}
	for ; i > 0 && closer(h, s[i-1]); i-- {
		s[i] = s[i-1]
	}
	s[i] = h
	*hits = s
}

func closer(a, b Hit) bool {
	if a.Minutes != b.Minutes {
		return a.Minutes < b.Minutes
	}
	return a.ID < b.ID
}
