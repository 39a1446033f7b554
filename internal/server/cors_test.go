package server_test

import (
	"net/http"
	"strings"
	"testing"

	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// corsHeaders sends a preflight (or, with preflight false, a simple POST)
// to /graphql from origin and returns the Access-Control headers of the
// answer.
func corsHeaders(t *testing.T, s *testenv.Server, origin string, preflight bool) http.Header {
	t.Helper()
	var req *http.Request
	if preflight {
		req, _ = http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	} else {
		req, _ = http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(`{"query":"{ categories { code } }"}`))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Origin", origin)
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	out := http.Header{}
	for k, v := range res.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			out[k] = v
		}
	}
	return out
}

// With no CORS_ORIGINS, no origin may call /graphql from a browser: no
// Access-Control header for any origin, preflight or not. Configured
// origins work; * and null are refused even when configured.
func TestCORSOriginsDefaultToNone(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{NoDemo: true})
		none := testenv.StartServer(t, st, server.Options{})
		for _, origin := range []string{"https://evil.example", "https://district.example", "null", "http://localhost:3000"} {
			for _, preflight := range []bool{true, false} {
				if h := corsHeaders(t, none, origin, preflight); len(h) > 0 {
					t.Errorf("no origins configured, %s (preflight %v): want no Access-Control headers, got %v", origin, preflight, h)
				}
			}
		}

		some := testenv.StartServer(t, st, server.Options{CORSOrigins: []string{"https://district.example", "*", "null"}})
		for origin, allowed := range map[string]bool{
			"https://district.example": true,
			"https://evil.example":     false,
			"null":                     false,
		} {
			pre := corsHeaders(t, some, origin, true)
			simple := corsHeaders(t, some, origin, false)
			if !allowed {
				if len(pre) > 0 || len(simple) > 0 {
					t.Errorf("%s: want no Access-Control headers, got %v and %v", origin, pre, simple)
				}
				continue
			}
			if pre.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(strings.ToLower(pre.Get("Access-Control-Allow-Headers")), "authorization") ||
				pre.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("%s preflight: %v", origin, pre)
			}
			if simple.Get("Access-Control-Allow-Origin") != origin {
				t.Errorf("%s simple request: %v", origin, simple)
			}
		}
	})
}
