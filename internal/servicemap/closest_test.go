package servicemap

import (
	"math/rand/v2"
	"slices"
	"testing"
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
