package severalservers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/testenv"
)

// Budgets set through the new flags, small enough to spend in a test, per
// day so that what refills during it (a point every 29 s at most) stays
// far below one query's cost, however slow the machine.
const (
	publicBudget = 3000
	staffBudget  = 2000
)

// TestThreeServersShareOneBudgetCacheAndData starts three server processes
// on one PostgreSQL database and one Redis and checks what a client sees:
// alternating between them, it is refused at the same total budget as a
// client of one server; a query persisted through one runs by its hash on
// another; a write through one is read through the others at once, and
// their public response caches serve it within their 2 s.
func TestThreeServersShareOneBudgetCacheAndData(t *testing.T) {
	bin := serverBinary(t)
	db := testenv.PostgresURL(t)
	redisURL, prefix := testenv.RedisURL(t), testenv.RedisPrefix(t)
	var servers []*server
	metricsAddr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)) // the third server's private metrics
	for i := 0; i < 3; i++ {
		// One after the other: the first migrates and loads the demo data.
		args := []string{"-redis-url=" + redisURL, "-redis-prefix=" + prefix,
			"-rate-public", strconv.Itoa(publicBudget), "-rate-roles", "staff=" + strconv.Itoa(staffBudget), "-rate-window", "24h"}
		if i == 2 {
			args = append(args, "-metrics-addr="+metricsAddr)
		}
		servers = append(servers, startServer(t, bin, db, args...))
	}
	t.Run("metrics say the limits are shared", func(t *testing.T) {
		s := testenv.ScrapeMetrics(t, "http://"+metricsAddr+"/metrics")
		if !s.Has("lifecircle_redis_shared") || s.Value("lifecircle_redis_shared") != 1 {
			t.Errorf("lifecircle_redis_shared = %v (present: %v), want 1 with Redis answering",
				s.Value("lifecircle_redis_shared"), s.Has("lifecircle_redis_shared"))
		}
		if !s.Has("lifecircle_redis_fallbacks_total") {
			t.Error("lifecircle_redis_fallbacks_total is missing")
		}
	})
	t.Run("readyz reports migrations and the shared Redis", func(t *testing.T) {
		res, err := http.Get(servers[1].url("/readyz"))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var rep struct {
			Ready  bool              `json:"ready"`
			Checks map[string]string `json:"checks"`
		}
		if err := json.NewDecoder(res.Body).Decode(&rep); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK || !rep.Ready {
			t.Errorf("/readyz: %d %+v, want 200 and ready", res.StatusCode, rep)
		}
		for _, name := range []string{"database", "servicemap", "migrations", "redis"} {
			if rep.Checks[name] != "ok" {
				t.Errorf("/readyz check %q = %q, want ok (all: %v)", name, rep.Checks[name], rep.Checks)
			}
		}
	})
	alternating := clientFrom(t, "127.0.0.2")
	alone := clientFrom(t, "127.0.0.3")
	probe := clientFrom(t, "127.0.0.4")

	t.Run("one public budget", func(t *testing.T) {
		q := `{ facilities(first: 30) { edges { node { name } } } }`
		cost := post(t, probe, servers[0], "", q).cost
		n3 := spend(t, alternating, servers, "", q, publicBudget)
		n1 := spend(t, alone, servers[:1], "", q, publicBudget)
		want := publicBudget / cost
		t.Logf("queries of %d points before 429: %d alternating between 3 servers, %d on one", cost, n3, n1)
		if (n3 != want && n3 != want+1) || (n1 != want && n1 != want+1) {
			t.Errorf("queries of %d points answered before 429 from a budget of %d: %d alternating between 3 servers, %d on one; want both %d",
				cost, publicBudget, n3, n1, want)
		}
	})

	t.Run("one budget per token, set per role", func(t *testing.T) {
		alternatingToken := mintToken(t, bin, db, "budget alternating")
		aloneToken := mintToken(t, bin, db, "budget alone")
		q := `{ viewer { role } facilities(first: 40) { edges { node { name } } } }`
		first := post(t, probe, servers[0], alternatingToken, q)
		if first.header.Get("RateLimit-Limit") != strconv.Itoa(staffBudget) {
			t.Fatalf("a staff token's RateLimit-Limit is %q; want -rate-roles staff=%d", first.header.Get("RateLimit-Limit"), staffBudget)
		}
		n3 := spend(t, alternating, servers, alternatingToken, q, staffBudget-first.cost)
		n1 := spend(t, alone, servers[:1], aloneToken, q, staffBudget)
		if want := (staffBudget - first.cost) / first.cost; n3 != want && n3 != want+1 {
			t.Errorf("token alternating between 3 servers: %d queries of %d before 429 from %d points left; want %d", n3, first.cost, staffBudget-first.cost, want)
		}
		if want := staffBudget / first.cost; n1 != want && n1 != want+1 {
			t.Errorf("token on one server: %d queries of %d before 429 from %d; want %d", n1, first.cost, staffBudget, want)
		}
	})

	t.Run("persisted query found on another server", func(t *testing.T) {
		doc := `query Labels { categories { code label(lang: "en") } }`
		sum := sha256.Sum256([]byte(doc))
		ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
		if status, body := getOpen(t, probe, servers[0], url.Values{"query": {doc}, "extensions": {ext}}); status != 200 {
			t.Fatalf("register through server 1: %d %s", status, body)
		}
		for _, s := range servers[1:] {
			if status, body := getOpen(t, probe, s, url.Values{"extensions": {ext}}); status != 200 || !strings.Contains(body, `"label"`) {
				t.Errorf("by hash through server on port %d: %d %s", s.port, status, body)
			}
		}
	})

	t.Run("a write is seen through every server", func(t *testing.T) {
		writer := mintToken(t, bin, db, "writer")
		name := "多服务器测试药店 " + strconv.FormatInt(time.Now().UnixNano(), 36)
		read := url.Values{"query": {`query($n: String!) { facilities(where: {name: $n}) { totalCount } }`},
			"variables": {`{"n":"` + name + `"}`}}
		for _, s := range servers[1:] { // the others cache "none" first
			if status, body := getOpen(t, probe, s, read); status != 200 || !strings.Contains(body, `"totalCount":0`) {
				t.Fatalf("before the write: %d %s", status, body)
			}
		}
		var community struct {
			Data struct {
				Viewer struct{ Community struct{ ID string } }
			}
		}
		if err := json.Unmarshal(post(t, probe, servers[0], writer, `{ viewer { community { id } } }`).raw, &community); err != nil {
			t.Fatal(err)
		}
		created := post(t, probe, servers[0], writer, `mutation($c: ID!, $n: String!) {
			createFacility(input: {name: $n, category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`,
			"c", community.Data.Viewer.Community.ID, "n", name)
		if created.status != 200 || bytes.Contains(created.raw, []byte(`"errors"`)) {
			t.Fatalf("create through server 1: %d %s", created.status, created.raw)
		}
		written := time.Now()
		// Every entry cached before the write expires 2 s after the
		// request that computed it began: a request that starts later
		// must get the new data.
		bound := 2*time.Second + 250*time.Millisecond
		near := `{ facilitiesNear(lat: 36.6251, lng: 101.7571, radiusMeters: 50, categories: ["pharmacy"], first: 100) { edges { node { name } } } }`
		for _, s := range servers[1:] {
			// Reads of the database see it at once.
			if r := post(t, probe, s, "", `query($n: String!) { facilities(where: {name: $n}) { totalCount } }`, "n", name); !bytes.Contains(r.raw, []byte(`"totalCount":1`)) {
				t.Errorf("server on port %d does not read the write: %s", s.port, r.raw)
			}
			// The index hears of the write through NOTIFY: within a
			// second (milliseconds on loopback).
			for {
				r := post(t, probe, s, "", near)
				if strings.Contains(string(r.raw), name) {
					break
				}
				if time.Since(written) > time.Second {
					t.Errorf("server on port %d: facilitiesNear does not list the new facility %s after the write: %s", s.port, time.Since(written).Round(time.Millisecond), r.raw)
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		// The public response caches serve it within their 2 s.
		for _, s := range servers[1:] {
			for {
				asked := time.Since(written)
				status, body := getOpen(t, probe, s, read)
				if status == 200 && strings.Contains(body, `"totalCount":1`) {
					break
				}
				if asked > bound {
					t.Fatalf("server on port %d served stale data to a request made %s after the write: %d %s", s.port, asked.Round(time.Millisecond), status, body)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		t.Logf("the public caches of the other servers served the write %s after it", time.Since(written).Round(time.Millisecond))
	})
}

// spend sends q through servers in turn until one answers 429 with
// RATE_LIMITED and returns how many were answered before.
func spend(t *testing.T, c *http.Client, servers []*server, tok, q string, budget int) int {
	t.Helper()
	for i := 0; i < budget+1; i++ {
		r := post(t, c, servers[i%len(servers)], tok, q)
		if r.status == http.StatusTooManyRequests {
			if !bytes.Contains(r.raw, []byte(`"code":"RATE_LIMITED"`)) || r.header.Get("Retry-After") == "" {
				t.Fatalf("refusal: %s %v", r.raw, r.header)
			}
			return i
		}
		if r.status != 200 || bytes.Contains(r.raw, []byte(`"errors"`)) {
			t.Fatalf("query %d: %d %s", i, r.status, r.raw)
		}
	}
	t.Fatalf("never refused")
	return 0
}

type answer struct {
	status int
	header http.Header
	raw    []byte
	cost   int
}

// post sends q (with variables as name, value pairs) to /graphql as tok.
func post(t *testing.T, c *http.Client, s *server, tok, q string, vars ...string) answer {
	t.Helper()
	v := map[string]string{}
	for i := 0; i+1 < len(vars); i += 2 {
		v[vars[i]] = vars[i+1]
	}
	body, _ := json.Marshal(map[string]any{"query": q, "variables": v})
	req, _ := http.NewRequest(http.MethodPost, s.url("/graphql"), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", s.url("/graphql"), err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r struct {
		Extensions struct{ Cost struct{ Requested int } }
	}
	_ = json.Unmarshal(raw, &r)
	return answer{status: res.StatusCode, header: res.Header, raw: raw, cost: r.Extensions.Cost.Requested}
}

// getOpen GETs /open/graphql with params.
func getOpen(t *testing.T, c *http.Client, s *server, params url.Values) (int, string) {
	t.Helper()
	res, err := c.Get(s.url("/open/graphql?" + params.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// clientFrom is an HTTP client whose connections come from ip (a loopback
// address of its own), so each is its own public client.
func clientFrom(t *testing.T, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// mintToken issues a staff token of 文亭巷社区 with the binary's token
// command, as an operator would.
func mintToken(t *testing.T, bin, db, name string) string {
	t.Helper()
	cmd := exec.Command(bin, "token", "-role", "staff", "-community", "文亭巷社区", "-name", name, "-database-url="+db, "-log-level", "warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// serverBinary returns LIFECIRCLE_BIN, or builds the server once into a
// temporary directory.
func serverBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("LIFECIRCLE_BIN"); bin != "" {
		return bin
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

// server is one lifecircle process on a free port.
type server struct {
	port   int
	cmd    *exec.Cmd
	log    *testenv.LogBuffer
	exited chan struct{}
}

// startServer starts bin on the database db with extra flags, waits until
// it is healthy, and kills it when the test ends (before the database is
// dropped: the cleanup is registered after testenv.PostgresURL's).
func startServer(t *testing.T, bin, db string, extra ...string) *server {
	t.Helper()
	s := &server{port: testenv.FreePort(t), log: &testenv.LogBuffer{}, exited: make(chan struct{})}
	args := append([]string{"-port", strconv.Itoa(s.port), "-data-dir", t.TempDir(), "-database-url=" + db,
		"-publish-monthly=false", "-log-level", "info"}, extra...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
		if t.Failed() {
			t.Logf("log of the server on port %d:\n%s", s.port, s.log.String())
		}
	})
	exited := func() bool {
		select {
		case <-s.exited:
			return true
		default:
			return false
		}
	}
	testenv.WaitReady(t, s.url("/healthz"), 90*time.Second, exited, s.log.String)
	if !strings.Contains(s.log.String(), "redis: connected") {
		t.Fatalf("the server did not connect to Redis; its log:\n%s", s.log.String())
	}
	return s
}

func (s *server) url(path string) string { return "http://127.0.0.1:" + strconv.Itoa(s.port) + path }
