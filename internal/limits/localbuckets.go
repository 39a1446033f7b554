package limits

import (
	"context"
	"math"
	"sync"
	"time"
)

// LocalBuckets keeps token buckets in this process: each server has its own.
type LocalBuckets struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	takes   int
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
	rate   Rate
}

var _ Buckets = (*LocalBuckets)(nil)

// NewLocalBuckets returns empty buckets on the wall clock.
func NewLocalBuckets() *LocalBuckets {
	return &LocalBuckets{buckets: map[string]*bucket{}, now: time.Now}
}

// refill returns the bucket of key, created full or topped up for the time
// since it was last used. l.mu must be held.
func (l *LocalBuckets) refill(key string, rate Rate, now time.Time) *bucket {
	bk, found := l.buckets[key]
	if !found {
		bk = &bucket{tokens: float64(rate.Points), last: now, rate: rate}
		l.buckets[key] = bk
	}
	bk.rate = rate
	bk.tokens = math.Min(float64(rate.Points), bk.tokens+now.Sub(bk.last).Seconds()*rate.perSecond())
	bk.last = now
	l.prune(now)
	return bk
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Take implements Buckets.
func (l *LocalBuckets) Take(_ context.Context, key string, rate Rate, n int) Taken {
	l.mu.Lock()
	defer l.mu.Unlock()
	bk := l.refill(key, rate, l.now())
	perSecond := rate.perSecond()
	need := float64(n)
	if n == 0 {
		need = 1
	}
	if need > bk.tokens {
		return Taken{Remaining: int(bk.tokens), RetryAfter: seconds((need - bk.tokens) / perSecond),
			ResetAfter: seconds((float64(rate.Points) - bk.tokens) / perSecond)}
	}
	bk.tokens -= float64(n)
	return Taken{OK: true, Remaining: int(bk.tokens), ResetAfter: seconds((float64(rate.Points) - bk.tokens) / perSecond)}
}

// TakeAtMost implements Buckets.
func (l *LocalBuckets) TakeAtMost(_ context.Context, key string, rate Rate, n int) Taken {
	l.mu.Lock()
	defer l.mu.Unlock()
	bk := l.refill(key, rate, l.now())
	perSecond := rate.perSecond()
	if bk.tokens < 1 {
		return Taken{RetryAfter: seconds((1 - bk.tokens) / perSecond),
			ResetAfter: seconds((float64(rate.Points) - bk.tokens) / perSecond)}
	}
	bk.tokens = math.Max(0, bk.tokens-float64(n))
	return Taken{OK: true, Remaining: int(bk.tokens), ResetAfter: seconds((float64(rate.Points) - bk.tokens) / perSecond)}
}

// prune drops full buckets now and then, so idle clients cost no memory.
func (l *LocalBuckets) prune(now time.Time) {
	l.takes++
	if l.takes%10000 != 0 {
		return
	}
	for k, bk := range l.buckets {
		if now.Sub(bk.last) > bk.rate.Per {
			delete(l.buckets, k)
		}
	}
}
