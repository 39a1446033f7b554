package testenv

import (
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lifecircle/internal/shared"
)

// DefaultRedisURL is the Redis tests use when TEST_REDIS_URL is unset.
const DefaultRedisURL = "redis://127.0.0.1:6379/0"

var (
	redisOnce   sync.Once
	redisURL    string
	redisReason string
)

// RedisURL returns the URL of the test Redis (TEST_REDIS_URL, default the
// local one). Like PostgreSQL, an unreachable Redis skips the test on a
// developer machine and fails it when CI=true.
func RedisURL(t testing.TB) string {
	t.Helper()
	redisOnce.Do(func() {
		raw := os.Getenv("TEST_REDIS_URL")
		if raw == "" {
			raw = DefaultRedisURL
		}
		opts, err := redis.ParseURL(raw)
		if err != nil {
			redisReason = "TEST_REDIS_URL: " + err.Error()
			return
		}
		c := redis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := c.Ping(ctx).Err(); err != nil {
			redisReason = opts.Addr + ": " + err.Error()
			return
		}
		redisURL = raw
	})
	if redisURL == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required in CI: %s", redisReason)
		}
		t.Skipf("Redis unavailable (%s); set TEST_REDIS_URL or start redis-server", redisReason)
	}
	return redisURL
}

// RedisPrefix returns a key prefix of its own for the test; its keys are
// deleted when the test ends.
func RedisPrefix(t testing.TB) string {
	t.Helper()
	raw := RedisURL(t)
	prefix := "lc_test_" + randomHex(6) + ":"
	t.Cleanup(func() {
		opts, _ := redis.ParseURL(raw)
		c := redis.NewClient(opts)
		defer c.Close()
		ctx := context.Background()
		// Rate buckets are "rate:" + prefix + … (redis_rate's own prefix).
		for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
			iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
			for iter.Next(ctx) {
				c.Del(ctx, iter.Val())
			}
		}
	})
	return prefix
}

// Redis opens the test Redis at url (RedisURL, or a RedisProxy's) under a
// prefix of the test's own, closed when the test ends.
func Redis(t testing.TB, rawURL, prefix string) *shared.Redis {
	t.Helper()
	r, err := shared.Open(context.Background(), shared.Options{URL: rawURL, Prefix: prefix, ProbeEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("open redis: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// RedisProxy is a TCP proxy in front of the test Redis that a test can cut,
// to see what servers do when Redis goes away, without stopping the Redis
// other tests use.
type RedisProxy struct {
	URL    string
	target string
	ln     net.Listener

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

// NewRedisProxy listens on a free loopback port and forwards to the test
// Redis until the test ends.
func NewRedisProxy(t testing.TB) *RedisProxy {
	t.Helper()
	raw := RedisURL(t)
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	u.Host = ln.Addr().String() // same credentials and database, through the proxy
	p := &RedisProxy{URL: u.String(), target: opts.Addr, ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
	})
	go p.accept()
	return p
}

func (p *RedisProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close() // Redis is "away": connections are dropped at once
			continue
		}
		p.conns[c] = true
		p.mu.Unlock()
		go p.forward(c)
	}
}

func (p *RedisProxy) forward(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[up] = true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// Cut closes every connection and refuses new ones, as a Redis that has
// gone away would.
func (p *RedisProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Restore forwards new connections again.
func (p *RedisProxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}
