package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lifecircle/internal/testenv"
)

// waitFor polls until ok or the deadline.
func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The server binary, on SIGTERM with a client still sending its request
// after the grace period, closes that connection and exits 0 in about the
// grace period; a client that gave up on its request is logged at debug,
// not as an error.
func TestShutdownWithASlowClientExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lifecircle")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx := context.Background()
	data := filepath.Join(dir, "data")
	if err := run(ctx, []string{"seed", "-data-dir", data}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var tok bytes.Buffer
	if err := run(ctx, []string{"token", "-role", "admin", "-data-dir", data}, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	port := testenv.FreePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	const grace = 2 * time.Second
	cmd := exec.Command(bin, "-port", strconv.Itoa(port), "-data-dir", data, "-log-level", "debug",
		"-publish-monthly=false", "-shutdown-grace", grace.String())
	var stderr testenv.LogBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var exitErr error
	exited := make(chan struct{})
	go func() { exitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	testenv.WaitReady(t, base+"/readyz", 60*time.Second, nil, nil)
	mutation := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", strings.NewReader(
			`{"query":"mutation { createRegion(input: {level: CITY, name: \"取消市\", lat: 36.6, lng: 101.7}) { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.String()))
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	// The token's first use is recorded now, not while the database is locked.
	if res, err := http.Get(base + "/healthz"); err == nil {
		res.Body.Close()
	}
	if err := mutation(ctx); err != nil {
		t.Fatal(err)
	}

	// A client gives up on a mutation stuck behind another writer.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "lifecircle.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	gaveUp, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	if err := mutation(gaveUp); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the stuck mutation: want the client's own timeout, got %v", err)
	}
	cancel()
	time.Sleep(500 * time.Millisecond)
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	waitFor(t, "the cancelled request's log line", 15*time.Second, func() bool {
		return strings.Contains(stderr.String(), "request cancelled by the client")
	})

	// A slow client: its headers are in, its body never finishes.
	slow, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"query\":")
	time.Sleep(200 * time.Millisecond)

	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		took := time.Since(sent)
		if exitErr != nil {
			t.Errorf("exit after SIGTERM: %v (want 0)\n%s", exitErr, stderr.String())
		}
		if took < grace-200*time.Millisecond {
			t.Errorf("exited after %v: the slow client was not given the grace period of %v", took, grace)
		}
	case <-time.After(grace + 8*time.Second):
		t.Fatalf("still running %v after SIGTERM\n%s", grace+8*time.Second, stderr.String())
	}
	log := stderr.String()
	if !strings.Contains(log, "closing their connections") {
		t.Errorf("no word of the connections closed after the grace period:\n%s", log)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("an error was logged: %s", line)
		}
		if strings.Contains(line, "cancelled by the client") && !strings.Contains(line, "level=DEBUG") {
			t.Errorf("the cancelled request is logged above debug: %s", line)
		}
	}
}
