package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"

	"lifecircle/graph/model"
	"lifecircle/internal/apperr"
	"lifecircle/internal/opendata"
)

// changes is a page of the change feed as a cursor connection. Each edge's
// cursor holds the entry's change-log sequence; the records are loaded only
// when the client selected them, one query per type, eager-loading what it
// selected inside them.
func (r *Resolver) changes(ctx context.Context, after *entgql.Cursor[int], first int) (*model.ChangeConnection, error) {
	seq := 0
	if after != nil {
		if after.ID < 0 || after.Value != nil {
			return nil, apperr.BadInput("after", "not a change-feed cursor")
		}
		seq = after.ID
	}
	if first < 1 {
		return nil, apperr.BadInput("first", "first is between 1 and 100")
	}
	entries, more, err := opendata.Changes(ctx, r.client, seq, first)
	if err != nil {
		return nil, err
	}
	if rctx, ok := selected(ctx, "ChangeEntry", "edges", "node", "record"); ok {
		if err := opendata.LoadRecords(rctx, r.client, entries); err != nil {
			return nil, err
		}
	}
	conn := &model.ChangeConnection{
		Edges:    make([]*model.ChangeEdge, len(entries)),
		PageInfo: &entgql.PageInfo[int]{HasNextPage: more, HasPreviousPage: seq > 0},
	}
	for i, e := range entries {
		conn.Edges[i] = &model.ChangeEdge{
			Cursor: entgql.Cursor[int]{ID: e.Seq},
			Node: &model.ChangeEntry{
				Sequence: e.Sequence, Op: string(e.Op), Entity: e.Entity, ID: e.ID, At: e.At, Record: e.Record,
			},
		}
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	} else if after != nil {
		// The end of the feed for now: a client keeps its place.
		conn.PageInfo.EndCursor = &entgql.Cursor[int]{ID: seq}
	}
	return conn, nil
}

// selected reports whether the client selected the field at path below the
// current one, and returns ctx with that field as the current one.
func selected(ctx context.Context, object string, path ...string) (context.Context, bool) {
	at := atPath(ctx, object, path...)
	return at, graphql.GetFieldContext(at) != graphql.GetFieldContext(ctx)
}
