package testenv

import (
	"bytes"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, for
// a server process a test starts.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// LogBuffer collects a process's or logger's output, written from several
// goroutines (a process's stdout and stderr pipes) at once. It keeps the
// first 8 MB: a server's start and its first errors are what a failing
// test shows.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 8<<20 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitReady waits until GET url answers 200, for up to timeout, and fails
// the test if it does not or if exited reports that the process ended
// meanwhile (exited may be nil); log gives the process's output for the
// failure message (may be nil).
func WaitReady(t testing.TB, url string, timeout time.Duration, exited func() bool, log func() string) {
	t.Helper()
	show := func() string {
		if log == nil {
			return ""
		}
		return "; its log:\n" + log()
	}
	probe := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if exited != nil && exited() {
			t.Fatalf("the server exited during start-up%s", show())
		}
		if res, err := probe.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s did not answer 200 within %s%s", url, timeout, show())
}
