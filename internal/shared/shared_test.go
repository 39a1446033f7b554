package shared_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lifecircle/graph"
	"lifecircle/internal/limits"
	"lifecircle/internal/shared"
	"lifecircle/internal/testenv"
)

// Three servers, each with its own connection, charge one client's bucket
// at once from 60 goroutines: GCRA in one Lua script per charge lets
// exactly the budget through, as one server would, not three budgets.
//
// What is tested is Redis's atomicity, so the servers wait up to 5 s for
// an answer: under a CI load a 250 ms command timeout is missed by a
// starved client, not by Redis, and a server that falls back charges its
// local bucket (TestAFallbackGoesOnFromTheSharedBucket bounds what that
// grants). A fallback here fails the test, saying so.
func TestBucketsAreAtomicAcrossServers(t *testing.T) {
	redisURL, prefix := testenv.RedisURL(t), testenv.RedisPrefix(t)
	var (
		servers []*shared.Buckets
		conns   []*shared.Redis
	)
	for i := 0; i < 3; i++ {
		r, err := shared.Open(context.Background(), shared.Options{URL: redisURL, Prefix: prefix, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		conns = append(conns, r)
		servers = append(servers, shared.NewBuckets(r, limits.NewLocalBuckets()))
	}
	rate := limits.Rate{Points: 1000, Per: time.Hour} // refills 0.28 points a second: not one charge of 10 during the test
	var granted atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 60; g++ {
		wg.Add(1)
		go func(b *shared.Buckets) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if b.Take(context.Background(), "ip:192.0.2.1", rate, 10).OK {
					granted.Add(1)
				}
			}
		}(servers[g%3])
	}
	wg.Wait()
	for i, r := range conns {
		if n := r.Fallbacks(); n > 0 {
			t.Errorf("server %d answered %d charges from its local bucket: Redis took over 5 s to answer (%s)", i, n, r.Status().Error)
		}
	}
	if got := granted.Load(); got != 100 {
		t.Fatalf("%d charges of 10 points were granted from a budget of 1,000 shared by 3 servers; want exactly 100", got)
	}
	t1 := servers[1].Take(context.Background(), "ip:192.0.2.1", rate, 10)
	if t1.OK || t1.Remaining > 9 || t1.RetryAfter <= 0 || t1.RetryAfter > 40*time.Second {
		t.Errorf("the spent bucket answered %+v; want refused, under 10 left, retry within ~36 s", t1)
	}
	if !servers[2].Take(context.Background(), "ip:192.0.2.2", rate, 10).OK {
		t.Error("another client's bucket is spent too")
	}
}

// While Redis is away each server charges its own buckets; they go on
// from the shared bucket as each server last saw it, not from full ones.
// Three servers spend 700 of a client's 1,000 points through Redis; Redis
// goes away; each may then grant what it last saw left (300-320 points),
// 93 charges of 10 in all, where full local buckets granted 300.
func TestAFallbackGoesOnFromTheSharedBucket(t *testing.T) {
	proxy := testenv.NewRedisProxy(t)
	prefix := testenv.RedisPrefix(t)
	var (
		servers []*shared.Buckets
		conns   []*shared.Redis
	)
	for i := 0; i < 3; i++ {
		// 5 s, as in TestBucketsAreAtomicAcrossServers: before the cut
		// every charge must reach Redis, however loaded the machine.
		r, err := shared.Open(context.Background(), shared.Options{URL: proxy.URL, Prefix: prefix, Timeout: 5 * time.Second, ProbeEvery: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		conns = append(conns, r)
		servers = append(servers, shared.NewBuckets(r, limits.NewLocalBuckets()))
	}
	ctx := context.Background()
	rate := limits.Rate{Points: 1000, Per: 24 * time.Hour} // a point in 86 s: none refills during the test
	for i := 0; i < 70; i++ {
		if got := servers[i%3].Take(ctx, "ip:192.0.2.1", rate, 10); !got.OK {
			t.Fatalf("charge %d through Redis refused: %+v", i, got)
		}
	}
	for i, r := range conns {
		if n := r.Fallbacks(); n > 0 {
			t.Fatalf("server %d answered %d charges locally before the cut (%s)", i, n, r.Status().Error)
		}
	}
	proxy.Cut()
	granted := 0
	for i, b := range servers {
		for {
			got := b.Take(ctx, "ip:192.0.2.1", rate, 10)
			if !got.OK {
				break
			}
			granted++
			if granted > 300 {
				t.Fatalf("server %d keeps granting", i)
			}
		}
	}
	if granted != 93 {
		t.Errorf("while Redis was away the three servers granted %d charges of 10; want 93 (32+31+30: what each last saw left)", granted)
	}
}

// The Redis buckets answer as the local ones do: what is left, when a
// refused charge may be retried, and the failed-authentication pattern
// (read, then take at most one).
func TestBucketsAnswerLikeLocalOnes(t *testing.T) {
	redisURL, prefix := testenv.RedisURL(t), testenv.RedisPrefix(t)
	redisBuckets := shared.NewBuckets(testenv.Redis(t, redisURL, prefix), limits.NewLocalBuckets())
	for name, b := range map[string]limits.Buckets{"local": limits.NewLocalBuckets(), "redis": redisBuckets} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			rate := limits.Rate{Points: 100, Per: time.Hour} // one point per 36 s
			if got := b.Take(ctx, "k", rate, 30); !got.OK || got.Remaining != 70 || got.ResetAfter < 1070*time.Second || got.ResetAfter > 1081*time.Second {
				t.Errorf("take 30 of 100: %+v; want OK, 70 left, full again in 1,080 s", got)
			}
			got := b.Take(ctx, "k", rate, 80)
			if got.OK || got.Remaining != 69 && got.Remaining != 70 || got.RetryAfter < 355*time.Second || got.RetryAfter > 361*time.Second {
				t.Errorf("take 80 of 70: %+v; want refused, 70 left, retry in 360 s", got)
			}
			if got := b.Take(ctx, "k", rate, 70); !got.OK || got.Remaining != 0 {
				t.Errorf("take the 70 left: %+v", got)
			}
			if got := b.Take(ctx, "k", rate, 0); got.OK || got.RetryAfter <= 0 || got.RetryAfter > 36*time.Second {
				t.Errorf("read an empty bucket: %+v; want not OK, a point within 36 s", got)
			}
			fail := limits.Rate{Points: 3, Per: time.Minute}
			for i := 0; i < 3; i++ {
				if got := b.Take(ctx, "f", fail, 0); !got.OK {
					t.Fatalf("read %d: %+v", i, got)
				}
				if got := b.TakeAtMost(ctx, "f", fail, 1); !got.OK {
					t.Fatalf("failure %d: %+v", i, got)
				}
			}
			if got := b.Take(ctx, "f", fail, 0); got.OK || got.RetryAfter <= 19*time.Second || got.RetryAfter > 20*time.Second {
				t.Errorf("after 3 failures of 3 a minute: %+v; want refused for 20 s", got)
			}
			if got := b.TakeAtMost(ctx, "f", fail, 1); got.OK {
				t.Errorf("a fourth failure was taken: %+v", got)
			}
		})
	}
}

// When Redis goes away (a proxy in front of it is cut), charges are
// answered at once from local buckets, with no error; the state says so;
// when it is back, the shared buckets are used again.
func TestBucketsFallBackWhileRedisIsAway(t *testing.T) {
	var logged testenv.LogBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	proxy := testenv.NewRedisProxy(t)
	prefix := testenv.RedisPrefix(t)
	r := testenv.Redis(t, proxy.URL, prefix)
	direct := testenv.Redis(t, testenv.RedisURL(t), prefix)
	b := shared.NewBuckets(r, limits.NewLocalBuckets())
	ctx := context.Background()
	rate := limits.Rate{Points: 100, Per: time.Hour}
	if !r.Shared() || !r.Status().Shared || !b.Take(ctx, "k", rate, 60).OK {
		t.Fatalf("before the cut: %+v", r.Status())
	}
	proxy.Cut()
	start := time.Now()
	first := b.Take(ctx, "k", rate, 60)
	if first.OK || first.Remaining != 40 {
		t.Errorf("first charge after the cut: %+v; want refused: the local bucket goes on from the shared one's 40 left", first)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the charge that found Redis away took %s", took)
	}
	st := r.Status()
	if r.Shared() || st.Shared || !st.Configured || st.Error == "" || !strings.Contains(st.String(), "unavailable") {
		t.Errorf("status after the cut: %+v %q", st, st)
	}
	if got := b.Take(ctx, "k", rate, 30); !got.OK || got.Remaining != 10 {
		t.Errorf("the local bucket refused 30 of its 40: %+v", got)
	}
	if r.Fallbacks() < 2 {
		t.Errorf("fallbacks = %d, want at least 2", r.Fallbacks())
	}
	time.Sleep(350 * time.Millisecond) // three probes fail
	proxy.Restore()
	deadline := time.Now().Add(5 * time.Second)
	for !r.Shared() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !r.Shared() || r.Status().Error != "" {
		t.Fatalf("not shared again 5 s after Redis came back: %+v", r.Status())
	}
	// Redis still holds the 40 left before the cut (the 30 taken locally
	// were not seen by the other servers): the shared bucket.
	if got := b.Take(ctx, "k", rate, 40); !got.OK || got.Remaining != 0 {
		t.Errorf("after Redis came back: %+v; want the shared bucket's last 40", got)
	}
	if n, err := direct.Client().Exists(ctx, "rate:"+prefix+"k").Result(); err != nil || n != 1 {
		t.Errorf("the bucket is not in Redis: %d %v", n, err)
	}
	out := logged.String()
	if strings.Count(out, "level=ERROR msg=\"redis: unavailable") != 1 || strings.Count(out, "redis: answering again") != 1 {
		t.Errorf("want the outage and the return logged once each:\n%s", out)
	}
}

// A query persisted through one server is found through another; a hash
// that is not a SHA-256 is never looked up, and a document over the bound
// is answered but not stored in Redis.
func TestPersistedQueriesAreShared(t *testing.T) {
	redisURL, prefix := testenv.RedisURL(t), testenv.RedisPrefix(t)
	r1, r2 := testenv.Redis(t, redisURL, prefix), testenv.Redis(t, redisURL, prefix)
	one := shared.NewPersistedQueries(r1, graph.NewPersistedQueryCache(), graph.MaxPersistedQuery, time.Hour)
	two := shared.NewPersistedQueries(r2, graph.NewPersistedQueryCache(), graph.MaxPersistedQuery, time.Hour)
	ctx := context.Background()
	q := "{ categories { code } }"
	hash := sha(q)
	if _, ok := two.Get(ctx, hash); ok {
		t.Fatal("found before it was persisted")
	}
	one.Add(ctx, hash, q)
	if got, ok := two.Get(ctx, hash); !ok || got != q {
		t.Fatalf("server two: %q %v", got, ok)
	}
	big := "{ categories { code } }" + strings.Repeat(" ", graph.MaxPersistedQuery)
	one.Add(ctx, sha(big), big)
	if _, ok := two.Get(ctx, sha(big)); ok {
		t.Error("a document over the bound was shared")
	}
	if _, ok := one.Get(ctx, sha(big)); ok {
		t.Error("a document over the bound was kept locally")
	}
	one.Add(ctx, "not-a-hash", q)
	if _, ok := two.Get(ctx, "not-a-hash"); ok {
		t.Error("a malformed hash was stored in Redis")
	}
	if n, _ := r1.Client().Exists(ctx, prefix+"apq:not-a-hash").Result(); n != 0 {
		t.Error("a key was written for a malformed hash")
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// A malformed URL is refused at start; a Redis that refuses the
// connection's credentials starts the server in local mode, with the
// reason in its status, and serves from local buckets.
func TestOpenRefusesBadURLsAndStartsLocalOnABadRedis(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"redis://127.0.0.1:6379/not-a-db", "http://127.0.0.1:6379", "redis://[::1"} {
		if r, err := shared.Open(ctx, shared.Options{URL: u}); err == nil {
			r.Close()
			t.Errorf("%s: want an error", u)
		}
	}
	u, err := url.Parse(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("no-such-user", "wrong-password")
	r := testenv.Redis(t, u.String(), testenv.RedisPrefix(t))
	if st := r.Status(); st.Shared || st.Error == "" || !st.Configured {
		t.Fatalf("status with a Redis that refuses the user: %+v", st)
	}
	b := shared.NewBuckets(r, limits.NewLocalBuckets())
	if got := b.Take(ctx, "k", limits.Rate{Points: 10, Per: time.Minute}, 4); !got.OK || got.Remaining != 6 {
		t.Errorf("local buckets: %+v", got)
	}
	var none *shared.Redis
	if none.Shared() || none.Status().Configured || !strings.Contains(none.Status().String(), "not configured") || none.Close() != nil {
		t.Errorf("no Redis: %+v", none.Status())
	}
}
