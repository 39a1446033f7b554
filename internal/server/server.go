// Package server assembles lifecircle's HTTP routes: the explorer, the GraphQL
// endpoint for apps behind CORS and token authentication, the public
// endpoint for everyone, open-data downloads, and liveness and readiness
// checks.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/cors"

	"lifecircle/ent"
	"lifecircle/graph"
	"lifecircle/internal/accesslog"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/token"
	"lifecircle/internal/changewake"
	"lifecircle/internal/explorer"
	"lifecircle/internal/health"
	"lifecircle/internal/idempotency"
	"lifecircle/internal/limits"
	"lifecircle/internal/live"
	"lifecircle/internal/liveprivate"
	"lifecircle/internal/metrics"
	"lifecircle/internal/opendata"
	"lifecircle/internal/outage"
	"lifecircle/internal/personaldata"
	"lifecircle/internal/replica"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/shared"
	"lifecircle/internal/tracing"
	"lifecircle/internal/widget"
	"lifecircle/internal/widgetdata"
)

// Options configure the routes.
type Options struct {
	CORSOrigins []string
	GraphQL     graph.Options
	// Publisher of the open data (default: opendata.DefaultPublisher).
	Publisher *opendata.Publisher
	// Rates of cost points per client (defaults: the public 60,000 a
	// minute per IP address, apps 300,000 a minute per token).
	PublicRate, AppRate limits.Rate
	// RoleRates override AppRate for the tokens of a role ("admin",
	// "staff", "resident", "volunteer").
	RoleRates map[string]limits.Rate
	// FailedAuthRate is how many bad bearer tokens an IP address may send
	// (default limits.DefaultFailures: 10 a minute).
	FailedAuthRate limits.Rate
	// Redis, when set, holds the rate budgets, persisted queries and the
	// public response cache that several servers share; while it is away
	// each server uses its own (nil: always its own).
	Redis *shared.Redis
	// Metrics receives the server's metrics (nil: none); serve its
	// Handler on a private address, never through this handler.
	Metrics *metrics.Metrics
	// AccessLog receives a line per request (nil: no access log).
	AccessLog *slog.Logger
	// Tracing traces requests, resolvers and (through the store's driver)
	// SQL statements; nil: no tracing, and nothing is wrapped.
	Tracing *tracing.Tracing
	// DB is the database /readyz pings (nil: no database check).
	DB health.Pinger
	// Readiness are more checks of /readyz, after the database and the
	// service-map index (e.g. migrations, a shared cache).
	Readiness []health.Check
	// ReadyTimeout bounds each readiness check (default health.DefaultTimeout).
	ReadyTimeout time.Duration
	// Changes, when set, is the store's signal of change-log growth: the
	// service-map index made here follows it (servicemap.Index.Follow)
	// instead of reading the change log before every answer.
	Changes *changewake.Wake
	// SignIn verifies the identity-provider JWTs presented on /graphql
	// (nil: JWTs are refused; see internal/auth/identity). The public
	// endpoint never consults it.
	SignIn token.JWTVerifier
	// Live delivers the GraphQL subscriptions, public and private (nil: a
	// hub following the change log and the private logs is made here,
	// woken by Changes, and closed by Server.Close). The private logs
	// (liveprivate.Sources) are added to a hub given here if it lacks them.
	Live *live.Hub
	// LiveLimits bound the subscription connections.
	LiveLimits LiveLimits
}

// Server is the HTTP handler of the whole server. Close stops what New
// started (the subscription hub it made, when Options.Live was nil): call
// it before closing the store.
type Server struct {
	http.Handler
	closers []func()
	once    sync.Once
}

// Close ends the subscriptions and stops the followers New started; the
// handler must not serve after it. It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		for i := len(s.closers) - 1; i >= 0; i-- {
			s.closers[i]()
		}
	})
}

// New returns the HTTP handler of the whole server.
func New(client *ent.Client, opts Options) *Server {
	srv := &Server{}
	mux := http.NewServeMux()
	if opts.PublicRate.Points == 0 {
		opts.PublicRate = limits.Rate{Points: 60000, Per: time.Minute}
	}
	if opts.AppRate.Points == 0 {
		opts.AppRate = limits.Rate{Points: 300000, Per: time.Minute}
	}
	if opts.GraphQL.Budget == nil {
		opts.GraphQL.Budget = limits.NewBudget(opts.PublicRate, opts.AppRate)
		opts.GraphQL.Budget.Roles = opts.RoleRates
		if opts.FailedAuthRate.Points > 0 {
			opts.GraphQL.Budget.Failures = opts.FailedAuthRate
		}
		if opts.Redis != nil {
			opts.GraphQL.Budget.Buckets = shared.NewBuckets(opts.Redis, opts.GraphQL.Budget.Buckets)
		}
	}
	var responses responseStore // nil: in this process
	if opts.Redis != nil {
		if opts.GraphQL.PersistedQueries == nil {
			opts.GraphQL.PersistedQueries = shared.NewPersistedQueries(opts.Redis,
				graph.NewPersistedQueryCache(), graph.MaxPersistedQuery, 24*time.Hour)
		}
		responses = &sharedResponses{redis: opts.Redis, local: newLocalResponses(maxCacheBytes)}
	}
	// One service-map index and walking model for GraphQL and the widget.
	if opts.GraphQL.Places == nil {
		opts.GraphQL.Places = servicemap.NewIndex(client)
		if opts.Changes != nil {
			opts.GraphQL.Places.Follow(opts.Changes)
		}
	}
	if opts.GraphQL.Walk == nil {
		walk := servicemap.DefaultWalkModel()
		opts.GraphQL.Walk = &walk
	}
	opts.Metrics.WatchServiceMap(opts.GraphQL.Places)
	if ext := opts.Tracing.GraphQL(); ext != nil {
		opts.GraphQL.Extensions = append(opts.GraphQL.Extensions, ext)
	}
	ready := &health.Checks{Timeout: opts.ReadyTimeout}
	if opts.DB != nil {
		ready.Add(health.Database(opts.DB))
	}
	ready.Add(health.Loaded("servicemap", opts.GraphQL.Places))
	ready.Add(opts.Readiness...)
	lim := opts.LiveLimits
	lim.defaults()
	if opts.Live == nil {
		opts.Live = live.NewHub(opts.Changes, live.Options{})
		opts.Live.Add(live.Changes{Client: client})
		srv.closers = append(srv.closers, opts.Live.Close)
	}
	// One hub for public and private subscriptions: the same buffers,
	// charges, re-checks and close codes.
	for _, src := range liveprivate.Sources(client) {
		opts.Live.Add(src) // kept if the hub given has it already
	}
	opts.Live.Start()
	opts.Live.SetCharge(chargeEvents(opts.GraphQL.Budget, lim.EventCost))
	opts.GraphQL.Live = opts.Live
	opts.GraphQL.Websocket, opts.GraphQL.SSE = live.Transports(lim.KeepAlive)
	gql := graph.NewHandler(client, opts.GraphQL)
	// Subscriptions (WebSocket, SSE) skip the request timeout, the
	// response cache and idempotency; see live.go.
	stream := gql
	caps, recheck := &live.Caps{}, live.NewRechecker(lim.Recheck)
	// Browsers on the allowed origins call /graphql with a bearer token,
	// never cookies: credentials stay off and unknown origins get no
	// CORS headers at all.
	c := cors.New(cors.Options{
		// A function, never AllowedOrigins: rs/cors reads an empty list
		// (no CORS_ORIGINS) as "every origin", and "*" in the list as
		// well. Here an empty list allows none.
		AllowOriginFunc:  allowedOrigins(opts.CORSOrigins),
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Idempotency-Key"},
		AllowCredentials: false,
		MaxAge:           600,
	})
	// GraphQL requests get 20 s: the context cancels their SQL after that
	// (the presenter says TIMEOUT). Downloads stream for as long as needed.
	gql = withTimeout(20*time.Second, gql)
	// A response that met a database outage is a 503 with Retry-After.
	gql = outage.Middleware(gql)
	// Bad tokens are counted against the caller's address, and an address
	// that sent too many is refused before any token is looked up.
	appStream := &liveEndpoint{lim: lim, caps: caps, recheck: recheck, allow: allowedOrigins(opts.CORSOrigins),
		auth: bearerAuth(client, opts.GraphQL.Budget, opts.SignIn)}
	mux.Handle("/graphql", c.Handler(token.MiddlewareJWT(client, opts.GraphQL.Budget, opts.SignIn,
		limits.RateLimited(appOrIP, streams(live.Track(appStream.handler(stream)),
			anonymousReadsOnReplica(idempotency.Middleware(supportedTransport(queriesOnlyOverGET(gql)))))))))
	// A person's data as one JSON file (PIPL art. 45): with a token, like
	// /graphql; never cached.
	personal := func(h http.Handler) http.Handler {
		return c.Handler(token.MiddlewareJWT(client, opts.GraphQL.Budget, opts.SignIn, limits.RateLimited(appOrIP, opts.GraphQL.Budget.Charged(500, h))))
	}
	mux.Handle("GET /me/data.json", personal(personaldata.Handler(client, true)))
	mux.Handle("GET /people/{id}/data.json", personal(personaldata.Handler(client, false)))
	// The public endpoint: same schema, no credentials, any origin, and
	// cacheable GETs.
	open := cors.New(cors.Options{
		AllowedOrigins: []string{"*"},
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Content-Type"},
		MaxAge:         600,
	})
	// Repeated GETs (persisted queries above all) are answered from a 2 s
	// cache (in memory, or in Redis) before the rate limiter and are not
	// charged.
	openStream := &liveEndpoint{lim: lim, caps: caps, recheck: recheck}
	mux.Handle("/open/graphql", open.Handler(anonymous(streams(limits.RateLimited(byIP, live.Track(openStream.handler(stream))),
		onReplica(newResponseCache(2*time.Second, responses).Handler(
			limits.RateLimited(byIP, supportedTransport(queriesOnlyOverGET(cacheableGET("60", gql))))))))))
	pub := opendata.DefaultPublisher()
	if opts.Publisher != nil {
		pub = *opts.Publisher
	}
	// Files: each download is charged a flat cost to the caller's budget.
	file := func(cost int, h http.Handler) http.Handler {
		return open.Handler(onReplica(limits.RateLimited(byIP, opts.GraphQL.Budget.Charged(cost, h))))
	}
	mux.Handle("GET /open/{$}", file(10, opendata.CatalogPage(client, pub)))
	mux.Handle("GET /open/catalog.jsonld", file(10, opendata.CatalogJSONLD(client, pub)))
	mux.Handle("GET /open/schema.graphql", file(10, schemaSDL()))
	mux.Handle("GET /open/activities.ics", file(500, opendata.CalendarHandler(client)))
	mux.Handle("GET /open/changes", file(500, opendata.ChangesHandler(client)))
	mux.Handle("GET /open/statistics.csv", file(2000, opendata.StatisticsCSV(client)))
	for _, format := range []string{"csv", "geojson", "ndjson"} {
		mux.Handle("GET /open/facilities."+format, file(2000, opendata.Handler(client, format)))
	}
	for dataset, formats := range opendata.TableFormats {
		for _, format := range formats {
			mux.Handle("GET /open/"+dataset+"."+format, file(500, opendata.TableHandler(client, dataset, format)))
		}
	}
	// The portal's pages for people, and the CSVW metadata of each CSV.
	for _, id := range opendata.DatasetIDs {
		mux.Handle("GET /open/datasets/"+id, file(50, opendata.DatasetPage(client, pub, id)))
	}
	for _, dataset := range opendata.CSVDatasets {
		mux.Handle("GET /open/"+dataset+".csv-metadata.json", file(10, opendata.CSVWHandler(pub, dataset)))
	}
	// The widget's one request: everything it shows, cached and
	// revalidated with ETags (a 304 costs limits.RevalidationCost).
	mux.Handle("GET /open/widget.json", file(widgetdata.Cost, widgetdata.NewHandler(client, opts.GraphQL.Places, *opts.GraphQL.Walk)))
	mux.Handle("/widget/", widget.Handler())
	// The explorer: GraphiQL from the binary itself, no CDN.
	mux.Handle("GET /{$}", explorer.Page())
	mux.Handle("GET "+explorer.AssetPrefix, explorer.Assets())
	mux.Handle("GET /healthz", health.Live())
	mux.Handle("GET /readyz", ready.Ready())
	srv.Handler = accesslog.Handler(opts.Tracing.Handler(mux), accesslog.Options{Logger: opts.AccessLog, Metrics: opts.Metrics})
	return srv
}

// allowedOrigins matches the origins listed, exactly (ASCII case aside), and
// nothing else: not "*" nor "null" (sandboxed frames, file: pages), even if
// listed, and no origin at all when the list is empty.
func allowedOrigins(list []string) func(string) bool {
	allowed := map[string]bool{}
	for _, o := range list {
		o = strings.ToLower(strings.TrimSpace(o))
		if o != "" && o != "*" && o != "null" {
			allowed[o] = true
		}
	}
	return func(origin string) bool { return allowed[strings.ToLower(origin)] }
}

func withTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// onReplica lets the reads of a public request (the open endpoint, the
// downloads, the change feed) go to the read replica, when there is one:
// the public never writes, so it has no write of its own to miss.
func onReplica(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(replica.Allow(r.Context())))
	})
}

// anonymousReadsOnReplica sends the reads of requests without a token to
// the replica. Requests with a token stay on the primary: every write
// needs a token, so a client reads its own writes whichever server it
// reaches next, without state shared between servers; the token's own
// lookup sees a revocation at once; and staff act on what they just read.
func anonymousReadsOnReplica(next http.Handler) http.Handler {
	replicated := onReplica(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.FromContext(r.Context()).ClientKey() == "" {
			replicated.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// appOrIP charges apps per token, at their role's rate, and anonymous
// callers per address.
func appOrIP(r *http.Request) (key, class string) {
	if v := auth.FromContext(r.Context()); v.ClientKey() != "" {
		return v.ClientKey(), string(v.Role)
	}
	return byIP(r)
}

func byIP(r *http.Request) (key, class string) { return "ip:" + limits.ClientIP(r), "" }
