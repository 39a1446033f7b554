package walknet

import (
	"bytes"
	"compress/gzip"
	"container/heap"
	"encoding/gob"
	"fmt"
	"math"
)

// Graph is a walking network in compressed sparse rows: the edges of node i
// are To[Offsets[i]:Offsets[i+1]] with lengths Meters.
type Graph struct {
	Lat, Lng []float64
	Offsets  []int32
	To       []int32
	Meters   []float32

	// MinLat… bound the nodes.
	MinLat, MinLng, MaxLat, MaxLng float64

	cells map[uint64][]int32 // node grid for snapping
}

// snapCell is the side of the snapping grid in degrees (about 220 m).
const snapCell = 0.002

// MaxSnapMeters is how far a point may be from the network to use it.
const MaxSnapMeters = 300

func cellKey(lat, lng float64) (int32, int32) {
	return int32(math.Floor(lat / snapCell)), int32(math.Floor(lng / snapCell))
}

func key(y, x int32) uint64 { return uint64(uint32(y))<<32 | uint64(uint32(x)) }

func (g *Graph) prepare() {
	g.cells = map[uint64][]int32{}
	g.MinLat, g.MinLng, g.MaxLat, g.MaxLng = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range g.Lat {
		y, x := cellKey(g.Lat[i], g.Lng[i])
		g.cells[key(y, x)] = append(g.cells[key(y, x)], int32(i))
		g.MinLat, g.MaxLat = math.Min(g.MinLat, g.Lat[i]), math.Max(g.MaxLat, g.Lat[i])
		g.MinLng, g.MaxLng = math.Min(g.MinLng, g.Lng[i]), math.Max(g.MaxLng, g.Lng[i])
	}
}

// Nodes and Edges count the graph (each two-way segment is two edges).
func (g *Graph) Nodes() int { return len(g.Lat) }

// Edges counts directed edges.
func (g *Graph) Edges() int { return len(g.To) }

// Covers reports whether (lat, lng) lies within the network's bounds.
func (g *Graph) Covers(lat, lng float64) bool {
	return lat >= g.MinLat && lat <= g.MaxLat && lng >= g.MinLng && lng <= g.MaxLng
}

// Snap returns the node nearest to (lat, lng) within MaxSnapMeters.
func (g *Graph) Snap(lat, lng float64) (node int32, meters float64, ok bool) {
	y0, x0 := cellKey(lat, lng)
	best, bestD2 := int32(-1), math.Inf(1)
	// Equirectangular distances: within a few hundred metres they match
	// the great circle to well under a metre, at a fraction of the cost.
	const mPerDeg = earthRadius * math.Pi / 180
	cos := math.Max(math.Cos(lat*math.Pi/180), 0.01)
	// Enough cells to cover MaxSnapMeters each way; cells are narrower
	// east-west away from the equator.
	dy := int32(math.Ceil(MaxSnapMeters / (snapCell * mPerDeg)))
	dx := int32(math.Ceil(MaxSnapMeters / (snapCell * mPerDeg * cos)))
	for y := y0 - dy; y <= y0+dy; y++ {
		for x := x0 - dx; x <= x0+dx; x++ {
			for _, i := range g.cells[key(y, x)] {
				dy := (g.Lat[i] - lat) * mPerDeg
				dx := (g.Lng[i] - lng) * mPerDeg * cos
				if d2 := dx*dx + dy*dy; d2 < bestD2 {
					best, bestD2 = i, d2
				}
			}
		}
	}
	if best < 0 || bestD2 > MaxSnapMeters*MaxSnapMeters {
		return 0, 0, false
	}
	return best, math.Sqrt(bestD2), true
}

// Tree holds the shortest walking distances from one origin.
type Tree struct {
	g        *Graph
	dist     map[int32]float32
	offset   float64 // origin to its snapped node
	MaxMeter float64
}

// From runs Dijkstra from the node nearest (lat, lng), up to maxMeters of
// walking. ok is false when the point is too far from the network.
func (g *Graph) From(lat, lng, maxMeters float64) (*Tree, bool) {
	start, off, ok := g.Snap(lat, lng)
	if !ok {
		return nil, false
	}
	t := &Tree{g: g, dist: map[int32]float32{start: 0}, offset: off, MaxMeter: maxMeters}
	budget := float32(maxMeters - off)
	pq := &queue{{start, 0}}
	for pq.Len() > 0 {
		it := heap.Pop(pq).(item)
		if it.d > t.dist[it.n] {
			continue
		}
		for e := g.Offsets[it.n]; e < g.Offsets[it.n+1]; e++ {
			nd := it.d + g.Meters[e]
			if nd > budget {
				continue
			}
			to := g.To[e]
			if old, seen := t.dist[to]; !seen || nd < old {
				t.dist[to] = nd
				heap.Push(pq, item{to, nd})
			}
		}
	}
	return t, true
}

// MetersTo returns the walking distance from the origin to (lat, lng): to
// the destination's nearest node over the network, plus the straight
// stretches from the origin to its node and from the node to the
// destination. ok is false when the destination is off the network or out
// of the tree's reach.
func (t *Tree) MetersTo(lat, lng float64) (float64, bool) {
	n, off, ok := t.g.Snap(lat, lng)
	if !ok {
		return 0, false
	}
	return t.MetersVia(n, off)
}

// MetersVia is MetersTo for a destination already snapped: node is its
// nearest street node, snap the distance to it.
func (t *Tree) MetersVia(node int32, snap float64) (float64, bool) {
	d, ok := t.dist[node]
	if !ok {
		return 0, false
	}
	total := float64(d) + t.offset + snap
	return total, total <= t.MaxMeter
}

// Graph returns the network the tree was grown on.
func (t *Tree) Graph() *Graph { return t.g }

// Reached returns the coordinates of every node within meters.
func (t *Tree) Reached(meters float64) [][2]float64 {
	var out [][2]float64
	for n, d := range t.dist {
		if float64(d)+t.offset <= meters {
			out = append(out, [2]float64{t.g.Lat[n], t.g.Lng[n]})
		}
	}
	return out
}

type item struct {
	n int32
	d float32
}

type queue []item

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].d < q[j].d }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(item)) }
func (q *queue) Pop() any          { old := *q; it := old[len(old)-1]; *q = old[:len(old)-1]; return it }

// stored is the serialised form of a graph.
type stored struct {
	Lat, Lng []float64
	Offsets  []int32
	To       []int32
	Meters   []float32
}

// Encode serialises g (gob, gzip).
func (g *Graph) Encode() ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := gob.NewEncoder(zw).Encode(stored{g.Lat, g.Lng, g.Offsets, g.To, g.Meters}); err != nil {
		return nil, fmt.Errorf("walknet: encode: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode reads a graph written by Encode.
func Decode(b []byte) (*Graph, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("walknet: decode: %w", err)
	}
	var s stored
	if err := gob.NewDecoder(zr).Decode(&s); err != nil {
		return nil, fmt.Errorf("walknet: decode: %w", err)
	}
	if len(s.Offsets) != len(s.Lat)+1 || len(s.To) != len(s.Meters) {
		return nil, fmt.Errorf("walknet: decode: inconsistent graph")
	}
	g := &Graph{Lat: s.Lat, Lng: s.Lng, Offsets: s.Offsets, To: s.To, Meters: s.Meters}
	g.prepare()
	return g, nil
}
