package opendata

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/change"
	"lifecircle/ent/cobuildingproject"
	"lifecircle/ent/compound"
	"lifecircle/ent/facility"
	"lifecircle/ent/grid"
	"lifecircle/ent/organization"
	"lifecircle/ent/projectsigning"
	"lifecircle/ent/projectupdate"
	"lifecircle/ent/region"
	entresource "lifecircle/ent/resource"
	"lifecircle/ent/servicematter"
	"lifecircle/ent/theme"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/timefmt"
)

// Feed entities: the public record types the change log covers. Each is
// recorded by a changelog.Record hook in its schema (ent/schema).
var feedEntities = []string{"Region", "Compound", "Grid", "Organization", "Facility", "Activity",
	"ServiceMatter", "Resource", "CoBuildingProject", "ProjectSigning", "ProjectUpdate", "Theme"}

// Entry is one change of a public record.
type Entry struct {
	Seq      int    // the change log's ID
	Sequence string // Seq as the feed's opaque cursor
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

// Changes returns up to limit entries after the sequence after (0: from
// the start), oldest first, and whether more follow. Their records are not
// loaded: see LoadRecords. Replaying every entry from the start reproduces
// the current public state.
func Changes(ctx context.Context, client *ent.Client, after, limit int) ([]Entry, bool, error) {
	if limit < 1 || limit > 1000 {
		return nil, false, apperr.BadInput("limit", "between 1 and 1000 changes at a time (100 through GraphQL)")
	}
	rows, err := client.Change.Query().
		Where(change.IDGT(after), change.EntityIn(feedEntities...)).
		Order(ent.Asc(change.FieldID)).Limit(limit + 1).All(rule.SystemContext(ctx))
	if err != nil {
		return nil, false, fmt.Errorf("opendata: changes: %w", err)
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = Entry{Seq: r.ID, Sequence: EncodeCursor(r.ID), Op: r.Op, Entity: r.Entity, ID: r.EntityID, At: r.At}
	}
	return out, more, nil
}

// LoadRecords sets the Record of every entry but deletions to the record as
// it is now, read with ctx (so with its viewer's privacy, and with ent's
// field collection when ctx is a GraphQL field's): one query per type, none
// per entry. A record deleted since (or one ctx may not see) stays nil:
// that is no error.
func LoadRecords(ctx context.Context, client *ent.Client, entries []Entry) error {
	ids := map[string][]int{}
	seen := map[int]bool{}
	for _, e := range entries {
		if e.Op != change.OpDelete && !seen[e.ID] {
			seen[e.ID] = true
			ids[e.Entity] = append(ids[e.Entity], e.ID)
		}
	}
	records := make(map[int]ent.Noder, len(seen))
	for _, entity := range feedEntities {
		if len(ids[entity]) == 0 {
			continue
		}
		nodes, err := loadEntity(ctx, client, entity, ids[entity])
		if err != nil {
			return fmt.Errorf("opendata: records of the change feed: %w", err)
		}
		for _, n := range nodes {
			records[nodeID(n)] = n
		}
	}
	for i := range entries {
		if entries[i].Op != change.OpDelete {
			entries[i].Record = records[entries[i].ID]
		}
	}
	return nil
}

// collector is what every generated query of a node type offers.
type collector[T ent.Noder, Q any] interface {
	CollectFields(context.Context, ...string) (Q, error)
	All(context.Context) ([]T, error)
}

// load runs q, collecting the fields a GraphQL client selected on typ.
func load[T ent.Noder, Q collector[T, Q]](ctx context.Context, q Q, typ string) ([]ent.Noder, error) {
	q, err := q.CollectFields(ctx, typ, "Node")
	if err != nil {
		return nil, err
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ent.Noder, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out, nil
}

// loadEntity loads the records of one feed entity by ID.
func loadEntity(ctx context.Context, client *ent.Client, entity string, ids []int) ([]ent.Noder, error) {
	switch entity {
	case "Region":
		return load(ctx, client.Region.Query().Where(region.IDIn(ids...)), entity)
	case "Compound":
		return load(ctx, client.Compound.Query().Where(compound.IDIn(ids...)), entity)
	case "Grid":
		return load(ctx, client.Grid.Query().Where(grid.IDIn(ids...)), entity)
	case "Organization":
		return load(ctx, client.Organization.Query().Where(organization.IDIn(ids...)), entity)
	case "Facility":
		return load(ctx, client.Facility.Query().Where(facility.IDIn(ids...)), entity)
	case "Activity":
		return load(ctx, client.Activity.Query().Where(activity.IDIn(ids...)), entity)
	case "ServiceMatter":
		return load(ctx, client.ServiceMatter.Query().Where(servicematter.IDIn(ids...)), entity)
	case "Resource":
		return load(ctx, client.Resource.Query().Where(entresource.IDIn(ids...)), entity)
	case "CoBuildingProject":
		return load(ctx, client.CoBuildingProject.Query().Where(cobuildingproject.IDIn(ids...)), entity)
	case "ProjectSigning":
		return load(ctx, client.ProjectSigning.Query().Where(projectsigning.IDIn(ids...)), entity)
	case "ProjectUpdate":
		return load(ctx, client.ProjectUpdate.Query().Where(projectupdate.IDIn(ids...)), entity)
	case "Theme":
		return load(ctx, client.Theme.Query().Where(theme.IDIn(ids...)), entity)
	}
	return nil, fmt.Errorf("no feed entity %q", entity)
}

// nodeID is the ID of a record of a feed entity.
func nodeID(n ent.Noder) int {
	switch v := n.(type) {
	case *ent.Region:
		return v.ID
	case *ent.Compound:
		return v.ID
	case *ent.Grid:
		return v.ID
	case *ent.Organization:
		return v.ID
	case *ent.Facility:
		return v.ID
	case *ent.Activity:
		return v.ID
	case *ent.ServiceMatter:
		return v.ID
	case *ent.Resource:
		return v.ID
	case *ent.CoBuildingProject:
		return v.ID
	case *ent.ProjectSigning:
		return v.ID
	case *ent.ProjectUpdate:
		return v.ID
	case *ent.Theme:
		return v.ID
	}
	return 0
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
		after := r.URL.Query().Get("after")
		seq, err := DecodeCursor(after)
		if err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		entries, more, err := Changes(r.Context(), client, seq, limit)
		if err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		if err := LoadRecords(r.Context(), client, entries); err != nil {
			httpError(w, http.StatusInternalServerError, err)
			return
		}
		next := after
		if len(entries) > 0 {
			next = entries[len(entries)-1].Sequence
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
// in "id" and every "*_id" reference as a global ID too, and every time as
// the rest of lifecircle writes it (RFC 3339 in +08:00, whole seconds), not
// as the driver handed it back.
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
	v := reflect.Indirect(reflect.ValueOf(n))
	if v.Kind() != reflect.Struct {
		return m
	}
	for i := 0; i < v.NumField(); i++ {
		sf := v.Type().Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if _, ok := m[name]; !ok || !sf.IsExported() {
			continue
		}
		switch t := v.Field(i).Interface().(type) {
		case time.Time:
			m[name] = timefmt.Format(t)
		case *time.Time:
			if t != nil {
				m[name] = timefmt.Format(*t)
			}
		}
	}
	return m
}
