// Package metrics holds lifecircle's Prometheus metrics: one Metrics per
// server (tests run several in one process), reached through the request
// context so that instrumenting a call site is one line:
//
//	metrics.From(ctx).CacheLookup(metrics.CacheAPQ, ok)
//
// Every method is safe on a nil *Metrics (no metrics configured), so call
// sites need no checks. The metrics are served by Handler, on a listen
// address of their own, never on the public port.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is one server's set of metrics and the registry that serves them.
type Metrics struct {
	Registry *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpInFlight prometheus.Gauge
	operations   *prometheus.CounterVec
	opDuration   *prometheus.HistogramVec
	errors       *prometheus.CounterVec
	costCharged  *prometheus.CounterVec
	rateLimited  *prometheus.CounterVec
	cache        *prometheus.CounterVec
	publications *prometheus.CounterVec
	published    prometheus.Gauge

	opNames *bounded
	codes   *bounded
}

// Bounds of label values a client can influence: operation names (any
// client may name its operations anything) and error codes.
const (
	MaxOperationNames = 200
	MaxOperationName  = 64
	MaxErrorCodes     = 64
)

// Label values for what is not a name a client chose.
const (
	Anonymous    = "anonymous" // an operation without a name
	OtherLabel   = "other"     // past the bound of distinct values, or not a safe value
	NoOperation  = "none"      // the request failed before an operation was chosen (parse or validation error)
	UnknownRoute = "unmatched" // no route matched (404)
)

// Caches whose lookups are counted.
const (
	CacheResponse = "response" // the public endpoint's response cache
	CacheAPQ      = "apq"      // automatic persisted queries
)

// Budgets charged and refused (see internal/limits).
const (
	BudgetPublic       = "public"        // per IP address
	BudgetApp          = "app"           // per token
	BudgetAuthFailures = "auth_failures" // bad tokens per IP address
)

// latency buckets, in seconds: GraphQL requests get 20 s at most.
var latency = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20}

// New returns a fresh set of metrics in a registry of its own, with the Go
// runtime's and the process's collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecircle_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lifecircle_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route pattern.",
			Buckets: latency,
		}, []string{"route"}),
		httpInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lifecircle_http_requests_in_flight",
			Help: "HTTP requests being answered now.",
		}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecircle_graphql_operations_total",
			Help: "GraphQL operations, by operation name (bounded), type and outcome (ok, partial: data and errors, error: no data).",
		}, []string{"operation", "type", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lifecircle_graphql_operation_duration_seconds",
			Help:    "Time from reading a GraphQL request to its response, by operation name (bounded) and type.",
			Buckets: latency,
		}, []string{"operation", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecircle_errors_total",
			Help: "Errors sent to clients (GraphQL errors and refusals before GraphQL), by extensions.code.",
		}, []string{"code"}),
		costCharged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecircle_cost_points_charged_total",
			Help: "Cost points taken from clients' rate-limit budgets, by budget (public per IP, app per token).",
		}, []string{"budget"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecircle_rate_limited_total",
			Help: "Requests refused with 429 RATE_LIMITED, by budget (public, app, auth_failures).",
		}, []string{"budget"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecircle_cache_lookups_total",
			Help: "Lookups of the response cache and the persisted-query (APQ) cache, by cache and result (hit, miss).",
		}, []string{"cache", "result"}),
		publications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifecircle_publication_runs_total",
			Help: "Scheduled checks for a statistics release, by outcome (published, not_due, failed).",
		}, []string{"outcome"}),
		published: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lifecircle_publication_last_success_timestamp_seconds",
			Help: "Unix time of the last statistics release this server published (0: none yet).",
		}),
		opNames: newBounded(MaxOperationNames),
		codes:   newBounded(MaxErrorCodes),
	}
	reg.MustRegister(m.httpRequests, m.httpDuration, m.httpInFlight, m.operations, m.opDuration, m.errors,
		m.costCharged, m.rateLimited, m.cache, m.publications, m.published)
	return m
}

type ctxKey struct{}

// NewContext returns ctx carrying m.
func NewContext(ctx context.Context, m *Metrics) context.Context {
	if m == nil {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, m)
}

// From returns the metrics of ctx's server, or nil (every method of a nil
// *Metrics does nothing).
func From(ctx context.Context) *Metrics {
	m, _ := ctx.Value(ctxKey{}).(*Metrics)
	return m
}

// RequestStarted counts a request in flight; call the function it returns
// when the request is answered.
func (m *Metrics) RequestStarted() func() {
	if m == nil {
		return func() {}
	}
	m.httpInFlight.Inc()
	return m.httpInFlight.Dec
}

// Request records an answered HTTP request. route is the pattern that
// matched ("" for none).
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = UnknownRoute
	}
	m.httpRequests.WithLabelValues(route, httpMethod(method), strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

// httpMethod bounds the method label to the methods HTTP defines.
func httpMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return OtherLabel
}

// Operation records a GraphQL operation: its name as the document gave it
// ("" for an unnamed one), its type ("" when the request failed before an
// operation was chosen), its outcome and how long it took.
func (m *Metrics) Operation(name, opType, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	label := m.OperationLabel(name, opType != "")
	if opType == "" {
		opType = NoOperation
	}
	m.operations.WithLabelValues(label, opType, outcome).Inc()
	m.opDuration.WithLabelValues(label, opType).Observe(d.Seconds())
}

// OperationLabel is the label of an operation name: the name itself while
// it is short and among the first MaxOperationNames distinct names seen,
// "anonymous" for an unnamed operation, "none" when there is no operation,
// and "other" otherwise, so that a client naming each request differently
// cannot grow the metrics without bound.
func (m *Metrics) OperationLabel(name string, hasOperation bool) string {
	switch {
	case !hasOperation:
		return NoOperation
	case name == "":
		return Anonymous
	case len(name) > MaxOperationName || !isName(name) || name == Anonymous || name == OtherLabel || name == NoOperation:
		return OtherLabel
	case m == nil || m.opNames.admit(name):
		return name
	}
	return OtherLabel
}

// Error counts an error sent to a client, by its extensions.code.
func (m *Metrics) Error(code string) {
	if m == nil {
		return
	}
	if code == "" {
		code = "UNKNOWN"
	} else if len(code) > 48 || !isCode(code) || !m.codes.admit(code) {
		code = "OTHER"
	}
	m.errors.WithLabelValues(code).Inc()
}

// Charged records a charge to a client's budget: the points taken, or a
// refusal (429).
func (m *Metrics) Charged(budget string, points int, ok bool) {
	if m == nil {
		return
	}
	if !ok {
		m.rateLimited.WithLabelValues(budget).Inc()
		return
	}
	m.costCharged.WithLabelValues(budget).Add(float64(points))
}

// CacheLookup records a hit or a miss of cache (CacheResponse, CacheAPQ).
func (m *Metrics) CacheLookup(cache string, hit bool) {
	if m == nil {
		return
	}
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cache.WithLabelValues(cache, result).Inc()
}

// PublicationCheck records a scheduled check for a statistics release.
func (m *Metrics) PublicationCheck(published bool, err error) {
	if m == nil {
		return
	}
	switch {
	case err != nil:
		m.publications.WithLabelValues("failed").Inc()
	case published:
		m.publications.WithLabelValues("published").Inc()
		m.published.Set(float64(time.Now().Unix()))
	default:
		m.publications.WithLabelValues("not_due").Inc()
	}
}

// WatchDB reports the connection pool of db (open, in use, idle
// connections, waits and their time) as the go_sql_* metrics with
// db_name=name.
func (m *Metrics) WatchDB(name string, db *sql.DB) {
	if m == nil || db == nil {
		return
	}
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func isCode(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// Cache is a cache of T by string keys, as gqlgen's graphql.Cache.
type Cache[T any] interface {
	Get(ctx context.Context, key string) (T, bool)
	Add(ctx context.Context, key string, value T)
}

// CountLookups returns c with each Get counted as a hit or a miss of the
// cache named name, in the metrics of the Get's context.
func CountLookups[T any](name string, c Cache[T]) Cache[T] { return countingCache[T]{name, c} }

type countingCache[T any] struct {
	name string
	Cache[T]
}

func (c countingCache[T]) Get(ctx context.Context, key string) (T, bool) {
	v, ok := c.Cache.Get(ctx, key)
	From(ctx).CacheLookup(c.name, ok)
	return v, ok
}
