package opendata

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/change"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/timefmt"
)

// Feed entities: the public record types the change log covers.
var feedEntities = []string{"Region", "Compound", "Grid", "Organization", "Facility", "Activity"}

// Entry is one change of a public record.
type Entry struct {
	Sequence string
	Op       change.Op
	Entity   string
	ID       int
	At       time.Time
	// Record is the record as it is now; nil for a deletion (a tombstone)
	// or a record deleted since.
	Record ent.Noder
}

// EncodeCursor and DecodeCursor make the feed's position opaque.
func EncodeCursor(seq int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("seq:" + strconv.Itoa(seq)))
}

// DecodeCursor reads a cursor; "" is the start.
func DecodeCursor(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 4 || string(b[:4]) != "seq:" {
		return 0, apperr.BadInput("after", "not a change-feed cursor")
	}
	n, err := strconv.Atoi(string(b[4:]))
	if err != nil || n < 0 {
		return 0, apperr.BadInput("after", "not a change-feed cursor")
	}
	return n, nil
}

// Changes returns up to limit entries after cursor, oldest first, with the
// current records loaded in one query per type; the next cursor; and
// whether more follow. Replaying every entry from the start reproduces the
// current public state.
func Changes(ctx context.Context, client *ent.Client, after string, limit int) ([]Entry, string, bool, error) {
	seq, err := DecodeCursor(after)
	if err != nil {
		return nil, "", false, err
	}
	if limit < 1 || limit > 1000 {
		return nil, "", false, apperr.BadInput("limit", "between 1 and 1000 changes at a time (100 through GraphQL)")
	}
	rows, err := client.Change.Query().
		Where(change.IDGT(seq), change.EntityIn(feedEntities...)).
		Order(ent.Asc(change.FieldID)).Limit(limit + 1).All(rule.SystemContext(ctx))
	if err != nil {
		return nil, "", false, fmt.Errorf("opendata: changes: %w", err)
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	var ids []int
	seen := map[int]bool{}
	for _, r := range rows {
		if r.Op != change.OpDelete && !seen[r.EntityID] {
			seen[r.EntityID] = true
			ids = append(ids, r.EntityID)
		}
	}
	records := map[int]ent.Noder{}
	if len(ids) > 0 {
		nodes, err := client.Noders(ctx, ids)
		if err != nil {
			return nil, "", false, err
		}
		for i, n := range nodes {
			if n != nil {
				records[ids[i]] = n
			}
		}
	}
	out := make([]Entry, len(rows))
	next := after
	for i, r := range rows {
		out[i] = Entry{Sequence: EncodeCursor(r.ID), Op: r.Op, Entity: r.Entity, ID: r.EntityID, At: r.At, Record: records[r.EntityID]}
		if r.Op == change.OpDelete {
			out[i].Record = nil
		}
		next = out[i].Sequence
	}
	return out, next, more, nil
}

// ChangesHandler serves /open/changes?after=&limit= as NDJSON.
func ChangesHandler(client *ent.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := 1000
		if l := r.URL.Query().Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil {
				httpError(w, http.StatusBadRequest, apperr.BadInput("limit", "limit is a number"))
				return
			}
			limit = n
		}
		entries, next, more, err := Changes(r.Context(), client, r.URL.Query().Get("after"), limit)
		if err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("X-Next-Cursor", next)
		w.Header().Set("X-More", strconv.FormatBool(more))
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, e := range entries {
			line := map[string]any{"sequence": e.Sequence, "op": e.Op, "entity": e.Entity, "id": gid.Encode(e.ID), "at": timefmt.Format(e.At)}
			if e.Record != nil {
				line["record"] = publicJSON(e.Record)
			}
			if err := enc.Encode(line); err != nil {
				return
			}
		}
	})
}

// publicJSON renders a record for the feed: its fields, with the global ID
// in "id" and every "*_id" reference as a global ID too.
func publicJSON(n ent.Noder) map[string]any {
	b, err := json.Marshal(n)
	if err != nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil
	}
	delete(m, "edges")
	for k, v := range m {
		if f, ok := v.(float64); ok && (k == "id" || strings.HasSuffix(k, "_id")) {
			m[k] = gid.Encode(int(f))
		}
	}
	return m
}
