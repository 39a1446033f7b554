package config

import (
	"log/slog"
	"testing"
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

func TestReadReplicaSettings(t *testing.T) {
	c, err := Parse("serve", []string{"-database-read-max-lag", "3s"}, env(map[string]string{
		"DATABASE_URL": "postgres://p/db", "DATABASE_READ_URL": "postgres://r/db"}))
	if err != nil || c.DatabaseReadURL != "postgres://r/db" || c.ReadMaxLag.Seconds() != 3 {
		t.Errorf("read replica settings: %+v %v", c, err)
	}
	if c, _ := Parse("serve", nil, env(nil)); c.ReadMaxLag.Seconds() != 10 || c.DatabaseReadURL != "" {
		t.Errorf("defaults: read URL %q, max lag %v", c.DatabaseReadURL, c.ReadMaxLag)
	}
	for name, e := range map[string]map[string]string{
		"replica of SQLite":    {"DATABASE_READ_URL": "postgres://r/db"},
		"replica not postgres": {"DATABASE_URL": "postgres://p/db", "DATABASE_READ_URL": "sqlite:/tmp/x.db"},
		"lag not a duration":   {"DATABASE_READ_MAX_LAG": "soon"},
		"lag zero":             {"DATABASE_READ_MAX_LAG": "0s"},
	} {
		if _, err := Parse("serve", nil, env(e)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
