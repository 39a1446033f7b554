package store_test

import (
	"context"
	"errors"
	"testing"

	entsql "entgo.io/ent/dialect/sql"

	"lifecircle/ent/facility"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
)

func TestReadRows(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		client := testenv.Client(t, b)
		ctx := rule.SystemContext(context.Background())
		pharmacies := client.Facility.Query().Where(facility.CategoryEQ("pharmacy")).CountX(ctx)

		// The rows go to the reader, with the columns selected; ent sees none.
		var names []string
		var entities int
		err := store.ReadRows(ctx, func(rows entsql.ColumnScanner) error {
			if cols, err := rows.Columns(); err != nil || len(cols) != 2 {
				t.Errorf("columns %v, %v", cols, err)
			}
			var id int
			var name string
			for rows.Next() {
				if err := rows.Scan(&id, &name); err != nil {
					return err
				}
				names = append(names, name)
			}
			return rows.Err()
		}, func(ctx context.Context, mark func(*entsql.Selector)) error {
			fs, err := client.Facility.Query().Where(facility.CategoryEQ("pharmacy"), mark).Select(facility.FieldName).All(ctx)
			entities = len(fs)
			return err
		})
		if err != nil || len(names) != pharmacies || entities != 0 {
			t.Errorf("ReadRows: %v; %d rows read, want %d; ent saw %d", err, len(names), pharmacies, entities)
		}

		// The reader's error is the query's.
		boom := errors.New("boom")
		err = store.ReadRows(ctx, func(entsql.ColumnScanner) error { return boom }, func(ctx context.Context, mark func(*entsql.Selector)) error {
			_, err := client.Facility.Query().Where(mark).All(ctx)
			return err
		})
		if !errors.Is(err, boom) {
			t.Errorf("reader error: %v", err)
		}

		// Without the mark, or in a transaction, the rows never reach the
		// reader: an error, not an empty result.
		read := func(entsql.ColumnScanner) error { t.Error("rows of an unmarked query"); return nil }
		err = store.ReadRows(ctx, read, func(ctx context.Context, mark func(*entsql.Selector)) error {
			_, err := client.Facility.Query().All(ctx)
			return err
		})
		if err == nil {
			t.Error("unmarked query: want an error")
		}
		tx, err := client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		err = store.ReadRows(ctx, func(entsql.ColumnScanner) error { return nil }, func(ctx context.Context, mark func(*entsql.Selector)) error {
			_, err := tx.Facility.Query().Where(mark).All(ctx)
			return err
		})
		if err == nil {
			t.Error("query in a transaction: want an error")
		}
		// The client still works.
		if n := client.Facility.Query().CountX(ctx); n == 0 {
			t.Error("no facilities after ReadRows")
		}
	})
}
