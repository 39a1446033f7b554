package migrations

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
)

const (
	revisionsSchema = "atlas_schema_revisions"
	revisionsTable  = "atlas_schema_revisions"
	revisionsName   = `"atlas_schema_revisions"."atlas_schema_revisions"`
)

// revisions is Atlas's RevisionReadWriter over a PostgreSQL table with the
// columns the atlas CLI uses, in the caller's transaction.
//
// With deferred set, writes are kept in memory until flush: Atlas records a
// file's progress after every statement, which inside one transaction (all
// or nothing) only costs a round trip per statement.
type revisions struct {
	q        querier
	deferred bool
	pending  []*atlas.Revision
}

// flush writes the deferred revisions.
func (r *revisions) flush(ctx context.Context) error {
	r.deferred = false
	for _, rev := range r.pending {
		if err := r.WriteRevision(ctx, rev); err != nil {
			return err
		}
	}
	r.pending = nil
	return nil
}

var _ atlas.RevisionReadWriter = (*revisions)(nil)

func (r *revisions) create(ctx context.Context) error {
	for _, s := range []string{
		`CREATE SCHEMA IF NOT EXISTS "atlas_schema_revisions"`,
		`CREATE TABLE IF NOT EXISTS ` + revisionsName + ` (
			"version" character varying NOT NULL PRIMARY KEY,
			"description" character varying NOT NULL,
			"type" bigint NOT NULL DEFAULT 2,
			"applied" bigint NOT NULL DEFAULT 0,
			"total" bigint NOT NULL DEFAULT 0,
			"executed_at" timestamptz NOT NULL,
			"execution_time" bigint NOT NULL,
			"error" text NULL,
			"error_stmt" text NULL,
			"hash" character varying NOT NULL,
			"partial_hashes" jsonb NULL,
			"operator_version" character varying NOT NULL)`,
	} {
		if _, err := r.q.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("migrations: create the revisions table: %w", err)
		}
	}
	return nil
}

func (r *revisions) Ident() *atlas.TableIdent {
	return &atlas.TableIdent{Schema: revisionsSchema, Name: revisionsTable}
}

const revisionColumns = `"version", "description", "type", "applied", "total", "executed_at", "execution_time", "error", "error_stmt", "hash", "partial_hashes", "operator_version"`

func (r *revisions) ReadRevisions(ctx context.Context) ([]*atlas.Revision, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+revisionColumns+` FROM `+revisionsName+` ORDER BY "version"`)
	if err != nil {
		return nil, fmt.Errorf("migrations: read revisions: %w", err)
	}
	defer rows.Close()
	var revs []*atlas.Revision
	for rows.Next() {
		rev, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		revs = append(revs, rev)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Deferred writes replace or join what the table holds.
	for _, p := range r.pending {
		i := slices.IndexFunc(revs, func(rev *atlas.Revision) bool { return rev.Version == p.Version })
		c := *p
		if i >= 0 {
			revs[i] = &c
		} else {
			revs = append(revs, &c)
		}
	}
	slices.SortFunc(revs, func(a, b *atlas.Revision) int { return strings.Compare(a.Version, b.Version) })
	return revs, nil
}

func (r *revisions) ReadRevision(ctx context.Context, version string) (*atlas.Revision, error) {
	for _, rev := range r.pending {
		if rev.Version == version {
			c := *rev
			return &c, nil
		}
	}
	rows, err := r.q.QueryContext(ctx, `SELECT `+revisionColumns+` FROM `+revisionsName+` WHERE "version" = $1`, version)
	if err != nil {
		return nil, fmt.Errorf("migrations: read revision: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, atlas.ErrRevisionNotExist
	}
	return scanRevision(rows)
}

func scanRevision(rows *sql.Rows) (*atlas.Revision, error) {
	var (
		rev            atlas.Revision
		typ            int64
		execNanos      int64
		errText, errSt sql.NullString
		partial        []byte
	)
	if err := rows.Scan(&rev.Version, &rev.Description, &typ, &rev.Applied, &rev.Total, &rev.ExecutedAt,
		&execNanos, &errText, &errSt, &rev.Hash, &partial, &rev.OperatorVersion); err != nil {
		return nil, fmt.Errorf("migrations: scan revision: %w", err)
	}
	rev.Type = atlas.RevisionType(typ)
	rev.ExecutionTime = time.Duration(execNanos)
	rev.Error, rev.ErrorStmt = errText.String, errSt.String
	if len(partial) > 0 {
		if err := json.Unmarshal(partial, &rev.PartialHashes); err != nil {
			return nil, fmt.Errorf("migrations: revision %s: partial hashes: %w", rev.Version, err)
		}
	}
	return &rev, nil
}

func (r *revisions) WriteRevision(ctx context.Context, rev *atlas.Revision) error {
	if r.deferred {
		c := *rev
		c.PartialHashes = append([]string(nil), rev.PartialHashes...)
		for i, p := range r.pending {
			if p.Version == rev.Version {
				r.pending[i] = &c
				return nil
			}
		}
		r.pending = append(r.pending, &c)
		return nil
	}
	var partial any
	if len(rev.PartialHashes) > 0 {
		b, err := json.Marshal(rev.PartialHashes)
		if err != nil {
			return err
		}
		partial = string(b)
	}
	_, err := r.q.ExecContext(ctx, `INSERT INTO `+revisionsName+` (`+revisionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), NULLIF($9, ''), $10, $11, $12)
		ON CONFLICT ("version") DO UPDATE SET "description" = EXCLUDED."description", "type" = EXCLUDED."type",
			"applied" = EXCLUDED."applied", "total" = EXCLUDED."total", "executed_at" = EXCLUDED."executed_at",
			"execution_time" = EXCLUDED."execution_time", "error" = EXCLUDED."error", "error_stmt" = EXCLUDED."error_stmt",
			"hash" = EXCLUDED."hash", "partial_hashes" = EXCLUDED."partial_hashes", "operator_version" = EXCLUDED."operator_version"`,
		rev.Version, rev.Description, int64(rev.Type), rev.Applied, rev.Total, rev.ExecutedAt,
		int64(rev.ExecutionTime), rev.Error, rev.ErrorStmt, rev.Hash, partial, rev.OperatorVersion)
	if err != nil {
		return fmt.Errorf("migrations: write revision %s: %w", rev.Version, err)
	}
	return nil
}

func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	_, err := r.q.ExecContext(ctx, `DELETE FROM `+revisionsName+` WHERE "version" = $1`, version)
	if err != nil {
		return fmt.Errorf("migrations: delete revision %s: %w", version, err)
	}
	return nil
}
