// Package shared keeps what several lifecircle servers must share — rate
// budgets, persisted queries, the public response cache — in Redis, and
// falls back to each server's own memory while Redis cannot be reached.
//
// A server never fails a request because Redis is away: the first failed
// command switches it to local mode (logged once), a probe pings Redis in
// the background, and the first answer switches it back. Status and Shared
// report the mode for readiness detail and metrics.
package shared

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Options of a Redis connection.
type Options struct {
	// URL is redis://[user:password@]host:port[/db] (rediss:// for TLS).
	URL string
	// Prefix starts every key (default "lifecircle:"), so deployments
	// and tests can share one Redis.
	Prefix string
	// Timeout bounds each command (default 250 ms): past it the server
	// answers from local state rather than make its client wait.
	Timeout time.Duration
	// ProbeEvery is how often Redis is pinged while it is away
	// (default 1 s).
	ProbeEvery time.Duration
}

// Redis is the connection every shared store uses, and its mode.
type Redis struct {
	client     *redis.Client
	prefix     string
	timeout    time.Duration
	probeEvery time.Duration

	up        atomic.Bool
	fallbacks atomic.Uint64

	mu      sync.Mutex
	since   time.Time // when the current mode began
	lastErr string    // why Redis is not used, while it is not
	probing bool
	closed  chan struct{}
	once    sync.Once
}

// debugLog takes go-redis's own log lines (a failed dial on every probe)
// to debug level: the outage is logged once, by down.
type debugLog struct{}

func (debugLog) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

var quietOnce sync.Once

// errDown is returned while Redis is known to be away.
var errDown = errors.New("redis is unavailable")

// Open connects to Redis. Only a malformed URL is an error: an unreachable
// Redis starts the server in local mode, and it switches to shared mode
// once Redis answers.
func Open(ctx context.Context, opts Options) (*Redis, error) {
	ro, err := redis.ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	quietOnce.Do(func() { redis.SetLogger(debugLog{}) })
	if opts.Prefix == "" {
		opts.Prefix = "lifecircle:"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 250 * time.Millisecond
	}
	if opts.ProbeEvery <= 0 {
		opts.ProbeEvery = time.Second
	}
	// Fail fast: a command that cannot be answered within Timeout is
	// answered locally; go-redis's retries and 5 s defaults would make
	// every request wait for a Redis that is gone.
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout = opts.Timeout, opts.Timeout, opts.Timeout
	ro.PoolTimeout = opts.Timeout
	ro.MaxRetries = -1
	ro.DialerRetries = 1
	ro.ContextTimeoutEnabled = true
	ro.DisableIdentity = true
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	r := &Redis{client: redis.NewClient(ro), prefix: opts.Prefix, timeout: opts.Timeout,
		probeEvery: opts.ProbeEvery, since: time.Now(), closed: make(chan struct{})}
	pctx, cancel := context.WithTimeout(ctx, 2*opts.Timeout)
	defer cancel()
	if err := r.client.Ping(pctx).Err(); err != nil {
		r.lastErr = err.Error()
		slog.Warn("redis: unavailable at start; rate budgets, persisted queries and the response cache are this server's own until it answers",
			"addr", ro.Addr, "err", err)
		r.startProbe()
	} else {
		r.up.Store(true)
		slog.Info("redis: connected; rate budgets, persisted queries and the response cache are shared", "addr", ro.Addr, "prefix", opts.Prefix)
	}
	return r, nil
}

// Close stops the probe and closes the connections.
func (r *Redis) Close() error {
	if r == nil {
		return nil
	}
	r.once.Do(func() { close(r.closed) })
	return r.client.Close()
}

// Client is the go-redis client, for stores of this package and tests.
func (r *Redis) Client() *redis.Client { return r.client }

// Key is name with the deployment's prefix.
func (r *Redis) Key(name string) string { return r.prefix + name }

// Shared reports whether Redis is in use now (false without Redis, or
// while it is away): a gauge for metrics, 1 when true.
func (r *Redis) Shared() bool { return r != nil && r.up.Load() }

// Fallbacks counts the operations answered from local state because Redis
// was away or failed: a counter for metrics.
func (r *Redis) Fallbacks() uint64 {
	if r == nil {
		return 0
	}
	return r.fallbacks.Load()
}

// Status is the mode of a server's shared state, for readiness detail.
type Status struct {
	// Configured: REDIS_URL is set.
	Configured bool `json:"configured"`
	// Shared: Redis answers, and budgets, persisted queries and the
	// response cache are shared by all servers.
	Shared bool `json:"shared"`
	// Since is when the current mode began.
	Since time.Time `json:"since,omitzero"`
	// Error is why Redis is not used, while it is not.
	Error string `json:"error,omitempty"`
}

// String is one line for /readyz.
func (s Status) String() string {
	switch {
	case !s.Configured:
		return "redis: not configured (budgets, persisted queries and response cache are per server)"
	case s.Shared:
		return "redis: ok (shared since " + s.Since.UTC().Format(time.RFC3339) + ")"
	}
	return "redis: unavailable since " + s.Since.UTC().Format(time.RFC3339) + ", serving with per-server limits: " + s.Error
}

// Status reports the mode. It never fails a readiness check: a server
// without Redis still serves, with its own limits.
func (r *Redis) Status() Status {
	if r == nil {
		return Status{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Status{Configured: true, Shared: r.up.Load(), Since: r.since}
	if !s.Shared {
		s.Error = r.lastErr
	}
	return s
}

// do runs f against Redis within the command timeout, unless Redis is
// known to be away. Any failure other than redis.Nil (a missing key)
// switches to local mode; the caller then answers from local state.
func (r *Redis) do(ctx context.Context, f func(ctx context.Context, c *redis.Client) error) error {
	if !r.up.Load() {
		r.fallbacks.Add(1)
		return errDown
	}
	// The client's own cancellation is not Redis's failure: the command
	// gets its own deadline.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
	defer cancel()
	err := f(cctx, r.client)
	if err == nil || errors.Is(err, redis.Nil) {
		return err
	}
	r.fallbacks.Add(1)
	r.down(err)
	return err
}

// down switches to local mode, logging once, and starts the probe.
func (r *Redis) down(err error) {
	if !r.up.CompareAndSwap(true, false) {
		return
	}
	r.mu.Lock()
	r.since, r.lastErr = time.Now(), err.Error()
	r.mu.Unlock()
	slog.Error("redis: unavailable; serving with per-server rate budgets, persisted queries and response cache until it answers", "err", err)
	r.startProbe()
}

func (r *Redis) startProbe() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.probing {
		return
	}
	r.probing = true
	go r.probe()
}

// probe pings Redis until it answers, then switches back to shared mode.
func (r *Redis) probe() {
	t := time.NewTicker(r.probeEvery)
	defer t.Stop()
	for {
		select {
		case <-r.closed:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
		err := r.client.Ping(ctx).Err()
		cancel()
		r.mu.Lock()
		if err != nil {
			r.lastErr = err.Error()
			r.mu.Unlock()
			continue
		}
		r.probing = false
		r.since, r.lastErr = time.Now(), ""
		r.up.Store(true)
		r.mu.Unlock()
		slog.Info("redis: answering again; rate budgets, persisted queries and the response cache are shared again")
		return
	}
}

// Get reads key (without prefix); ok is false when it is missing or Redis
// cannot be used (err then says why).
func (r *Redis) Get(ctx context.Context, key string) (v []byte, ok bool, err error) {
	err = r.do(ctx, func(ctx context.Context, c *redis.Client) error {
		var err error
		v, err = c.Get(ctx, r.Key(key)).Bytes()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	return v, err == nil, err
}

// Set writes key (without prefix) for ttl.
func (r *Redis) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	return r.do(ctx, func(ctx context.Context, c *redis.Client) error {
		return c.Set(ctx, r.Key(key), v, ttl).Err()
	})
}
