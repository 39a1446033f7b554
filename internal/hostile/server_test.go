package hostile

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lifecircle/internal/testenv"
)

// serverBinary returns LIFECIRCLE_BIN, or builds the server from the
// module root into a temporary directory, without -race: the test measures
// the server's CPU, and the race detector would multiply it.
func serverBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("LIFECIRCLE_BIN"); bin != "" {
		return bin
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("find the module root: %v", err)
	}
	root := strings.TrimSpace(string(out))
	bin := filepath.Join(t.TempDir(), "lifecircle")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is one lifecircle process on a free port.
type server struct {
	bin, dataDir, dbURL string

	port   int
	cmd    *exec.Cmd
	log    *testenv.LogBuffer
	exited chan struct{}
}

// startServer starts the binary on SQLite in a temporary directory (dbURL
// empty) or on the PostgreSQL database dbURL, waits until it is healthy
// and kills it when the test ends.
func startServer(t *testing.T, bin, dbURL string) *server {
	t.Helper()
	s := &server{bin: bin, dataDir: t.TempDir(), dbURL: dbURL}
	t.Cleanup(s.stop)
	s.start(t)
	return s
}

func (s *server) start(t *testing.T) {
	t.Helper()
	s.port = testenv.FreePort(t)
	s.log = &testenv.LogBuffer{}
	s.exited = make(chan struct{})
	// Every setting is a flag, so none comes from this process's
	// environment (DATABASE_URL, PORT, ...).
	s.cmd = exec.Command(s.bin, "-port", strconv.Itoa(s.port), "-data-dir", s.dataDir,
		"-database-url="+s.dbURL, "-publish-monthly=false", "-log-level", "info")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", s.bin, err)
	}
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)
	// The first start migrates and loads the demo data: up to a minute
	// on a loaded machine.
	testenv.WaitReady(t, s.url("/healthz"), 60*time.Second, func() bool { return !s.alive() }, s.log.String)
}

// url of path on the server, reached on 127.0.0.1 (it listens on all
// interfaces; requests from other loopback addresses connect here too).
func (s *server) url(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(s.port) + path
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop kills the process (no graceful shutdown: a wedged server must not
// hold the test up) and waits for it.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
	}
}

// restart replaces a dead server by a new process on the same database, so
// that one attack that kills it does not hide what the others do.
func (s *server) restart(t *testing.T) {
	t.Helper()
	s.stop()
	s.start(t)
}

// settle waits, 10 s at most, until the server is idle (at most one
// clock tick of CPU in 200 ms), so that one attack's leftovers (garbage
// collection, a request still running) are not measured with the next.
func (s *server) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	prev, err := readUsage(s.pid())
	for err == nil && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		var u usage
		if u, err = readUsage(s.pid()); err == nil {
			if u.cpu-prev.cpu <= clockTick {
				return
			}
			prev = u
		}
	}
	if err == nil {
		t.Logf("the server is still busy after 10 s; measuring anyway")
	}
}

// logTail is the end of the server's log, for failure messages.
func (s *server) logTail() string {
	l := s.log.String()
	if len(l) > 4000 {
		l = "…" + l[len(l)-4000:]
	}
	return l
}

// usage is the server's CPU time and resident memory at one moment.
type usage struct {
	cpu time.Duration // user + system
	rss int64         // bytes
}

// clockTick is one tick of /proc/<pid>/stat's CPU times: sysconf(CLK_TCK)
// is 100 on Linux, so figures come in steps of 10 ms.
const clockTick = 10 * time.Millisecond

// readUsage reads /proc/<pid>/stat (utime and stime, fields 14 and 15) and
// VmRSS from /proc/<pid>/status.
func readUsage(pid int) (usage, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return usage{}, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after its closing parenthesis, where field 3 starts.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return usage{}, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, stat)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return usage{}, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, stat)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return usage{}, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, stat)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return usage{}, err
	}
	var rssKB int64 = -1
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rssKB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	if rssKB < 0 {
		return usage{}, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return usage{cpu: time.Duration(utime+stime) * clockTick, rss: rssKB << 10}, nil
}

// prober asks GET /healthz every 20 ms from 127.0.0.1 and records how long
// each answer took: what any other client of the server would wait.
type prober struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	latencies []time.Duration
	failures  int
}

// probeStats summarises a prober's run.
type probeStats struct {
	n        int
	failures int
	max, p99 time.Duration
	worst    []time.Duration // the five slowest, slowest first
}

func startProber(s *server) *prober {
	ctx, cancel := context.WithCancel(context.Background())
	p := &prober{cancel: cancel, done: make(chan struct{})}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, MaxIdleConnsPerHost: 1}}
	go func() {
		defer close(p.done)
		defer client.CloseIdleConnections()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			start := time.Now()
			ok := false
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url("/healthz"), nil)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
				ok = resp.StatusCode == http.StatusOK
			}
			if ctx.Err() != nil {
				return // the probe cancelled by stop is not a measurement
			}
			p.mu.Lock()
			p.latencies = append(p.latencies, time.Since(start))
			if !ok {
				p.failures++
			}
			p.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// wait lets the prober run until it has n figures, or timeout passed.
func (p *prober) wait(n int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		got := len(p.latencies)
		p.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the probing and returns its figures.
func (p *prober) stop() probeStats {
	p.cancel()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	st := probeStats{n: len(p.latencies), failures: p.failures}
	if st.n == 0 {
		return st
	}
	sorted := append([]time.Duration(nil), p.latencies...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	st.max = sorted[len(sorted)-1]
	for i := len(sorted) - 1; i >= 0 && i >= len(sorted)-5; i-- {
		st.worst = append(st.worst, sorted[i].Round(time.Millisecond))
	}
	st.p99 = sorted[(len(sorted)*99+99)/100-1] // nearest rank
	return st
}
