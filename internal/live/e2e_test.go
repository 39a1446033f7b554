package live_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/testenv"
)

// TestClientsAgainstTwoServerProcesses runs e2e/live.mjs, the scenarios of
// the real npm clients (graphql-ws with the ws package, graphql-sse in
// distinct connections mode), against two processes of the real server
// binary on one PostgreSQL database. With CI=true it fails when node, the
// npm packages (npm ci in internal/live/e2e) or PostgreSQL are missing.
func TestClientsAgainstTwoServerProcesses(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "e2e")
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: the subscription clients' tests cannot run (CI=true: failing rather than skipping)", why)
		}
		testenv.Skip(t, why+": the subscription clients' tests skipped (scripts/test installs what they need)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("no node")
	}
	for _, pkg := range []string{"graphql-ws", "graphql-sse", "ws"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg)); err != nil {
			missing("no " + pkg + " (npm ci in internal/live/e2e)")
		}
	}
	db := testenv.PostgresURL(t)
	bin := serverBinary(t)
	// One after the other: the first migrates and loads the demo data.
	a := startServer(t, bin, db)
	b := startServer(t, bin, db)
	staff := mintToken(t, bin, db, "-role", "staff", "-community", "文亭巷社区", "-name", "live e2e staff")
	admin := mintToken(t, bin, db, "-role", "admin", "-name", "live e2e admin")
	// bin and db: the script mints the tokens of the resident and the
	// volunteer it creates.
	cfg, _ := json.Marshal(map[string]any{"servers": []string{a, b}, "staff": staff, "admin": admin, "bin": bin, "db": db})

	run := func(t *testing.T, scenario string) {
		t.Helper()
		cmd := exec.Command(node, "live.mjs", scenario)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LIVE="+string(cfg))
		out, err := cmd.CombinedOutput()
		t.Logf("node live.mjs %s:\n%s", scenario, out)
		if err != nil {
			t.Fatalf("node live.mjs %s: %v", scenario, err)
		}
	}
	t.Run("a write through one server reaches graphql-ws and graphql-sse subscribers of the other", func(t *testing.T) {
		run(t, "twoServers")
	})
	t.Run("a reconnect with the last cursor replays what was missed, in order, once", func(t *testing.T) {
		run(t, "reconnect")
	})
	t.Run("a volunteer receives a dispatch to their team without address or phone until they claim it", func(t *testing.T) {
		run(t, "dispatch")
	})
	t.Run("a resident receives each status change of their request in order", func(t *testing.T) {
		run(t, "statusChanges")
	})
	t.Run("an organiser receives a registration then its cancellation in order; others are refused with FORBIDDEN", func(t *testing.T) {
		run(t, "registrations")
	})
	t.Run("a malformed subscription is an error with extensions.code and the connection stays usable", func(t *testing.T) {
		run(t, "malformed")
	})
}

// serverBinary is $LIFECIRCLE_BIN, or the module built into a temporary
// directory.
func serverBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("LIFECIRCLE_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("find the module root: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "lifecircle")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = strings.TrimSpace(string(out))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServer starts the binary on db and returns its base URL once it
// answers /healthz; the process is killed when the test ends.
func startServer(t *testing.T, bin, db string) string {
	t.Helper()
	port := testenv.FreePort(t)
	log := &testenv.LogBuffer{}
	cmd := exec.Command(bin, "-port", strconv.Itoa(port), "-data-dir", t.TempDir(), "-database-url="+db,
		"-publish-monthly=false", "-log-level", "info")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("log of the server on port %d:\n%s", port, log.String())
		}
	})
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	testenv.WaitReady(t, url+"/healthz", 90*time.Second, func() bool {
		select {
		case <-exited:
			return true
		default:
			return false
		}
	}, log.String)
	return url
}

func mintToken(t *testing.T, bin, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append(append([]string{"token"}, args...), "-database-url="+db, "-log-level", "warn")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token %v: %v\n%s", args, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}
