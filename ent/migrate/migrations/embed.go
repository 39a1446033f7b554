// Package migrations holds lifecircle's versioned PostgreSQL migrations,
// written by `go run ./scripts/new-migration NAME` from the ent schema and
// reviewed like code. They are embedded in the binary; internal/migrations
// applies them. Never edit a committed migration: write a new one.
package migrations

import "embed"

// Files are the migration files (VERSION_NAME.sql) and atlas.sum, the
// checksums that detect an edited or missing file.
//
//go:embed *.sql atlas.sum
var Files embed.FS
