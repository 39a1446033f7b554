package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"lifecircle/internal/testenv"
)

// A delivery waiting for its retry survives the server process being
// killed: the restarted server sends it, with the same webhook-id.
func TestWebhookSurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lifecircle")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var db []string
		if b.Name == "sqlite" {
			db = []string{"-data-dir", filepath.Join(t.TempDir(), "data")}
		} else {
			db = []string{"-database-url", b.URL(t)}
		}
		ctx := context.Background()
		if err := run(ctx, append([]string{"seed"}, db...), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		var tok bytes.Buffer
		if err := run(ctx, append([]string{"token", "-role", "admin"}, db...), &tok, io.Discard); err != nil {
			t.Fatal(err)
		}
		var (
			mu     sync.Mutex
			secret string
			ids    []string
			codes  []int
		)
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			wh, err := standardwebhooks.NewWebhook(secret)
			if err != nil || wh.Verify(body, r.Header) != nil {
				t.Errorf("signature does not verify: %v", err)
			}
			code := http.StatusOK
			if len(ids) < 2 {
				code = http.StatusInternalServerError
			}
			ids = append(ids, r.Header.Get("webhook-id"))
			codes = append(codes, code)
			w.WriteHeader(code)
		}))
		defer recv.Close()
		port := testenv.FreePort(t)
		base := "http://127.0.0.1:" + strconv.Itoa(port)
		start := func() (*exec.Cmd, chan struct{}) {
			cmd := exec.Command(bin, append([]string{"-port", strconv.Itoa(port), "-publish-monthly=false",
				"-webhook-allow-private", "-webhook-retry-base", "3s", "-webhook-poll", "100ms"}, db...)...)
			var stderr testenv.LogBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { _ = cmd.Wait(); close(exited) }()
			t.Cleanup(func() {
				select {
				case <-exited:
				default:
					_ = cmd.Process.Kill()
					<-exited
				}
			})
			testenv.WaitReady(t, base+"/readyz", 120*time.Second, nil, stderr.String)
			return cmd, exited
		}
		query := func(q string, vars map[string]any) map[string]any {
			body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
			req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.String()))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out struct {
				Data   map[string]any
				Errors []any
			}
			if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
				t.Fatalf("%s: %v %v", q, err, out.Errors)
			}
			return out.Data
		}
		wait := func(what string, ok func() bool) {
			deadline := time.Now().Add(90 * time.Second)
			for !ok() {
				if time.Now().After(deadline) {
					t.Fatalf("timed out waiting for %s", what)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		cmd, exited := start()
		d := query(`mutation($u: String!) { createWebhookEndpoint(input: {url: $u, eventTypes: ["facility.created"]}) { secret } }`,
			map[string]any{"u": recv.URL})
		mu.Lock()
		secret = d["createWebhookEndpoint"].(map[string]any)["secret"].(string)
		mu.Unlock()
		regions := query(`{ regions(where: {level: COMMUNITY}, first: 1) { edges { node { id } } } }`, nil)
		community := regions["regions"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)["id"]
		query(`mutation($c: ID!) { createFacility(input: {name: "重启药店", category: "pharmacy", lat: 36.62, lng: 101.75, communityID: $c}) { id } }`,
			map[string]any{"c": community})
		// The first attempt fails; the retry is 3 s away: kill the server.
		wait("the first attempt", func() bool { mu.Lock(); defer mu.Unlock(); return len(ids) >= 1 })
		// Once the failure is recorded (the retry is scheduled), kill the
		// server: the job waits in River's table, not in the process.
		wait("the retry scheduled", func() bool {
			d := query(`{ webhookEndpoints { deliveries { nextAttemptAt } } }`, nil)
			ds := d["webhookEndpoints"].([]any)[0].(map[string]any)["deliveries"].([]any)
			return len(ds) == 1 && ds[0].(map[string]any)["nextAttemptAt"] != nil
		})
		time.Sleep(500 * time.Millisecond) // River records the job's failure just after
		_ = cmd.Process.Kill()
		<-exited
		mu.Lock()
		before := len(ids)
		mu.Unlock()
		start()
		wait("the message accepted after the restart", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(codes) > 0 && codes[len(codes)-1] == http.StatusOK
		})
		mu.Lock()
		defer mu.Unlock()
		if before != 1 || len(ids) != 3 {
			t.Fatalf("requests: %d before the kill, %d in all (%v), want 1 and 3", before, len(ids), codes)
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("webhook-ids %v: want one message", ids)
			}
		}
	})
}
