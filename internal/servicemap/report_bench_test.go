package servicemap

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"syscall"
	"testing"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/facility"
	"lifecircle/internal/taxonomy"
)

// syntheticCity fills an index as scripts/synth fills the database: n
// facilities of 30 categories spread uniformly over side × side metres around
// (34.30, 108.80), 1% closed and 2% temporarily closed, and returns
// compounds compounds spread the same way. No database: the index is
// filled directly, so the benchmark times the report's computation alone.
func syntheticCity(n, compounds int, side float64) (*Index, []*ent.Compound) {
	const centerLat, centerLng = 34.30, 108.80
	mLat := earthRadius * 3.141592653589793 / 180
	mLng := mLat * 0.8258 // cos(34.30°)
	rng := rand.New(rand.NewPCG(1, 2))
	pos := func() (float64, float64) {
		return centerLat + (rng.Float64()*side-side/2)/mLat, centerLng + (rng.Float64()*side-side/2)/mLng
	}
	ix := emptyIndex()
	ix.loaded = true
	cats := taxonomy.All()[:30]
	for id := 1; id <= n; id++ {
		lat, lng := pos()
		st := facility.StatusOpen
		switch r := rng.IntN(100); {
		case r < 1:
			st = facility.StatusClosed
		case r < 3:
			st = facility.StatusTemporarilyClosed
		}
		ix.upsert(&ent.Facility{ID: id, Lat: lat, Lng: lng, Category: cats[rng.IntN(len(cats))].Code, Status: st})
	}
	cs := make([]*ent.Compound, compounds)
	for i := range cs {
		lat, lng := pos()
		cs[i] = &ent.Compound{ID: i + 1, Lat: lat, Lng: lng, Households: 100 + rng.IntN(1900)}
	}
	return ix, cs
}

// BenchmarkWholeCityReport is issue #17's whole-city lifeCircleReport:
// 10,000 compounds over 1,000,000 facilities, 15 minutes, straight line.
//
//	go test ./internal/servicemap -run XXX -bench WholeCityReport -benchtime 3x
func BenchmarkWholeCityReport(b *testing.B) {
	ix, cs := syntheticCity(1_000_000, 10_000, 40000)
	ix.layOut()
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		rep := ix.report(DefaultWalkModel(), cs, DefaultMinutes, Adult)
		if len(rep.Compounds) != len(cs) {
			b.Fatal(fmt.Sprint("compounds: ", len(rep.Compounds)))
		}
	}
	// CPU time says more than wall time on a shared machine.
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestLayOutKeepsEveryAnswer: laying the points out cell by cell changes
// where they sit in memory, not a single answer: the report, and the
// points each search finds in the order it finds them, are the same
// before and after, and IDs still find their points.
func TestLayOutKeepsEveryAnswer(t *testing.T) {
	ix, cs := syntheticCity(20_000, 300, 40000)
	ix.remove(7) // a free slot, which layOut drops
	before := ix.report(DefaultWalkModel(), cs, DefaultMinutes, Adult)
	found := func() [][]int {
		var out [][]int
		for _, c := range cs[:50] {
			var ids []int
			ix.visit(c.Lat, c.Lng, 1500, func(p *point, _ float64) { ids = append(ids, p.id) })
			out = append(out, ids)
		}
		return out
	}
	visited := found()
	ix.layOut()
	after := ix.report(DefaultWalkModel(), cs, DefaultMinutes, Adult)
	if !reflect.DeepEqual(before, after) {
		t.Fatal("the report changed when the points were laid out by cell")
	}
	if !reflect.DeepEqual(visited, found()) {
		t.Fatal("a search found other points, or in another order, after the layout")
	}
	if len(ix.pts) != 20_000-1 || len(ix.free) != 0 {
		t.Fatalf("%d points and %d free slots after the layout, want 19999 and 0", len(ix.pts), len(ix.free))
	}
	if ix.byID.sparse != nil {
		t.Fatal("the ID table of dense IDs is a map after the layout")
	}
	ix.byID.each(func(id int, i int32) {
		if ix.pts[i].id != id {
			t.Fatalf("byID[%d] points at facility %d", id, ix.pts[i].id)
		}
	})
	if before.MeanScore == 0 || len(before.Compounds[0].Circle.Categories[0].Nearest) == 0 {
		t.Fatal("the synthetic city is too sparse to compare anything")
	}
}

// TestSkippingCellsKeepsEveryAnswer: the straight-line circle that skips
// cells answers exactly as the one that reads every cell within the search
// radius, in a sparse city (the k nearest of a category are far apart, and
// 23 categories have no facility at all) and a dense one (they are near).
func TestSkippingCellsKeepsEveryAnswer(t *testing.T) {
	for _, city := range []struct {
		name       string
		facilities int
		side       float64
	}{{"sparse", 5_000, 40000}, {"dense", 60_000, 6000}} {
		t.Run(city.name, func(t *testing.T) {
			ix, cs := syntheticCity(city.facilities, 200, city.side)
			ix.layOut()
			for _, k := range []int{1, 3, 10} {
				for _, minutes := range []float64{5, 15} {
					for _, c := range cs {
						q := CircleQuery{Lat: c.Lat, Lng: c.Lng, Minutes: minutes, Profile: Elderly, K: k}
						pruned := ix.coverage(DefaultWalkModel(), q, false)
						pruneCells = false
						every := ix.coverage(DefaultWalkModel(), q, false)
						pruneCells = true
						if !reflect.DeepEqual(pruned, every) {
							t.Fatalf("k %d, %v min, compound %d: skipping cells changed the circle", k, minutes, c.ID)
						}
					}
				}
			}
		})
	}
}
