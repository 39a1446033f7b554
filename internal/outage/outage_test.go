package outage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lib/pq"
	_ "modernc.org/sqlite"
)

func TestClassify(t *testing.T) {
	// A real refused connection: a port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, refused := net.Dial("tcp", addr)
	// A real SQLITE_BUSY: two connections, one holding the write lock.
	path := t.TempDir() + "/busy.db"
	a, _ := sql.Open("sqlite", "file:"+path)
	b, _ := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(1)")
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	ca, _ := a.Conn(ctx)
	defer ca.Close()
	if _, err := ca.ExecContext(ctx, "CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, busy := b.ExecContext(ctx, "INSERT INTO t VALUES (2)")

	for _, tc := range []struct {
		name  string
		err   error
		retry time.Duration
	}{
		{"refused connection", fmt.Errorf("token: lookup: %w", refused), RetryDown},
		{"bad connection", fmt.Errorf("ent: %w", driver.ErrBadConn), RetryDown},
		{"connection done", sql.ErrConnDone, RetryDown},
		{"admin shutdown", &pq.Error{Code: "57P01"}, RetryDown},
		{"connection failure", &pq.Error{Code: "08006"}, RetryDown},
		{"too many connections", &pq.Error{Code: "53300"}, RetryDown},
		{"flattened to text", errors.New("cannot commit transaction: driver: bad connection"), RetryDown},
		{"SQLITE_BUSY", busy, RetryLocked},
		{"unique violation", &pq.Error{Code: "23505"}, 0},
		{"query cancelled", &pq.Error{Code: "57014"}, 0},
		{"client gone", fmt.Errorf("x: %w", context.Canceled), 0},
		{"request timeout", context.DeadlineExceeded, 0},
		{"anything else", errors.New("boom"), 0},
	} {
		retry, ok := Classify(tc.err)
		if ok != (tc.retry > 0) || retry != tc.retry {
			t.Errorf("%s (%v): got %v %v, want %v", tc.name, tc.err, retry, ok, tc.retry)
		}
	}
}

// A handler that noted an outage answers 503 with Retry-After whatever
// status it wrote; one that did not is left alone.
func TestMiddleware(t *testing.T) {
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			Note(r.Context(), driver.ErrBadConn)
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	for path, want := range map[string]int{"/down": 503, "/up": 200} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want || (want == 503) != (rec.Header().Get("Retry-After") == "5") {
			t.Errorf("%s: %d Retry-After=%q", path, rec.Code, rec.Header().Get("Retry-After"))
		}
	}
}
