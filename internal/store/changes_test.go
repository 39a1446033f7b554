package store_test

import (
	"context"
	"errors"
	"testing"

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
