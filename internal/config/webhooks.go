package config

import (
	"flag"
	"fmt"
	"time"
)

// Webhooks are the settings of webhook delivery (internal/webhook).
type Webhooks struct {
	// WebhookWork makes this process deliver webhooks (work River's
	// queue); every process enqueues them either way.
	WebhookWork bool
	// WebhookWorkers is how many deliveries this process sends at once.
	WebhookWorkers int
	// WebhookAllowPrivate lets endpoints name internal addresses.
	WebhookAllowPrivate bool
	// WebhookRetryBase is the wait before the first retry (doubling up to
	// an hour); WebhookRetryFor how long after its event a delivery is
	// retried.
	WebhookRetryBase, WebhookRetryFor time.Duration
	// An endpoint is disabled after WebhookDisableAfter failed attempts
	// in a row, the first at least WebhookDisablePeriod before the last.
	WebhookDisableAfter  int
	WebhookDisablePeriod time.Duration
	// WebhookPoll is how often the queue is read for due deliveries.
	WebhookPoll time.Duration
}

// webhookFlags defines the flags of w on fs; the function returned checks
// them once fs is parsed.
func webhookFlags(fs *flag.FlagSet, getenv func(string) string, w *Webhooks) (check func() error, err error) {
	work, err := envBool(getenv, "WEBHOOK_WORK", true)
	if err != nil {
		return nil, err
	}
	workers, err := envInt(getenv, "WEBHOOK_WORKERS", 4)
	if err != nil {
		return nil, err
	}
	private, err := envBool(getenv, "WEBHOOK_ALLOW_PRIVATE", false)
	if err != nil {
		return nil, err
	}
	base, err := envDuration(getenv, "WEBHOOK_RETRY_BASE", 5*time.Second)
	if err != nil {
		return nil, err
	}
	retryFor, err := envDuration(getenv, "WEBHOOK_RETRY_FOR", 24*time.Hour)
	if err != nil {
		return nil, err
	}
	after, err := envInt(getenv, "WEBHOOK_DISABLE_AFTER", 50)
	if err != nil {
		return nil, err
	}
	period, err := envDuration(getenv, "WEBHOOK_DISABLE_PERIOD", 24*time.Hour)
	if err != nil {
		return nil, err
	}
	poll, err := envDuration(getenv, "WEBHOOK_POLL", time.Second)
	if err != nil {
		return nil, err
	}
	fs.BoolVar(&w.WebhookWork, "webhook-work", work, "deliver webhooks from this process (work the queue); every process enqueues them either way (env WEBHOOK_WORK)")
	fs.IntVar(&w.WebhookWorkers, "webhook-workers", workers, "deliveries this process sends at once (env WEBHOOK_WORKERS)")
	fs.BoolVar(&w.WebhookAllowPrivate, "webhook-allow-private", private, "accept webhook endpoints on internal addresses (localhost, loopback, private networks): for tests and closed networks (env WEBHOOK_ALLOW_PRIVATE)")
	fs.DurationVar(&w.WebhookRetryBase, "webhook-retry-base", base, "wait before a failed delivery's first retry; each retry waits twice as long, at most 1h (env WEBHOOK_RETRY_BASE)")
	fs.DurationVar(&w.WebhookRetryFor, "webhook-retry-for", retryFor, "how long after its event a failing delivery is retried (env WEBHOOK_RETRY_FOR)")
	fs.IntVar(&w.WebhookDisableAfter, "webhook-disable-after", after, "disable an endpoint after this many failed delivery attempts in a row ... (env WEBHOOK_DISABLE_AFTER)")
	fs.DurationVar(&w.WebhookDisablePeriod, "webhook-disable-period", period, "... spanning at least this long (env WEBHOOK_DISABLE_PERIOD)")
	fs.DurationVar(&w.WebhookPoll, "webhook-poll", poll, "how often the webhook queue is read for due deliveries (env WEBHOOK_POLL)")
	return func() error {
		switch {
		case w.WebhookWorkers < 1 || w.WebhookWorkers > 1000:
			return fmt.Errorf("webhook-workers %d: want 1 to 1000", w.WebhookWorkers)
		case w.WebhookRetryBase < 10*time.Millisecond || w.WebhookRetryBase > time.Hour:
			return fmt.Errorf("webhook-retry-base %s: want 10ms to 1h", w.WebhookRetryBase)
		case w.WebhookRetryFor < time.Second || w.WebhookRetryFor > 7*24*time.Hour:
			return fmt.Errorf("webhook-retry-for %s: want 1s to 168h", w.WebhookRetryFor)
		case w.WebhookDisableAfter < 1:
			return fmt.Errorf("webhook-disable-after %d: want 1 or more", w.WebhookDisableAfter)
		case w.WebhookDisablePeriod < 0:
			return fmt.Errorf("webhook-disable-period %s: want 0 or more", w.WebhookDisablePeriod)
		case w.WebhookPoll < 10*time.Millisecond || w.WebhookPoll > time.Minute:
			return fmt.Errorf("webhook-poll %s: want 10ms to 1m", w.WebhookPoll)
		}
		return nil
	}, nil
}
