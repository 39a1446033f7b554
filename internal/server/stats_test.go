package server_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/region"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

// statsWorld: a city > district > subdistrict with three communities. A
// has a single resident with a single micro-wish; B and C are larger.
type statsWorld struct {
	s       *testenv.Server
	regions map[string]int
}

func newStatsWorld(t *testing.T, b testenv.Backend) *statsWorld {
	t.Helper()
	st := b.Open(t, testenv.Options{NoDemo: true})
	w := &statsWorld{s: testenv.StartServer(t, st, server.Options{}), regions: map[string]int{}}
	ctx := rule.SystemContext(context.Background())
	c := st.Client
	mk := func(name string, lvl region.Level, parent string) {
		q := c.Region.Create().SetName(name).SetLevel(lvl).SetLat(30).SetLng(120)
		if parent != "" {
			q.SetParentID(w.regions[parent])
		}
		r, err := q.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.regions[name] = r.ID
	}
	mk("city", region.LevelCity, "")
	mk("district", region.LevelDistrict, "city")
	mk("subdistrict", region.LevelSubdistrict, "district")
	for _, n := range []string{"A", "B", "C"} {
		mk(n, region.LevelCommunity, "subdistrict")
	}
	at := time.Date(2025, 3, 10, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	kinds := []servicerequest.Kind{servicerequest.KindMicroWish, servicerequest.KindRepair, servicerequest.KindServiceNeed, servicerequest.KindComplaint}
	add := func(community string, n int) {
		for i := 0; i < n; i++ {
			p, err := c.Person.Create().SetName(fmt.Sprintf("%s-%d", community, i)).SetCommunityID(w.regions[community]).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			kind := kinds[i%len(kinds)]
			if community == "A" {
				kind = servicerequest.KindMicroWish
			}
			resolved := at.Add(time.Duration(24*(1+i%5)) * time.Hour)
			q := c.ServiceRequest.Create().SetKind(kind).SetTitle("t").SetCommunityID(w.regions[community]).
				SetRequesterID(p.ID).SetSubmittedAt(at)
			if i%3 != 2 {
				q.SetStatus(servicerequest.StatusConfirmed).SetResolvedAt(resolved).SetConfirmedAt(resolved.Add(time.Hour)).SetSatisfaction(5)
			}
			if err := q.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("A", 1)
	add("B", 23)
	add("C", 14)
	return w
}

type statValue struct {
	Metric, Dimension string
	Value             *float64
	Suppressed, Noisy bool
}

func (w *statsWorld) read(t *testing.T, name, period string) []statValue {
	t.Helper()
	var d struct {
		Statistics *struct {
			Method string
			Values []statValue
		}
	}
	w.s.Query(t, "", `query($r: ID!, $p: String!) { statistics(region: $r, period: $p) { method values { metric dimension value suppressed noisy } } }`,
		map[string]any{"r": gid.Encode(w.regions[name]), "p": period}).Decode(t, &d)
	if d.Statistics == nil {
		t.Fatalf("no statistics for %s %s", name, period)
	}
	return d.Statistics.Values
}

func byCell(vs []statValue) map[string]statValue {
	m := map[string]statValue{}
	for _, v := range vs {
		m[v.Metric+"|"+v.Dimension] = v
	}
	return m
}

func TestPublishedStatisticsResistAttacks(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := newStatsWorld(t, b)
		if _, err := stats.Publish(context.Background(), w.s.Store.Client, stats.Period{Year: 2025, Month: 3}, stats.Options{Method: stats.MethodRule105}); err != nil {
			t.Fatal(err)
		}
		tables := map[string]map[string]statValue{}
		for _, n := range []string{"A", "B", "C", "subdistrict", "district", "city"} {
			tables[n] = byCell(w.read(t, n, "2025-03"))
		}
		// The single-resident community shows nothing about its resident.
		for _, key := range []string{"requests_submitted|", "requests_submitted|MICRO_WISH", "micro_wishes_fulfilled|", "completion_rate|", "median_days_to_resolve|"} {
			if v := tables["A"][key]; !v.Suppressed || v.Value != nil {
				t.Errorf("community A %s: %+v, want suppressed", key, v)
			}
		}
		// Published counts are rounded to base 5.
		for name, tbl := range tables {
			for key, v := range tbl {
				if v.Value != nil && key != "completion_rate|" && key != "median_days_to_resolve|" && key != "activities_held|" && math.Mod(*v.Value, 5) != 0 {
					t.Errorf("%s %s = %v is not rounded to 5", name, key, *v.Value)
				}
			}
		}
		// Differencing across the hierarchy: where the parent is published,
		// never exactly one child is suppressed.
		for parent, kids := range map[string][]string{"subdistrict": {"A", "B", "C"}, "district": {"subdistrict"}, "city": {"district"}} {
			for key, pv := range tables[parent] {
				if pv.Suppressed || key == "completion_rate|" || key == "median_days_to_resolve|" || key == "activities_held|" {
					continue
				}
				n := 0
				for _, k := range kids {
					if tables[k][key].Suppressed {
						n++
					}
				}
				if n == 1 {
					t.Errorf("%s %s is published while only one child is suppressed: parent minus siblings reveals it", parent, key)
				}
			}
		}
		// Recovering a suppressed cell from a published total and the other parts.
		for name, tbl := range tables {
			for _, metric := range []string{"requests_submitted", "requests_completed"} {
				if tbl[metric+"|"].Suppressed {
					continue
				}
				n := 0
				for _, k := range []string{"MICRO_WISH", "SERVICE_NEED", "REPAIR", "COMPLAINT", "GOVERNANCE_CLUE"} {
					if tbl[metric+"|"+k].Suppressed {
						n++
					}
				}
				if n == 1 {
					t.Errorf("%s %s: total published with exactly one kind suppressed", name, metric)
				}
			}
		}
		// Only calendar months exist: no overlapping periods to difference.
		r := w.s.Query(t, "", `query($r: ID!) { statistics(region: $r, period: "2025-03-15") { period } }`, map[string]any{"r": gid.Encode(w.regions["B"])})
		if r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a date range: want BAD_USER_INPUT, got %s", r.Raw)
		}
		// Publications are immutable.
		ctx := rule.SystemContext(context.Background())
		pub, err := w.s.Store.Client.Publication.Query().First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.s.Store.Client.Publication.DeleteOne(pub).Exec(ctx); err == nil {
			t.Error("a publication was deleted")
		}
		if _, err := w.s.Store.Client.StatCell.Update().Where().Save(ctx); err == nil {
			t.Error("published cells were updated")
		}
	})
}

func TestDifferentialPrivacyRelease(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := newStatsWorld(t, b)
		if _, err := stats.Publish(context.Background(), w.s.Store.Client, stats.Period{Year: 2025, Month: 3},
			stats.Options{Method: stats.MethodDP, DP: stats.DPOptions{Epsilon: 1}}); err != nil {
			t.Fatal(err)
		}
		sum := map[string]float64{}
		for _, n := range []string{"A", "B", "C"} {
			for _, v := range w.read(t, n, "2025-03") {
				key := v.Metric + "|" + v.Dimension
				if v.Metric == "activities_held" || v.Metric == "median_days_to_resolve" || v.Metric == "completion_rate" || v.Metric == "onewindow_completion_rate" {
					continue
				}
				if !v.Noisy || v.Value == nil || *v.Value < 0 || *v.Value != math.Round(*v.Value) {
					t.Errorf("community %s %s: %+v; want a noisy non-negative whole number (zeros too)", n, key, v)
					continue
				}
				sum[key] += *v.Value
			}
		}
		// Roll-ups are the sums of the noisy community cells: consistent, and
		// no second noisy look at the same people.
		for _, v := range w.read(t, "subdistrict", "2025-03") {
			key := v.Metric + "|" + v.Dimension
			if want, ok := sum[key]; ok && (v.Value == nil || *v.Value != want) {
				t.Errorf("subdistrict %s = %v, want the sum of its communities %v", key, v.Value, want)
			}
		}
	})
}

// The story the issue ends on: a resident's confirmed micro-wish is counted
// in next month's statistics without singling the resident out.
func TestConfirmedWishIsCountedNotExposed(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := newStatsWorld(t, b)
		ctx := rule.SystemContext(context.Background())
		c := w.s.Store.Client
		// Community C has 14 requests; 9 other confirmed micro-wishes this month make 9: suppressed.
		at := time.Date(2025, 4, 3, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
		wish := func(name string) *ent.ServiceRequest {
			p, err := c.Person.Create().SetName(name).SetCommunityID(w.regions["C"]).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			r, err := c.ServiceRequest.Create().SetKind(servicerequest.KindMicroWish).SetTitle("心愿").
				SetCommunityID(w.regions["C"]).SetRequesterID(p.ID).SetSubmittedAt(at).
				SetStatus(servicerequest.StatusConfirmed).SetResolvedAt(at.Add(48 * time.Hour)).SetConfirmedAt(at.Add(50 * time.Hour)).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		for i := 0; i < 9; i++ {
			wish(fmt.Sprintf("other-%d", i))
		}
		april := stats.Period{Year: 2025, Month: 4}
		if _, err := stats.Publish(context.Background(), c, april, stats.Options{Method: stats.MethodRule105}); err != nil {
			t.Fatal(err)
		}
		before := byCell(w.read(t, "C", "2025-04"))["micro_wishes_fulfilled|"]
		if !before.Suppressed {
			t.Fatalf("9 wishes must be suppressed, got %+v", before)
		}
		wish("our resident")
		if _, err := stats.Publish(context.Background(), c, april, stats.Options{Method: stats.MethodRule105}); err != nil {
			t.Fatal(err)
		}
		after := byCell(w.read(t, "C", "2025-04"))["micro_wishes_fulfilled|"]
		if after.Suppressed || after.Value == nil || *after.Value != 10 {
			t.Errorf("with our resident's wish: %+v, want 10 published", after)
		}
	})
}

// The published statistics download as CSV: the same figures, suppressed
// cells empty.
func TestStatisticsCSV(t *testing.T) {
	w := newStatsWorld(t, testenv.Backends()[0])
	if _, err := stats.Publish(context.Background(), w.s.Store.Client, stats.Period{Year: 2025, Month: 3}, stats.Options{Method: stats.MethodRule105}); err != nil {
		t.Fatal(err)
	}
	res, body := get(t, w.s, "/open/statistics.csv", url.Values{"period": {"2025-03"}}, nil)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if res.StatusCode != 200 || err != nil || len(rows) < 10 {
		t.Fatalf("statistics csv: %d %v", res.StatusCode, err)
	}
	a := gid.Encode(w.regions["A"])
	for _, r := range rows[1:] {
		if r[1] == a && r[5] == "requests_submitted" && r[6] == "" && (r[7] != "" || r[8] != "true") {
			t.Errorf("community A's total must be suppressed in the CSV too: %v", r)
		}
	}
	if r, _ := get(t, w.s, "/open/statistics.csv", url.Values{"period": {"1999-01"}}, nil); r.StatusCode != 404 {
		t.Errorf("an unpublished month: %d", r.StatusCode)
	}
}
