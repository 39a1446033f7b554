package hostile

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"lifecircle/internal/testenv"
)

// Bounds of one attack (phase 1): whatever is asked, the anonymous
// endpoint answers or refuses it cheaply and without slowing anyone else.
const (
	cpuPerRequest = 100 * time.Millisecond // server CPU (in 10 ms ticks)
	rssPerAttack  = 20 << 20               // resident memory growth
	probeBound    = 100 * time.Millisecond // /healthz latency meanwhile
	wallBound     = 2 * time.Second        // each request, first byte sent to last received
)

// Bounds of phase 2, every attack at once.
//
// Phase 1 is the goal: each attack alone, with the prober beside
// it, the probe under 100 ms. Phase 2 saturates both cores on purpose (51
// attack streams and this test's own client, which encodes and sends 90 MB
// of documents), so a probe then measures how long it queues for a CPU,
// not the work of any one request. It checks that the server survives the
// mix, keeps its memory, and starves nobody: the probe's 99th percentile
// over at least 200 figures under 500 ms and its maximum under 2 s. Seen:
// p99 35-121 ms with the machine otherwise idle, 169-284 ms while three
// other builds ran on it.
//
// Memory: 51 attack streams run at once, and a 1 MiB body is held whole
// while it is read and JSON-decoded (about 3 MB each); Go's collector lets
// the heap grow to twice what is live before collecting, and returns freed
// pages to the system lazily. The phase measured +39 to +101 MB; 150 MB
// still catches one attack that keeps what it was sent (30 × 1 MB
// documents, say). scripts/test runs this package on its own, after the
// other tests.
const (
	copies       = 3                      // each attack, sent this many times concurrently
	minProbes    = 200                    // the prober runs on until it has this many figures
	probeP99     = 500 * time.Millisecond // the prober's 99th percentile over the phase
	maxProbe     = 2 * time.Second        // the slowest probe of the phase
	rssAllAtOnce = 150 << 20              // resident memory growth over the phase (see below)
	phase2Limit  = 30 * time.Second       // the whole phase
)

// TestHostile runs every attack against a real server, once on SQLite and
// once on PostgreSQL: first one by one, each measured, then all at once.
func TestHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile requests against a real server: not in -short")
	}
	bin := serverBinary(t)
	t.Run("sqlite", func(t *testing.T) { run(t, startServer(t, bin, "")) })
	t.Run("postgres", func(t *testing.T) { run(t, startServer(t, bin, testenv.PostgresURL(t))) })
}

func run(t *testing.T, s *server) {
	var addrs addresses
	expectNormal(t, s, "before the attacks")
	t.Run("one-by-one", func(t *testing.T) {
		for _, a := range attacks() {
			t.Run(a.name, func(t *testing.T) {
				s.settle(t)
				wedged, cpu := oneAttack(t, s, a, addrs.take())
				if bound := a.cpuBound(); !wedged && s.alive() && cpu >= bound {
					// Server CPU is read from /proc in 10 ms ticks and
					// includes the GC and the runtime: one reading can
					// land a tick or two over. Measured again, a cost
					// that is really over the bound is over again.
					t.Logf("%s: server CPU %s on the first try, want < %s: measuring once more", a.name, cpu, bound)
					s.settle(t)
					if wedged, cpu = oneAttack(t, s, a, addrs.take()); cpu >= bound {
						t.Errorf("%s: server CPU %s, want < %s (twice)", a.name, cpu, bound)
					}
				}
				switch {
				case !s.alive():
					t.Errorf("the server died; its log:\n%s", s.logTail())
					s.restart(t) // so that the next attacks are measured too
				case wedged:
					// Still working on a request it did not answer: a new
					// process, so that this work is not charged to the
					// next attack.
					t.Logf("restarting the server, still busy with the unanswered request")
					s.restart(t)
				}
			})
		}
	})
	t.Run("all-at-once", func(t *testing.T) { allAtOnce(t, s, &addrs) })
	expectNormal(t, s, "after the attacks")
}

// oneAttack sends a's requests one after the other from ip, measuring the
// server's CPU and memory around them while a prober asks /healthz. It
// reports whether a request went unanswered (timed out), and the server
// CPU the requests took (the caller holds it to the attack's bound).
func oneAttack(t *testing.T, s *server, a *attack, ip net.IP) (wedged bool, cpu time.Duration) {
	n := max(a.requests, 1)
	reqs := make([]request, n) // built before the clock starts
	bodyBytes := 0
	for i := range reqs {
		reqs[i] = a.build(i)
		bodyBytes += len(reqs[i].body)
	}
	client := clientFrom(ip)
	defer client.CloseIdleConnections()

	before, err := readUsage(s.pid())
	if err != nil {
		t.Fatalf("%s: %v", a.name, err)
	}
	probe := startProber(s)
	results := make([]result, n)
	for i, r := range reqs {
		results[i] = send(context.Background(), client, s, r)
	}
	after, err := readUsage(s.pid()) // right after the last answer
	probed := probe.stop()
	if err != nil {
		after = before // the process is gone: reported below
	}
	cpu = after.cpu - before.cpu
	rss := after.rss - before.rss

	status, codes := summary(results)
	var size int64
	var wall time.Duration
	for _, r := range results {
		size += r.size
		wall = max(wall, r.wall)
	}
	t.Logf("%-26s status=%-14s code=%-26s cpu=%5dms rss=%+7.1fMB probe-max=%4dms bytes=%d (sent %d) slowest=%s",
		a.name, status, codes, cpu.Milliseconds(), float64(rss)/(1<<20), probed.max.Milliseconds(),
		size, bodyBytes, wall.Round(time.Millisecond))

	for _, r := range results {
		wedged = wedged || r.err != nil
	}
	if !s.alive() {
		return wedged, cpu // run reports it with the log
	}
	failures := 0
	for i, r := range results {
		if err := verdict(a, r, a.allow); err != nil && failures < 3 {
			failures++
			t.Errorf("%s: request %d: %v", a.name, i, err)
		}
		if r.err == nil && r.wall >= wallBound && failures < 3 {
			failures++
			t.Errorf("%s: request %d took %s, want < %s", a.name, i, r.wall.Round(time.Millisecond), wallBound)
		}
	}
	if a.all != nil {
		if err := a.all(results); err != nil {
			t.Errorf("%s: %v", a.name, err)
		}
	}
	rssBound := a.rss
	if rssBound == 0 {
		rssBound = rssPerAttack
	}
	if rss >= rssBound {
		t.Errorf("%s: server memory grew by %.1f MB, want < %.0f MB", a.name, float64(rss)/(1<<20), float64(rssBound)/(1<<20))
	}
	if probed.max >= probeBound || probed.failures > 0 {
		t.Errorf("%s: /healthz took up to %s meanwhile (%d probes, %d failed), want < %s",
			a.name, probed.max.Round(time.Millisecond), probed.n, probed.failures, probeBound)
	}
	return wedged, cpu
}

// cpuBound is the server CPU a's requests may take together.
func (a *attack) cpuBound() time.Duration {
	if a.cpu != 0 {
		return a.cpu
	}
	return time.Duration(max(a.requests, 1)) * cpuPerRequest
}

// allAtOnce sends every attack copies times concurrently, each attack from
// its own address, while the prober runs: the server must stay responsive
// and bounded in memory, and answer a normal query correctly afterwards.
// Each answer must still be acceptable (RATE_LIMITED is, to any of them
// here), but neither its time nor its CPU is bounded one by one.
func allAtOnce(t *testing.T, s *server, addrs *addresses) {
	type job struct {
		a       *attack
		reqs    []request // built beforehand, shared by the copies
		results []result
	}
	var jobs []*job
	for _, a := range attacks() {
		j := &job{a: a, reqs: make([]request, max(a.requests, 1))}
		for i := range j.reqs {
			j.reqs[i] = a.build(i)
		}
		jobs = append(jobs, j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), phase2Limit)
	defer cancel()

	before, err := readUsage(s.pid())
	if err != nil {
		t.Fatal(err)
	}
	probe := startProber(s)
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, j := range jobs {
		client := clientFrom(addrs.take())
		defer client.CloseIdleConnections()
		for range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, req := range j.reqs {
					if ctx.Err() != nil {
						return
					}
					r := send(ctx, client, s, req)
					mu.Lock()
					j.results = append(j.results, r)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	after, err := readUsage(s.pid())
	probe.wait(minProbes, 2*minProbes*20*time.Millisecond)
	probed := probe.stop()
	if err != nil {
		after = before
	}
	rss := after.rss - before.rss
	t.Logf("all at once (%d attacks × %d): %s, cpu=%dms rss=%+.1fMB probe max=%dms p99=%dms (%d probes, %d failed, slowest %v)",
		len(jobs), copies, time.Since(start).Round(time.Millisecond), (after.cpu - before.cpu).Milliseconds(),
		float64(rss)/(1<<20), probed.max.Milliseconds(), probed.p99.Milliseconds(), probed.n, probed.failures, probed.worst)

	if !s.alive() {
		t.Errorf("the server died; its log:\n%s", s.logTail())
		s.restart(t)
		return
	}
	for _, j := range jobs {
		status, codes := summary(j.results)
		t.Logf("  %-26s status=%s code=%s", j.a.name, status, codes)
		allow := append([]string{rateLimited}, j.a.allow...)
		for i, r := range j.results {
			if err := verdict(j.a, r, allow); err != nil {
				t.Errorf("all at once: %s: answer %d: %v", j.a.name, i, err)
				break
			}
		}
	}
	if rss >= rssAllAtOnce {
		t.Errorf("all at once: server memory grew by %.1f MB, want < %.0f MB", float64(rss)/(1<<20), float64(rssAllAtOnce)/(1<<20))
	}
	if probed.p99 >= probeP99 || probed.max >= maxProbe || probed.failures > 0 {
		t.Errorf("all at once: /healthz p99 %s, max %s (%d probes, %d failed), want p99 < %s, max < %s, no failure",
			probed.p99.Round(time.Millisecond), probed.max.Round(time.Millisecond), probed.n, probed.failures, probeP99, maxProbe)
	}
}

// expectNormal checks that an ordinary query is answered correctly.
func expectNormal(t *testing.T, s *server, when string) {
	t.Helper()
	if !s.alive() {
		t.Errorf("%s: the server is not running", when)
		return
	}
	client := clientFrom(net.IPv4(127, 0, 0, 1))
	defer client.CloseIdleConnections()
	r := send(context.Background(), client, s, normalQuery.build(0))
	if err := verdict(&normalQuery, r, nil); err != nil {
		t.Errorf("normal query %s: %v", when, err)
	}
}
