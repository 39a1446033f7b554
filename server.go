// Command lifecircle serves the 15-minute community life-circle platform:
// a GraphQL API over facilities, activities and community data.
//
//	lifecircle [serve] [flags]                 start the server (default)
//	lifecircle seed [flags]                    load the demo dataset if missing
//	lifecircle token -role staff -community ID create a bearer token
//	lifecircle token -list | -revoke ID         list or revoke bearer tokens
//	lifecircle import-network FILE.osm.pbf     import a walking network
//	lifecircle publish -period 2024-07          publish a month's anonymised statistics
//	lifecircle migrate [-status]               apply pending PostgreSQL migrations
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"entgo.io/ent/dialect"

	"lifecircle/ent"
	"lifecircle/ent/apitoken"
	"lifecircle/ent/region"
	"lifecircle/graph"
	"lifecircle/internal/auth/identity"
	"lifecircle/internal/auth/oidc"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/auth/token"
	"lifecircle/internal/config"
	"lifecircle/internal/demo"
	"lifecircle/internal/gid"
	"lifecircle/internal/health"
	"lifecircle/internal/idempotency"
	"lifecircle/internal/limits"
	"lifecircle/internal/live"
	"lifecircle/internal/liveprivate"
	"lifecircle/internal/metrics"
	"lifecircle/internal/migrations"
	"lifecircle/internal/opendata"
	"lifecircle/internal/replica"
	"lifecircle/internal/reqid"
	"lifecircle/internal/server"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/shared"
	"lifecircle/internal/stats"
	"lifecircle/internal/store"
	"lifecircle/internal/timefmt"
	"lifecircle/internal/tracing"
	"lifecircle/internal/walknet"
	"lifecircle/internal/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "lifecircle:", err)
		}
		os.Exit(1)
	}
}

// run runs a command: results go to stdout, notes for the person at the
// terminal to stderr (so `TOKEN=$(lifecircle token …)` captures the token
// alone).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args)
	case "seed":
		return seed(ctx, args, stdout)
	case "token":
		return tokenCommand(ctx, args, stdout, stderr)
	case "import-network":
		return importNetwork(ctx, args, stdout)
	case "publish":
		return publish(ctx, args, stdout)
	case "migrate":
		return migrateCommand(ctx, args, stdout)
	}
	return fmt.Errorf("unknown command %q (serve, seed, token, import-network, publish, migrate)", cmd)
}

// openStore reads the database settings of a command and opens the store.
func openStore(ctx context.Context, name string, args []string) (*store.Store, config.Config, error) {
	cfg, err := config.Parse(name, args, config.Getenv)
	if err != nil {
		return nil, cfg, err
	}
	st, err := open(ctx, cfg)
	return st, cfg, err
}

func open(ctx context.Context, cfg config.Config) (*store.Store, error) {
	setLogger(cfg)
	return store.Open(ctx, storeOptions(cfg))
}

func storeOptions(cfg config.Config) store.Options {
	never := func(d time.Duration) time.Duration {
		if d == 0 {
			return -1 // the flag's 0 is "never"; the store's is its default
		}
		return d
	}
	return store.Options{
		URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Migrate: cfg.Migrate,
		ReadURL: cfg.DatabaseReadURL, Replica: replica.Options{MaxLag: cfg.ReadMaxLag},
		Pool: store.Pool{MaxOpen: cfg.DBMaxOpen, MaxIdle: cfg.DBMaxIdle,
			MaxLifetime: never(cfg.DBConnMaxLifetime), MaxIdleTime: never(cfg.DBConnMaxIdle)},
		NoPrepare: !cfg.DBPrepare,
		Logf:      func(format string, args ...any) { slog.Info(fmt.Sprintf(format, args...)) },
	}
}

// setLogger makes the default logger write cfg's format at cfg's level,
// each line made with a request's context naming that request's ID.
func setLogger(cfg config.Config) {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	slog.SetDefault(slog.New(reqid.LogHandler{Handler: h}))
}

func serve(ctx context.Context, args []string) error {
	cfg, err := config.Parse("serve", args, config.Getenv)
	if err != nil {
		return err
	}
	started := time.Now()
	setLogger(cfg)
	// Tracing first: the store's driver traces SQL through it.
	tracer, err := tracing.New(ctx, tracing.Options{Endpoint: cfg.OTLPEndpoint, Getenv: config.Getenv})
	if err != nil {
		return err
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tracer.Shutdown(flushCtx)
	}()
	so := storeOptions(cfg)
	so.Driver = tracer.Driver
	st, err := store.Open(ctx, so)
	if err != nil {
		return err
	}
	defer st.Close()
	m := metrics.New()
	m.WatchDB("primary", st.DB)
	if st.Replica != nil {
		m.WatchDB("replica", st.Replica.ReplicaDB())
		m.WatchReplica(func() metrics.ReplicaStatus {
			s := st.Replica.Status()
			return metrics.ReplicaStatus{Serving: s.Serving, Lag: s.Lag, ReplicaReads: s.ReplicaReads,
				PrimaryReads: s.PrimaryReads, Fallbacks: s.Fallbacks}
		})
	}
	// Webhooks: every process enqueues them; with -webhook-work (the
	// default) this one also delivers them (River shares the queue among
	// the processes of one PostgreSQL database).
	hooks, err := webhook.New(st.Client, st.DB, st.Dialect == dialect.Postgres, webhookOptions(cfg, m))
	if err != nil {
		return err
	}
	if err := hooks.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("webhook delivery: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hooks.Stop(stopCtx)
	}()
	if cfg.Seed {
		sum, err := demo.Load(ctx, st.Client)
		if err != nil {
			return err
		}
		if sum.Loaded {
			slog.Info("demo data loaded", "regions", sum.Regions, "facilities", sum.Facilities, "activities", sum.Activities)
		}
	}
	// The index hears of writes from the change log's notifications
	// (and a poll), not by reading the log before every answer.
	if err := st.WatchChanges(cfg.ChangePoll); err != nil {
		return err
	}
	places := servicemap.NewIndex(st.Client)
	places.Follow(st.Changes)
	if err := places.Sync(ctx); err != nil {
		return err
	}
	slog.Info("service map indexed", "facilities", places.Len())
	walk := servicemap.WalkModel{Circuity: cfg.Circuity, SpeedKmh: map[servicemap.Profile]float64{
		servicemap.Adult: cfg.AdultKmh, servicemap.Elderly: cfg.ElderlyKmh,
	}}
	var allow *limits.AllowList
	if cfg.AllowList != "" {
		if allow, err = limits.LoadAllowList(cfg.AllowList); err != nil {
			return err
		}
	}
	opts := server.Options{
		CORSOrigins: cfg.CORSOrigins,
		Publisher: &opendata.Publisher{Name: cfg.Publisher, Email: cfg.ContactEmail,
			Licence: cfg.Licence, LicenceURL: cfg.LicenceURL},
		GraphQL: graph.Options{Places: places, Walk: &walk, AllowList: allow,
			Webhooks: webhook.Endpoints{AllowPrivate: cfg.WebhookAllowPrivate}},
		Metrics:    m,
		AccessLog:  accessLogger(cfg),
		Tracing:    tracer,
		DB:         st.DB,
		LiveLimits: server.LiveLimits{PerIP: cfg.LivePerIP, PerToken: cfg.LivePerToken, KeepAlive: cfg.LiveKeepAlive},
	}
	// Subscriptions follow the change log and the private logs, woken
	// like the index: one hub for public and private subscriptions.
	hub := live.NewHub(st.Changes, live.Options{})
	hub.Add(live.Changes{Client: st.Client})
	for _, src := range liveprivate.Sources(st.Client) {
		hub.Add(src)
	}
	hub.Start()
	opts.Live = hub
	if cfg.OIDC.Enabled() {
		v, err := oidc.New(cfg.OIDC)
		if err != nil {
			return err
		}
		// Discovery and keys in the background: the server starts, and
		// serves everything else, whether or not the provider answers.
		go v.Run(ctx)
		opts.SignIn = &identity.Authenticator{Verifier: v, Client: st.Client, AdminSubjects: cfg.OIDCAdminSubjects}
		slog.Info("sign-in with an identity provider", "issuer", cfg.OIDC.Issuer, "audiences", cfg.OIDC.Audiences)
	}
	if err := rateOptions(ctx, cfg, &opts); err != nil {
		return err
	}
	defer opts.Redis.Close()
	if opts.Redis != nil {
		m.WatchRedis(opts.Redis.Shared, opts.Redis.Fallbacks)
	}
	opts.Readiness = readinessChecks(st, opts.Redis)
	handler := server.New(st.Client, opts)
	defer handler.Close()
	srv := &http.Server{
		Addr:              ":" + strconv.Itoa(cfg.Port),
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	go idempotency.RunPruner(ctx, st.Client, cfg.IdempotencyKeep)
	if cfg.PublishMonthly {
		go stats.RunMonthly(metrics.NewContext(ctx, m), st.Client, statsOptions(cfg))
	}
	errc := make(chan error, 2)
	// Metrics and profiles on their own address, never the public port.
	var private *http.Server
	if cfg.MetricsAddr != "" {
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics address: %w", err)
		}
		private = &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- private.Serve(ln) }()
		slog.Info("metrics and pprof are listening", "url", "http://"+ln.Addr().String()+"/metrics")
	}
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("lifecircle is listening", "url", fmt.Sprintf("http://localhost:%d/", cfg.Port),
		"database", st.Dialect, "read_replica", st.Replica != nil, "startup", time.Since(started).Round(time.Millisecond))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if private != nil {
		defer private.Close()
	}
	// Subscriptions end first (WebSockets closed with 1001, SSE streams
	// with an error event): Shutdown does not wait for hijacked connections.
	hub.Close()
	return shutdown(srv, cfg.ShutdownGrace)
}

// webhookOptions are the webhook settings of cfg.
func webhookOptions(cfg config.Config, m *metrics.Metrics) webhook.Options {
	return webhook.Options{
		Work: cfg.WebhookWork, Workers: cfg.WebhookWorkers, AllowPrivate: cfg.WebhookAllowPrivate,
		RetryBase: cfg.WebhookRetryBase, RetryFor: cfg.WebhookRetryFor,
		DisableAfter: cfg.WebhookDisableAfter, DisablePeriod: cfg.WebhookDisablePeriod,
		Poll: cfg.WebhookPoll, Registerer: m.Registry,
	}
}

// readinessChecks are /readyz's checks beyond the database and the
// service-map index: the PostgreSQL schema is current (a server whose
// schema fell behind — another server's binary migrated it past this one's
// or someone restored an old dump — must not take traffic), and, reported
// without making the server unready, the shared Redis and the read replica,
// which the server can do without.
func readinessChecks(st *store.Store, redis *shared.Redis) []health.Check {
	var checks []health.Check
	if st.Dialect == dialect.Postgres {
		checks = append(checks, health.Check{Name: "migrations", Run: func(ctx context.Context) error {
			n, err := migrations.Pending(ctx, st.DB)
			switch {
			case err != nil:
				return errors.New("the schema's version could not be read")
			case n > 0:
				return fmt.Errorf("%d migration(s) pending: run `lifecircle migrate`", n)
			}
			return nil
		}})
	}
	if redis != nil {
		checks = append(checks, health.Check{Name: "redis", Degraded: true, Run: func(context.Context) error {
			if s := redis.Status(); !s.Shared {
				return fmt.Errorf("unavailable since %s: serving with this server's own rate budgets and caches", s.Since.UTC().Format(time.RFC3339))
			}
			return nil
		}})
	}
	if st.Replica != nil {
		checks = append(checks, health.Check{Name: "replica", Degraded: true, Run: func(context.Context) error {
			if s := st.Replica.Status(); !s.Serving {
				return fmt.Errorf("public reads go to the primary: %s", s.Reason)
			}
			return nil
		}})
	}
	return checks
}

// shutdown stops srv: it stops accepting, lets requests in flight finish
// for up to grace, then closes the connections still open (a slow client
// still sending, a download still streaming). Either way the server has
// stopped as asked, which is no failure: the process exits 0.
func shutdown(srv *http.Server, grace time.Duration) error {
	slog.Info("shutting down", "grace", grace)
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		slog.Warn("requests still open after the shutdown grace period: closing their connections", "grace", grace)
		_ = srv.Close() // its listeners are closed already; only connections are left
	} else if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	slog.Info("stopped")
	return nil
}

// rateOptions sets the rate budgets of the configuration and, with
// REDIS_URL, the Redis that several servers share (opts.Redis.Status() is
// its mode, for readiness detail; opts.Redis.Shared() a gauge).
func rateOptions(ctx context.Context, cfg config.Config, opts *server.Options) error {
	per := cfg.RateWindow
	opts.PublicRate = limits.Rate{Points: cfg.PublicRate, Per: per}
	opts.AppRate = limits.Rate{Points: cfg.AppRate, Per: per}
	opts.FailedAuthRate = limits.Rate{Points: cfg.FailedAuthPerMinute, Per: time.Minute}
	opts.RoleRates = map[string]limits.Rate{}
	for role, points := range cfg.RoleRates {
		opts.RoleRates[role] = limits.Rate{Points: points, Per: per}
	}
	if cfg.RedisURL == "" {
		return nil
	}
	r, err := shared.Open(ctx, shared.Options{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix})
	if err != nil {
		return err
	}
	opts.Redis = r
	return nil
}

// accessLogger is the logger of the access log, or nil when it is off.
func accessLogger(cfg config.Config) *slog.Logger {
	if !cfg.AccessLog {
		return nil
	}
	return slog.Default()
}

func seed(ctx context.Context, args []string, stdout io.Writer) error {
	st, _, err := openStore(ctx, "seed", args)
	if err != nil {
		return err
	}
	defer st.Close()
	sum, err := demo.Load(ctx, st.Client)
	if err != nil {
		return err
	}
	if !sum.Loaded {
		fmt.Fprintln(stdout, "demo data is already loaded; nothing changed")
		return nil
	}
	fmt.Fprintf(stdout, "loaded %d regions, %d compounds, %d grids, %d organisations, %d facilities, %d activities, %d people, %d requests\n",
		sum.Regions, sum.Compounds, sum.Grids, sum.Organizations, sum.Facilities, sum.Activities, sum.People, sum.Requests)
	return nil
}

// tokenCommand issues a token, or with -list lists them, or with -revoke
// revokes one.
func tokenCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	role := fs.String("role", "staff", "staff, admin, resident or volunteer")
	person := fs.String("person", "", "resident or volunteer: the person's GraphQL ID")
	community := fs.String("community", "", "staff only: the community, by GraphQL ID or by name (e.g. 文亭巷社区)")
	name := fs.String("name", "", "a label for the token (who holds it)")
	ttl := fs.Duration("ttl", 0, "lifetime, e.g. 720h; 0 for no expiry")
	revoke := fs.String("revoke", "", "revoke the token with this ID (printed when it was issued, and by -list)")
	scope := fs.String("scope", "read_write", "read (queries only) or read_write")
	rate := fs.Int("rate", 0, "the token's own rate budget in cost points per -rate-window, in place of its role's; 0 for the role's")
	list, args, err := takeBool(args, "list")
	if err != nil {
		return err
	}
	fs.Bool("list", false, "list every token: ID, role, scope, rate, revoked, created, last used, expiry, community, name (never a secret)")
	tokenArgs, dbArgs := splitArgs(args, "role", "community", "person", "name", "ttl", "revoke", "scope", "rate")
	if err := fs.Parse(tokenArgs); err != nil {
		return err
	}
	st, _, err := openStore(ctx, "token", dbArgs)
	if err != nil {
		return err
	}
	defer st.Close()
	switch {
	case list:
		return listTokens(ctx, st, stdout)
	case *revoke != "":
		id, err := gid.Decode(*revoke)
		if err != nil {
			return err
		}
		t, err := token.Revoke(rule.SystemContext(ctx), st.Client, id)
		if ent.IsNotFound(err) {
			return fmt.Errorf("no token has the ID %s", *revoke)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s (%s, %s)\n", *revoke, t.Name, t.Role)
		return nil
	}
	communityID := 0
	if *community != "" {
		if id, err := gid.Decode(*community); err == nil {
			communityID = id
		} else {
			id, err := st.Client.Region.Query().
				Where(region.Name(*community), region.LevelEQ(region.LevelCommunity)).
				OnlyID(rule.SystemContext(ctx))
			if err != nil {
				return fmt.Errorf("no single community named %q", *community)
			}
			communityID = id
		}
	}
	personID := 0
	if *person != "" {
		id, err := gid.Decode(*person)
		if err != nil {
			return err
		}
		personID = id
	}
	label := *name
	if label == "" {
		label = *role + " token"
	}
	spec := token.Spec{Name: label, Role: *role, CommunityID: communityID, PersonID: personID,
		Scope: apitoken.Scope(strings.ToUpper(*scope))}
	if *ttl > 0 {
		at := time.Now().Add(*ttl)
		spec.ExpiresAt = &at
	}
	if *rate != 0 {
		spec.RatePerWindow = rate
	}
	issued, err := token.Issue(token.AsAdmin(ctx), st.Client, spec)
	if err != nil {
		return err
	}
	t := issued.Token
	fmt.Fprintln(stdout, issued.Secret)
	id := gid.Encode(t.ID)
	fmt.Fprintf(stderr, "token ID %s; revoke it with: lifecircle token -revoke %s\n", id, id)
	return nil
}

// listTokens prints every token, one a line, without any secret.
func listTokens(ctx context.Context, st *store.Store, stdout io.Writer) error {
	tokens, err := token.List(ctx, st.Client)
	if err != nil {
		return err
	}
	names := map[int]string{}
	communities, err := st.Client.Region.Query().Where(region.LevelEQ(region.LevelCommunity)).All(rule.SystemContext(ctx))
	if err != nil {
		return err
	}
	for _, r := range communities {
		names[r.ID] = r.Name
	}
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return timefmt.Format(*t)
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	// Names last: tabwriter aligns by runes, and Chinese is wider.
	fmt.Fprintln(w, "ID\tROLE\tSCOPE\tRATE\tREVOKED\tCREATED\tLAST USED\tEXPIRES\tCOMMUNITY\tNAME")
	for _, t := range tokens {
		comm := "-"
		if t.CommunityID != nil {
			comm = names[*t.CommunityID]
		}
		rate := "role"
		if t.RatePerWindow != nil {
			rate = strconv.Itoa(*t.RatePerWindow)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\t%s\t%s\t%s\t%s\t%s\n", gid.Encode(t.ID), t.Role, strings.ToLower(string(t.Scope)), rate, t.Revoked,
			timefmt.Format(t.CreatedAt), when(t.LastUsedAt), when(t.ExpiresAt), comm, t.Name)
	}
	return w.Flush()
}

// takeBool removes the boolean flag name (-name, --name, -name=true or
// -name=false) from args, which splitArgs would otherwise pair with the
// argument after it.
func takeBool(args []string, name string) (bool, []string, error) {
	var set bool
	var rest []string
	for _, a := range args {
		flagName, value, hasValue := strings.Cut(a, "=")
		if flagName != "-"+name && flagName != "--"+name {
			rest = append(rest, a)
			continue
		}
		set = true
		if hasValue {
			v, err := strconv.ParseBool(value)
			if err != nil {
				return false, nil, fmt.Errorf("-%s: %q is not true or false", name, value)
			}
			set = v
		}
	}
	return set, rest, nil
}

// importNetwork reads an OpenStreetMap extract (.osm.pbf or .osm) and
// stores its walking network.
func importNetwork(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: lifecircle import-network FILE.osm.pbf [-name NAME] [database flags]")
	}
	file, args := args[0], args[1:]
	fs := flag.NewFlagSet("import-network", flag.ContinueOnError)
	name := fs.String("name", filepath.Base(file), "a name for the network")
	own, dbArgs := splitArgs(args, "name")
	if err := fs.Parse(own); err != nil {
		return err
	}
	cfg, err := config.Parse("import-network", dbArgs, config.Getenv)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	started := time.Now()
	g, err := walknet.Import(ctx, f, walknet.IsPBF(file))
	if err != nil {
		return err
	}
	st, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := walknet.Save(ctx, st.Client, *name, g); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %q: %d nodes, %d edges, lat %.5f..%.5f, lng %.5f..%.5f in %v\n", *name,
		g.Nodes(), g.Edges(), g.MinLat, g.MaxLat, g.MinLng, g.MaxLng, time.Since(started).Round(time.Millisecond))
	return nil
}

func statsOptions(cfg config.Config) stats.Options {
	return stats.Options{Method: stats.MethodOf(cfg.PublishMethod), DP: stats.DPOptions{Epsilon: cfg.Epsilon}}
}

// publish computes and stores one month's anonymised statistics.
func publish(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	period := fs.String("period", stats.PeriodOf(time.Now()).Previous().String(), "calendar month, YYYY-MM (default: last month)")
	own, rest := splitArgs(args, "period")
	if err := fs.Parse(own); err != nil {
		return err
	}
	cfg, err := config.Parse("publish", rest, config.Getenv)
	if err != nil {
		return err
	}
	p, err := stats.ParsePeriod(*period)
	if err != nil {
		return err
	}
	st, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	started := time.Now()
	pub, err := stats.Publish(ctx, st.Client, p, statsOptions(cfg))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "published %s (%s) in %v\n", pub.Period, pub.Method, time.Since(started).Round(time.Millisecond))
	return nil
}

// splitArgs separates the flags named in own (with their values) from the
// rest, so `token -role staff -database-url …` works in any order.
func splitArgs(args []string, own ...string) (mine, rest []string) {
	isOwn := map[string]bool{}
	for _, n := range own {
		isOwn["-"+n], isOwn["--"+n] = true, true
	}
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(args[i], "=")
		if !isOwn[name] {
			rest = append(rest, args[i])
			continue
		}
		mine = append(mine, args[i])
		if !hasValue && i+1 < len(args) {
			mine = append(mine, args[i+1])
			i++
		}
	}
	return mine, rest
}

// migrateCommand applies the pending PostgreSQL migrations (adopting a
// database made by auto-migration), or with -status lists where the
// database stands. SQLite needs none: it is auto-migrated on every open.
func migrateCommand(ctx context.Context, args []string, stdout io.Writer) error {
	status, args, err := takeBool(args, "status")
	if err != nil {
		return err
	}
	cfg, err := config.Parse("migrate", args, config.Getenv)
	if err != nil {
		return err
	}
	if !store.IsPostgres(cfg.DatabaseURL) {
		st, err := open(ctx, cfg)
		if err != nil {
			return err
		}
		st.Close()
		fmt.Fprintln(stdout, "SQLite is migrated automatically when it is opened: the schema is current")
		return nil
	}
	if status {
		db, err := sql.Open("postgres", cfg.DatabaseURL)
		if err != nil {
			return err
		}
		defer db.Close()
		s, err := migrations.Check(ctx, db)
		if err != nil {
			return err
		}
		for _, v := range s.Applied {
			fmt.Fprintf(stdout, "applied  %s\n", v)
		}
		for _, v := range s.Pending {
			fmt.Fprintf(stdout, "pending  %s\n", v)
		}
		for _, v := range s.Unknown {
			fmt.Fprintf(stdout, "unknown  %s (applied by a newer lifecircle)\n", v)
		}
		if s.Unversioned {
			fmt.Fprintln(stdout, "the database was created without versioned migrations: `lifecircle migrate` adopts it")
		}
		return nil
	}
	opts := storeOptions(cfg)
	opts.Migrate = store.MigrateAuto
	opts.Logf = func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	st, err := store.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(st.Applied) == 0 {
		fmt.Fprintln(stdout, "the database schema is current; nothing to apply")
		return nil
	}
	fmt.Fprintf(stdout, "applied %d migration(s); the database schema is current\n", len(st.Applied))
	return nil
}
