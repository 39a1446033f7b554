package walknet

import (
	"math"
	"testing"
)

func TestLinesDrawEachStreetOnce(t *testing.T) {
	g := grid(t)
	all := Box{29.99, 119.99, 30.01, 120.01}
	lines, truncated := g.Lines(all, 0, 1000)
	if truncated {
		t.Fatal("truncated")
	}
	// Every segment of the 3 × 3 grid (12) is drawn exactly once.
	segs := map[[2][2]float64]int{}
	for _, l := range lines {
		for i := 1; i < len(l); i++ {
			a, b := l[i-1], l[i]
			if a[0] > b[0] || a[0] == b[0] && a[1] > b[1] {
				a, b = b, a
			}
			segs[[2][2]float64{a, b}]++
		}
	}
	if len(segs) != 12 {
		t.Errorf("%d distinct segments drawn, want 12", len(segs))
	}
	for s, n := range segs {
		if n != 1 {
			t.Errorf("segment %v drawn %d times", s, n)
		}
	}
	// A box around the south-west corner only: the two streets from it,
	// to their next crossing.
	lat0, lng0 := 30.0, 120.0
	corner := Box{lat0 - 0.0001, lng0 - 0.0001, lat0 + 0.0001, lng0 + 0.0001}
	few, _ := g.Lines(corner, 0, 1000)
	if len(few) != 1 || len(few[0]) != 3 {
		t.Errorf("around the corner: %v, want one line of 3 points (north, corner, east)", few)
	}
	for _, l := range few {
		for _, p := range l {
			if math.Abs(p[0]-lat0) > 0.002 || math.Abs(p[1]-lng0) > 0.003 {
				t.Errorf("point %v is further than the next crossing", p)
			}
		}
	}

	if _, truncated := g.Lines(all, 0, 4); !truncated {
		t.Error("a cap of 4 points did not truncate 12 segments")
	}
	if l, _ := g.Lines(Box{10, 10, 11, 11}, 0, 1000); len(l) != 0 {
		t.Errorf("a box away from the network drew %d lines", len(l))
	}
}

func TestSimplifyDropsOnlyPointsNearTheLine(t *testing.T) {
	dLat := 1 / mPerDegLat // one metre north
	line := [][2]float64{{30, 120}, {30 + 2*dLat, 120.001}, {30, 120.002}, {30 + 50*dLat, 120.003}, {30, 120.004}}
	got := simplify(line, 5)
	// The 2 m bump goes; the 50 m spike stays.
	want := [][2]float64{{30, 120}, {30, 120.002}, {30 + 50*dLat, 120.003}, {30, 120.004}}
	if len(got) != len(want) {
		t.Fatalf("simplify: %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("point %d: %v, want %v", i, got[i], want[i])
		}
	}
}
