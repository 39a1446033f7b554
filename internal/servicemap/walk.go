package servicemap

import (
	"cmp"
	"math"
	"slices"

	"lifecircle/internal/walknet"
)

// Profile is a kind of walker.
type Profile string

// Walking profiles.
const (
	Adult   Profile = "ADULT"
	Elderly Profile = "ELDERLY"
)

// Method names how a walking time was computed.
type Method string

// Methods.
const (
	// StraightLine is the great-circle distance times the circuity factor,
	// walked at the profile's speed.
	StraightLine Method = "STRAIGHT_LINE"
	// Network is a shortest path over an imported street network.
	Network Method = "NETWORK"
)

// WalkModel turns distances into walking times.
type WalkModel struct {
	// Circuity is how much longer a walk is than the straight line
	// (Newell: about 1.2; pedestrians more). Default 1.3.
	Circuity float64
	// SpeedKmh is the walking speed per profile.
	SpeedKmh map[Profile]float64
}

// DefaultWalkModel walks adults at 4.5 km/h (GB 50180's 15 minutes ≈ 865 m
// straight-line with circuity 1.3) and the elderly at 3.6 km/h (1 m/s).
func DefaultWalkModel() WalkModel {
	return WalkModel{Circuity: 1.3, SpeedKmh: map[Profile]float64{Adult: 4.5, Elderly: 3.6}}
}

func (w WalkModel) metersPerMinute(p Profile) float64 {
	s, ok := w.SpeedKmh[p]
	if !ok || s <= 0 {
		s = w.SpeedKmh[Adult]
	}
	return s * 1000 / 60
}

// Minutes is the walking time over a straight-line distance in metres.
func (w WalkModel) Minutes(p Profile, meters float64) float64 {
	return meters * w.Circuity / w.metersPerMinute(p)
}

// ReachMeters is the straight-line distance walked in minutes.
func (w WalkModel) ReachMeters(p Profile, minutes float64) float64 {
	return minutes * w.metersPerMinute(p) / w.Circuity
}

const earthRadius = 6371008.8 // metres, mean radius

// Distance is the great-circle distance in metres (haversine).
func Distance(lat1, lng1, lat2, lng2 float64) float64 {
	return walknet.Distance(lat1, lng1, lat2, lng2)
}

// CirclePolygon returns a GeoJSON Polygon approximating the circle of radius
// metres around a point, with n vertices (counter-clockwise, closed, as
// RFC 7946 wants for exterior rings).
func CirclePolygon(lat, lng, meters float64, n int) map[string]any {
	ring := make([][]float64, 0, n+1)
	for i := 0; i < n; i++ {
		bearing := 2 * math.Pi * float64(i) / float64(n)
		la, lo := destination(lat, lng, meters, bearing)
		ring = append(ring, []float64{round6(lo), round6(la)})
	}
	ring = append(ring, ring[0])
	// bearings run clockwise from north; reverse for a counter-clockwise ring
	for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
		ring[i], ring[j] = ring[j], ring[i]
	}
	return map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}
}

func destination(lat, lng, meters, bearing float64) (float64, float64) {
	const rad = math.Pi / 180
	d := meters / earthRadius
	φ1, λ1 := lat*rad, lng*rad
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(d) + math.Cos(φ1)*math.Sin(d)*math.Cos(bearing))
	λ2 := λ1 + math.Atan2(math.Sin(bearing)*math.Sin(d)*math.Cos(φ1), math.Cos(d)-math.Sin(φ1)*math.Sin(φ2))
	return φ2 / rad, λ2 / rad
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// Hull returns the convex hull of points ([lat, lng]) as a GeoJSON
// Polygon, counter-clockwise and closed; ok is false for fewer than three
// distinct corners.
func Hull(points [][2]float64) (map[string]any, bool) {
	ps := make([][2]float64, len(points))
	for i, p := range points {
		ps[i] = [2]float64{p[1], p[0]} // x = lng, y = lat
	}
	slices.SortFunc(ps, func(a, b [2]float64) int {
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		return cmp.Compare(a[1], b[1])
	})
	ps = slices.Compact(ps)
	if len(ps) < 3 {
		return nil, false
	}
	cross := func(o, a, b [2]float64) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	hull := make([][2]float64, 0, 2*len(ps))
	for _, p := range ps { // lower chain
		for len(hull) >= 2 && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	lower := len(hull) + 1
	for i := len(ps) - 2; i >= 0; i-- { // upper chain
		p := ps[i]
		for len(hull) >= lower && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	if len(hull) < 4 { // closed ring of a triangle has 4 positions
		return nil, false
	}
	ring := make([][]float64, len(hull))
	for i, p := range hull {
		ring[i] = []float64{round6(p[0]), round6(p[1])}
	}
	return map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}, true
}
