// Package config reads lifecircle's settings from flags, with environment
// variables as defaults, so both `PORT=9000 go run .` and `go run . -port
// 9000` work.
package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"lifecircle/internal/auth/oidc"
)

// Config is the server's configuration.
type Config struct {
	Port        int
	DatabaseURL string // empty: SQLite file in DataDir
	DataDir     string
	CORSOrigins []string
	LogLevel    slog.Level
	Seed        bool // load the demo dataset on first start
	// Walking model of the service map.
	Circuity, AdultKmh, ElderlyKmh float64
	// Statistics: publish last month's figures automatically, and how.
	// AllowList is a JSON file of the operations the public endpoint may run ("": any).
	AllowList string
	// Open data: who publishes, under which licence.
	Publisher, ContactEmail, Licence, LicenceURL string
	PublishMonthly                               bool
	PublishMethod                                string // "rule10-5" or "dp"
	Epsilon                                      float64
	// ShutdownGrace is how long a stopping server lets requests in flight
	// finish before it closes their connections.
	ShutdownGrace time.Duration
	// IdempotencyKeep is how long keys of retried creates are kept (0: for
	// ever).
	IdempotencyKeep time.Duration
	// Migrate: what a command does about pending PostgreSQL migrations,
	// "empty" (apply them to an empty database only), "auto" or "check".
	Migrate string
	// Database connection pool (0: the store's defaults; DBMaxIdle -1:
	// none idle).
	DBMaxOpen, DBMaxIdle             int
	DBConnMaxLifetime, DBConnMaxIdle time.Duration
	// DBPrepare prepares the statements of PostgreSQL once per connection
	// (store.Options.Prepare).
	DBPrepare bool
	// ChangePoll is how often a server reads the change log's last entry
	// in case it missed a notification (store.WatchChanges).
	ChangePoll time.Duration
	// LivePerIP, LivePerToken and LiveKeepAlive bound the subscription
	// connections (see server.LiveLimits).
	LivePerIP, LivePerToken int
	LiveKeepAlive           time.Duration
	// Rate budgets, and Redis shared by several servers.
	Servers
	// Webhook delivery.
	Webhooks

	// DatabaseReadURL is a streaming replica of DatabaseURL for public
	// reads; ReadMaxLag is how far behind it may be and still serve them.
	DatabaseReadURL string
	ReadMaxLag      time.Duration
	// Observability: the private address of /metrics and /debug/pprof
	// ("": not served), the access log, the log format, and the OTLP/HTTP
	// endpoint traces go to ("": as the OTEL_* environment says, else
	// none).
	MetricsAddr  string
	AccessLog    bool
	LogFormat    string // "text" or "json"
	OTLPEndpoint string
	// OIDC: sign-in with an OpenID Connect identity provider (no Issuer:
	// none).
	OIDC oidc.Config
	// OIDCAdminSubjects are linked as admins on their first sign-in.
	OIDCAdminSubjects []string
}

// Parse reads args (without the program name) over the environment.
func Parse(name string, args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var c Config
	port, err := envInt(getenv, "PORT", 8080)
	if err != nil {
		return c, err
	}
	seed, err := envBool(getenv, "SEED_DEMO", true)
	if err != nil {
		return c, err
	}
	fs.IntVar(&c.Port, "port", port, "HTTP port (env PORT)")
	fs.StringVar(&c.DatabaseURL, "database-url", getenv("DATABASE_URL"), "postgres://… for PostgreSQL; empty for SQLite in the data directory (env DATABASE_URL)")
	fs.StringVar(&c.DatabaseReadURL, "database-read-url", getenv("DATABASE_READ_URL"), "postgres://… of a streaming replica of -database-url: public reads, downloads and the change feed go there (env DATABASE_READ_URL)")
	maxLag := 10 * time.Second
	if v := getenv("DATABASE_READ_MAX_LAG"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("DATABASE_READ_MAX_LAG %q: %w", v, err)
		}
		maxLag = d
	}
	fs.DurationVar(&c.ReadMaxLag, "database-read-max-lag", maxLag, "the replica serves reads while at most this far behind the primary; further behind, reads go to the primary (env DATABASE_READ_MAX_LAG)")
	fs.StringVar(&c.DataDir, "data-dir", envOr(getenv, "DATA_DIR", "data"), "directory of the SQLite file (env DATA_DIR)")
	origins := fs.String("cors-origins", getenv("CORS_ORIGINS"), "comma-separated origins allowed to call /graphql from a browser (env CORS_ORIGINS)")
	level := fs.String("log-level", envOr(getenv, "LOG_LEVEL", "info"), "debug, info, warn or error (env LOG_LEVEL)")
	fs.BoolVar(&c.Seed, "seed-demo", seed, "load the demo dataset on first start (env SEED_DEMO)")
	fs.StringVar(&c.AllowList, "allow-list", getenv("ALLOW_LIST"), "JSON array of the only GraphQL documents /open/graphql runs (env ALLOW_LIST)")
	fs.StringVar(&c.Publisher, "open-publisher", envOr(getenv, "OPEN_PUBLISHER", "lifecircle"), "publisher named in the open-data catalogue (env OPEN_PUBLISHER)")
	fs.StringVar(&c.ContactEmail, "open-contact", envOr(getenv, "OPEN_CONTACT", "opendata@example.org"), "contact e-mail of the open data (env OPEN_CONTACT)")
	fs.StringVar(&c.Licence, "open-licence", envOr(getenv, "OPEN_LICENCE", "CC BY 4.0"), "licence name of the open data (env OPEN_LICENCE)")
	fs.StringVar(&c.LicenceURL, "open-licence-url", envOr(getenv, "OPEN_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"), "licence URI (env OPEN_LICENCE_URL)")
	publish, err := envBool(getenv, "PUBLISH_MONTHLY", true)
	if err != nil {
		return c, err
	}
	fs.BoolVar(&c.PublishMonthly, "publish-monthly", publish, "publish last month's statistics when due (env PUBLISH_MONTHLY)")
	accessLog, err := envBool(getenv, "ACCESS_LOG", true)
	if err != nil {
		return c, err
	}
	fs.StringVar(&c.MetricsAddr, "metrics-addr", getenv("METRICS_ADDR"), "private listen address of /metrics and /debug/pprof, e.g. 127.0.0.1:9090; empty: not served (env METRICS_ADDR)")
	fs.BoolVar(&c.AccessLog, "access-log", accessLog, "log a line per request at info level (env ACCESS_LOG)")
	fs.StringVar(&c.LogFormat, "log-format", envOr(getenv, "LOG_FORMAT", "text"), "text or json (env LOG_FORMAT)")
	fs.StringVar(&c.OTLPEndpoint, "otlp-endpoint", "", "base URL of an OTLP/HTTP trace receiver, e.g. http://127.0.0.1:4318; empty: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT if set, else no tracing")
	fs.StringVar(&c.PublishMethod, "publish-method", envOr(getenv, "PUBLISH_METHOD", "rule10-5"), "disclosure control of releases: rule10-5 or dp (env PUBLISH_METHOD)")
	fs.StringVar(&c.Migrate, "migrate", envOr(getenv, "MIGRATE", "empty"), "PostgreSQL migrations at start: empty (apply them to an empty database only), auto (apply pending ones) or check (never apply) (env MIGRATE)")
	maxOpen, err := envInt(getenv, "DB_MAX_OPEN", 0)
	if err != nil {
		return c, err
	}
	maxIdle, err := envInt(getenv, "DB_MAX_IDLE", 0)
	if err != nil {
		return c, err
	}
	lifetime, err := envDuration(getenv, "DB_CONN_MAX_LIFETIME", 30*time.Minute)
	if err != nil {
		return c, err
	}
	idleTime, err := envDuration(getenv, "DB_CONN_MAX_IDLE_TIME", 5*time.Minute)
	if err != nil {
		return c, err
	}
	prepare, err := envBool(getenv, "DB_PREPARE", true)
	if err != nil {
		return c, err
	}
	changePoll, err := envDuration(getenv, "CHANGE_POLL", time.Second)
	if err != nil {
		return c, err
	}
	fs.BoolVar(&c.DBPrepare, "db-prepare", prepare, "prepare each PostgreSQL statement once per connection (a bounded cache of 500 statements), not at every run (env DB_PREPARE)")
	livePerIP, err := envInt(getenv, "LIVE_MAX_PER_IP", 50)
	if err != nil {
		return c, err
	}
	livePerToken, err := envInt(getenv, "LIVE_MAX_PER_TOKEN", 20)
	if err != nil {
		return c, err
	}
	liveKeepAlive, err := envDuration(getenv, "LIVE_KEEPALIVE", 15*time.Second)
	if err != nil {
		return c, err
	}
	fs.IntVar(&c.LivePerIP, "live-max-per-ip", livePerIP, "most open subscription connections (WebSocket or SSE) per client address (env LIVE_MAX_PER_IP)")
	fs.IntVar(&c.LivePerToken, "live-max-per-token", livePerToken, "most open subscription connections per token or sign-in (env LIVE_MAX_PER_TOKEN)")
	fs.DurationVar(&c.LiveKeepAlive, "live-keepalive", liveKeepAlive, "ping interval of subscription WebSockets (closed after two missed pongs) and comment interval of SSE streams (env LIVE_KEEPALIVE)")
	fs.DurationVar(&c.ChangePoll, "change-poll", changePoll, "how often the server reads the change log's last entry in case a change notification was missed (env CHANGE_POLL)")
	fs.IntVar(&c.DBMaxOpen, "db-max-open", maxOpen, "most open database connections; 0: 20 on PostgreSQL, 8 on SQLite (env DB_MAX_OPEN)")
	fs.IntVar(&c.DBMaxIdle, "db-max-idle", maxIdle, "most idle database connections kept; 0: as many as -db-max-open, so none is closed and reopened under load; -1: none (env DB_MAX_IDLE)")
	fs.DurationVar(&c.DBConnMaxLifetime, "db-conn-max-lifetime", lifetime, "a database connection is replaced after this long (env DB_CONN_MAX_LIFETIME)")
	fs.DurationVar(&c.DBConnMaxIdle, "db-conn-max-idle-time", idleTime, "an idle database connection is closed after this long (env DB_CONN_MAX_IDLE_TIME)")
	for _, f := range []struct {
		dst       *float64
		flag, env string
		def       float64
		usage     string
	}{
		{&c.Circuity, "walk-circuity", "WALK_CIRCUITY", 1.3, "walking distance / straight-line distance"},
		{&c.AdultKmh, "walk-speed-adult", "WALK_SPEED_ADULT", 4.5, "walking speed of the ADULT profile, km/h"},
		{&c.ElderlyKmh, "walk-speed-elderly", "WALK_SPEED_ELDERLY", 3.6, "walking speed of the ELDERLY profile, km/h"},
		{&c.Epsilon, "epsilon", "DP_EPSILON", 1.0, "privacy budget of one release with -publish-method dp"},
	} {
		def, err := envFloat(getenv, f.env, f.def)
		if err != nil {
			return c, err
		}
		fs.Float64Var(f.dst, f.flag, def, f.usage+" (env "+f.env+")")
	}
	checkServers, err := serverFlags(fs, getenv, &c.Servers)
	if err != nil {
		return c, err
	}
	checkOIDC, err := oidcFlags(fs, getenv, &c.OIDC, &c.OIDCAdminSubjects)
	if err != nil {
		return c, err
	}
	checkWebhooks, err := webhookFlags(fs, getenv, &c.Webhooks)
	if err != nil {
		return c, err
	}
	grace, err := envDuration(getenv, "SHUTDOWN_GRACE", 10*time.Second)
	if err != nil {
		return c, err
	}
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", grace, "on SIGTERM, how long requests in flight may take to finish before their connections are closed (env SHUTDOWN_GRACE)")
	keep, err := envDuration(getenv, "IDEMPOTENCY_KEEP", 24*time.Hour)
	if err != nil {
		return c, err
	}
	fs.DurationVar(&c.IdempotencyKeep, "idempotency-keep", keep, "how long a create's Idempotency-Key or clientMutationId is remembered; a retry after that creates anew; 0 keeps keys for ever (env IDEMPOTENCY_KEEP)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.IdempotencyKeep < 0 {
		return c, fmt.Errorf("idempotency keep %v: want 0 (for ever) or more", c.IdempotencyKeep)
	}
	if err := checkServers(); err != nil {
		return c, err
	}
	if err := checkOIDC(); err != nil {
		return c, err
	}
	if err := checkWebhooks(); err != nil {
		return c, err
	}
	if c.ShutdownGrace < 0 || c.ShutdownGrace > 10*time.Minute {
		return c, fmt.Errorf("shutdown grace %v: want 0 to 10m", c.ShutdownGrace)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.Port <= 0 || c.Port > 65535 {
		return c, fmt.Errorf("port %d is out of range", c.Port)
	}
	if c.DatabaseReadURL != "" && (!strings.HasPrefix(c.DatabaseURL, "postgres") || !strings.HasPrefix(c.DatabaseReadURL, "postgres")) {
		return c, fmt.Errorf("-database-read-url needs PostgreSQL: both it and -database-url must be postgres:// URLs")
	}
	if c.ReadMaxLag <= 0 {
		return c, fmt.Errorf("-database-read-max-lag %v: want above 0", c.ReadMaxLag)
	}
	if c.PublishMethod != "rule10-5" && c.PublishMethod != "dp" {
		return c, fmt.Errorf("publish method %q: want rule10-5 or dp", c.PublishMethod)
	}
	if c.Epsilon <= 0 || c.Epsilon > 20 {
		return c, fmt.Errorf("epsilon %v: want above 0 and at most 20", c.Epsilon)
	}
	if c.Circuity < 1 || c.Circuity > 3 {
		return c, fmt.Errorf("circuity %v: want 1 to 3", c.Circuity)
	}
	if c.AdultKmh <= 0 || c.AdultKmh > 10 || c.ElderlyKmh <= 0 || c.ElderlyKmh > 10 {
		return c, fmt.Errorf("walking speeds must be above 0 and at most 10 km/h")
	}
	switch c.Migrate {
	case "empty", "auto", "check":
	default:
		return c, fmt.Errorf("migrate %q: want empty, auto or check", c.Migrate)
	}
	if c.DBMaxOpen < 0 || c.DBMaxOpen > 10000 {
		return c, fmt.Errorf("db-max-open %d: want 0 (the default) to 10000", c.DBMaxOpen)
	}
	if c.DBMaxIdle < -1 || (c.DBMaxOpen > 0 && c.DBMaxIdle > c.DBMaxOpen) {
		return c, fmt.Errorf("db-max-idle %d: want -1 (none), 0 (as many as -db-max-open) or up to -db-max-open", c.DBMaxIdle)
	}
	if c.DBConnMaxLifetime < 0 || c.DBConnMaxIdle < 0 {
		return c, fmt.Errorf("db-conn-max-lifetime and db-conn-max-idle-time must not be negative")
	}
	if c.LivePerIP < 1 || c.LivePerToken < 1 || c.LiveKeepAlive < time.Second || c.LiveKeepAlive > 10*time.Minute {
		return c, fmt.Errorf("live-max-per-ip and live-max-per-token at least 1, live-keepalive 1s to 10m")
	}
	if c.ChangePoll < 100*time.Millisecond || c.ChangePoll > time.Minute {
		return c, fmt.Errorf("change-poll %s: want 100ms to 1m", c.ChangePoll)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("log format %q: want text or json", c.LogFormat)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return c, fmt.Errorf("metrics address %q: want host:port, e.g. 127.0.0.1:9090", c.MetricsAddr)
		}
	}
	if c.OTLPEndpoint != "" {
		if u, err := url.Parse(c.OTLPEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("OTLP endpoint %q: want an http:// or https:// URL", c.OTLPEndpoint)
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, fmt.Errorf("log level %q: want debug, info, warn or error", *level)
	}
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			if o == "*" || o == "null" {
				return c, fmt.Errorf("CORS origin %q is not allowed on the authenticated endpoint: list origins explicitly", o)
			}
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	return c, nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func envInt(getenv func(string) string, key string, def int) (int, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a number", key, v)
	}
	return n, nil
}

func envFloat(getenv func(string) string, key string, def float64) (float64, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a number", key, v)
	}
	return f, nil
}

func envBool(getenv func(string) string, key string, def bool) (bool, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q is not true or false", key, v)
	}
	return b, nil
}

func envDuration(getenv func(string) string, key string, def time.Duration) (time.Duration, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a duration (e.g. 30m)", key, v)
	}
	return d, nil
}

// Getenv is os.Getenv, for callers outside tests.
var Getenv = os.Getenv
