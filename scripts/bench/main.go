// Command bench measures the service map on a synthetic city (see
// scripts/synth): facilitiesNear latency through the real HTTP handler,
// lifeCircleReport time for every compound, and the process's memory with
// every facility indexed. On PostgreSQL with -postgis it also times the same
// searches as PostGIS ST_DWithin on a GiST index, over the same rows.
//
//	go run ./scripts/bench -database-url sqlite:/tmp/city.db
//	go run ./scripts/bench -database-url postgres://…/lc_city -postgis
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"lifecircle/ent/region"
	"lifecircle/graph"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/store"
	"lifecircle/internal/taxonomy"
)

func main() {
	url := flag.String("database-url", "", "database filled by scripts/synth")
	n := flag.Int("requests", 2000, "facilitiesNear requests to time")
	postgis := flag.Bool("postgis", false, "also time PostGIS ST_DWithin over the same rows (PostgreSQL only)")
	reports := flag.Int("reports", 3, "lifeCircleReport runs to time")
	reportRegion := flag.String("report-region", "", "region to report on (default: the city)")
	nearOnly := flag.Bool("skip-near", false, "skip the facilitiesNear timing")
	direct := flag.Bool("report-direct", false, "time lifeCircleReport by calling the index directly (no HTTP, no 20 s request deadline), wall clock and process CPU, instead of over HTTP")
	flag.Parse()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: *url})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	places := servicemap.NewIndex(st.Client)
	t0 := time.Now()
	if err := places.Sync(ctx); err != nil {
		log.Fatal(err)
	}
	runtime.GC()
	fmt.Printf("database: %s\nindexed %d facilities in %v; process RSS %s\n", st.Dialect, places.Len(), time.Since(t0).Round(time.Millisecond), rss())

	h := server.New(st.Client, server.Options{GraphQL: graph.Options{Places: places},
		PublicRate: limits.Rate{Points: 1 << 40, Per: time.Minute}}) // a benchmark is not rate limited
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	rng := rand.New(rand.NewPCG(7, 7))
	points := make([][2]float64, *n)
	for i := range points { // inside the synthetic city, 34.30 ± 0.18, 108.80 ± 0.21
		points[i] = [2]float64{34.30 + (rng.Float64()-0.5)*0.34, 108.80 + (rng.Float64()-0.5)*0.40}
	}
	query := `query($lat: Float!, $lng: Float!) { facilitiesNear(lat: $lat, lng: $lng, walkMinutes: 15, first: 50) {
		totalCount edges { distanceMeters walkMinutes node { id name category status } } } }`
	if *nearOnly {
		points = nil
	}
	for i := 0; i < 200 && len(points) > 0; i++ { // warm up
		post(srv.URL, query, map[string]any{"lat": points[i%len(points)][0], "lng": points[i%len(points)][1]})
	}
	lat := make([]time.Duration, len(points))
	totals := 0
	for i, p := range points {
		start := time.Now()
		body := post(srv.URL, query, map[string]any{"lat": p[0], "lng": p[1]})
		lat[i] = time.Since(start)
		totals += strings.Count(body, `"walkMinutes"`)
	}
	var p50, p99 time.Duration
	if len(lat) > 0 {
		p50, p99 = percentile(lat, 50), percentile(lat, 99)
		fmt.Printf("facilitiesNear 15 min, first 50, over HTTP: %d requests, p50 %v, p90 %v, p99 %v (mean %.1f edges)\n",
			len(lat), p50, percentile(lat, 90), p99, float64(totals)/float64(len(lat)))
		fmt.Printf("process RSS after the run: %s\n", rss())
	}

	rq := st.Client.Region.Query().Where(region.LevelEQ(region.LevelCity))
	if *reportRegion != "" {
		rq = st.Client.Region.Query().Where(region.Name(*reportRegion))
	}
	city, err := rq.First(rule.SystemContext(ctx))
	if err != nil {
		log.Fatal(err)
	}
	report := `query($r: ID!) { lifeCircleReport(region: $r) { compoundCount households meanScore method
		missingByCategory { category { code } households } compounds(first: 10) { edges { node { compound { name } score } } } } }`
	if *direct {
		reportDirect(ctx, st, places, city.ID, city.Name, *reports)
		*reports = 0
	}
	var best time.Duration
	for i := 0; i < *reports; i++ {
		start := time.Now()
		body := post(srv.URL, report, map[string]any{"r": gid.Encode(city.ID)})
		d := time.Since(start)
		if i == 0 || d < best {
			best = d
		}
		if i == 0 {
			var r struct {
				Data struct {
					LifeCircleReport struct {
						CompoundCount int
						Method        string
					}
				}
			}
			_ = json.Unmarshal([]byte(body), &r)
			fmt.Printf("lifeCircleReport of %s: %d compounds × %d categories, method %s\n", city.Name,
				r.Data.LifeCircleReport.CompoundCount, len(taxonomy.All()), r.Data.LifeCircleReport.Method)
		}
	}
	if *reports > 0 {
		fmt.Printf("lifeCircleReport over HTTP: best of %d %v\n", *reports, best.Round(time.Millisecond))
	}

	if *postgis {
		if st.Dialect != "postgres" {
			log.Fatal("bench: -postgis needs PostgreSQL")
		}
		g50, g99 := postgisBench(ctx, st, points)
		fmt.Printf("PostGIS ST_DWithin (GiST, geography), same points, SQL only: p50 %v, p99 %v\n", g50, g99)
		fmt.Printf("ratio lifecircle/PostGIS: p50 %.2f, p99 %.2f\n", float64(p50)/float64(g50), float64(p99)/float64(g99))
	}
}

// reportDirect times the report's computation as the resolver runs it (the
// default walking model, 15 minutes, ADULT), without HTTP and the server's
// request deadline: wall clock and the process's CPU time (user + system)
// per run, so that a figure taken on a loaded machine can be read as CPU.
func reportDirect(ctx context.Context, st *store.Store, places *servicemap.Index, regionID int, name string, n int) {
	sys := rule.SystemContext(ctx)
	for i := 0; i < n; i++ {
		cpu0, t0 := cpuTime(), time.Now()
		rep, err := places.Report(sys, st.Client, servicemap.DefaultWalkModel(), regionID, servicemap.DefaultMinutes, servicemap.Adult)
		if err != nil {
			log.Fatal(err)
		}
		wall, cpu := time.Since(t0), cpuTime()-cpu0
		fmt.Printf("lifeCircleReport of %s, direct: %d compounds × %d categories, wall %v, CPU %v (GOMAXPROCS %d)\n",
			name, len(rep.Compounds), len(taxonomy.All()), wall.Round(time.Millisecond), cpu.Round(time.Millisecond), runtime.GOMAXPROCS(0))
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func post(url, query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	res, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(b))
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	if res.StatusCode != 200 || strings.Contains(buf.String(), `"errors"`) {
		log.Fatalf("bench: %d %s", res.StatusCode, buf.String())
	}
	return buf.String()
}

func postgisBench(ctx context.Context, st *store.Store, points [][2]float64) (time.Duration, time.Duration) {
	for _, q := range []string{
		"CREATE EXTENSION IF NOT EXISTS postgis",
		"ALTER TABLE facilities ADD COLUMN IF NOT EXISTS geog geography(Point, 4326)",
		"UPDATE facilities SET geog = ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography WHERE geog IS NULL",
		"CREATE INDEX IF NOT EXISTS facilities_geog_gist ON facilities USING GIST (geog)",
		// PostGIS at its best: rows stored in index order, so a search
		// reads few pages (the usual advice for spatial tables). Done once.
		`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = 'facilities_geog_gist'::regclass AND indisclustered)
			THEN CLUSTER facilities USING facilities_geog_gist; END IF; END $$`,
		"ANALYZE facilities",
	} {
		if _, err := st.DB.ExecContext(ctx, q); err != nil {
			log.Fatalf("bench: %s: %v", q, err)
		}
	}
	// The same search: within 865.4 m (15 minutes), not closed, nearest 50
	// — written the way PostGIS does it fastest: a KNN-ordered GiST scan
	// (<->) that stops after 50 rows, on one connection with parallel
	// workers off (their start-up costs more than such a query).
	conn, err := st.DB.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET max_parallel_workers_per_gather = 0"); err != nil {
		log.Fatal(err)
	}
	const q = `SELECT id, ST_Distance(geog, p) AS d FROM facilities,
		(SELECT ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography AS p) AS origin
		WHERE status <> 'CLOSED' AND ST_DWithin(geog, p, 865.4) ORDER BY geog <-> p, id LIMIT 50`
	run := func(p [2]float64) {
		rows, err := conn.QueryContext(ctx, q, p[0], p[1])
		if err != nil {
			log.Fatal(err)
		}
		for rows.Next() {
			var id int
			var d float64
			_ = rows.Scan(&id, &d)
		}
		rows.Close()
	}
	for i := 0; i < 200; i++ {
		run(points[i%len(points)])
	}
	lat := make([]time.Duration, len(points))
	for i, p := range points {
		start := time.Now()
		run(p)
		lat[i] = time.Since(start)
	}
	return percentile(lat, 50), percentile(lat, 99)
}

func percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100].Round(10 * time.Microsecond)
}

func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:"))
		}
	}
	return "unknown"
}
