package limits

import (
	"context"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"lifecircle/internal/apperr"
	"lifecircle/internal/metrics"
	"lifecircle/internal/reqid"
)

// Rate is a budget of cost points per window.
type Rate struct {
	Points int
	Per    time.Duration
}

func (r Rate) perSecond() float64 { return float64(r.Points) / r.Per.Seconds() }

// Budget charges cost points to each client's bucket: the public per IP
// address, apps per token (per role where Roles says so), each refilled
// continuously. Queries are charged their cost (see Checker), so one
// expensive query uses what many cheap ones would.
//
// Each IP address also has a budget of failed authentications (Failures,
// one point per bad token): once it is spent, the address may present no
// token until it refills (see AuthAllowed).
//
// The buckets live in this process (LocalBuckets) unless Buckets is set to
// a store that several servers share (internal/shared keeps them in Redis).
type Budget struct {
	Public, Apps Rate
	// Roles overrides Apps for the tokens of a role ("admin", "staff", …).
	Roles map[string]Rate
	// Failures is the rate of failed authentications allowed per IP
	// address (default 10 a minute).
	Failures Rate
	// Buckets holds the buckets (nil: a LocalBuckets of its own).
	Buckets Buckets

	once  sync.Once
	local Buckets
}

// Buckets stores token buckets of points, each refilled continuously at its
// rate up to rate.Points. Implementations are safe for concurrent use and
// never fail: a shared store that cannot be reached answers from local
// buckets instead.
type Buckets interface {
	// Take takes n points from key's bucket if it holds them all, and
	// nothing otherwise. With n = 0 it only reads the bucket: OK when it
	// holds at least one point, else RetryAfter until it does.
	Take(ctx context.Context, key string, rate Rate, n int) Taken
	// TakeAtMost takes n points from key's bucket, or what it holds if
	// that is less; it fails only when the bucket holds less than one.
	TakeAtMost(ctx context.Context, key string, rate Rate, n int) Taken
}

// Taken is what a bucket answered.
type Taken struct {
	OK bool
	// Remaining is the whole points left in the bucket.
	Remaining int
	// RetryAfter is, when refused, how long until the bucket holds what
	// was asked.
	RetryAfter time.Duration
	// ResetAfter is how long until the bucket is full again.
	ResetAfter time.Duration
}

// DefaultFailures is the default rate of failed authentications per IP.
var DefaultFailures = Rate{Points: 10, Per: time.Minute}

// NewBudget returns a budget with the given rates, DefaultFailures, and
// buckets in this process.
func NewBudget(public, apps Rate) *Budget {
	return &Budget{Public: public, Apps: apps, Failures: DefaultFailures, Buckets: NewLocalBuckets()}
}

func (b *Budget) buckets() Buckets {
	if b.Buckets != nil {
		return b.Buckets
	}
	b.once.Do(func() { b.local = NewLocalBuckets() })
	return b.local
}

// failureKey is the bucket of failed authentications of r's address.
func failureKey(r *http.Request) string { return "authfail:" + ClientIP(r) }

// AuthAllowed reports whether the address r came from may present a bearer
// token now: whether it has failed fewer than Failures.Points times in the
// last Failures.Per (the budget refills continuously). When it may not, it
// returns how long until it may; the caller refuses the request without
// looking the token up, so a flood of guesses costs no database work.
func (b *Budget) AuthAllowed(r *http.Request) (retryAfter time.Duration, ok bool) {
	if b == nil || b.Failures.Points <= 0 {
		return 0, true
	}
	t := b.buckets().Take(r.Context(), failureKey(r), b.Failures, 0)
	if t.OK {
		return 0, true
	}
	metrics.From(r.Context()).Charged(metrics.BudgetAuthFailures, 0, false)
	return t.RetryAfter, false
}

// AuthFailed counts a refused token (unknown, revoked, expired or
// malformed) against the address r came from.
func (b *Budget) AuthFailed(r *http.Request) {
	if b == nil || b.Failures.Points <= 0 {
		return
	}
	b.buckets().TakeAtMost(r.Context(), failureKey(r), b.Failures, 1)
}

type clientKey struct{}

type ownRateKey struct{}

// WithOwnRate returns ctx of a request whose caller (a token) has a rate
// budget of its own: points per window of its class's rate, in place of
// the class's points. RateLimited reads it for callers of a class (never
// for the public).
func WithOwnRate(ctx context.Context, points int) context.Context {
	return context.WithValue(ctx, ownRateKey{}, points)
}

// client is who a request is charged to, and what the charge left.
type client struct {
	key       string
	class     string // "" for the public, else the token's role
	points    int    // the caller's own budget per window (0: the class's)
	limit     int
	remaining int
	reset     time.Duration
	limited   bool
}

// rate is the budget of a class of caller.
func (b *Budget) rate(class string) Rate {
	if class == "" {
		return b.Public
	}
	if r, ok := b.Roles[class]; ok && r.Points > 0 {
		return r
	}
	return b.Apps
}

// RateOf is the budget of the tokens of role ("admin", "staff", …): its
// entry in Roles, else Apps.
func (b *Budget) RateOf(role string) Rate {
	if role == "" {
		return b.Apps
	}
	return b.rate(role)
}

// Charge takes cost points from the caller's bucket. It returns the points
// left and, when there were not enough, how long until there are.
func (b *Budget) Charge(ctx context.Context, cost int) (remaining int, retryAfter time.Duration, ok bool) {
	c, _ := ctx.Value(clientKey{}).(*client)
	if c == nil {
		return 0, 0, true // not behind the rate-limit middleware (tests, tools)
	}
	defer func() { metrics.From(ctx).Charged(budgetName(c.class), cost, ok) }()
	rate := b.rate(c.class)
	if c.points > 0 {
		rate.Points = c.points
	}
	t := b.buckets().Take(ctx, c.key, rate, cost)
	c.limit = rate.Points
	c.remaining = t.Remaining
	if !t.OK {
		c.reset, c.limited = t.RetryAfter, true
		return t.Remaining, t.RetryAfter, false
	}
	c.reset = t.ResetAfter
	return t.Remaining, 0, true
}

// RateLimited puts the caller's identity in the request (key returns it
// and its class: "" for the public, a token's role for apps), and writes the RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset headers of what the query was
// charged; a request over budget gets 429 with Retry-After.
func RateLimited(key func(*http.Request) (key, class string), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, class := key(r)
		c := &client{key: k, class: class}
		if p, ok := r.Context().Value(ownRateKey{}).(int); ok && p > 0 && class != "" {
			c.points = p
		}
		next.ServeHTTP(&rateWriter{ResponseWriter: w, c: c}, r.WithContext(context.WithValue(r.Context(), clientKey{}, c)))
	})
}

// ClientIP is the address a request came from (proxies' headers are not
// trusted: put lifecircle behind a proxy that sets the peer address).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type rateWriter struct {
	http.ResponseWriter
	c      *client
	headed bool
}

func (w *rateWriter) WriteHeader(status int) {
	if !w.headed {
		w.headed = true
		if w.c.limit > 0 {
			h := w.Header()
			h.Set("RateLimit-Limit", strconv.Itoa(w.c.limit))
			h.Set("RateLimit-Remaining", strconv.Itoa(w.c.remaining))
			h.Set("RateLimit-Reset", strconv.Itoa(int(math.Ceil(w.c.reset.Seconds()))))
		}
		if w.c.limited {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(w.c.reset.Seconds()))))
			status = http.StatusTooManyRequests
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection (a WebSocket's
// upgrade, an SSE stream's flushes).
func (w *rateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Rebind charges the rest of a request to another caller: a WebSocket
// that authenticated in its connection_init payload, after RateLimited
// charged its upgrade to its address. ownPoints is the caller's own
// budget per window (0: its class's).
func Rebind(ctx context.Context, key, class string, ownPoints int) context.Context {
	c := &client{key: key, class: class}
	if ownPoints > 0 && class != "" {
		c.points = ownPoints
	}
	return context.WithValue(ctx, clientKey{}, c)
}

func (w *rateWriter) Write(p []byte) (int, error) {
	if !w.headed {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// RevalidationCost is what a conditional download (If-None-Match or
// If-Modified-Since) is charged before it is served: answered 304, that is
// all it costs; the rest of the download's cost is charged once the file
// is about to be sent.
const RevalidationCost = 10

// Charged takes a flat cost from the caller's budget before serving a
// request that is not GraphQL (a download): over budget, it answers 429
// with Retry-After. A conditional request pays RevalidationCost first and
// the rest only if the answer is not 304. It must run inside RateLimited.
func (b *Budget) Charged(cost int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upfront := cost
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			upfront = min(cost, RevalidationCost)
		}
		if _, retry, ok := b.Charge(r.Context(), upfront); !ok {
			overBudget(w, cost, retry)
			return
		}
		if upfront == cost {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		cw := &chargeOnSend{ResponseWriter: w, b: b, ctx: r.Context(), cancel: cancel, cost: cost, rest: cost - upfront}
		defer func() {
			if !cw.refused {
				return // any panic goes on as it was
			}
			// Refused, the handler finds its writes failing and its context
			// cancelled, and may abort the connection: the 429 is answered.
			if p := recover(); p != nil && p != http.ErrAbortHandler {
				panic(p)
			}
		}()
		next.ServeHTTP(cw, r.WithContext(ctx))
	})
}

func overBudget(w http.ResponseWriter, cost int, retry time.Duration) {
	// rateWriter adds the RateLimit headers and Retry-After.
	apperr.WriteHTTP(w, http.StatusTooManyRequests, apperr.New(CodeRateLimited,
		"rate limit reached: a download costs %d points; try again in %d s", cost, int(math.Ceil(retry.Seconds()))))
}

// chargeOnSend charges the rest of a download's cost when its handler
// answers with anything but 304; over budget, it answers 429 instead and
// cancels the handler's context, so the file is not read for nothing.
type chargeOnSend struct {
	http.ResponseWriter
	b                *Budget
	ctx              context.Context
	cancel           func()
	cost, rest       int
	decided, refused bool
}

func (w *chargeOnSend) WriteHeader(status int) {
	if w.decided {
		return
	}
	w.decided = true
	if status != http.StatusNotModified {
		if _, retry, ok := w.b.Charge(w.ctx, w.rest); !ok {
			w.refused = true
			w.cancel()
			clearExcept(w.Header(), reqid.Header) // the file's own headers (ETag, Content-Disposition)
			overBudget(w.ResponseWriter, w.cost, retry)
			return
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *chargeOnSend) Write(p []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.refused {
		return 0, context.Canceled
	}
	return w.ResponseWriter.Write(p)
}

// clearExcept removes every header but keep.
func clearExcept(h http.Header, keep string) {
	keep = http.CanonicalHeaderKey(keep)
	for k := range h {
		if k != keep {
			delete(h, k)
		}
	}
}

// budgetName is the metrics label of a class of caller's budget.
func budgetName(class string) string {
	if class == "" {
		return metrics.BudgetPublic
	}
	return metrics.BudgetApp
}
