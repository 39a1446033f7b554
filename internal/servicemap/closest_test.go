package servicemap

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"lifecircle/internal/changewake"
	"lifecircle/internal/taxonomy"
)

// Closest pages unsorted hits as sorting them all and cutting after the
// cursor would: ties in minutes broken by ID, a cursor that is one of the
// hits or one no longer there, pages past the end.
func TestClosestIsTheSortedPage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		hits := make([]Hit, r.IntN(200))
		for i := range hits {
			// Few distinct minutes, so ties are common.
			hits[i] = Hit{ID: i + 1, Minutes: float64(r.IntN(20))}
		}
		r.Shuffle(len(hits), func(i, j int) { hits[i], hits[j] = hits[j], hits[i] })
		sorted := slices.Clone(hits)
		slices.SortFunc(sorted, compareHits)
		n := r.IntN(60)
		var after *Hit
		switch {
		case len(sorted) > 0 && round%3 == 0:
			h := sorted[r.IntN(len(sorted))]
			after = &h
		case round%3 == 1:
			after = &Hit{ID: 1000 + r.IntN(10), Minutes: float64(r.IntN(22))}
		}
		start := 0
		if after != nil {
			start, _ = slices.BinarySearchFunc(sorted, *after, compareHits)
			if start < len(sorted) && sorted[start].ID == after.ID {
				start++
			}
		}
		want := sorted[start:min(start+n, len(sorted))]
		got, before := Closest(hits, after, n)
		if before != start || !slices.Equal(got, want) {
			t.Fatalf("round %d (%d hits, n %d, after %v): got %v before %d, want %v before %d", round, len(hits), n, after, got, before, want, start)
		}
	}
}

// NearPage, which pages the hits as it finds them, answers as Closest over
// Near's hits: the same page, the same count before the cursor, the same
// total; by radius and by walking time, with and without categories, from
// the start and after a cursor inside the hits.
func TestNearPageIsClosestOfNear(t *testing.T) {
	ix, _ := syntheticCity(20_000, 0, 10000)
	w := changewake.New()
	w.Bump()
	ix.wake = w
	ix.synced.Store(w.Gen()) // current: Sync reads no database
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	walk := DefaultWalkModel()
	for round := range 200 {
		q := NearQuery{Lat: 34.30 + (r.Float64()-0.5)*0.08, Lng: 108.80 + (r.Float64()-0.5)*0.1, Model: walk, Profile: Adult}
		if round%2 == 0 {
			q.RadiusMeters = 200 + r.Float64()*1500
		} else {
			q.Minutes = 3 + r.Float64()*15
		}
		if round%3 == 0 {
			q.Categories = []string{taxonomy.All()[r.IntN(30)].Code, taxonomy.All()[r.IntN(30)].Code}
		}
		hits, err := ix.Near(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var after *Hit
		if len(hits) > 0 && round%4 >= 2 {
			h := hits[r.IntN(len(hits))]
			after = &h
		}
		n := r.IntN(120)
		want, wantBefore := Closest(hits, after, n)
		got, before, total, err := ix.NearPage(ctx, q, after, n)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(hits) || before != wantBefore || !slices.Equal(got, want) {
			t.Fatalf("round %d (%d hits, n %d, after %v): got %d hits, %d before, page %v; want %d, %d, %v",
				round, len(hits), n, after, total, before, got, len(hits), wantBefore, want)
		}
		if round == 0 && len(hits) < 50 {
			t.Fatalf("only %d hits: the city is too sparse to compare pages", len(hits))
		}
	}
}

// The ID table answers as a map would, through dense IDs, deletions and
// an ID far past the count that turns it into a map.
func TestIDTableIsAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var tab idTable
	want := map[int]int32{}
	check := func(step int) {
		if tab.len() != len(want) {
			t.Fatalf("step %d: %d IDs, want %d", step, tab.len(), len(want))
		}
		for id, i := range want {
			if got, ok := tab.get(id); !ok || got != i {
				t.Fatalf("step %d: ID %d gives %d %v, want %d", step, id, got, ok, i)
			}
		}
		n := 0
		tab.each(func(id int, i int32) {
			n++
			if want[id] != i {
				t.Fatalf("step %d: each gives ID %d at %d, want %d", step, id, i, want[id])
			}
		})
		if n != len(want) {
			t.Fatalf("step %d: each gives %d IDs, want %d", step, n, len(want))
		}
	}
	const base = 3 << 32                        // the facilities' range of global IDs
	for id := base + 1; id <= base+2000; id++ { // loaded in ID order
		tab.set(id, int32(id-base))
		want[id] = int32(id - base)
	}
	check(-1)
	for step := range 6000 {
		id := base + 1 + r.IntN(3000)
		if step == 4000 {
			id = base + 1<<30 // far past the count: a map from now on
		}
		switch {
		case r.IntN(4) == 0 && step != 4000:
			tab.del(id)
			delete(want, id)
		default:
			i := int32(r.IntN(1 << 20))
			tab.set(id, i)
			want[id] = i
		}
		if _, ok := tab.get(id - base); ok {
			t.Fatalf("step %d: an ID below the base is found", step)
		}
		if step%500 == 0 || step == 4000 {
			check(step)
		}
		if step == 3999 && tab.sparse != nil || step == 4000 && tab.sparse == nil {
			t.Fatalf("step %d: sparse is %v", step, tab.sparse != nil)
		}
	}
	check(6000)
}

// BenchmarkNearPage is facilitiesNear's search on BenchmarkRequestPath's
// city (20,000 facilities over 10 km × 10 km, radius 1,200 m, first 50), in
// memory: every hit listed and then paged (as before session 7), or paged
// while searching (NearPage). cpu-ns/op is the process's CPU time, which a
// busy machine disturbs less than ns/op.
//
//	go test ./internal/servicemap -run '^$' -bench NearPage -benchmem
func BenchmarkNearPage(b *testing.B) {
	ix, _ := syntheticCity(20_000, 0, 10000)
	w := changewake.New()
	ix.wake = w
	ix.synced.Store(w.Gen())
	ctx := context.Background()
	walk := DefaultWalkModel()
	query := func(i int) NearQuery {
		x, y := float64((i*7919)%1000)/1000, float64((i*104729)%1000)/1000
		return NearQuery{Lat: 34.30 + (y-0.5)*0.08, Lng: 108.80 + (x-0.5)*0.1, Model: walk, Profile: Adult, RadiusMeters: 1200}
	}
	b.Run("list-then-page", func(b *testing.B) {
		b.ReportAllocs()
		cpu := processCPU()
		defer func() { b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op") }()
		for i := 0; b.Loop(); i++ {
			q := query(i)
			q.Unsorted = true
			hits, err := ix.Near(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			if page, _ := Closest(hits, nil, 50); len(page) != 50 {
				b.Fatalf("%d hits in the page", len(page))
			}
		}
	})
	b.Run("NearPage", func(b *testing.B) {
		b.ReportAllocs()
		cpu := processCPU()
		defer func() { b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op") }()
		for i := 0; b.Loop(); i++ {
			page, _, _, err := ix.NearPage(ctx, query(i), nil, 50)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) != 50 {
				b.Fatalf("%d hits in the page", len(page))
			}
		}
	})
}
