// Package walknet builds walking networks from OpenStreetMap extracts and
// answers shortest walking distances over them.
package walknet

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"
)

// walkable are the highway values people walk along. Motorways and trunk
// roads are left out unless tagged foot=yes.
var walkable = map[string]bool{
	"footway": true, "path": true, "pedestrian": true, "living_street": true, "residential": true,
	"service": true, "steps": true, "track": true, "unclassified": true, "road": true,
	"tertiary": true, "tertiary_link": true, "secondary": true, "secondary_link": true,
	"primary": true, "primary_link": true, "cycleway": true, "corridor": true,
}

func isWalkable(tags osm.Tags) bool {
	hw := tags.Find("highway")
	foot := tags.Find("foot")
	if foot == "no" {
		return false
	}
	if foot == "yes" || foot == "designated" {
		return hw != ""
	}
	if a := tags.Find("access"); a == "no" || a == "private" {
		return false
	}
	return walkable[hw]
}

type scanner interface {
	Scan() bool
	Object() osm.Object
	Err() error
	Close() error
}

// Import reads an OpenStreetMap extract, PBF when pbf is true and XML
// otherwise, and builds the walking graph of its walkable ways.
func Import(ctx context.Context, r io.Reader, pbf bool) (*Graph, error) {
	var sc scanner
	if pbf {
		s := osmpbf.New(ctx, r, 2)
		s.SkipRelations = true
		sc = s
	} else {
		sc = osmxml.New(ctx, r)
	}
	defer sc.Close()
	coords := map[osm.NodeID][2]float64{}
	var ways [][]osm.NodeID
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			coords[o.ID] = [2]float64{o.Lat, o.Lon}
		case *osm.Way:
			if len(o.Nodes) >= 2 && isWalkable(o.Tags) {
				ways = append(ways, o.Nodes.NodeIDs())
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("walknet: read OSM: %w", err)
	}
	b := newBuilder()
	for _, w := range ways {
		for i := 1; i < len(w); i++ {
			a, okA := coords[w[i-1]]
			c, okC := coords[w[i]]
			if !okA || !okC {
				continue // the extract cut the way: keep the parts it has
			}
			b.edge(int64(w[i-1]), a, int64(w[i]), c)
		}
	}
	g := b.build()
	if len(g.Lat) == 0 {
		return nil, fmt.Errorf("walknet: the extract has no walkable ways")
	}
	return g, nil
}

// IsPBF guesses the format from a file name.
func IsPBF(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".pbf") }

type builder struct {
	index map[int64]int32
	lat   []float64
	lng   []float64
	adj   [][]half
}

type half struct {
	to     int32
	meters float32
}

func newBuilder() *builder { return &builder{index: map[int64]int32{}} }

func (b *builder) node(id int64, c [2]float64) int32 {
	if i, ok := b.index[id]; ok {
		return i
	}
	i := int32(len(b.lat))
	b.index[id] = i
	b.lat = append(b.lat, c[0])
	b.lng = append(b.lng, c[1])
	b.adj = append(b.adj, nil)
	return i
}

// edge adds a two-way segment (people walk both ways, even on oneway streets).
func (b *builder) edge(idA int64, a [2]float64, idB int64, c [2]float64) {
	i, j := b.node(idA, a), b.node(idB, c)
	if i == j {
		return
	}
	d := float32(Distance(a[0], a[1], c[0], c[1]))
	b.adj[i] = append(b.adj[i], half{j, d})
	b.adj[j] = append(b.adj[j], half{i, d})
}

func (b *builder) build() *Graph {
	g := &Graph{Lat: b.lat, Lng: b.lng, Offsets: make([]int32, len(b.lat)+1)}
	for i, hs := range b.adj {
		g.Offsets[i+1] = g.Offsets[i] + int32(len(hs))
		for _, h := range hs {
			g.To = append(g.To, h.to)
			g.Meters = append(g.Meters, h.meters)
		}
	}
	g.prepare()
	return g
}

const earthRadius = 6371008.8

// Distance is the great-circle distance in metres (haversine).
func Distance(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(a)))
}
