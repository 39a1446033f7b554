// Package accesslog is the outermost HTTP middleware: it gives each request
// its ID (X-Request-ID), counts it in the metrics, and writes one
// structured log line when it is answered, with what the inner layers
// noted about it (the GraphQL operation and its cost).
package accesslog

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"lifecircle/internal/apperr"
	"lifecircle/internal/metrics"
	"lifecircle/internal/reqid"
)

// Options of the middleware.
type Options struct {
	// Logger receives the access log lines (nil: no access log): method,
	// route, path, status, duration, bytes, operation, cost, error (the
	// codes of the errors answered) and request_id.
	Logger *slog.Logger
	// Metrics counts requests, their routes, statuses and durations, and
	// the errors answered outside GraphQL (nil: none).
	Metrics *metrics.Metrics
}

// Entry is what inner layers note about a request for its log line.
type Entry struct {
	mu        sync.Mutex
	operation string
	cost      int
	hasCost   bool
	codes     []string
}

type entryKey struct{}

// Note returns the entry of ctx's request, or nil (its methods then do
// nothing).
func Note(ctx context.Context) *Entry {
	e, _ := ctx.Value(entryKey{}).(*Entry)
	return e
}

// Operation notes the GraphQL operation a request ran and the cost points
// it was charged (hasCost false when it was not costed).
func (e *Entry) Operation(name string, cost int, hasCost bool) {
	if e == nil {
		return
	}
	e.mu.Lock()
	e.operation, e.cost, e.hasCost = name, cost, hasCost
	e.mu.Unlock()
}

// Errors notes the codes of the GraphQL errors a request was answered.
func (e *Entry) Errors(codes []string) {
	if e == nil || len(codes) == 0 {
		return
	}
	e.mu.Lock()
	e.codes = append(e.codes, codes...)
	e.mu.Unlock()
}

// maxLoggedName bounds an operation name in a log line.
const maxLoggedName = 100

// Handler wraps next (a ServeMux: the route is the pattern it matched).
func Handler(next http.Handler, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := reqid.Accept(r.Header.Get(reqid.Header))
		w.Header().Set(reqid.Header, id)
		entry := &Entry{}
		ctx := reqid.NewContext(r.Context(), id)
		ctx = context.WithValue(ctx, entryKey{}, entry)
		ctx = metrics.NewContext(ctx, opts.Metrics)
		done := opts.Metrics.RequestStarted()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK, m: opts.Metrics, id: id}
		r = r.WithContext(ctx)
		defer func() {
			done()
			d := time.Since(start)
			// The mux wrote the pattern it matched into r.
			opts.Metrics.Request(r.Pattern, r.Method, rec.status, d)
			if opts.Logger != nil {
				log(ctx, opts.Logger, r, rec, entry, id, d)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

func log(ctx context.Context, l *slog.Logger, r *http.Request, rec *recorder, e *Entry, id string, d time.Duration) {
	level := slog.LevelInfo
	if r.Pattern == "GET /healthz" || r.Pattern == "GET /readyz" {
		level = slog.LevelDebug // load balancers probe every few seconds
	}
	if !l.Enabled(ctx, level) {
		return
	}
	e.mu.Lock()
	op, cost, hasCost := e.operation, e.cost, e.hasCost
	codes := append(rec.codes, e.codes...)
	e.mu.Unlock()
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("route", r.Pattern),
		slog.String("path", r.URL.Path),
		slog.Int("status", rec.status),
		slog.Duration("duration", d),
		slog.Int64("bytes", rec.bytes),
	}
	if op != "" {
		if len(op) > maxLoggedName {
			op = op[:maxLoggedName] + "…"
		}
		attrs = append(attrs, slog.String("operation", op))
	}
	if hasCost {
		attrs = append(attrs, slog.Int("cost", cost))
	}
	if len(codes) > 0 {
		attrs = append(attrs, slog.String("error", strings.Join(codes, ",")))
	}
	attrs = append(attrs, slog.String(reqid.LogKey, id))
	l.LogAttrs(ctx, level, "http", attrs...)
}

// recorder keeps the status and size of the answer, and takes the code of
// an error written by apperr.WriteHTTP out of the headers.
type recorder struct {
	http.ResponseWriter
	m      *metrics.Metrics
	id     string
	status int
	bytes  int64
	wrote  bool
	codes  []string
}

func (w *recorder) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.status = status
		if w.Header().Get(reqid.Header) == "" { // an inner layer cleared the headers
			w.Header().Set(reqid.Header, w.id)
		}
		if code := w.Header().Get(apperr.CodeHeader); code != "" {
			w.Header().Del(apperr.CodeHeader)
			w.codes = append(w.codes, code)
			w.m.Error(code)
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
