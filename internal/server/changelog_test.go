package server_test

import (
	"context"
	"testing"
	"time"

	"lifecircle/ent"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/testenv"
)

// Two writers overlap: the first is still open when the second commits and
// the index catches up in between. Change IDs must still become visible in
// order, so the first writer's facility is not skipped for ever.
func TestIndexMissesNoOverlappingCommit(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{})
		ctx := rule.SystemContext(context.Background())
		comm, err := st.Client.Region.Query().FirstID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ix := servicemap.NewIndex(st.Client)
		if err := ix.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		before := ix.Len()
		create := func(c *ent.Client, name string) error {
			return c.Facility.Create().SetName(name).SetCategory("pharmacy").SetLat(30).SetLng(120).SetCommunityID(comm).Exec(ctx)
		}
		tx1, err := st.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := create(tx1.Client(), "first, committed last"); err != nil {
			t.Fatal(err)
		}
		second := make(chan error, 1)
		go func() { second <- create(st.Client, "second, committed first") }()
		select {
		case err := <-second: // SQLite serialises writers; PostgreSQL's lock row does the same
			t.Fatalf("the second writer finished while the first held the change log: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		if err := ix.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatal(err)
		}
		if err := ix.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := ix.Len(); got != before+2 {
			t.Errorf("index holds %d facilities, want %d: an overlapping commit was skipped", got, before+2)
		}
	})
}
