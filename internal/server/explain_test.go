package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"lifecircle/internal/auth"
	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/store"
	"lifecircle/internal/taxonomy"
	"lifecircle/internal/testenv"
)

// recorder keeps the SELECT statements a client sends, with their
// arguments, so a test can EXPLAIN exactly what the API ran.
type recorder struct {
	dialect.Driver
	mu    sync.Mutex
	stmts []recorded
}

type recorded struct {
	query string
	args  []any
}

func (r *recorder) Query(ctx context.Context, query string, args, v any) error {
	if a, ok := args.([]any); ok && strings.HasPrefix(strings.TrimSpace(query), "SELECT") {
		r.mu.Lock()
		r.stmts = append(r.stmts, recorded{query, append([]any(nil), a...)})
		r.mu.Unlock()
	}
	return r.Driver.Query(ctx, query, args, v)
}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

// largeTables are the tables that grow with a city; a sequential scan of
// one of them on a request path is a bug.
var largeTables = map[string]bool{
	"facilities": true, "activities": true, "compounds": true, "organizations": true, "grids": true,
	"persons": true, "registrations": true, "service_requests": true, "request_events": true, "changes": true,
	"grid_compounds": true,
}

// cityScaleSQL fills an empty lifecircle database with a district-sized
// city: 445 regions (400 communities), 4,000 compounds (each in two of
// 1,200 grids), 2,000
// organisations, 100,000 facilities, 50,000 activities, 20,000 people and
// registrations, 10,000 service requests with 20,000 events, and 100,000
// change-log entries.
func cityScaleSQL() string {
	cats := "ARRAY['" + strings.Join(taxonomy.Codes(), "','") + "']"
	return `
SELECT setseed(0.17);
INSERT INTO regions (created_at, updated_at, level, name, lat, lng, approximate)
 VALUES (now(), now(), 'CITY', '合成市', 34.3, 108.7, true);
INSERT INTO regions (created_at, updated_at, level, name, lat, lng, approximate, parent_id)
 SELECT now(), now(), 'DISTRICT', '合成区' || g, 34.3, 108.7, true, (SELECT id FROM regions WHERE level = 'CITY')
 FROM generate_series(1, 4) g;
WITH d AS (SELECT array_agg(id ORDER BY id) a FROM regions WHERE level = 'DISTRICT')
INSERT INTO regions (created_at, updated_at, level, name, lat, lng, approximate, parent_id)
 SELECT now(), now(), 'SUBDISTRICT', '合成街道' || g, 34.3, 108.7, true, d.a[1 + g % 4] FROM generate_series(1, 40) g, d;
WITH s AS (SELECT array_agg(id ORDER BY id) a FROM regions WHERE level = 'SUBDISTRICT')
INSERT INTO regions (created_at, updated_at, level, name, lat, lng, approximate, parent_id)
 SELECT now(), now(), 'COMMUNITY', '合成社区' || g, 34.2 + random() * 0.36, 108.5 + random() * 0.44, true, s.a[1 + g % 40]
 FROM generate_series(1, 400) g, s;
CREATE TEMP TABLE c AS SELECT array_agg(id ORDER BY id) a FROM regions WHERE level = 'COMMUNITY';
INSERT INTO compounds (created_at, updated_at, name, households, lat, lng, community_id)
 SELECT now(), now(), '合成小区' || g, 100 + g % 900, 34.2 + random() * 0.36, 108.5 + random() * 0.44, c.a[1 + g % 400]
 FROM generate_series(1, 4000) g, c;
INSERT INTO grids (created_at, updated_at, name, community_id)
 SELECT now(), now(), '网格' || g, c.a[1 + g % 400] FROM generate_series(1, 1200) g, c;
INSERT INTO grid_compounds (grid_id, compound_id)
 SELECT g.id, cp.id FROM (SELECT id, row_number() OVER (ORDER BY id) r FROM grids) g
 JOIN (SELECT id, row_number() OVER (ORDER BY id) r FROM compounds) cp ON cp.r % 1200 = g.r % 1200
 UNION SELECT g.id, cp.id FROM (SELECT id, row_number() OVER (ORDER BY id) r FROM grids) g
 JOIN (SELECT id, row_number() OVER (ORDER BY id) r FROM compounds) cp ON cp.r % 1200 = (g.r + 1) % 1200;
INSERT INTO organizations (created_at, updated_at, kind, name, region_id)
 SELECT now(), now(), 'VOLUNTEER_TEAM', '合成志愿队' || g, c.a[1 + g % 400] FROM generate_series(1, 2000) g, c;
CREATE TEMP TABLE k AS SELECT
 (SELECT array_agg(id ORDER BY id) FROM compounds) cp, (SELECT array_agg(id ORDER BY id) FROM organizations) org;
INSERT INTO facilities (created_at, updated_at, name, category, lat, lng, status, community_id, compound_id, operator_id)
 SELECT now(), now(), '合成设施' || g, (` + cats + `)[1 + (g::bigint * 7919) % ` + fmt.Sprint(len(taxonomy.Codes())) + `],
  34.2 + random() * 0.36, 108.5 + random() * 0.44, CASE WHEN g % 100 = 0 THEN 'CLOSED' ELSE 'OPEN' END,
  c.a[1 + (g::bigint * 104729) % 400], CASE WHEN g % 2 = 0 THEN k.cp[1 + g % 4000] END, CASE WHEN g % 10 = 0 THEN k.org[1 + g % 2000] END
 FROM generate_series(1, 100000) g, c, k;
UPDATE facilities SET parent_id = id - 1 WHERE id % 100 = 1;
CREATE TEMP TABLE f AS SELECT min(id) lo, count(*) n FROM facilities;
INSERT INTO activities (created_at, updated_at, title, category, starts_at, ends_at, capacity, status, community_id, venue_id, organizer_id)
 SELECT now(), now(), '合成活动' || g, 'CULTURE', timestamptz '2025-01-01 00:00+08' + (g % 35040) * interval '15 minutes',
  timestamptz '2025-01-01 02:00+08' + (g % 35040) * interval '15 minutes', 30, 'SCHEDULED',
  c.a[1 + (g::bigint * 7907) % 400], f.lo + (g::bigint * 31) % f.n, CASE WHEN g % 5 = 0 THEN k.org[1 + g % 2000] END
 FROM generate_series(1, 50000) g, c, f, k;
INSERT INTO persons (created_at, updated_at, name, community_id)
 SELECT now(), now(), '合成居民' || g, c.a[1 + g % 400] FROM generate_series(1, 20000) g, c;
INSERT INTO registrations (created_at, updated_at, person_id, activity_id, community_id)
 SELECT now(), now(), p.id, a.id, p.community_id
 FROM (SELECT id, community_id, row_number() OVER (ORDER BY id) r FROM persons) p
 JOIN (SELECT id, row_number() OVER (ORDER BY id) r FROM activities) a ON a.r = p.r;
INSERT INTO service_requests (created_at, updated_at, kind, title, status, submitted_at, community_id, requester_id)
 SELECT now(), now(), 'MICRO_WISH', '合成心愿' || p.id, (ARRAY['SUBMITTED','DISPATCHED','CONFIRMED'])[1 + p.id % 3], now(), p.community_id, p.id
 FROM persons p WHERE p.id % 2 = 0;
INSERT INTO request_events (action, to_status, actor_role, at, community_id, request_id)
 SELECT 'SUBMIT', 'SUBMITTED', 'resident', now(), r.community_id, r.id FROM service_requests r, generate_series(1, 2);
INSERT INTO changes (entity, entity_id, op, at) SELECT 'Facility', id, 'create', now() FROM facilities;
ANALYZE;
`
}

// The SQL the common GraphQL questions generate uses an index on every
// large table: EXPLAIN on PostgreSQL, over a city-sized dataset, shows no
// sequential scan of one (issue #17: Q1–Q3 of the comparison with
// PostGraphile, and the other common shapes).
func TestCommonQueriesUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a city-sized database")
	}
	ctx := context.Background()
	rec := &recorder{}
	st, err := store.Open(ctx, store.Options{URL: testenv.PostgresURL(t), Driver: func(d dialect.Driver) dialect.Driver {
		rec.Driver = d
		return rec
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// Building the city takes longer than the store's 30 s statement
	// timeout on a loaded machine: lift it on the connection that builds.
	conn, err := st.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, cityScaleSQL()); err != nil {
		t.Fatalf("build the city: %v", err)
	}
	if _, err := conn.ExecContext(ctx, `RESET statement_timeout`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	s := testenv.StartServer(t, st, server.Options{})
	var community, compound, org, venue int
	var category string
	if err := st.DB.QueryRow(`SELECT f.community_id, f.category, f.compound_id, f.id FROM facilities f WHERE f.compound_id IS NOT NULL ORDER BY f.id LIMIT 1`).
		Scan(&community, &category, &compound, &venue); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.QueryRow(`SELECT min(id) FROM organizations`).Scan(&org); err != nil {
		t.Fatal(err)
	}
	staff := s.Token(t, auth.RoleStaff, community)
	rec.take()

	type question struct {
		name, token, doc string
		vars             map[string]any
	}
	questions := []question{
		{"Q1 facilities of a category in a community, with community and subdistrict names", "",
			`query($category: String!, $c: ID!) { facilities(first: 50, where: {category: $category, communityID: $c}) {
				edges { node { id name category lat lng address openingHours community { name parent { name } } } } } }`,
			map[string]any{"category": category, "c": gid.Encode(community)}},
		{"Q2 first 50 facilities by id in a ~1 km box", "",
			`query($a: Float!, $b: Float!, $c: Float!, $d: Float!) { facilities(first: 50, where: {latGTE: $a, latLTE: $b, lngGTE: $c, lngLTE: $d}) {
				edges { node { id name category lat lng } } } }`,
			map[string]any{"a": 34.30, "b": 34.309, "c": 108.60, "d": 108.611}},
		{"Q3 next 20 activities of a community from a date, with venue", "",
			`query($c: ID!, $from: Time!) { activities(first: 20, where: {communityID: $c, startsAtGTE: $from}, orderBy: {field: STARTS_AT, direction: ASC}) {
				edges { node { id title startsAt endsAt capacity venue { id name address } } } } }`,
			map[string]any{"c": gid.Encode(community), "from": "2025-06-01T00:00:00+08:00"}},
		{"facilities of a community by name (the widget, through hasCommunityWith)", "",
			`query($n: String!) { facilities(first: 100, where: {hasCommunityWith: {name: $n}, statusNEQ: CLOSED}) {
				totalCount edges { node { id lat lng name category } } } }`,
			map[string]any{"n": "合成社区7"}},
		{"a community page: facilities by name and latest activities, nested", "",
			`query($c: ID!) { node(id: $c) { ... on Region { name
				facilities(first: 20, orderBy: {field: NAME, direction: ASC}) { totalCount edges { node { name category } } }
				activities(first: 10, orderBy: {field: STARTS_AT, direction: DESC}) { edges { node { title startsAt } } }
				compounds(first: 20) { totalCount edges { node { name households } } }
				organizations(first: 20) { edges { node { name kind } } } } } }`,
			map[string]any{"c": gid.Encode(community)}},
		{"a district's communities (Region.children)", "",
			`{ regions(first: 5, where: {level: DISTRICT}) { edges { node { name children(first: 50) { totalCount edges { node { name } } } } } } }`, nil},
		{"compounds of a community", "",
			`query($c: ID!) { compounds(first: 50, where: {communityID: $c}) { totalCount edges { node { name facilities(first: 5) { edges { node { name } } } } } } }`,
			map[string]any{"c": gid.Encode(community)}},
		{"facilities of a compound and of an operator", "",
			`query($cp: ID!, $o: ID!) { a: facilities(first: 20, where: {compoundID: $cp}) { edges { node { name } } }
				b: facilities(first: 20, where: {operatorID: $o}) { edges { node { name } } } }`,
			map[string]any{"cp": gid.Encode(compound), "o": gid.Encode(org)}},
		{"activities at a venue and by an organiser", "",
			`query($v: ID!, $o: ID!) { a: activities(first: 20, where: {venueID: $v}) { edges { node { title } } }
				b: activities(first: 20, where: {organizerID: $o}) { edges { node { title } } } }`,
			map[string]any{"v": gid.Encode(venue), "o": gid.Encode(org)}},
		{"activities of a category in a time window", "",
			`{ activities(first: 20, where: {startsAtGTE: "2025-03-01T00:00:00+08:00", startsAtLT: "2025-03-02T00:00:00+08:00"}, orderBy: {field: STARTS_AT, direction: ASC}) { edges { node { title } } } }`, nil},
		{"the grids that cover a compound (Compound.grids, through grid_compounds)", "",
			`query($cp: ID!) { node(id: $cp) { ... on Compound { name grids { name fullTimeWorkers } } } }`,
			map[string]any{"cp": gid.Encode(compound)}},
		{"the change feed", "",
			`{ changes(first: 100) { pageInfo { endCursor } edges { node { sequence op entity id } } } }`, nil},
		{"staff: the community's open service requests, with requester and history", staff,
			`{ serviceRequests(first: 10, where: {statusNEQ: CONFIRMED}) { totalCount edges { node { title status requester { name } events(first: 5) { edges { node { action } } } } } } }`, nil},
		{"staff: registrations of the community's people", staff,
			`{ registrations(first: 20) { totalCount edges { node { status activity { title } person { name } } } } }`, nil},
	}
	// scans runs a question and EXPLAINs each SELECT it sent.
	scans := func(t *testing.T, q question) (found []string) {
		t.Helper()
		r := s.Query(t, q.token, q.doc, q.vars)
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("HTTP %d: %s", r.Status, r.Raw)
		}
		stmts := rec.take()
		if len(stmts) == 0 {
			t.Fatal("no SQL recorded")
		}
		for _, stmt := range stmts {
			var plan []byte
			if err := st.DB.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+stmt.query, stmt.args...).Scan(&plan); err != nil {
				t.Fatalf("EXPLAIN %s: %v", stmt.query, err)
			}
			if seq := seqScans(t, plan); len(seq) > 0 {
				found = append(found, seq...)
				t.Logf("sequential scan of %s for\n%s\nargs %v\nplan: %s", strings.Join(seq, ", "), stmt.query, stmt.args, plan)
			}
		}
		return found
	}
	for _, q := range questions {
		t.Run(q.name, func(t *testing.T) {
			if found := scans(t, q); len(found) > 0 {
				t.Errorf("sequential scans of large tables: %v", found)
			}
		})
	}
	// The check can fail: without the index on compounds.community_id the
	// compounds of a community are found by reading every compound.
	if _, err := st.DB.ExecContext(ctx, `DROP INDEX compound_community_id; ANALYZE compounds`); err != nil {
		t.Fatal(err)
	}
	var compounds question
	for _, q := range questions {
		if q.name == "compounds of a community" {
			compounds = q
		}
	}
	if found := scans(t, compounds); len(found) == 0 || found[0] != "compounds" {
		t.Errorf("without compound_community_id: sequential scans %v; want one of compounds", found)
	}
	// And without the index on grid_compounds.compound_id (migration
	// gaps13), a compound's grids are found by reading the whole link table.
	if _, err := st.DB.ExecContext(ctx, `DROP INDEX gridcompound_compound_id; ANALYZE grid_compounds`); err != nil {
		t.Fatal(err)
	}
	for _, q := range questions {
		if strings.HasPrefix(q.name, "the grids that cover a compound") {
			if found := scans(t, q); !slices.Contains(found, "grid_compounds") {
				t.Errorf("without gridcompound_compound_id: sequential scans %v; want one of grid_compounds", found)
			}
		}
	}
}

// seqScans returns the large tables a JSON plan reads sequentially.
func seqScans(t *testing.T, plan []byte) []string {
	t.Helper()
	var root []struct{ Plan map[string]any }
	if err := json.Unmarshal(plan, &root); err != nil || len(root) == 0 {
		t.Fatalf("plan %s: %v", plan, err)
	}
	var found []string
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if n["Node Type"] == "Seq Scan" {
			if rel, _ := n["Relation Name"].(string); largeTables[rel] {
				found = append(found, rel)
			}
		}
		kids, _ := n["Plans"].([]any)
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				walk(m)
			}
		}
	}
	walk(root[0].Plan)
	return found
}
