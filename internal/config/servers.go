package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Servers are the settings of rate budgets and of the state several
// servers share through Redis.
type Servers struct {
	// RedisURL, when set, makes rate budgets, persisted queries and the
	// public response cache shared by every server using that Redis.
	RedisURL string
	// RedisPrefix starts every key lifecircle writes in Redis.
	RedisPrefix string
	// Budgets of cost points per RateWindow: the public per IP address,
	// apps per token, and per token of a role where RoleRates says so.
	PublicRate, AppRate int
	RoleRates           map[string]int
	RateWindow          time.Duration
	// FailedAuthPerMinute is how many bad bearer tokens an IP address may
	// send a minute.
	FailedAuthPerMinute int
}

// tokenRoles are the roles a token may have (internal/auth).
var tokenRoles = []string{"admin", "staff", "resident", "volunteer"}

// maxPoints bounds a budget: far above any real one, low enough that a
// budget's arithmetic stays exact.
const maxPoints = 1 << 40

// serverFlags defines the flags of s on fs; the function returned checks
// them once fs is parsed.
func serverFlags(fs *flag.FlagSet, getenv func(string) string, s *Servers) (check func() error, err error) {
	public, err := envInt(getenv, "RATE_PUBLIC", 60000)
	if err != nil {
		return nil, err
	}
	app, err := envInt(getenv, "RATE_APP", 300000)
	if err != nil {
		return nil, err
	}
	failed, err := envInt(getenv, "RATE_FAILED_AUTH", 10)
	if err != nil {
		return nil, err
	}
	window := time.Minute
	if v := getenv("RATE_WINDOW"); v != "" {
		if window, err = time.ParseDuration(v); err != nil {
			return nil, fmt.Errorf("RATE_WINDOW=%q is not a duration such as 1m or 1h", v)
		}
	}
	fs.StringVar(&s.RedisURL, "redis-url", getenv("REDIS_URL"), "redis://host:6379/0: share rate budgets, persisted queries and the response cache with the other servers on it (env REDIS_URL)")
	fs.StringVar(&s.RedisPrefix, "redis-prefix", envOr(getenv, "REDIS_PREFIX", "lifecircle:"), "prefix of every key lifecircle writes in Redis (env REDIS_PREFIX)")
	fs.IntVar(&s.PublicRate, "rate-public", public, "cost points per -rate-window for each IP address on the public (env RATE_PUBLIC)")
	fs.IntVar(&s.AppRate, "rate-app", app, "cost points per -rate-window for each app token (env RATE_APP)")
	roles := fs.String("rate-roles", getenv("RATE_ROLES"), "per-role budgets of tokens overriding -rate-app, e.g. admin=3000000,staff=600000 (env RATE_ROLES)")
	fs.DurationVar(&s.RateWindow, "rate-window", window, "the window over which a budget refills completely (env RATE_WINDOW)")
	fs.IntVar(&s.FailedAuthPerMinute, "rate-failed-auth", failed, "bad bearer tokens an IP address may send a minute (env RATE_FAILED_AUTH)")
	return func() error {
		for name, v := range map[string]int{"rate-public": s.PublicRate, "rate-app": s.AppRate, "rate-failed-auth": s.FailedAuthPerMinute} {
			if v < 1 || v > maxPoints {
				return fmt.Errorf("%s %d: want 1 to %d", name, v, maxPoints)
			}
		}
		if s.RateWindow < time.Second || s.RateWindow > 24*time.Hour {
			return fmt.Errorf("rate window %s: want 1s to 24h", s.RateWindow)
		}
		var err error
		s.RoleRates, err = parseRoleRates(*roles)
		if err != nil {
			return err
		}
		if s.RedisURL != "" && !strings.HasPrefix(s.RedisURL, "redis://") && !strings.HasPrefix(s.RedisURL, "rediss://") && !strings.HasPrefix(s.RedisURL, "unix://") {
			return fmt.Errorf("redis URL: want redis://host:port/db, rediss:// or unix://")
		}
		return nil
	}, nil
}

// parseRoleRates reads "admin=3000000,staff=600000".
func parseRoleRates(v string) (map[string]int, error) {
	out := map[string]int{}
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		role, points, ok := strings.Cut(item, "=")
		role = strings.TrimSpace(role)
		n, err := strconv.Atoi(strings.TrimSpace(points))
		if !ok || err != nil || n < 1 || n > maxPoints {
			return nil, fmt.Errorf("rate-roles %q: want role=points with points from 1 to %d", item, maxPoints)
		}
		known := false
		for _, r := range tokenRoles {
			known = known || r == role
		}
		if !known {
			return nil, fmt.Errorf("rate-roles: unknown role %q (want %s)", role, strings.Join(tokenRoles, ", "))
		}
		if _, dup := out[role]; dup {
			return nil, fmt.Errorf("rate-roles: %s is given twice", role)
		}
		out[role] = n
	}
	return out, nil
}
