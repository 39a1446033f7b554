package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"lifecircle/ent"
	"lifecircle/ent/region"
	"lifecircle/ent/requestevent"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/testenv"
)

// A committed write that appends to the change log bumps the store's
// change signal before the commit returns; a rolled-back one, and a read,
// do not.
func TestCommittedChangesBumpTheSignal(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{})
		ctx := rule.SystemContext(context.Background())
		region := st.Client.Region.Query().FirstX(ctx)
		g := st.Changes.Gen()
		st.Client.Facility.Query().AllX(ctx)
		if st.Changes.Gen() != g {
			t.Fatal("a read bumped the signal")
		}
		tx, err := st.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Facility.Create().SetName("回滚").SetCategory("pharmacy").SetLat(30).SetLng(120).SetCommunityID(region.ID).Save(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if st.Changes.Gen() != g {
			t.Fatal("a rolled-back write bumped the signal")
		}
		err = func() error {
			tx, err := st.Client.Tx(ctx)
			if err != nil {
				return err
			}
			if _, err := tx.Facility.Create().SetName("提交").SetCategory("pharmacy").SetLat(30).SetLng(120).SetCommunityID(region.ID).Save(ctx); err != nil {
				return errors.Join(err, tx.Rollback())
			}
			if st.Changes.Gen() != g {
				return errors.New("bumped before the commit")
			}
			return tx.Commit()
		}()
		if err != nil {
			t.Fatal(err)
		}
		if st.Changes.Gen() <= g {
			t.Fatal("a committed write did not bump the signal")
		}
		// Outside a transaction too.
		g = st.Changes.Gen()
		st.Client.Facility.Create().SetName("自动提交").SetCategory("pharmacy").SetLat(30).SetLng(120).SetCommunityID(region.ID).SaveX(ctx)
		if st.Changes.Gen() <= g {
			t.Fatal("a write outside a transaction did not bump the signal")
		}
	})
}

// Appenders to the private logs are serialised from their append to their
// commit (privatelog.Lock, taken by the store's driver in its own way): a
// second transaction appending a request event waits for the first to
// end, so its ID is both larger and visible later. Without the lock (on
// PostgreSQL), the second would insert and commit at once.
func TestRequestEventAppendersAreSerialised(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{})
		ctx := rule.SystemContext(context.Background())
		c := st.Client
		com := c.Region.Create().SetName("串行社区").SetLevel(region.LevelCommunity).SetLat(39.99).SetLng(116.31).SaveX(ctx)
		p := c.Person.Create().SetName("居民").SetCommunityID(com.ID).SetRoles([]string{"resident"}).SaveX(ctx)
		req := c.ServiceRequest.Create().SetKind(servicerequest.KindServiceNeed).SetTitle("串行").
			SetCommunityID(com.ID).SetRequesterID(p.ID).SetSubmittedAt(time.Now()).SaveX(ctx)
		lockWrites := func() int64 {
			return c.EventLock.Query().FirstX(ctx).Writes
		}
		writes := lockWrites()
		appendEvent := func(tx *ent.Tx) int {
			ev, err := tx.RequestEvent.Create().SetRequestID(req.ID).SetCommunityID(com.ID).
				SetAction(requestevent.ActionReward).SetFromStatus("SUBMITTED").SetToStatus("SUBMITTED").
				SetActorRole("staff").SetNote("串行").Save(ctx)
			if err != nil {
				t.Error(err)
				return 0
			}
			return ev.ID
		}
		tx1, err := c.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		first := appendEvent(tx1)
		second := make(chan int, 1)
		go func() {
			tx2, err := c.Tx(ctx)
			if err != nil {
				t.Error(err)
				second <- 0
				return
			}
			id := appendEvent(tx2)
			if err := tx2.Commit(); err != nil {
				t.Error(err)
			}
			second <- id
		}()
		select {
		case id := <-second:
			t.Fatalf("a second appender (event %d) committed while the first (event %d) was open", id, first)
		case <-time.After(500 * time.Millisecond):
		}
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-second:
			if id <= first {
				t.Errorf("the second appender's event %d is not after the first's %d", id, first)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the second appender did not go on after the first committed")
		}
		// On PostgreSQL the lock is the row's update (counted); on SQLite
		// the write lock of the transaction is enough and the row stays.
		want := writes
		if st.Dialect == dialect.Postgres {
			want += 2
		}
		if got := lockWrites(); got != want {
			t.Errorf("event lock writes: %d, want %d", got, want)
		}
	})
}
