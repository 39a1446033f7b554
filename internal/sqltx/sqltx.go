// Package sqltx finds the database/sql transaction an ent statement runs
// in, so that work which must commit or roll back with an ent write (a
// River job's insert, say) can run in the same transaction.
//
// The caller puts a Slot in the context of one ent statement run through a
// transactional client (Capture); the store's driver fills it with the
// *sql.Tx underneath (and, outside a transaction, with the *sql.DB only).
package sqltx

import (
	"context"
	"database/sql"
)

// A Slot receives where a statement ran.
type Slot struct {
	// Tx is the transaction, nil when the statement ran outside one.
	Tx *sql.Tx
	// DB is the pool the statement ran on.
	DB *sql.DB
	// Postgres is true on PostgreSQL, false on SQLite.
	Postgres bool
	// Seen is true once a driver filled the slot.
	Seen bool
}

type slotKey struct{}

// Capture returns ctx with a fresh slot, to be passed to one ent
// statement; read the slot after the statement ran.
func Capture(ctx context.Context) (context.Context, *Slot) {
	s := &Slot{}
	return context.WithValue(ctx, slotKey{}, s), s
}

// Fill records tx (nil outside a transaction), db and the dialect in the
// slot ctx carries, if any. Drivers call it.
func Fill(ctx context.Context, tx *sql.Tx, db *sql.DB, postgres bool) {
	if s, ok := ctx.Value(slotKey{}).(*Slot); ok && !s.Seen {
		*s = Slot{Tx: tx, DB: db, Postgres: postgres, Seen: true}
	}
}
