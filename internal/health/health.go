// Package health answers the load balancer: /healthz says the process is
// alive (it answers), /readyz says whether it can serve — each of a short
// list of named checks passes — with the reason in the body when not.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// DefaultTimeout bounds each readiness check: a database that does not
// answer a ping within it is as good as down to a load balancer.
const DefaultTimeout = time.Second

// Check is one readiness condition.
type Check struct {
	Name string
	// Run returns nil when the condition holds, else an error whose
	// message is shown in /readyz (keep it free of hosts and driver text).
	Run func(ctx context.Context) error
	// Degraded checks are reported but never make the server unready
	// (e.g. a shared cache the server can do without).
	Degraded bool
}

// Checks is the list /readyz runs, each under Timeout.
type Checks struct {
	Timeout time.Duration

	mu     sync.Mutex
	checks []Check
	failed map[string]bool // for logging changes only
}

// Add appends checks; the lead of a new dependency adds its own here.
func (c *Checks) Add(checks ...Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks = append(c.checks, checks...)
}

// Report is the body of /readyz.
type Report struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"`
}

// Run runs every check at once and reports.
func (c *Checks) Run(ctx context.Context) Report {
	c.mu.Lock()
	checks := append([]Check(nil), c.checks...)
	c.mu.Unlock()
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	results := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, ch := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			err := ch.Run(ctx)
			if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = errors.New("no answer within " + timeout.String())
			}
			results[i] = err
		}()
	}
	wg.Wait()
	rep := Report{Ready: true, Checks: map[string]string{}}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed == nil {
		c.failed = map[string]bool{}
	}
	for i, ch := range checks {
		err := results[i]
		status := "ok"
		if err != nil {
			status = err.Error()
			if ch.Degraded {
				status = "degraded: " + status
			} else {
				rep.Ready = false
			}
		}
		rep.Checks[ch.Name] = status
		// Log when a check changes state, not at every probe.
		if failed := err != nil; failed != c.failed[ch.Name] {
			c.failed[ch.Name] = failed
			if failed {
				slog.WarnContext(ctx, "readiness check failing", "check", ch.Name, "status", status)
			} else {
				slog.InfoContext(ctx, "readiness check passing again", "check", ch.Name)
			}
		}
	}
	return rep
}

// Ready serves /readyz: 200 when every check passes, else 503, with the
// report as JSON either way. Never cached.
func (c *Checks) Ready() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := c.Run(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !rep.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(rep)
	})
}

// Live serves /healthz: the process answers. It looks at nothing else, so
// a load balancer never restarts a server for its database's outage.
func Live() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
	})
}
