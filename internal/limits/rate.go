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

// Budget holds a token bucket of cost points per client: the public per IP
// address, apps per token, each refilled continuously. Queries are charged
// their cost (see Checker), so one expensive query uses what many cheap
// ones would.
//
// Each IP address also has a budget of failed authentications (Failures,
// one point per bad token): once it is spent, the address may present no
// token until it refills (see AuthAllowed).
type Budget struct {
	Public, Apps Rate
	// Failures is the rate of failed authentications allowed per IP
	// address (default 10 a minute).
	Failures Rate

	mu      sync.Mutex
	buckets map[string]*bucket
	charges int
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
	rate   Rate
}

// DefaultFailures is the default rate of failed authentications per IP.
var DefaultFailures = Rate{Points: 10, Per: time.Minute}

// NewBudget returns a budget with the given rates, and DefaultFailures.
func NewBudget(public, apps Rate) *Budget {
	return &Budget{Public: public, Apps: apps, Failures: DefaultFailures, buckets: map[string]*bucket{}, now: time.Now}
}

// refill returns the bucket of key, created full or topped up for the time
// since it was last used. b.mu must be held.
func (b *Budget) refill(key string, rate Rate, now time.Time) *bucket {
	bk, found := b.buckets[key]
	if !found {
		bk = &bucket{tokens: float64(rate.Points), last: now, rate: rate}
		b.buckets[key] = bk
	}
	bk.tokens = math.Min(float64(rate.Points), bk.tokens+now.Sub(bk.last).Seconds()*rate.perSecond())
	bk.last = now
	b.prune(now)
	return bk
}

func (r Rate) perSecond() float64 { return float64(r.Points) / r.Per.Seconds() }

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
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.refill(failureKey(r), b.Failures, b.now())
	if bk.tokens >= 1 {
		return 0, true
	}
	metrics.From(r.Context()).Charged(metrics.BudgetAuthFailures, 0, false)
	return time.Duration((1 - bk.tokens) / b.Failures.perSecond() * float64(time.Second)), false
}

// AuthFailed counts a refused token (unknown, revoked, expired or
// malformed) against the address r came from.
func (b *Budget) AuthFailed(r *http.Request) {
	if b == nil || b.Failures.Points <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.refill(failureKey(r), b.Failures, b.now())
	bk.tokens = math.Max(0, bk.tokens-1)
}

type clientKey struct{}

// client is who a request is charged to, and what the charge left.
type client struct {
	key       string
	app       bool
	limit     int
	remaining int
	reset     time.Duration
	limited   bool
}

// Charge takes cost points from the caller's bucket. It returns the points
// left and, when there were not enough, how long until there are.
func (b *Budget) Charge(ctx context.Context, cost int) (remaining int, retryAfter time.Duration, ok bool) {
	c, _ := ctx.Value(clientKey{}).(*client)
	if c == nil {
		return 0, 0, true // not behind the rate-limit middleware (tests, tools)
	}
	defer func() { metrics.From(ctx).Charged(budgetName(c.app), cost, ok) }()
	rate := b.Public
	if c.app {
		rate = b.Apps
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.refill(c.key, rate, b.now())
	perSecond := rate.perSecond()
	c.limit = rate.Points
	if float64(cost) > bk.tokens {
		wait := time.Duration((float64(cost) - bk.tokens) / perSecond * float64(time.Second))
		c.remaining, c.reset, c.limited = int(bk.tokens), wait, true
		return c.remaining, wait, false
	}
	bk.tokens -= float64(cost)
	c.remaining = int(bk.tokens)
	c.reset = time.Duration((float64(rate.Points) - bk.tokens) / perSecond * float64(time.Second))
	return c.remaining, 0, true
}

// budgetName is the metrics label of a client's budget.
func budgetName(app bool) string {
	if app {
		return metrics.BudgetApp
	}
	return metrics.BudgetPublic
}

// prune drops full buckets now and then, so idle clients cost no memory.
func (b *Budget) prune(now time.Time) {
	b.charges++
	if b.charges%10000 != 0 {
		return
	}
	for k, bk := range b.buckets {
		if now.Sub(bk.last) > bk.rate.Per {
			delete(b.buckets, k)
		}
	}
}

// RateLimited puts the caller's identity in the request (key returns it
// and whether it is an app), and writes the RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset headers of what the query was
// charged; a request over budget gets 429 with Retry-After.
func RateLimited(key func(*http.Request) (string, bool), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, app := key(r)
		c := &client{key: k, app: app}
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
