// Package severalservers holds the acceptance test of issue #14's "Several
// servers": three lifecircle processes on loopback, sharing one PostgreSQL
// database and one Redis, behave towards a client as one server would.
// It has no code of its own; see severalservers_test.go.
package severalservers
