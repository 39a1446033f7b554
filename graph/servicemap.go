package graph

import (
	"context"
	"math"
	"slices"
	"strings"

	"entgo.io/contrib/entgql"

	"lifecircle/ent"
	"lifecircle/ent/compound"
	"lifecircle/graph/model"
	"lifecircle/internal/apperr"
	"lifecircle/internal/limits"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/taxonomy"
)

// This file translates service-map results to GraphQL models; the
// computing happens in internal/servicemap.

func profileOf(p *model.WalkingProfile) servicemap.Profile {
	if p != nil && *p == model.WalkingProfileElderly {
		return servicemap.Elderly
	}
	return servicemap.Adult
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// cursorValue reads a cursor's value: msgpack hands numbers back in the
// smallest type that holds them.
func cursorValue(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case float32:
		return float64(n)
	case int:
		return float64(n)
	case int8:
		return float64(n)
	case int16:
		return float64(n)
	case int32:
		return float64(n)
	case int64:
		return float64(n)
	case uint:
		return float64(n)
	case uint8:
		return float64(n)
	case uint16:
		return float64(n)
	case uint32:
		return float64(n)
	case uint64:
		return float64(n)
	}
	return 0
}

// orDefault reads an optional argument a client may set to null.
func orDefault(v *float64, def float64) float64 {
	if v == nil {
		return def
	}
	return *v
}

func intOr(v *int, def int) int {
	if v == nil {
		return def
	}
	return *v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func pageSize(first *int) int {
	if first == nil {
		return limits.DefaultPageSize
	}
	return *first
}

// nearbyPage pages the hits of q after a cursor and loads their facilities.
func (r *Resolver) nearbyPage(ctx context.Context, q servicemap.NearQuery, first *int, after *entgql.Cursor[int]) (*model.NearbyFacilityConnection, error) {
	n := pageSize(first)
	if n < 0 {
		return nil, apperr.BadInput("first", "first must not be negative")
	}
	var cursor *servicemap.Hit
	if after != nil {
		cursor = &servicemap.Hit{ID: after.ID, Minutes: cursorValue(after.Value)}
	}
	// The page and the count in one pass over the index, without the list
	// of every hit in reach.
	page, start, total, err := r.places.NearPage(ctx, q, cursor, n)
	if err != nil {
		return nil, err
	}
	end := start + len(page)
	ids := make([]int, len(page))
	for i, h := range page {
		ids[i] = h.ID
	}
	// Without edges selected (totalCount, pageInfo), the answer is the
	// index's alone: no statement at all.
	withEdges := selects(ctx, "edges")
	var facilities map[int]*ent.Facility
	if withEdges {
		if facilities, err = r.loadFacilities(ctx, ids, "edges", "node"); err != nil {
			return nil, err
		}
	}
	conn := &model.NearbyFacilityConnection{
		TotalCount: total,
		PageInfo:   &entgql.PageInfo[int]{HasNextPage: end < total, HasPreviousPage: start > 0},
	}
	for _, h := range page {
		f, ok := facilities[h.ID]
		if !ok && withEdges {
			continue // deleted since the index looked
		}
		c := entgql.Cursor[int]{ID: h.ID, Value: h.Minutes}
		conn.Edges = append(conn.Edges, &model.NearbyFacilityEdge{
			Node: f, Cursor: c, DistanceMeters: round(h.Meters, 1),
			WalkMinutes: round(h.Minutes, 2), Method: model.WalkMethod(h.Method),
		})
	}
	if len(conn.Edges) > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	}
	return conn, nil
}

// circleModel turns a computed circle into its GraphQL model.
func (r *Resolver) circleModel(ctx context.Context, c servicemap.Circle, center *ent.Compound) (*model.ServiceCircle, error) {
	var ids []int
	for _, cc := range c.Categories {
		for _, h := range cc.Nearest {
			ids = append(ids, h.ID)
		}
	}
	facilities, err := r.loadFacilities(ctx, ids, "categories", "nearest", "facility")
	if err != nil {
		return nil, err
	}
	q := c.Query
	out := &model.ServiceCircle{
		Center:           &model.Point{Lat: q.Lat, Lng: q.Lng},
		Compound:         center,
		Minutes:          q.Minutes,
		Profile:          model.WalkingProfile(q.Profile),
		Method:           model.WalkMethod(c.Method),
		ReachMeters:      round(c.ReachMeters, 1),
		Polygon:          circlePolygon(c),
		RequiredTotal:    c.Required,
		RequiredMet:      c.Met,
		Score:            round(c.Score, 4),
		ProximityMinutes: round(c.ProximityMinutes, 2),
		Missing:          categoryPtrs(c.Missing),
	}
	for _, cc := range c.Categories {
		m := &model.CategoryCoverage{
			Category:             &cc.Category,
			WithinReach:          cc.WithinReach,
			RequirementMet:       cc.RequirementMet,
			MeanMinutesToNearest: round(cc.MeanMinutes, 2),
			Nearest:              []*model.NearbyFacility{},
		}
		if cc.RequirementMinutes > 0 {
			m.RequirementMinutes = &cc.RequirementMinutes
		}
		for _, h := range cc.Nearest {
			if f, ok := facilities[h.ID]; ok {
				m.Nearest = append(m.Nearest, &model.NearbyFacility{
					Facility: f, DistanceMeters: round(h.Meters, 1),
					WalkMinutes: round(h.Minutes, 2), Method: model.WalkMethod(h.Method),
				})
			}
		}
		out.Categories = append(out.Categories, m)
	}
	return out, nil
}

// circlePolygon is the network isochrone (the hull of the nodes reached)
// when a network was used, a circle otherwise.
func circlePolygon(c servicemap.Circle) map[string]any {
	if p, ok := servicemap.Hull(append(c.Reached, [2]float64{c.Query.Lat, c.Query.Lng})); ok && c.Reached != nil {
		return p
	}
	return servicemap.CirclePolygon(c.Query.Lat, c.Query.Lng, c.ReachMeters, 64)
}

func categoryPtrs(cs []taxonomy.Category) []*taxonomy.Category {
	out := make([]*taxonomy.Category, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	return out
}

// reportModel turns a computed report into its GraphQL model.
func reportModel(region *ent.Region, rep *servicemap.Report) *model.LifeCircleReport {
	out := &model.LifeCircleReport{
		Region: region, Minutes: rep.Minutes, Profile: model.WalkingProfile(rep.Profile),
		Method: model.WalkMethod(rep.Method), CompoundCount: len(rep.Compounds),
		Households: rep.Households, MeanScore: round(rep.MeanScore, 4), Report: rep,
	}
	for _, m := range rep.Missing {
		out.MissingByCategory = append(out.MissingByCategory, &model.MissingCategory{
			Category: &m.Category, Compounds: m.Compounds, Households: m.Households,
		})
	}
	return out
}

// reportPage filters, sorts and pages the compounds of a report. The cursor
// is the position in the sorted list: the report is computed per request.
func (r *Resolver) reportPage(ctx context.Context, rep *servicemap.Report, first *int, after *entgql.Cursor[int], order *model.CompoundCoverageOrder, missing *string) (*model.CompoundCoverageConnection, error) {
	rows := rep.Compounds
	if missing != nil {
		if !taxonomy.Valid(*missing) {
			return nil, apperr.BadInput("missing", "unknown category %q", *missing)
		}
		rows = slices.DeleteFunc(slices.Clone(rows), func(c servicemap.CompoundCoverage) bool {
			return !slices.ContainsFunc(c.Circle.Missing, func(m taxonomy.Category) bool { return m.Code == *missing })
		})
	} else {
		rows = slices.Clone(rows)
	}
	sortCoverage(rows, order)
	n := pageSize(first)
	if n < 0 {
		return nil, apperr.BadInput("first", "first must not be negative")
	}
	start := 0
	if after != nil {
		start = int(cursorValue(after.Value)) + 1
	}
	start = max(0, min(start, len(rows)))
	end := min(start+n, len(rows))
	page := rows[start:end]
	ids := make([]int, len(page))
	for i, c := range page {
		ids[i] = c.Compound.ID
	}
	q, err := r.client.Compound.Query().Where(compound.IDIn(ids...)).
		CollectFields(atPath(ctx, "Compound", "edges", "node", "compound"), "Compound")
	if err != nil {
		return nil, err
	}
	loaded, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int]*ent.Compound{}
	for _, c := range loaded {
		byID[c.ID] = c
	}
	conn := &model.CompoundCoverageConnection{
		TotalCount: len(rows),
		PageInfo:   &entgql.PageInfo[int]{HasNextPage: end < len(rows), HasPreviousPage: start > 0},
	}
	for i, c := range page {
		cmp, ok := byID[c.Compound.ID]
		if !ok {
			continue
		}
		cur := entgql.Cursor[int]{ID: c.Compound.ID, Value: start + i}
		conn.Edges = append(conn.Edges, &model.CompoundCoverageEdge{Cursor: cur, Node: &model.CompoundCoverage{
			Compound: cmp, Households: cmp.Households, Score: round(c.Circle.Score, 4),
			RequiredMet: c.Circle.Met, RequiredTotal: c.Circle.Required,
			ProximityMinutes: round(c.Circle.ProximityMinutes, 2), Missing: categoryPtrs(c.Circle.Missing),
		}})
	}
	if len(conn.Edges) > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	}
	return conn, nil
}

// sortCoverage orders compounds; ties fall to more households first, then ID.
func sortCoverage(rows []servicemap.CompoundCoverage, order *model.CompoundCoverageOrder) {
	field, desc := model.CompoundCoverageOrderFieldScore, false
	if order != nil {
		field, desc = order.Field, order.Direction == entgql.OrderDirectionDesc
	}
	key := func(a, b servicemap.CompoundCoverage) int {
		switch field {
		case model.CompoundCoverageOrderFieldMissingCount:
			return len(a.Circle.Missing) - len(b.Circle.Missing)
		case model.CompoundCoverageOrderFieldHouseholds:
			return a.Compound.Households - b.Compound.Households
		case model.CompoundCoverageOrderFieldProximity:
			return cmpFloat(a.Circle.ProximityMinutes, b.Circle.ProximityMinutes)
		case model.CompoundCoverageOrderFieldName:
			return strings.Compare(a.Compound.Name, b.Compound.Name)
		}
		return cmpFloat(a.Circle.Score, b.Circle.Score)
	}
	slices.SortStableFunc(rows, func(a, b servicemap.CompoundCoverage) int {
		c := key(a, b)
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		if a.Compound.Households != b.Compound.Households {
			return b.Compound.Households - a.Compound.Households
		}
		return a.Compound.ID - b.Compound.ID
	})
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
