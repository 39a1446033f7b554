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
