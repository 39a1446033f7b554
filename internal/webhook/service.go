package webhook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	gen "lifecircle/ent"
)

// Defaults of Options.
const (
	DefaultWorkers       = 4
	DefaultRetryBase     = 5 * time.Second
	DefaultRetryMax      = time.Hour
	DefaultRetryFor      = 24 * time.Hour
	DefaultDisableAfter  = 50
	DefaultDisablePeriod = 24 * time.Hour
	DefaultTimeout       = 10 * time.Second
	DefaultPoll          = time.Second
	responseBodyLimit    = 1024
)

// Options tune the delivery of webhooks.
type Options struct {
	// Work makes this process work the queue; false: it only enqueues
	// (another process works it).
	Work bool
	// Workers is how many deliveries this process sends at once.
	Workers int
	// AllowPrivate lets endpoints name internal addresses (loopback,
	// private networks): for tests and closed networks.
	AllowPrivate bool
	// RetryBase is the wait before the first retry; each retry waits twice
	// the one before, up to RetryMax.
	RetryBase, RetryMax time.Duration
	// RetryFor is how long after the event a failing delivery is retried.
	RetryFor time.Duration
	// DisableAfter and DisablePeriod: an endpoint whose last DisableAfter
	// attempts all failed, the first of them at least DisablePeriod ago,
	// is disabled.
	DisableAfter  int
	DisablePeriod time.Duration
	// Timeout bounds one HTTP attempt.
	Timeout time.Duration
	// Poll is how often the queue is polled for due jobs.
	Poll time.Duration
	// Registerer, when set, receives the webhook metrics.
	Registerer prometheus.Registerer
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	if o.RetryFor <= 0 {
		o.RetryFor = DefaultRetryFor
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = DefaultDisableAfter
	}
	if o.DisablePeriod < 0 {
		o.DisablePeriod = 0
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
}

// Service delivers the queued webhooks of one database.
type Service struct {
	client *gen.Client
	river  *river.Client[*sql.Tx]
	http   *http.Client
	opts   Options
	nexts  sync.Map // River job ID → time of its next attempt
	m      metrics
}

type metrics struct {
	attempts *prometheus.CounterVec
	disabled prometheus.Counter
}

// New builds the service over client and its pool db.
func New(client *gen.Client, db *sql.DB, postgres bool, opts Options) (*Service, error) {
	opts.defaults()
	s := &Service{client: client, opts: opts}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = guardDialer(opts.AllowPrivate).DialContext
	tr.Proxy = nil
	s.http = &http.Client{Transport: tr, Timeout: opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	s.m = metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lifecircle_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome (success, failure)."}, []string{"outcome"}),
		disabled: prometheus.NewCounter(prometheus.CounterOpts{Name: "lifecircle_webhook_endpoints_disabled_total",
			Help: "Endpoints disabled because every delivery attempt kept failing."}),
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(s.m.attempts); err != nil {
			return nil, err
		}
		if err := opts.Registerer.Register(s.m.disabled); err != nil {
			return nil, err
		}
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &deliverWorker{s: s}); err != nil {
		return nil, err
	}
	cfg := &river.Config{
		Workers:              workers,
		FetchPollInterval:    opts.Poll,
		FetchCooldown:        min(opts.Poll, river.FetchCooldownDefault),
		JobTimeout:           opts.Timeout + 10*time.Second,
		RescueStuckJobsAfter: opts.Timeout + time.Minute,
		Logger:               slog.New(quietHandler{slog.Default().Handler()}),
	}
	if opts.Work {
		cfg.Queues = map[string]river.QueueConfig{riverQueue: {MaxWorkers: opts.Workers}}
	}
	var err error
	if postgres {
		s.river, err = river.NewClient(riverdatabasesql.New(db), cfg)
	} else {
		s.river, err = river.NewClient(riversqlite.New(db), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook: river: %w", err)
	}
	return s, nil
}

// Start works the queue until Stop (nothing when Options.Work is false).
func (s *Service) Start(ctx context.Context) error {
	if !s.opts.Work {
		return nil
	}
	return s.river.Start(ctx)
}

// Stop lets running deliveries finish (until ctx ends) and stops working.
func (s *Service) Stop(ctx context.Context) error {
	if !s.opts.Work {
		return nil
	}
	return s.river.Stop(ctx)
}

// Options returns the options in force.
func (s *Service) Options() Options { return s.opts }

// quietHandler keeps River's own log to warnings and errors.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

// Migration modes (as the server's -migrate).
const (
	MigrateApply = "apply" // bring River's tables up to date
	MigrateCheck = "check" // refuse to start if they are behind
	MigrateFresh = "fresh" // create them if there are none; else check
)

// ErrRiverBehind is returned when River's tables need a migration that the
// mode does not allow.
var ErrRiverBehind = errors.New("webhook: River's tables (the webhook queue) are behind this binary: run `lifecircle migrate` (or start with -migrate auto)")

// riverMigrationLock is the advisory lock key of River's migrations
// ("lcriver" in ASCII), apart from the one of lifecircle's own.
const riverMigrationLock = 0x6c63726976657200

// Migrate creates or upgrades River's tables (river_job, river_queue,
// river_leader, river_migration …) with River's own migrator, as mode
// says. It returns the River migration versions it applied.
func Migrate(ctx context.Context, db *sql.DB, postgres bool, mode string) ([]int, error) {
	var (
		existing, all []rivermigrate.Migration
		migrate       func() (*rivermigrate.MigrateResult, error)
		err           error
	)
	if postgres {
		// Servers started together would race to create River's tables
		// (its migrator takes no lock of its own): one at a time, under a
		// session advisory lock, and the others then find them there.
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("webhook: River's migrations: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", riverMigrationLock); err != nil {
			return nil, fmt.Errorf("webhook: River's migrations: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", riverMigrationLock) //nolint:errcheck // the session ends with the connection anyway
		m, e := rivermigrate.New[*sql.Tx](riverdatabasesql.New(db), nil)
		if e != nil {
			return nil, e
		}
		all = m.AllVersions()
		existing, err = m.ExistingVersions(ctx)
		migrate = func() (*rivermigrate.MigrateResult, error) { return m.Migrate(ctx, rivermigrate.DirectionUp, nil) }
	} else {
		m, e := rivermigrate.New[*sql.Tx](riversqlite.New(db), nil)
		if e != nil {
			return nil, e
		}
		all = m.AllVersions()
		existing, err = m.ExistingVersions(ctx)
		migrate = func() (*rivermigrate.MigrateResult, error) { return m.Migrate(ctx, rivermigrate.DirectionUp, nil) }
	}
	if err != nil {
		return nil, fmt.Errorf("webhook: River's migrations: %w", err)
	}
	if len(existing) >= len(all) {
		return nil, nil
	}
	if mode == MigrateCheck || (mode == MigrateFresh && len(existing) > 0) {
		return nil, ErrRiverBehind
	}
	res, err := migrate()
	if err != nil {
		return nil, fmt.Errorf("webhook: migrate River's tables: %w", err)
	}
	var applied []int
	for _, v := range res.Versions {
		applied = append(applied, v.Version)
	}
	return applied, nil
}

var _ riverdriver.Driver[*sql.Tx] = (*riversqlite.Driver)(nil)
