package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// ReadRows runs one ent query and hands its rows to read instead of ent's
// scanner. ent builds and runs the query as always — privacy policy,
// interceptors, predicates, under the caller's context — but read scans
// the rows into buffers of its own, where ent would allocate an entity per
// row: a download of a million rows cannot afford that.
//
// query runs the ent query under the context it is given, with mark among
// its predicates. mark adds no condition; it tells the driver which
// statement is the query's own (the privacy policy may run queries of its
// own before it). ent sees no rows: read has consumed them.
//
//	err := store.ReadRows(ctx, read, func(ctx context.Context, mark func(*entsql.Selector)) error {
//		_, err := client.Facility.Query().Where(facility.IDGT(after), mark).Select(…).All(ctx)
//		return err
//	})
//
// It fails if the rows never reached read: a client not opened by Open, or
// a query run inside a transaction.
func ReadRows(ctx context.Context, read func(entsql.ColumnScanner) error, query func(ctx context.Context, mark func(*entsql.Selector)) error) error {
	rr := &rowReader{read: read}
	if err := query(context.WithValue(ctx, rowReaderKey{}, rr), func(*entsql.Selector) { rr.marked = true }); err != nil {
		return err
	}
	if !rr.done {
		return errors.New("store: ReadRows: the query's rows did not reach the reader")
	}
	return nil
}

type rowReaderKey struct{}

// A rowReader waits for the statement of its query: marked once ent has
// built it, done once the driver has handed its rows over.
type rowReader struct {
	read         func(entsql.ColumnScanner) error
	marked, done bool
}

// driver is ent's SQL driver; it hands the rows of a ReadRows query to the
// reader.
type driver struct{ dialect.Driver }

// BeginTx passes transaction options on to the driver underneath.
func (d driver) BeginTx(ctx context.Context, opts *entsql.TxOptions) (dialect.Tx, error) {
	return begin(ctx, d.Driver, opts)
}

// begin starts a transaction on d, with opts when d takes options (the
// store's drivers wrap one another and pass them on).
func begin(ctx context.Context, d dialect.Driver, opts *entsql.TxOptions) (dialect.Tx, error) {
	if b, ok := d.(interface {
		BeginTx(context.Context, *entsql.TxOptions) (dialect.Tx, error)
	}); ok {
		return b.BeginTx(ctx, opts)
	}
	return d.Tx(ctx)
}

func (d driver) Query(ctx context.Context, query string, args, v any) error {
	if err := d.Driver.Query(ctx, query, args, v); err != nil {
		return err
	}
	rr, _ := ctx.Value(rowReaderKey{}).(*rowReader)
	if rr == nil || !rr.marked || rr.done {
		return nil
	}
	rr.done = true
	rows, ok := v.(*entsql.Rows)
	if !ok {
		return fmt.Errorf("store: ReadRows: unexpected rows %T", v)
	}
	columns, err := rows.Columns()
	if err == nil {
		err = rr.read(rows.ColumnScanner)
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// ent goes on to read the columns and finds no rows.
	*rows = entsql.Rows{ColumnScanner: noRows(columns)}
	return nil
}

// noRows are the rows ent scans after the reader: the query's columns, and
// no rows.
type noRows []string

func (noRows) Close() error                            { return nil }
func (noRows) ColumnTypes() ([]*sql.ColumnType, error) { return nil, nil }
func (c noRows) Columns() ([]string, error)            { return c, nil }
func (noRows) Err() error                              { return nil }
func (noRows) Next() bool                              { return false }
func (noRows) NextResultSet() bool                     { return false }
func (noRows) Scan(...any) error                       { return sql.ErrNoRows }
