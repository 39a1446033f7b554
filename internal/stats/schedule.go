package stats

import (
	"context"
	"log/slog"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/publication"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/metrics"
)

// MethodOf reads a configured method name.
func MethodOf(name string) Method {
	if name == "dp" {
		return MethodDP
	}
	return MethodRule105
}

// PublishDue publishes last month's statistics unless they are published
// already; it reports whether it published.
func PublishDue(ctx context.Context, client *ent.Client, now time.Time, o Options) (bool, error) {
	p := PeriodOf(now).Previous()
	done, err := client.Publication.Query().Where(publication.Period(p.String())).Exist(rule.SystemContext(ctx))
	if err != nil || done {
		return false, err
	}
	_, err = Publish(ctx, client, p, o)
	return err == nil, err
}

// CheckDue runs one scheduled check: it publishes last month's statistics
// if they are due, and logs and counts (in ctx's metrics) what happened.
func CheckDue(ctx context.Context, client *ent.Client, now time.Time, o Options) {
	ok, err := PublishDue(ctx, client, now, o)
	metrics.From(ctx).PublicationCheck(ok, err)
	if err != nil {
		slog.ErrorContext(ctx, "stats: monthly publication failed", "err", err)
	} else if ok {
		slog.InfoContext(ctx, "stats: published last month's statistics")
	}
}

// RunMonthly checks every hour whether last month is due, until ctx ends.
func RunMonthly(ctx context.Context, client *ent.Client, o Options) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		CheckDue(ctx, client, time.Now(), o)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
