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
		"metrics address":   {[]string{"-metrics-addr", "9090"}, nil},
		"log format":        {nil, map[string]string{"LOG_FORMAT": "xml"}},
		"access log":        {nil, map[string]string{"ACCESS_LOG": "sometimes"}},
		"OTLP endpoint":     {[]string{"-otlp-endpoint", "127.0.0.1:4318"}, nil},
	} {
		if _, err := Parse("serve", tc.args, env(tc.env)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// Observability settings: off (metrics, tracing) or on (access log) by
// default, from the environment or flags.
func TestObservability(t *testing.T) {
	c, err := Parse("serve", nil, env(nil))
	if err != nil || c.MetricsAddr != "" || !c.AccessLog || c.LogFormat != "text" || c.OTLPEndpoint != "" {
		t.Errorf("defaults: %+v %v", c, err)
	}
	c, err = Parse("serve", nil, env(map[string]string{"METRICS_ADDR": "127.0.0.1:9090", "ACCESS_LOG": "false", "LOG_FORMAT": "json"}))
	if err != nil || c.MetricsAddr != "127.0.0.1:9090" || c.AccessLog || c.LogFormat != "json" {
		t.Errorf("from environment: %+v %v", c, err)
	}
	c, err = Parse("serve", []string{"-metrics-addr", "[::1]:9100", "-otlp-endpoint", "http://127.0.0.1:4318"}, env(nil))
	if err != nil || c.MetricsAddr != "[::1]:9100" || c.OTLPEndpoint != "http://127.0.0.1:4318" {
		t.Errorf("from flags: %+v %v", c, err)
	}
}
