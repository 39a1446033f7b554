// Command bench-live measures the private subscriptions of one process
// (internal/liveprivate, as sources of the process's live.Hub): it opens a database, creates -subs residents each
// with one request, subscribes each resident to requestUpdated on their
// request, measures the memory the idle subscriptions take, then commits
// -rate request events a second for -for and reports how many were
// delivered and the latency from commit to delivery.
//
// It measures the hub in-process (the Go channel a GraphQL resolver hands
// to the transport), not the WebSocket transport in front of it.
//
//	go run ./scripts/bench-live -subs 5000 -rate 1000 -for 20s
//	go run ./scripts/bench-live -database-url postgres://postgres@127.0.0.1:5432/bench?sslmode=disable
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/region"
	"lifecircle/ent/requestevent"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/live"
	"lifecircle/internal/liveprivate"
	"lifecircle/internal/store"
)

func main() {
	subs := flag.Int("subs", 5000, "subscriptions (one resident each, following their request)")
	rate := flag.Int("rate", 1000, "events committed per second")
	dur := flag.Duration("for", 20*time.Second, "how long to commit events")
	writers := flag.Int("writers", 4, "concurrent writers")
	url := flag.String("database-url", "", "database (default: a fresh SQLite file)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the writing phase to this file")
	flag.Parse()
	ctx := context.Background()
	if *url == "" {
		dir, err := os.MkdirTemp("", "bench-live")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		*url = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	st, err := store.Open(ctx, store.Options{URL: *url, Migrate: store.MigrateAuto})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	sys := rule.SystemContext(ctx)
	c := st.Client
	com, err := c.Region.Create().SetName("基准社区").SetLevel(region.LevelCommunity).SetLat(39.99).SetLng(116.31).Save(sys)
	if err != nil {
		log.Fatal(err)
	}
	type sub struct{ person, request int }
	all := make([]sub, 0, *subs)
	for len(all) < *subs {
		n := min(500, *subs-len(all))
		pb := make([]*ent.PersonCreate, n)
		for i := range pb {
			pb[i] = c.Person.Create().SetName("居民").SetCommunityID(com.ID).SetRoles([]string{"resident"})
		}
		ps, err := c.Person.CreateBulk(pb...).Save(sys)
		if err != nil {
			log.Fatal(err)
		}
		rb := make([]*ent.ServiceRequestCreate, n)
		for i, p := range ps {
			rb[i] = c.ServiceRequest.Create().SetKind(servicerequest.KindServiceNeed).SetTitle("基准").
				SetCommunityID(com.ID).SetRequesterID(p.ID).SetSubmittedAt(time.Now())
		}
		rs, err := c.ServiceRequest.CreateBulk(rb...).Save(sys)
		if err != nil {
			log.Fatal(err)
		}
		for i := range ps {
			all = append(all, sub{ps[i].ID, rs[i].ID})
		}
	}
	if err := st.WatchChanges(0); err != nil {
		log.Fatal(err)
	}
	hub := live.NewHub(st.Changes, live.Options{})
	for _, src := range liveprivate.Sources(c) {
		hub.Add(src)
	}
	hub.Start()
	defer hub.Close()

	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	committed := sync.Map{} // event ID → commit time
	var mu sync.Mutex
	var lat []time.Duration
	var delivered atomic.Int64
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, s := range all {
		v := auth.Viewer{Role: auth.RoleResident, PersonID: s.person, CommunityID: com.ID}
		ch, err := liveprivate.RequestUpdated(auth.NewContext(subCtx, v), hub, c, s.request, nil)
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			for u := range ch {
				now := time.Now()
				var id int
				fmt.Sscan(u.Cursor, &id)
				if t0, ok := committed.Load(id); ok {
					mu.Lock()
					lat = append(lat, now.Sub(t0.(time.Time)))
					mu.Unlock()
				}
				delivered.Add(1)
			}
		}()
	}
	// Wait until every subscription joined the hub's fan-out.
	for hub.Subscribers(liveprivate.RequestsSource) < len(all) {
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	perSub := func(a, b uint64) float64 { return float64(int64(b)-int64(a)) / float64(*subs) / 1024 }
	fmt.Printf("subscriptions: %d on %s\n", hub.Subscribers(liveprivate.RequestsSource), st.Dialect)
	fmt.Printf("memory per idle subscription: heap %.1f KB, stacks %.1f KB, total (heap+stacks) %.1f KB\n",
		perSub(ms0.HeapAlloc, ms1.HeapAlloc), perSub(ms0.StackInuse, ms1.StackInuse),
		perSub(ms0.HeapAlloc+ms0.StackInuse, ms1.HeapAlloc+ms1.StackInuse))

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	// Commit events at the rate asked, spread over the writers. Each writer
	// keeps a schedule (its k-th event is due at start + k·per) and, when
	// late, sends at once until it has caught up: a ticker would drop the
	// ticks a slow commit missed, and the rate measured would be the
	// generator's, not the server's.
	var sent, failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	per := time.Duration(float64(time.Second) * float64(*writers) / float64(*rate))
	for w := range *writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			due := start.Add(per * time.Duration(w) / time.Duration(*writers))
			for ; due.Sub(start) < *dur; due = due.Add(per) {
				if wait := time.Until(due); wait > 0 {
					time.Sleep(wait)
				}
				s := all[r.IntN(len(all))]
				tx, err := c.Tx(sys)
				if err != nil {
					failed.Add(1)
					continue
				}
				ev, err := tx.RequestEvent.Create().SetRequestID(s.request).SetCommunityID(com.ID).
					SetAction(requestevent.ActionReward).SetFromStatus("SUBMITTED").SetToStatus("SUBMITTED").
					SetActorRole("staff").SetNote("bench").Save(sys)
				if err != nil {
					_ = tx.Rollback()
					failed.Add(1)
					continue
				}
				// The time of commit is noted before the commit returns
				// (the delivery can come first), so the latency counts the
				// commit itself.
				committed.Store(ev.ID, time.Now())
				if err := tx.Commit(); err != nil {
					committed.Delete(ev.ID)
					failed.Add(1)
					continue
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	deadline := time.Now().Add(10 * time.Second)
	for delivered.Load() < sent.Load() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("events committed: %d in %s (%.0f/s; %d failed); delivered: %d\n",
		sent.Load(), elapsed.Round(time.Millisecond), float64(sent.Load())/elapsed.Seconds(), failed.Load(), delivered.Load())
	fmt.Printf("commit to delivery: p50 %s, p99 %s, max %s\n", q(0.5), q(0.99), q(1))
	mu.Unlock()
}
