// Package outage recognises a database that cannot serve right now (down,
// unreachable, restarting, or, for SQLite, locked for longer than the busy
// timeout) and answers the requests that needed it with HTTP 503,
// Retry-After and extensions.code UNAVAILABLE, never with the driver's
// own text. It is the one place that reads driver errors for that.
package outage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lib/pq"

	"lifecircle/internal/apperr"
)

// Retry-After of each kind of failure. A lost or refused connection is
// what a database restart or failover looks like: that takes seconds.
// SQLite's locks are held for a transaction at most, and the writer
// already waited its busy timeout: the next try will likely pass.
const (
	RetryDown   = 5 * time.Second
	RetryLocked = 1 * time.Second
)

// Message is what clients are told; it names no host, driver or statement.
const Message = "the database is unavailable right now; retry after the time in the Retry-After header"

// Classify reports whether err means the database could not serve, and
// how long a client should wait before it retries. Errors that carry a
// statement's fault (a constraint, a syntax error, a timeout the request
// itself ran into) are not outages.
func Classify(err error) (retry time.Duration, ok bool) {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0, false // the request's own end, not the database's
	}
	if sqliteBusy(err) {
		return RetryLocked, true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch {
		case pqErr.Code.Class() == "08", // connection exception
			pqErr.Code == "57P01", pqErr.Code == "57P02", pqErr.Code == "57P03", // shutting down, crashed, starting
			pqErr.Code == "53300": // too many connections
			return RetryDown, true
		}
		return 0, false
	}
	var netErr net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return RetryDown, true
	}
	// Some paths flatten the error to text (ent's rollback wrapper, lib/pq's
	// "unknown error"): the words of a lost connection are still there.
	s := err.Error()
	for _, w := range []string{"bad connection", "connection refused", "connection reset", "broken pipe", "unexpected EOF", "no such host", "i/o timeout"} {
		if strings.Contains(s, w) {
			return RetryDown, true
		}
	}
	return 0, false
}

// StatementTimeout reports whether err is a statement the database
// stopped at its statement_timeout (SQLSTATE 57014): the request asked
// for too much, or waited on a lock too long; the database is fine.
func StatementTimeout(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "57014"
}

// Is reports whether err means the database could not serve.
func Is(err error) bool {
	_, ok := Classify(err)
	return ok
}

// sqliteBusy reports SQLITE_BUSY (5) and SQLITE_LOCKED (6), extended
// codes included, from modernc.org/sqlite (its *Error has Code()).
func sqliteBusy(err error) bool {
	var c interface{ Code() int }
	if !errors.As(err, &c) {
		return false
	}
	code := c.Code() & 0xff
	return code == 5 || code == 6
}

// Error is the error clients see.
func Error() *apperr.Error { return apperr.New(apperr.CodeUnavailable, Message) }

type noteKey struct{}

// note is shared by a request's handlers: the longest wait any error asked
// for, in seconds (0: no outage met).
type note struct{ seconds atomic.Int64 }

// Note records in ctx that the request met an outage whose err asked for
// a wait; Middleware then answers 503 with Retry-After. It reports whether
// err is an outage.
func Note(ctx context.Context, err error) bool {
	retry, ok := Classify(err)
	if !ok {
		return false
	}
	if n, _ := ctx.Value(noteKey{}).(*note); n != nil {
		secs := int64((retry + time.Second - 1) / time.Second)
		for {
			old := n.seconds.Load()
			if old >= secs || n.seconds.CompareAndSwap(old, secs) {
				break
			}
		}
	}
	return true
}

// Middleware answers with 503 and Retry-After any request during which an
// outage was noted (see Note), whatever status the handler chose: a
// GraphQL response whose errors say UNAVAILABLE is a 503, so load
// balancers and clients retry it.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := &note{}
		next.ServeHTTP(&writer{ResponseWriter: w, n: n}, r.WithContext(context.WithValue(r.Context(), noteKey{}, n)))
	})
}

type writer struct {
	http.ResponseWriter
	n      *note
	headed bool
}

func (w *writer) WriteHeader(status int) {
	if !w.headed {
		w.headed = true
		if secs := w.n.seconds.Load(); secs > 0 && status < 500 {
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
			w.Header().Set("Cache-Control", "no-store")
			status = http.StatusServiceUnavailable
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *writer) Write(p []byte) (int, error) {
	if !w.headed {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WriteHTTP answers a request outside GraphQL (a download, a token
// lookup) whose database work failed with err, if err is an outage: 503,
// Retry-After and UNAVAILABLE. It reports whether it answered.
func WriteHTTP(w http.ResponseWriter, err error) bool {
	retry, ok := Classify(err)
	if !ok {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
	w.Header().Set("Cache-Control", "no-store")
	apperr.WriteHTTP(w, http.StatusServiceUnavailable, Error())
	return true
}
