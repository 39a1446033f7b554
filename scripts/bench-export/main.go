// Command bench-export times a facility download through the real server:
// it builds the server (or takes -bin), starts it on a database filled by
// scripts/synth, waits until the service map is indexed and the process is
// idle, downloads the file once and reports rows per second and how far the
// server's RSS (VmRSS, sampled every -sample) rose above its idle RSS. Each
// run starts a fresh server, so every run starts from the same idle state
// and a fresh rate-limit budget.
//
//	go run ./scripts/bench-export -database-url "postgres://postgres@127.0.0.1:5432/lc_city?sslmode=disable"
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("database-url", "", "database filled by scripts/synth")
	bin := flag.String("bin", "", "server binary (default: build this checkout)")
	path := flag.String("path", "/open/facilities.csv", "download to time")
	runs := flag.Int("runs", 3, "downloads to time, each on a fresh server")
	port := flag.Int("port", 18080, "port of the server")
	sample := flag.Duration("sample", 200*time.Millisecond, "RSS sampling interval")
	settle := flag.Duration("settle", 3*time.Second, "wait after the server listens before reading its idle RSS")
	flag.Parse()
	if *url == "" {
		log.Fatal("bench-export: -database-url is required")
	}
	if *bin == "" {
		dir, err := os.MkdirTemp("", "bench-export")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		*bin = filepath.Join(dir, "lifecircle")
		build := exec.Command("go", "build", "-o", *bin, ".")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			log.Fatalf("bench-export: build: %v", err)
		}
	}
	var rates, growths []float64
	for i := 1; i <= *runs; i++ {
		r, err := run(*bin, *url, *port, *path, *sample, *settle)
		if err != nil {
			log.Fatalf("bench-export: run %d: %v", i, err)
		}
		rate := float64(r.rows) / r.elapsed.Seconds()
		growth := float64(r.peak-r.idle) / (1 << 20)
		fmt.Printf("run %d: %d rows, %.1f MB in %v: %.0f rows/s; RSS idle %.0f MB, peak %.0f MB, growth %.0f MB\n",
			i, r.rows, float64(r.bytes)/(1<<20), r.elapsed.Round(10*time.Millisecond), rate,
			float64(r.idle)/(1<<20), float64(r.peak)/(1<<20), growth)
		rates, growths = append(rates, rate), append(growths, growth)
	}
	slices.Sort(rates)
	slices.Sort(growths)
	fmt.Printf("best %.0f rows/s, median %.0f rows/s; RSS growth best %.0f MB, median %.0f MB\n",
		rates[len(rates)-1], rates[len(rates)/2], growths[0], growths[len(growths)/2])
}

type result struct {
	rows, bytes int
	elapsed     time.Duration
	idle, peak  int64 // bytes
}

func run(bin, dbURL string, port int, path string, sample, settle time.Duration) (result, error) {
	var r result
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, bin, "-database-url", dbURL, "-port", strconv.Itoa(port),
		"-publish-monthly=false", "-seed-demo=false", "-log-level", "warn")
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		return r, err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	// The server indexes every facility before it listens.
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("server did not start")
		}
	}
	time.Sleep(settle)
	var err error
	if r.idle, err = rss(srv.Process.Pid); err != nil {
		return r, err
	}
	var peak atomic.Int64
	peak.Store(r.idle)
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(sample)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v, err := rss(srv.Process.Pid); err == nil && v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	start := time.Now()
	resp, err := http.Get(base + path)
	if err != nil {
		close(done)
		return r, err
	}
	if resp.StatusCode != http.StatusOK {
		close(done)
		resp.Body.Close()
		return r, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	lines, n, err := countLines(resp.Body)
	resp.Body.Close()
	r.elapsed = time.Since(start)
	close(done)
	<-sampled
	if err != nil {
		return r, err
	}
	if v, err := rss(srv.Process.Pid); err == nil && v > peak.Load() {
		peak.Store(v)
	}
	r.peak, r.bytes = peak.Load(), n
	r.rows = lines
	if strings.HasSuffix(path, ".csv") {
		r.rows-- // the header
	}
	return r, nil
}

// countLines reads body to the end and counts line ends. Cells of the
// synthetic city hold no line breaks, so lines are records.
func countLines(body io.Reader) (lines, n int, err error) {
	buf := make([]byte, 256<<10)
	for {
		k, err := body.Read(buf)
		n += k
		lines += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return lines, n, nil
		}
		if err != nil {
			return lines, n, err
		}
	}
}

// rss is the resident set size of process pid, from /proc.
func rss(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
