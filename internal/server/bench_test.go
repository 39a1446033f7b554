package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"lifecircle/internal/gid"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/store"
	"lifecircle/internal/taxonomy"
	"lifecircle/internal/testenv"
)

// The request path of issue #17's questions, through the real handler on
// PostgreSQL (uncached POST /graphql, no token, rate budgets set out of
// the way), over a synthetic city: 40 communities, 20,000 facilities and
// 10,000 activities (LIFECIRCLE_BENCH_FACILITIES raises the facilities).
// Each run reports ns/op (wall time, PostgreSQL's work included), cpu-ns/op
// (this process's CPU time, user and system: the server's own cost, which
// a busy machine disturbs less than the wall time), allocs/op and the SQL
// statements per request:
//
//	go test ./internal/server/ -run '^$' -bench RequestPath -benchmem
//
// "now" is the store and index as the server opens them; "unprepared" is
// -db-prepare=false; "before" is also without the change signal (the index
// reads the change log before each answer), as before issue #17's work.
// LIFECIRCLE_BENCH_VARIANT=now runs one of them.
func BenchmarkRequestPath(b *testing.B) {
	url := testenv.PostgresURL(b)
	facilities := 20000
	if v, err := strconv.Atoi(os.Getenv("LIFECIRCLE_BENCH_FACILITIES")); err == nil && v > 0 {
		facilities = v
	}
	var statements atomic.Int64
	count := func(d dialect.Driver) dialect.Driver { return countingDriver{Driver: d, n: &statements} }
	st := testenv.OpenURL(b, url, testenv.Options{Driver: count})
	city := synthCity(b, st, facilities, 10000)
	for _, variant := range []struct {
		name             string
		noPrepare, watch bool
	}{{"now", false, true}, {"unprepared", true, true}, {"before", true, false}} {
		if only := os.Getenv("LIFECIRCLE_BENCH_VARIANT"); only != "" && only != variant.name {
			continue
		}
		vst := st
		if variant.noPrepare {
			vst = testenv.OpenURL(b, url, testenv.Options{Driver: count, NoDemo: true, NoPrepare: true})
		}
		unlimited := limits.Rate{Points: 1 << 40, Per: time.Minute}
		opts := server.Options{PublicRate: unlimited, AppRate: unlimited}
		if variant.watch {
			if err := vst.WatchChanges(0); err != nil {
				b.Fatal(err)
			}
			opts.Changes = vst.Changes
		}
		h := server.New(vst.Client, opts)
		b.Cleanup(h.Close)
		for _, q := range benchQuestions(city) {
			b.Run(variant.name+"/"+q.name, func(b *testing.B) {
				run := func(i int) {
					body, _ := json.Marshal(map[string]any{"query": q.query, "variables": q.vars(i)})
					req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.RemoteAddr = "127.0.0.1:1234"
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != 200 || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) || !bytes.Contains(rec.Body.Bytes(), []byte(`"node"`)) {
						b.Fatalf("%s: %d %s", q.name, rec.Code, rec.Body.Bytes())
					}
				}
				run(0) // the index's first load, the statements' first preparation
				statements.Store(0)
				b.ReportAllocs()
				b.ResetTimer()
				cpu := processCPU()
				for i := 0; b.Loop(); i++ {
					run(i)
				}
				b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(statements.Load())/float64(b.N), "stmts/op")
			})
		}
	}
}

type benchQuestion struct {
	name, query string
	vars        func(i int) map[string]any
}

func benchQuestions(c benchCity) []benchQuestion {
	cats := taxonomy.All()
	return []benchQuestion{
		{"Q1", `query Q1($category: String!, $communityId: ID!) {
  facilities(first: 50, where: { category: $category, communityID: $communityId }) {
    edges { node { id name category lat lng address openingHours community { name parent { name } } } } } }`,
			func(i int) map[string]any {
				return map[string]any{"category": cats[i%len(c.categories)].Code, "communityId": c.communities[i%len(c.communities)]}
			}},
		{"Q2", `query Q2($minLat: Float!, $minLng: Float!, $maxLat: Float!, $maxLng: Float!) {
  facilities(first: 50, where: { latGTE: $minLat, latLTE: $maxLat, lngGTE: $minLng, lngLTE: $maxLng }) {
    edges { node { id name category lat lng } } } }`,
			func(i int) map[string]any {
				lat, lng := c.point(i)
				return map[string]any{"minLat": lat - 0.0045, "maxLat": lat + 0.0045, "minLng": lng - 0.0055, "maxLng": lng + 0.0055}
			}},
		{"Q3", `query Q3($communityId: ID!, $from: Time!) {
  activities(first: 20, where: { communityID: $communityId, startsAtGTE: $from }, orderBy: { field: STARTS_AT, direction: ASC }) {
    edges { node { id title startsAt endsAt capacity venue { id name address } } } } }`,
			func(i int) map[string]any {
				return map[string]any{"communityId": c.communities[i%len(c.communities)],
					"from": c.start.Add(time.Duration(i%200) * time.Hour).Format(time.RFC3339)}
			}},
		{"Q4", `query Q4($lat: Float!, $lng: Float!, $radius: Float!) {
  facilitiesNear(lat: $lat, lng: $lng, radiusMeters: $radius, first: 50) {
    edges { distanceMeters node { id name category lat lng } } } }`,
			func(i int) map[string]any {
				lat, lng := c.point(i)
				return map[string]any{"lat": lat, "lng": lng, "radius": 1200.0}
			}},
	}
}

// benchCity is what the questions need of the synthetic city.
type benchCity struct {
	communities []string // global IDs
	categories  []string
	start       time.Time
}

// point returns the i-th of a fixed sequence of points in the city.
func (benchCity) point(i int) (lat, lng float64) {
	x := float64((i*7919)%1000) / 1000
	y := float64((i*104729)%1000) / 1000
	return 34.30 + (y-0.5)*0.08, 108.80 + (x-0.5)*0.10
}

// synthCity adds 40 communities, the facilities spread over a 10 km box and
// the activities, with SQL (bypassing the change log: the index loads them
// on first use), and analyses the tables.
func synthCity(b *testing.B, st *store.Store, facilities, activities int) benchCity {
	b.Helper()
	ctx := context.Background()
	var cats []string
	for _, c := range taxonomy.All() {
		cats = append(cats, c.Code)
	}
	catArray := "{" + fmt.Sprint(joinQuoted(cats)) + "}"
	stmts := []string{
		`INSERT INTO regions (created_at, updated_at, level, name, lat, lng, parent_id)
		 SELECT now(), now(), 'COMMUNITY', '基准社区' || g, 34.30, 108.80,
		        (SELECT id FROM regions WHERE level = 'SUBDISTRICT' ORDER BY id LIMIT 1)
		 FROM generate_series(1, 40) g`,
		fmt.Sprintf(`INSERT INTO facilities (created_at, updated_at, name, category, address, opening_hours, lat, lng, community_id)
		 SELECT now(), now(), '基准设施' || g, ('%s'::text[])[1 + g %% %d], '地址 ' || g, 'Mo-Su 08:00-20:00',
		        34.30 + (random() - 0.5) * 0.09, 108.80 + (random() - 0.5) * 0.11,
		        (SELECT array_agg(id ORDER BY id) FROM regions WHERE name LIKE '基准社区%%')[1 + g %% 40]
		 FROM generate_series(1, %d) g`, catArray, len(cats), facilities),
		fmt.Sprintf(`INSERT INTO activities (created_at, updated_at, title, category, starts_at, ends_at, capacity, community_id, venue_id)
		 SELECT now(), now(), '基准活动' || g, 'CULTURE', '2027-01-01'::timestamptz + (g %% 2000) * interval '1 hour',
		        '2027-01-01'::timestamptz + (g %% 2000) * interval '1 hour' + interval '2 hours', 30,
		        (SELECT array_agg(id ORDER BY id) FROM regions WHERE name LIKE '基准社区%%')[1 + g %% 40],
		        (SELECT min(id) FROM facilities WHERE name LIKE '基准设施%%') + g %% %d
		 FROM generate_series(1, %d) g`, facilities, activities),
		`ANALYZE`,
	}
	for _, s := range stmts {
		if _, err := st.DB.ExecContext(ctx, s); err != nil {
			b.Fatalf("synthesise the city: %v\n%s", err, s)
		}
	}
	city := benchCity{categories: cats, start: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	rows, err := st.DB.QueryContext(ctx, `SELECT id FROM regions WHERE name LIKE '基准社区%' ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		city.communities = append(city.communities, gid.Encode(id))
	}
	return city
}

func joinQuoted(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += strconv.Quote(s)
	}
	return out
}

// processCPU is the CPU time this process has used, in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// countingDriver counts the statements (and transactions) sent.
type countingDriver struct {
	dialect.Driver
	n *atomic.Int64
}

func (d countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d countingDriver) Query(ctx context.Context, q string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, q, args, v)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	d.n.Add(1)
	return d.Driver.Tx(ctx)
}

func (d countingDriver) BeginTx(ctx context.Context, opts *entsql.TxOptions) (dialect.Tx, error) {
	d.n.Add(1)
	if bt, ok := d.Driver.(interface {
		BeginTx(context.Context, *entsql.TxOptions) (dialect.Tx, error)
	}); ok {
		return bt.BeginTx(ctx, opts)
	}
	return d.Driver.Tx(ctx)
}
