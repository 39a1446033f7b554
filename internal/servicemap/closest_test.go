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
