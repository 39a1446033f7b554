package config

import (
	"log/slog"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Parse("serve", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.DataDir != "data" || c.DatabaseURL != "" || c.LogLevel != slog.LevelInfo || !c.Seed || len(c.CORSOrigins) != 0 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	e := env(map[string]string{"PORT": "9000", "DATABASE_URL": "postgres://x/y", "CORS_ORIGINS": "https://a.example, https://b.example", "LOG_LEVEL": "debug", "SEED_DEMO": "false"})
	c, err := Parse("serve", nil, e)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 9000 || c.DatabaseURL != "postgres://x/y" || len(c.CORSOrigins) != 2 || c.CORSOrigins[1] != "https://b.example" || c.LogLevel != slog.LevelDebug || c.Seed {
		t.Errorf("from environment: %+v", c)
	}
	c, err = Parse("serve", []string{"-port", "7000", "-data-dir", "/tmp/x"}, e)
	if err != nil || c.Port != 7000 || c.DataDir != "/tmp/x" {
		t.Errorf("flags must override the environment: %+v %v", c, err)
	}
}

func TestRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"port not a number": {nil, map[string]string{"PORT": "eighty"}},
		"port out of range": {[]string{"-port", "70000"}, nil},
		"wildcard origin":   {[]string{"-cors-origins", "*"}, nil},
		"null origin":       {nil, map[string]string{"CORS_ORIGINS": "null"}},
		"log level":         {[]string{"-log-level", "loud"}, nil},
		"stray argument":    {[]string{"extra"}, nil},
	} {
		if _, err := Parse("serve", tc.args, env(tc.env)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestMigrateAndPoolSettings(t *testing.T) {
	c, err := Parse("serve", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Migrate != "empty" || c.DBMaxOpen != 0 || c.DBMaxIdle != 0 || c.DBConnMaxLifetime != 30*time.Minute || c.DBConnMaxIdle != 5*time.Minute {
		t.Errorf("defaults: %+v", c)
	}
	e := env(map[string]string{"MIGRATE": "auto", "DB_MAX_OPEN": "32", "DB_MAX_IDLE": "16", "DB_CONN_MAX_LIFETIME": "1h", "DB_CONN_MAX_IDLE_TIME": "0"})
	c, err = Parse("serve", nil, e)
	if err != nil || c.Migrate != "auto" || c.DBMaxOpen != 32 || c.DBMaxIdle != 16 || c.DBConnMaxLifetime != time.Hour || c.DBConnMaxIdle != 0 {
		t.Errorf("from environment: %+v, %v", c, err)
	}
	c, err = Parse("serve", []string{"-migrate", "check", "-db-max-open", "8", "-db-max-idle", "-1", "-db-conn-max-lifetime", "10m"}, e)
	if err != nil || c.Migrate != "check" || c.DBMaxOpen != 8 || c.DBMaxIdle != -1 || c.DBConnMaxLifetime != 10*time.Minute {
		t.Errorf("flags over the environment: %+v, %v", c, err)
	}
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"unknown migrate mode":  {[]string{"-migrate", "always"}, nil},
		"negative max open":     {[]string{"-db-max-open", "-3"}, nil},
		"idle above open":       {[]string{"-db-max-open", "4", "-db-max-idle", "5"}, nil},
		"idle below -1":         {[]string{"-db-max-idle", "-2"}, nil},
		"lifetime not a time":   {nil, map[string]string{"DB_CONN_MAX_LIFETIME": "forever"}},
		"negative idle time":    {[]string{"-db-conn-max-idle-time", "-1s"}, nil},
		"max open not a number": {nil, map[string]string{"DB_MAX_OPEN": "many"}},
	} {
		if _, err := Parse("serve", tc.args, env(tc.env)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRateBudgetsAndRedis(t *testing.T) {
	c, err := Parse("serve", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicRate != 60000 || c.AppRate != 300000 || c.RateWindow != time.Minute || c.FailedAuthPerMinute != 10 ||
		len(c.RoleRates) != 0 || c.RedisURL != "" || c.RedisPrefix != "lifecircle:" {
		t.Errorf("defaults: %+v", c.Servers)
	}
	e := env(map[string]string{"RATE_PUBLIC": "1000", "RATE_APP": "5000", "RATE_ROLES": "admin=90000, staff=20000",
		"RATE_WINDOW": "1h", "RATE_FAILED_AUTH": "3", "REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": "district:"})
	c, err = Parse("serve", nil, e)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicRate != 1000 || c.AppRate != 5000 || c.RateWindow != time.Hour || c.FailedAuthPerMinute != 3 ||
		c.RoleRates["admin"] != 90000 || c.RoleRates["staff"] != 20000 || len(c.RoleRates) != 2 ||
		c.RedisURL != "redis://127.0.0.1:6379/0" || c.RedisPrefix != "district:" {
		t.Errorf("from environment: %+v", c.Servers)
	}
	c, err = Parse("serve", []string{"-rate-public", "7", "-rate-roles", "volunteer=9", "-rate-window", "30s", "-redis-url", ""}, e)
	if err != nil || c.PublicRate != 7 || c.RoleRates["volunteer"] != 9 || len(c.RoleRates) != 1 || c.RateWindow != 30*time.Second || c.RedisURL != "" {
		t.Errorf("flags must override the environment: %+v %v", c.Servers, err)
	}
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"public budget zero":      {[]string{"-rate-public", "0"}, nil},
		"app budget negative":     {nil, map[string]string{"RATE_APP": "-5"}},
		"app budget not a number": {nil, map[string]string{"RATE_APP": "lots"}},
		"budget too large":        {[]string{"-rate-public", "2000000000000"}, nil},
		"failed auth zero":        {[]string{"-rate-failed-auth", "0"}, nil},
		"window not a duration":   {nil, map[string]string{"RATE_WINDOW": "hourly"}},
		"window too short":        {[]string{"-rate-window", "10ms"}, nil},
		"window too long":         {[]string{"-rate-window", "48h"}, nil},
		"unknown role":            {[]string{"-rate-roles", "robot=5"}, nil},
		"role without points":     {[]string{"-rate-roles", "admin"}, nil},
		"role with zero points":   {[]string{"-rate-roles", "admin=0"}, nil},
		"role given twice":        {[]string{"-rate-roles", "admin=5,admin=6"}, nil},
		"redis URL scheme":        {[]string{"-redis-url", "http://127.0.0.1:6379"}, nil},
	} {
		if _, err := Parse("serve", tc.args, env(tc.env)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
