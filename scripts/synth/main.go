// Command synth fills a database with a synthetic city for benchmarks: a
// city of 40 km × 40 km with districts, subdistricts, communities,
// compounds and facilities spread uniformly over 30 categories.
//
//	go run ./scripts/synth -database-url sqlite:/tmp/city.db -facilities 1000000 -compounds 10000
//
// Facilities are written with multi-row INSERTs, bypassing ent hooks, so the
// change log stays empty: a server indexes them on start.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/region"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/store"
	"lifecircle/internal/taxonomy"
)

// The city: 40 km × 40 km around (34.30, 108.80), split into a 20 × 20 grid
// of 2 km communities, 5 × 5 communities a subdistrict, 4 subdistricts (10 × 10
// communities) a district.
const (
	centerLat, centerLng = 34.30, 108.80
	sideMeters           = 40000
	mPerDegLat           = 111194.93
)

// grid is the number of communities per side (-communities sets it).
var grid = 20

var mPerDegLng = mPerDegLat * math.Cos(centerLat*math.Pi/180)

func main() {
	url := flag.String("database-url", "", "target database (sqlite:/path or postgres://…)")
	nFacilities := flag.Int("facilities", 1000000, "facilities to create")
	nCompounds := flag.Int("compounds", 10000, "compounds to create")
	seed := flag.Uint64("seed", 1, "random seed")
	network := flag.String("network-out", "", "also write an OpenStreetMap XML street grid over the first district to this file")
	spacing := flag.Float64("network-spacing", 100, "street spacing of that grid, metres")
	nCommunities := flag.Int("communities", 400, "communities (a square number: they tile the city)")
	nRequests := flag.Int("requests", 0, "needs-list requests to create, submitted in -month")
	month := flag.String("month", "2026-10", "calendar month of the requests, YYYY-MM")
	flag.Parse()
	grid = int(math.Sqrt(float64(*nCommunities)))
	if grid*grid != *nCommunities {
		log.Fatal("synth: -communities must be a square number")
	}
	if *network != "" {
		if err := writeNetwork(*network, *spacing); err != nil {
			log.Fatal(err)
		}
	}
	if *url == "" {
		log.Fatal("synth: -database-url is required")
	}
	ctx := rule.SystemContext(context.Background())
	st, err := store.Open(ctx, store.Options{URL: *url})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if n, _ := st.Client.Facility.Query().Count(ctx); n > 0 {
		log.Fatalf("synth: the database already has %d facilities; use an empty one", n)
	}
	rng := rand.New(rand.NewPCG(*seed, 2))
	start := time.Now()
	communities, err := makeRegions(ctx, st.Client)
	if err != nil {
		log.Fatal(err)
	}
	if err := makeCompounds(ctx, st.Client, rng, communities, *nCompounds); err != nil {
		log.Fatal(err)
	}
	log.Printf("synth: regions and %d compounds in %v", *nCompounds, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := makeFacilities(ctx, st, rng, communities, *nFacilities); err != nil {
		log.Fatal(err)
	}
	log.Printf("synth: %d facilities in %v", *nFacilities, time.Since(start).Round(time.Millisecond))
	if *nRequests > 0 {
		start = time.Now()
		if err := makeRequests(ctx, st, rng, communities, *nRequests, *month); err != nil {
			log.Fatal(err)
		}
		log.Printf("synth: %d requests in %v", *nRequests, time.Since(start).Round(time.Millisecond))
	}
}

// makeRequests creates one resident per three requests and the requests,
// submitted in month, in every status, some claimed by volunteers.
func makeRequests(ctx context.Context, st *store.Store, rng *rand.Rand, communities []int, n int, month string) error {
	start, err := time.ParseInLocation("2006-01", month, time.FixedZone("CST", 8*3600))
	if err != nil {
		return err
	}
	postgres := st.Dialect == "postgres"
	tx, err := st.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	people := max(1, n/3)
	personCols := []string{"created_at", "updated_at", "name", "phone", "roles", "community_id"}
	firstPerson, err := insertRows(ctx, tx, "persons", personCols, people, postgres, func(i int) []any {
		now := time.Now()
		return []any{now, now, fmt.Sprintf("合成居民%07d", i), "", "[]", communities[i%len(communities)]}
	})
	if err != nil {
		return err
	}
	kinds := []string{"MICRO_WISH", "SERVICE_NEED", "REPAIR", "COMPLAINT", "GOVERNANCE_CLUE"}
	statuses := []string{"SUBMITTED", "DISPATCHED", "CLAIMED", "RESOLVED", "CONFIRMED", "CONFIRMED", "CONFIRMED", "REJECTED"}
	reqCols := []string{"created_at", "updated_at", "kind", "title", "description", "category", "status", "submitted_at",
		"claimed_at", "resolved_at", "confirmed_at", "address", "resolution_note", "reject_reason", "version",
		"community_id", "requester_id", "claimed_by_id"}
	_, err = insertRows(ctx, tx, "service_requests", reqCols, n, postgres, func(i int) []any {
		p := rng.IntN(people)
		submitted := start.Add(time.Duration(rng.IntN(28*24)) * time.Hour)
		status := statuses[rng.IntN(len(statuses))]
		var claimed, resolved, confirmed, claimer any
		if status == "CLAIMED" || status == "RESOLVED" || status == "CONFIRMED" {
			claimed = submitted.Add(2 * time.Hour)
			claimer = firstPerson + rng.IntN(people)
		}
		if status == "RESOLVED" || status == "CONFIRMED" {
			resolved = submitted.Add(time.Duration(1+rng.IntN(96)) * time.Hour)
		}
		if status == "CONFIRMED" {
			confirmed = submitted.Add(100 * time.Hour)
		}
		now := time.Now()
		return []any{now, now, kinds[rng.IntN(len(kinds))], "合成需求", "", "", status, submitted,
			claimed, resolved, confirmed, "", "", "", 1, communities[p%len(communities)], firstPerson + p, claimer}
	})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// insertRows writes n rows with multi-row INSERTs and returns the first
// row's ID (IDs are consecutive: the table is written by this transaction
// alone).
func insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, n int, postgres bool, row func(i int) []any) (int, error) {
	const rows = 500
	var stmt *sql.Stmt
	var err error
	for done := 0; done < n; {
		k := min(rows, n-done)
		if stmt == nil || k != rows {
			if stmt, err = tx.PrepareContext(ctx, strings.Replace(insertSQL(cols, k, postgres), "facilities", table, 1)); err != nil {
				return 0, err
			}
		}
		args := make([]any, 0, k*len(cols))
		for i := 0; i < k; i++ {
			args = append(args, row(done+i)...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return 0, err
		}
		done += k
	}
	var first int
	err = tx.QueryRowContext(ctx, "SELECT MIN(id) FROM "+table).Scan(&first)
	return first, err
}

// position returns the coordinates of a point x, y metres from the city's
// south-west corner.
func position(x, y float64) (lat, lng float64) {
	return centerLat + (y-sideMeters/2)/mPerDegLat, centerLng + (x-sideMeters/2)/mPerDegLng
}

// communityAt returns the index of the community containing x, y.
func communityAt(x, y float64) int {
	cell := sideMeters / grid
	cx := min(int(x/float64(cell)), grid-1)
	cy := min(int(y/float64(cell)), grid-1)
	return cy*grid + cx
}

func makeRegions(ctx context.Context, c *ent.Client) ([]int, error) {
	city, err := c.Region.Create().SetLevel(region.LevelCity).SetName("合成市").SetNameEn("Synthetic City").
		SetLat(centerLat).SetLng(centerLng).SetApproximate(true).Save(ctx)
	if err != nil {
		return nil, err
	}
	cell := float64(sideMeters / grid)
	subdistricts := map[int]int{}
	districts := map[int]int{}
	communities := make([]int, grid*grid)
	for cy := 0; cy < grid; cy++ {
		for cx := 0; cx < grid; cx++ {
			dKey := (cy/10)*(grid/10) + cx/10 // districts of 10 × 10 communities
			if _, ok := districts[dKey]; !ok {
				lat, lng := position((float64(cx/10)+0.5)*cell*10, (float64(cy/10)+0.5)*cell*10)
				d, err := c.Region.Create().SetLevel(region.LevelDistrict).SetName(fmt.Sprintf("合成区%d", dKey+1)).
					SetParentID(city.ID).SetLat(lat).SetLng(lng).SetApproximate(true).Save(ctx)
				if err != nil {
					return nil, err
				}
				districts[dKey] = d.ID
			}
			sKey := (cy/5)*grid + cx/5
			if _, ok := subdistricts[sKey]; !ok {
				lat, lng := position((float64(cx/5)+0.5)*cell*5, (float64(cy/5)+0.5)*cell*5)
				s, err := c.Region.Create().SetLevel(region.LevelSubdistrict).SetName(fmt.Sprintf("合成街道%d", len(subdistricts)+1)).
					SetParentID(districts[dKey]).SetLat(lat).SetLng(lng).SetApproximate(true).Save(ctx)
				if err != nil {
					return nil, err
				}
				subdistricts[sKey] = s.ID
			}
			lat, lng := position((float64(cx)+0.5)*cell, (float64(cy)+0.5)*cell)
			r, err := c.Region.Create().SetLevel(region.LevelCommunity).SetName(fmt.Sprintf("合成社区%03d", cy*grid+cx+1)).
				SetParentID(subdistricts[sKey]).SetLat(lat).SetLng(lng).SetApproximate(true).Save(ctx)
			if err != nil {
				return nil, err
			}
			communities[cy*grid+cx] = r.ID
		}
	}
	return communities, nil
}

func makeCompounds(ctx context.Context, c *ent.Client, rng *rand.Rand, communities []int, n int) error {
	for done := 0; done < n; {
		batch := make([]*ent.CompoundCreate, 0, 1000)
		for ; done < n && len(batch) < 1000; done++ {
			x, y := rng.Float64()*sideMeters, rng.Float64()*sideMeters
			lat, lng := position(x, y)
			batch = append(batch, c.Compound.Create().SetName(fmt.Sprintf("合成小区%05d", done+1)).
				SetLat(lat).SetLng(lng).SetApproximate(true).SetHouseholds(100+rng.IntN(1900)).
				SetPropertyManagement(rng.IntN(4) > 0).SetCommunityID(communities[communityAt(x, y)]))
		}
		if err := c.Compound.CreateBulk(batch...).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

var schedules = []string{"", "24/7", "Mo-Fr 08:30-17:30", "Mo-Su 07:00-21:00", "Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00", "Mo-Su 06:00-22:00"}

func makeFacilities(ctx context.Context, st *store.Store, rng *rand.Rand, communities []int, n int) error {
	cats := taxonomy.All()[:30]
	cols := []string{"created_at", "updated_at", "name", "names", "category", "tags", "address", "phone", "opening_hours",
		"services", "wheelchair", "status", "source", "lat", "lng", "approximate", "community_id"}
	const rows = 500
	postgres := st.Dialect == "postgres"
	tx, err := st.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now()
	var stmt *sql.Stmt
	for done := 0; done < n; {
		k := min(rows, n-done)
		if stmt == nil || k != rows {
			if stmt, err = tx.PrepareContext(ctx, insertSQL(cols, k, postgres)); err != nil {
				return err
			}
		}
		args := make([]any, 0, k*len(cols))
		for i := 0; i < k; i++ {
			x, y := rng.Float64()*sideMeters, rng.Float64()*sideMeters
			lat, lng := position(x, y)
			cat := cats[rng.IntN(len(cats))]
			status := "OPEN"
			switch r := rng.IntN(100); {
			case r < 1:
				status = "CLOSED"
			case r < 3:
				status = "TEMPORARILY_CLOSED"
			}
			id := done + i + 1
			args = append(args, now, now, fmt.Sprintf("%s %d", cat.Labels.ZhHans, id), "[]", cat.Code, "[]",
				fmt.Sprintf("合成路%d号", id), "", schedules[rng.IntN(len(schedules))], "[]", "UNKNOWN", status,
				"synthetic", lat, lng, true, communities[communityAt(x, y)])
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
		done += k
	}
	return tx.Commit()
}

// writeNetwork writes a street grid over the first district (the city's
// south-west quarter, 20 km × 20 km) as OpenStreetMap XML: every street a
// way of residential highway, nodes where streets cross.
func writeNetwork(path string, spacing float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	n := int(sideMeters/2/spacing) + 1
	id := func(i, j int) int { return i*n + j + 1 }
	fmt.Fprintln(w, `<?xml version="1.0" encoding="UTF-8"?>`)
	fmt.Fprintln(w, `<osm version="0.6" generator="lifecircle-synth">`)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			lat, lng := position(float64(j)*spacing, float64(i)*spacing)
			fmt.Fprintf(w, `<node id="%d" lat="%.7f" lon="%.7f" version="1"/>`+"\n", id(i, j), lat, lng)
		}
	}
	way := 1
	for i := 0; i < n; i++ {
		for _, horizontal := range []bool{true, false} {
			fmt.Fprintf(w, `<way id="%d" version="1">`, way)
			for j := 0; j < n; j++ {
				if horizontal {
					fmt.Fprintf(w, `<nd ref="%d"/>`, id(i, j))
				} else {
					fmt.Fprintf(w, `<nd ref="%d"/>`, id(j, i))
				}
			}
			fmt.Fprintln(w, `<tag k="highway" v="residential"/></way>`)
			way++
		}
	}
	fmt.Fprintln(w, `</osm>`)
	if err := w.Flush(); err != nil {
		return err
	}
	log.Printf("synth: street grid of %d × %d nodes written to %s", n, n, path)
	return nil
}

func insertSQL(cols []string, rows int, postgres bool) string {
	var b strings.Builder
	b.WriteString("INSERT INTO facilities (" + strings.Join(cols, ", ") + ") VALUES ")
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if postgres {
				fmt.Fprintf(&b, "$%d", n)
			} else {
				b.WriteString("?")
			}
		}
		b.WriteString(")")
	}
	return b.String()
}
