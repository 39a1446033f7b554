package walknet

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
)

const mPerDegLat = 111194.93

// A 3 × 3 street grid with 200 m blocks from (30, 120) north and east.
func grid(t *testing.T) *Graph {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<osm version="0.6">`)
	lngPerM := 1 / (mPerDegLat * math.Cos(30*math.Pi/180))
	id := func(i, j int) int { return i*3 + j + 1 }
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			fmt.Fprintf(&b, `<node id="%d" lat="%.8f" lon="%.8f"/>`, id(i, j), 30+float64(i)*200/mPerDegLat, 120+float64(j)*200*lngPerM)
		}
	}
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, `<way id="%d"><nd ref="%d"/><nd ref="%d"/><nd ref="%d"/><tag k="highway" v="residential"/></way>`, 100+i, id(i, 0), id(i, 1), id(i, 2))
		fmt.Fprintf(&b, `<way id="%d"><nd ref="%d"/><nd ref="%d"/><nd ref="%d"/><tag k="highway" v="footway"/></way>`, 200+i, id(0, i), id(1, i), id(2, i))
	}
	b.WriteString(`</osm>`)
	g, err := Import(context.Background(), strings.NewReader(b.String()), false)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestShortestPathsOnAGrid(t *testing.T) {
	g := grid(t)
	if g.Nodes() != 9 || g.Edges() != 24 {
		t.Fatalf("grid: %d nodes, %d edges, want 9 and 24", g.Nodes(), g.Edges())
	}
	tree, ok := g.From(30, 120, 2000)
	if !ok {
		t.Fatal("origin not on the network")
	}
	// The far corner is 400 m north and 400 m east: 800 m along the streets.
	lngPerM := 1 / (mPerDegLat * math.Cos(30*math.Pi/180))
	d, ok := tree.MetersTo(30+400/mPerDegLat, 120+400*lngPerM)
	if !ok || math.Abs(d-800) > 1 {
		t.Errorf("to the far corner: %.1f m (%v), want 800", d, ok)
	}
	// A budget of 500 m does not reach it.
	short, _ := g.From(30, 120, 500)
	if _, ok := short.MetersTo(30+400/mPerDegLat, 120+400*lngPerM); ok {
		t.Error("a 500 m budget reached a corner 800 m away")
	}
	// A point 250 m south of the grid still snaps to it (within 300 m).
	if _, m, ok := g.Snap(30-250/mPerDegLat, 120); !ok || math.Abs(m-250) > 1 {
		t.Errorf("snap 250 m south: %.1f m, %v", m, ok)
	}
	if _, _, ok := g.Snap(30-350/mPerDegLat, 120); ok {
		t.Error("a point 350 m away must not snap")
	}
}

func TestEncodeDecode(t *testing.T) {
	g := grid(t)
	b, err := g.Encode()
	if err != nil {
		t.Fatal(err)
	}
	h, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.Nodes() != g.Nodes() || h.Edges() != g.Edges() || h.MaxLat != g.MaxLat {
		t.Errorf("round trip changed the graph")
	}
	if _, err := Decode([]byte("not a graph")); err == nil {
		t.Error("garbage decoded")
	}
}
