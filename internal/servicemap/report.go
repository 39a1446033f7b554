package servicemap

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"lifecircle/ent"
	"lifecircle/ent/compound"
	"lifecircle/ent/region"
	"lifecircle/internal/taxonomy"
)

// CompoundCoverage is one compound's line of a report.
type CompoundCoverage struct {
	Compound *ent.Compound
	Circle   Circle
}

// MissingCategory counts the compounds, and their households, lacking a
// required category.
type MissingCategory struct {
	Category   taxonomy.Category
	Compounds  int
	Households int
}

// Report is the life-circle report of a region: every compound in it.
type Report struct {
	Method     Method // NETWORK when any compound was routed over a network
	Minutes    float64
	Profile    Profile
	Compounds  []CompoundCoverage
	Households int
	MeanScore  float64
	Missing    []MissingCategory // by category, most households first
}

// CommunitiesUnder returns the IDs of the communities in a region (itself,
// if it is one), walking the hierarchy one level per query.
func CommunitiesUnder(ctx context.Context, client *ent.Client, regionID int) ([]int, error) {
	r, err := client.Region.Get(ctx, regionID)
	if err != nil {
		return nil, err
	}
	level := []int{r.ID}
	if r.Level == region.LevelCommunity {
		return level, nil
	}
	var out []int
	seen := map[int]bool{r.ID: true} // a parent cycle must not loop forever
	for len(level) > 0 {
		children, err := client.Region.Query().Where(region.ParentIDIn(level...)).
			Select(region.FieldID, region.FieldLevel).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("servicemap: regions under %d: %w", regionID, err)
		}
		level = level[:0]
		for _, c := range children {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			if c.Level == region.LevelCommunity {
				out = append(out, c.ID)
			} else {
				level = append(level, c.ID)
			}
		}
	}
	return out, nil
}

// Report computes the coverage of every compound in a region.
func (ix *Index) Report(ctx context.Context, client *ent.Client, model WalkModel, regionID int, minutes float64, profile Profile) (*Report, error) {
	communities, err := CommunitiesUnder(ctx, client, regionID)
	if err != nil {
		return nil, err
	}
	var compounds []*ent.Compound
	for len(communities) > 0 {
		n := min(len(communities), 5000)
		part, err := client.Compound.Query().Where(compound.CommunityIDIn(communities[:n]...)).
			Order(ent.Asc(compound.FieldID)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("servicemap: compounds: %w", err)
		}
		compounds = append(compounds, part...)
		communities = communities[n:]
	}
	if err := ix.Sync(ctx); err != nil {
		return nil, err
	}
	return ix.report(model, compounds, minutes, profile), nil
}

// report is Report's computation over compounds, on the index as it is.
func (ix *Index) report(model WalkModel, compounds []*ent.Compound, minutes float64, profile Profile) *Report {
	rep := &Report{Minutes: minutes, Profile: profile, Compounds: make([]CompoundCoverage, len(compounds))}
	// The read lock is taken per compound, not for the whole report, so a
	// writer catching the index up never waits for a long report, and
	// nearby searches never queue behind that writer.
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(compounds); i += workers {
				c := compounds[i]
				ix.mu.RLock()
				circle := ix.coverage(model, CircleQuery{Lat: c.Lat, Lng: c.Lng, Minutes: minutes, Profile: profile}, false)
				ix.mu.RUnlock()
				rep.Compounds[i] = CompoundCoverage{Compound: c, Circle: circle}
			}
		}(w)
	}
	wg.Wait()

	rep.Method = StraightLine
	for _, cc := range rep.Compounds {
		if cc.Circle.Method == Network {
			rep.Method = Network
		}
	}
	missing := map[string]*MissingCategory{}
	var order []string
	scoreSum := 0.0
	for _, cc := range rep.Compounds {
		rep.Households += cc.Compound.Households
		scoreSum += cc.Circle.Score
		for _, m := range cc.Circle.Missing {
			mc, ok := missing[m.Code]
			if !ok {
				mc = &MissingCategory{Category: m}
				missing[m.Code] = mc
				order = append(order, m.Code)
			}
			mc.Compounds++
			mc.Households += cc.Compound.Households
		}
	}
	if len(rep.Compounds) > 0 {
		rep.MeanScore = scoreSum / float64(len(rep.Compounds))
	}
	for _, code := range order {
		rep.Missing = append(rep.Missing, *missing[code])
	}
	sortMissing(rep.Missing)
	return rep
}

func sortMissing(ms []MissingCategory) {
	slices.SortFunc(ms, func(a, b MissingCategory) int {
		if a.Households != b.Households {
			return cmp.Compare(b.Households, a.Households)
		}
		return cmp.Compare(a.Category.Code, b.Category.Code)
	})
}
