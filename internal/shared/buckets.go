package shared

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"lifecircle/internal/limits"
)

// Buckets are rate-limit buckets in Redis, shared by every server: GCRA
// (the generic cell rate algorithm, github.com/go-redis/redis_rate), one
// Lua script per charge, so concurrent charges from several servers are
// atomic and a client's budget is the same however many servers it
// alternates between. Keys are "rate:" + prefix + the bucket's name, each
// expiring once its bucket is full again.
//
// While Redis is away each server charges its own local buckets. They are
// kept no fuller than Redis last said (every shared answer lowers the
// local bucket to what Redis holds), so a server that falls back goes on
// from the client's shared bucket as it last saw it, not from a full one:
// while Redis is away N servers grant a client at most N times what was
// left, not N whole budgets. A charge whose command timed out may still
// have been counted by Redis; it is charged locally too, which errs on
// the side of refusing.
type Buckets struct {
	r       *Redis
	limiter *redis_rate.Limiter
	local   limits.Buckets
}

var _ limits.Buckets = (*Buckets)(nil)

// NewBuckets returns buckets in r, falling back to local.
func NewBuckets(r *Redis, local limits.Buckets) *Buckets {
	return &Buckets{r: r, limiter: redis_rate.NewLimiter(r.client), local: local}
}

func gcra(rate limits.Rate) redis_rate.Limit {
	return redis_rate.Limit{Rate: rate.Points, Burst: rate.Points, Period: rate.Per}
}

// emission is the time one point takes to refill.
func emission(rate limits.Rate) time.Duration {
	return time.Duration(float64(rate.Per) / float64(rate.Points))
}

// Take implements limits.Buckets.
func (b *Buckets) Take(ctx context.Context, key string, rate limits.Rate, n int) limits.Taken {
	var res *redis_rate.Result
	err := b.r.do(ctx, func(ctx context.Context, _ *redis.Client) error {
		var err error
		res, err = b.limiter.AllowN(ctx, b.r.Key(key), gcra(rate), n)
		return err
	})
	if err != nil {
		return b.local.Take(ctx, key, rate, n)
	}
	t := taken(res, rate, n)
	b.mirror(ctx, key, rate, t.Remaining)
	return t
}

// taken is what a charge of n (0: a read) that Redis answered with res
// answers.
func taken(res *redis_rate.Result, rate limits.Rate, n int) limits.Taken {
	if n == 0 { // a read: is there a whole point?
		t := limits.Taken{OK: res.Remaining >= 1, Remaining: res.Remaining, ResetAfter: res.ResetAfter}
		if !t.OK {
			t.RetryAfter = max(0, res.ResetAfter-time.Duration(rate.Points-1)*emission(rate))
		}
		return t
	}
	if res.Allowed == 0 {
		// GCRA reports no remainder on a refusal; the bucket's content
		// is what its reset time leaves.
		left := rate.Points - int((res.ResetAfter+emission(rate)-1)/emission(rate))
		return limits.Taken{Remaining: max(0, left), RetryAfter: res.RetryAfter, ResetAfter: res.ResetAfter}
	}
	return limits.Taken{OK: true, Remaining: res.Remaining, ResetAfter: res.ResetAfter}
}

// TakeAtMost implements limits.Buckets.
func (b *Buckets) TakeAtMost(ctx context.Context, key string, rate limits.Rate, n int) limits.Taken {
	var res *redis_rate.Result
	err := b.r.do(ctx, func(ctx context.Context, _ *redis.Client) error {
		var err error
		res, err = b.limiter.AllowAtMost(ctx, b.r.Key(key), gcra(rate), n)
		return err
	})
	if err != nil {
		return b.local.TakeAtMost(ctx, key, rate, n)
	}
	b.mirror(ctx, key, rate, res.Remaining)
	return limits.Taken{OK: res.Allowed > 0, Remaining: res.Remaining, RetryAfter: max(0, res.RetryAfter), ResetAfter: res.ResetAfter}
}

// mirror lowers the local bucket of key to what Redis holds, remaining
// whole points, so that a fallback to local buckets starts from the shared
// state. It never raises it: a local bucket refills at the rate's own pace.
func (b *Buckets) mirror(ctx context.Context, key string, rate limits.Rate, remaining int) {
	if extra := b.local.Take(ctx, key, rate, 0).Remaining - max(0, remaining); extra > 0 {
		b.local.TakeAtMost(ctx, key, rate, extra)
	}
}
