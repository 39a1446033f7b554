package servicemap

import (
	"context"
	"fmt"
	"sort"

	"lifecircle/ent"
	"lifecircle/ent/walknetwork"
	"lifecircle/internal/walknet"
)

// router gives walking times from one origin: over a street network where
// one covers the origin, by the straight-line model elsewhere.
type router struct {
	model   WalkModel
	profile Profile
	tree    *walknet.Tree // nil: straight line
	net     int16         // the tree's network, as point.net counts
	mpm     float64       // metres per minute of the profile, looked up once
}

// Method is how this router computes times.
func (r router) Method() Method {
	if r.tree != nil {
		return Network
	}
	return StraightLine
}

// candidateMeters is the straight-line radius that can hold every place
// within minutes: a network path is never shorter than the straight line,
// so without circuity.
func (r router) candidateMeters(minutes float64) float64 {
	if r.tree != nil {
		return minutes * r.model.metersPerMinute(r.profile)
	}
	return r.model.ReachMeters(r.profile, minutes)
}

// minutes is the walking time to p, straightMeters away; ok is false when
// the network does not reach it.
func (r router) minutes(p *point, straightMeters float64) (float64, bool) {
	if r.tree == nil {
		return straightMeters * r.model.Circuity / r.mpm, true
	}
	var m float64
	var ok bool
	if p.net == r.net {
		m, ok = r.tree.MetersVia(p.node, float64(p.snap))
	} else {
		m, ok = r.tree.MetersTo(p.lat, p.lng)
	}
	if !ok {
		return 0, false
	}
	return m / r.mpm, true
}

// newRouter builds the router for an origin, with shortest paths computed
// up to maxMinutes. Callers hold mu for reading.
func (ix *Index) newRouter(model WalkModel, p Profile, lat, lng, maxMinutes float64) router {
	r := router{model: model, profile: p, mpm: model.metersPerMinute(p)}
	for i, g := range ix.networks {
		if !g.Covers(lat, lng) {
			continue
		}
		if t, ok := g.From(lat, lng, maxMinutes*model.metersPerMinute(p)); ok {
			r.tree, r.net = t, int16(i)
			return r
		}
	}
	return r
}

// loadNetworks reads every imported walking network, smallest first.
func (ix *Index) loadNetworks(ctx context.Context) ([]*walknet.Graph, error) {
	rows, err := ix.client.WalkNetwork.Query().Order(ent.Asc(walknetwork.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("servicemap: read walking networks: %w", err)
	}
	var out []*walknet.Graph
	for _, row := range rows {
		g, err := walknet.Decode(row.Graph)
		if err != nil {
			return nil, fmt.Errorf("servicemap: network %q: %w", row.Name, err)
		}
		out = append(out, g)
	}
	// Prefer the most local network where several cover a point.
	sort.SliceStable(out, func(i, j int) bool { return area(out[i]) < area(out[j]) })
	return out, nil
}

func area(g *walknet.Graph) float64 { return (g.MaxLat - g.MinLat) * (g.MaxLng - g.MinLng) }
