package walknet

import (
	"math"
	"slices"
)

// Box is a latitude/longitude rectangle.
type Box struct{ MinLat, MinLng, MaxLat, MaxLng float64 }

func (b Box) contains(lat, lng float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lng >= b.MinLng && lng <= b.MaxLng
}

// Lines returns the streets of g that have a node inside box as polylines
// of [lat, lng] points, for drawing a base map: ways are chained through
// nodes with two neighbours, simplified to within toleranceMeters
// (Douglas–Peucker) and cut after maxPoints points in all. Only the nodes
// in the box are looked at, through the snapping grid, so the cost follows
// the box, not the network.
func (g *Graph) Lines(box Box, toleranceMeters float64, maxPoints int) (lines [][][2]float64, truncated bool) {
	if g.cells == nil || box.MaxLat < g.MinLat || box.MinLat > g.MaxLat || box.MaxLng < g.MinLng || box.MinLng > g.MaxLng {
		return nil, false
	}
	y0, x0 := cellKey(math.Max(box.MinLat, g.MinLat), math.Max(box.MinLng, g.MinLng))
	y1, x1 := cellKey(math.Min(box.MaxLat, g.MaxLat), math.Min(box.MaxLng, g.MaxLng))
	var nodes []int32
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			for _, n := range g.cells[key(y, x)] {
				if box.contains(g.Lat[n], g.Lng[n]) {
					nodes = append(nodes, n)
				}
			}
		}
	}
	degree := func(n int32) int32 { return g.Offsets[n+1] - g.Offsets[n] }
	seen := map[uint64]bool{}
	edgeKey := func(a, b int32) uint64 {
		if a > b {
			a, b = b, a
		}
		return uint64(uint32(a))<<32 | uint64(uint32(b))
	}
	points := 0
	// follow walks from n along its edge e through nodes of degree two
	// inside the box, marking edges as drawn.
	follow := func(n int32, e int32) [][2]float64 {
		line := [][2]float64{{g.Lat[n], g.Lng[n]}}
		prev, cur := n, g.To[e]
		seen[edgeKey(prev, cur)] = true
		for {
			line = append(line, [2]float64{g.Lat[cur], g.Lng[cur]})
			if degree(cur) != 2 || !box.contains(g.Lat[cur], g.Lng[cur]) {
				return line
			}
			next := int32(-1)
			for f := g.Offsets[cur]; f < g.Offsets[cur+1]; f++ {
				if to := g.To[f]; to != prev && !seen[edgeKey(cur, to)] {
					next = to
					break
				}
			}
			if next < 0 {
				return line
			}
			seen[edgeKey(cur, next)] = true
			prev, cur = cur, next
		}
	}
	// Chains start at ends and crossings first, then whatever is left
	// (loops, and chains that enter the box through a node of degree two).
	for pass := 0; pass < 2; pass++ {
		for _, n := range nodes {
			if pass == 0 && degree(n) == 2 {
				continue
			}
			for e := g.Offsets[n]; e < g.Offsets[n+1]; e++ {
				if seen[edgeKey(n, g.To[e])] {
					continue
				}
				line := follow(n, e)
				if degree(n) == 2 { // the middle of a chain: walk the other way too
					other := g.Offsets[n]
					if other == e {
						other++
					}
					if !seen[edgeKey(n, g.To[other])] {
						back := follow(n, other)
						slices.Reverse(back)
						line = append(back, line[1:]...)
					}
				}
				line = simplify(line, toleranceMeters)
				if points+len(line) > maxPoints {
					return lines, true
				}
				points += len(line)
				lines = append(lines, line)
			}
		}
	}
	return lines, false
}

// simplify drops points closer than tol metres to the line through their
// neighbours (Douglas–Peucker, on an equirectangular projection).
func simplify(line [][2]float64, tol float64) [][2]float64 {
	if len(line) < 3 || tol <= 0 {
		return line
	}
	const mPerDeg = earthRadius * math.Pi / 180
	cos := math.Cos(line[0][0] * math.Pi / 180)
	xy := func(p [2]float64) (float64, float64) { return p[1] * mPerDeg * cos, p[0] * mPerDeg }
	keep := make([]bool, len(line))
	keep[0], keep[len(line)-1] = true, true
	var rec func(a, b int)
	rec = func(a, b int) {
		ax, ay := xy(line[a])
		bx, by := xy(line[b])
		dx, dy := bx-ax, by-ay
		l2 := dx*dx + dy*dy
		far, farD := -1, tol
		for i := a + 1; i < b; i++ {
			px, py := xy(line[i])
			var d float64
			if l2 == 0 {
				d = math.Hypot(px-ax, py-ay)
			} else {
				t := math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
				d = math.Hypot(px-ax-t*dx, py-ay-t*dy)
			}
			if d > farD {
				far, farD = i, d
			}
		}
		if far >= 0 {
			keep[far] = true
			rec(a, far)
			rec(far, b)
		}
	}
	rec(0, len(line)-1)
	out := make([][2]float64, 0, len(line))
	for i, k := range keep {
		if k {
			out = append(out, line[i])
		}
	}
	return out
}
