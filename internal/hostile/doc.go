// Package hostile holds an acceptance test, not code: hostile anonymous
// requests against the public endpoint /open/graphql of a real lifecircle
// process, each of which must be answered or refused within a small bound
// of server CPU, memory and latency, and without hurting other clients.
//
//	go test -count=1 -v ./internal/hostile/
//
// The test builds the server (without -race: CPU figures matter) unless
// LIFECIRCLE_BIN names a binary, and runs every attack once on SQLite and
// once on PostgreSQL (TEST_DATABASE_URL; skipped locally when unreachable,
// a failure with CI=true). See hostile_test.go for the bounds.
package hostile
