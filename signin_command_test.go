package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/testenv"
)

// The server as started from the command line with an identity provider
// that cannot be reached: it starts, serves the public, and answers a
// provider's token with 503 UNAVAILABLE until the provider's keys arrive,
// which the background fetch retries.
func TestServeStartsWithoutTheIdentityProvider(t *testing.T) {
	p := testenv.StartProvider(t)
	tok := p.Mint(t, "k1", testenv.Claims{Subject: "someone", Audience: []string{"lifecircle-api"}})
	issuer := p.Issuer()
	p.Close()
	port := testenv.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-port", strconv.Itoa(port), "-data-dir", t.TempDir(), "-publish-monthly=false",
			"-log-level", "error", "-oidc-issuer", issuer, "-oidc-audience", "lifecircle-api"}, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Since(start) > 60*time.Second {
			t.Fatal("the server did not start")
		}
	}
	post := func(path, bearer string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(`{"query":"{ viewer { role } }"}`))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct {
			Errors []struct {
				Extensions struct{ Code string } `json:"extensions"`
			} `json:"errors"`
		}
		raw, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(raw, &body)
		code := ""
		if len(body.Errors) > 0 {
			code = body.Errors[0].Extensions.Code
		}
		return res.StatusCode, code
	}
	if status, code := post("/graphql", tok); status != http.StatusServiceUnavailable || code != "UNAVAILABLE" {
		t.Errorf("a provider's token while it is away: %d %s, want 503 UNAVAILABLE", status, code)
	}
	if status, code := post("/graphql", ""); status != http.StatusOK || code != "" {
		t.Errorf("the public while the provider is away: %d %s", status, code)
	}
	if status, code := post("/open/graphql", tok); status != http.StatusOK || code != "" {
		t.Errorf("the open endpoint with a provider's token: %d %s", status, code)
	}
}
