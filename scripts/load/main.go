// Command load drives a mixed workload — public reads, widget loads, app
// reads and app writes — against one lifecircle server and then three
// sharing one PostgreSQL database (with a streaming replica and Redis when
// asked for), and prints throughput, p50/p99 latency and errors of each.
//
//	go run ./scripts/load -database-url postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable -replica
//
// It builds the server, creates a database (dropped at the end), loads the
// demo data, issues staff tokens, and starts the servers as processes on
// loopback. Each request comes from one of 65,536 loopback addresses
// (127.1.x.y, a fresh connection every 5 requests), as traffic from many
// residents would: per-address budgets then limit no one, as in production.
// Requests go to the servers in turn, as a load balancer would send them.
// Widget loads are GET /open/widget.json, the widget's one request.
//
// With -replica it makes a streaming replica of the PostgreSQL server
// (pg_basebackup -R into a temporary directory, started on another port as
// the postgres user) for the three-server run, and removes it at the end.
// REDIS_URL is passed to the servers only if the binary's -h lists it.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/lib/pq"
)

const (
	publicRead = `query Community($name: String!) {
  regions(where: {name: $name}) { edges { node {
    name nameEn parent { name parent { name } }
    facilities(first: 20, orderBy: {field: NAME, direction: ASC}) {
      totalCount edges { node { name category categoryInfo { label(lang: "en") tier required } status openingHours } }
    }
    activities(first: 5, orderBy: {field: STARTS_AT, direction: DESC}) { edges { node { title theme startsAt status } } }
  } } }
}`
	appRead = `query Needs($community: ID!) {
  viewer { role community { id name } }
  serviceRequests(first: 10, where: {statusNEQ: CONFIRMED}) {
    totalCount edges { node { kind title status submittedAt requester { name phone } } }
  }
  facilities(first: 20, where: {hasCommunityWith: {id: $community}}) { totalCount edges { node { id name status openingHours } } }
}`
	appWrite = `mutation Hours($id: ID!, $hours: String!) { updateFacility(id: $id, input: {openingHours: $hours}) { id openingHours } }`
)

// The mix, in requests out of 100. A widget load is the widget's one
// request, GET /open/widget.json.
var mix = []struct {
	op     string
	weight int
}{{"public read", 35}, {"widget load", 40}, {"app read", 20}, {"app write", 5}}

type community struct {
	ID, Name string
	Token    string
	Facility []string
	// Compounds are the other places a widget may show.
	Compounds []string
}

func main() {
	dbURL := flag.String("database-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "a PostgreSQL server (any database; one is created for the run)")
	withReplica := flag.Bool("replica", false, "make a streaming replica of that server for the three-server run (pg_basebackup; needs replication allowed from 127.0.0.1)")
	redisURL := flag.String("redis-url", os.Getenv("REDIS_URL"), "passed to the servers of the three-server run, if the binary has -redis-url")
	duration := flag.Duration("duration", 20*time.Second, "load time of each run")
	conns := flag.Int("connections", 32, "concurrent clients")
	flag.Parse()
	log.SetFlags(0)

	dir, err := os.MkdirTemp("", "lc-load-")
	check(err)
	var cleanups []func()
	defer func() {
		for _, f := range slices.Backward(cleanups) {
			f()
		}
		os.RemoveAll(dir)
	}()
	fatal := func(err error) {
		if err != nil {
			for _, f := range slices.Backward(cleanups) {
				f()
			}
			os.RemoveAll(dir)
			log.Fatal(err)
		}
	}

	bin := filepath.Join(dir, "lifecircle")
	fatal(run(exec.Command("go", "build", "-o", bin, ".")))
	help, _ := exec.Command(bin, "-h").CombinedOutput()
	hasRedis := strings.Contains(string(help), "-redis-url")

	admin, err := sql.Open("postgres", *dbURL)
	fatal(err)
	name := "lc_load_" + randomHex(4)
	_, err = admin.Exec("CREATE DATABASE " + name)
	fatal(err)
	cleanups = append(cleanups, func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			log.Printf("drop %s: %v", name, err)
		}
	})
	u, _ := url.Parse(*dbURL)
	u.Path = "/" + name
	primaryURL := u.String()

	var readURL string
	if *withReplica {
		rep, err := makeReplica(*dbURL, dir)
		fatal(err)
		cleanups = append(cleanups, rep.stop)
		ru := *u
		ru.Host = "127.0.0.1:" + strconv.Itoa(rep.port)
		readURL = ru.String()
	}

	// First start: schema, demo data.
	first := startServers(bin, dir, primaryURL, "", "", 1, fatal)
	comms, err := communities(first[0].url)
	fatal(err)
	stopAll(first)
	for i := range comms {
		tok, err := exec.Command(bin, "token", "-role", "staff", "-community", comms[i].ID, "-name", "load", "-database-url", primaryURL).Output()
		fatal(err)
		comms[i].Token = strings.TrimSpace(string(tok))
	}

	fmt.Printf("lifecircle load: %d clients, %v per run, mix %v; %d communities; PostgreSQL %s\n", *conns, *duration, mix, len(comms), u.Redacted())
	fmt.Printf("machine: %d CPUs, load average %s\n", runtime.NumCPU(), loadavg())
	runs := []struct {
		servers        int
		replica, redis string
	}{{1, "", ""}, {3, readURL, ""}}
	if hasRedis && *redisURL != "" {
		runs[1].redis = *redisURL
	} else if *redisURL != "" {
		fmt.Println("note: the binary has no -redis-url; the three servers keep their budgets and caches in process")
	}
	for _, r := range runs {
		servers := startServers(bin, dir, primaryURL, r.replica, r.redis, r.servers, fatal)
		for i := range comms { // facilities of each community, for the writes
			fatal(facilitiesOf(servers[0].url, &comms[i]))
		}
		before := dbStats(primaryURL, readURL, name)
		pgPrimary, pgReplica := postmaster(primaryURL), postmaster(r.replica)
		cpu0 := [3]float64{serversCPU(servers), treeCPU(pgPrimary), treeCPU(pgReplica)}
		res := load(servers, comms, *conns, *duration)
		cpu1 := [3]float64{serversCPU(servers), treeCPU(pgPrimary), treeCPU(pgReplica)}
		after := dbStats(primaryURL, readURL, name)
		stopAll(servers)
		label := fmt.Sprintf("%d server(s)", r.servers)
		if r.replica != "" {
			label += " + replica"
		}
		if r.redis != "" {
			label += " + Redis"
		}
		res.print(label, *duration)
		fmt.Printf("  database transactions during the run: primary %d, replica %d\n", after[0]-before[0], after[1]-before[1])
		n := float64(res.total())
		fmt.Printf("  CPU time per request: servers %.2f ms, PostgreSQL primary %.2f ms, replica %.2f ms (of %.0f, %.0f, %.0f CPU-seconds)\n",
			1000*(cpu1[0]-cpu0[0])/n, 1000*(cpu1[1]-cpu0[1])/n, 1000*(cpu1[2]-cpu0[2])/n, cpu1[0]-cpu0[0], cpu1[1]-cpu0[1], cpu1[2]-cpu0[2])
		fmt.Printf("  load average after the run: %s\n", loadavg())
	}
}

type server struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// startServers starts n servers and waits until each is ready. A port
// chosen free can be taken a moment later — after a run, tens of thousands
// of client connections hold ephemeral ports — so a server that exits
// because its port is in use is started again on another.
func startServers(bin, dir, dbURL, readURL, redisURL string, n int, fatal func(error)) []server {
	var out []server
	for i := range n {
		for attempt := 1; ; attempt++ {
			s, log, err := startServer(bin, dir, dbURL, readURL, redisURL, n, i)
			if err == nil {
				out = append(out, s)
				break
			}
			if !strings.Contains(log, "address already in use") || attempt == 5 {
				fatal(fmt.Errorf("server %d did not start: %v: %s", i, err, log))
			}
		}
	}
	return out
}

func startServer(bin, dir, dbURL, readURL, redisURL string, n, i int) (server, string, error) {
	port := freePort()
	args := []string{"-port", strconv.Itoa(port), "-database-url", dbURL, "-publish-monthly=false", "-log-level", "warn"}
	if readURL != "" {
		args = append(args, "-database-read-url", readURL)
	}
	if redisURL != "" {
		args = append(args, "-redis-url", redisURL)
	}
	logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("server-%d-%d.log", n, i)))
	if err != nil {
		return server{}, "", err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return server{}, "", err
	}
	s := server{url: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	readLog := func() string { b, _ := os.ReadFile(logf.Name()); return string(b) }
	for range 600 {
		select {
		case <-s.exited:
			return server{}, readLog(), errors.New("it exited")
		default:
		}
		if res, err := http.Get(s.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, "", nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-s.exited
	return server{}, readLog(), errors.New("not ready within 60 s")
}

func stopAll(ss []server) {
	for _, s := range ss {
		_ = s.cmd.Process.Signal(os.Interrupt)
		<-s.exited
	}
}

func communities(base string) ([]community, error) {
	var d struct {
		Regions struct {
			Edges []struct{ Node community }
		}
	}
	err := gql(http.DefaultClient, base+"/graphql", "", `{ regions(first: 100, where: {level: COMMUNITY}) { edges { node { id name } } } }`, nil, &d)
	var out []community
	for _, e := range d.Regions.Edges {
		c := e.Node
		var cs struct {
			Compounds struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		if err := gql(http.DefaultClient, base+"/graphql", "", `query($c: ID!) { compounds(first: 100, where: {hasCommunityWith: {id: $c}}) { edges { node { id } } } }`,
			map[string]any{"c": c.ID}, &cs); err != nil {
			return nil, err
		}
		for _, e := range cs.Compounds.Edges {
			c.Compounds = append(c.Compounds, e.Node.ID)
		}
		out = append(out, c)
	}
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no communities in the demo data")
	}
	return out, err
}

func facilitiesOf(base string, c *community) error {
	var d struct {
		Facilities struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	if err := gql(http.DefaultClient, base+"/graphql", c.Token, `query($c: ID!) { facilities(first: 50, where: {hasCommunityWith: {id: $c}}) { edges { node { id } } } }`,
		map[string]any{"c": c.ID}, &d); err != nil {
		return err
	}
	c.Facility = nil
	for _, e := range d.Facilities.Edges {
		c.Facility = append(c.Facility, e.Node.ID)
	}
	return nil
}

func gql(client *http.Client, endpoint, token, query string, vars map[string]any, v any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 || res.StatusCode != 200 {
		return fmt.Errorf("%s: HTTP %d %s", endpoint, res.StatusCode, raw)
	}
	return json.Unmarshal(r.Data, v)
}

// result of one run, by operation.
type result struct {
	mu   sync.Mutex
	lat  map[string][]time.Duration
	errs map[string]int
	why  map[string]int
	// one body of each kind of error, to say what went wrong
	sample map[string]string
}

func load(servers []server, comms []community, conns int, d time.Duration) *result {
	res := &result{lat: map[string][]time.Duration{}, errs: map[string]int{}, why: map[string]int{}, sample: map[string]string{}}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	var next int
	var nextMu sync.Mutex
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			tr := &http.Transport{MaxIdleConnsPerHost: 4, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				// A resident of its own: a random loopback address.
				local := &net.TCPAddr{IP: net.IPv4(127, 1, byte(rng.IntN(256)), byte(1+rng.IntN(254)))}
				return (&net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
			}}
			client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			lats := map[string][]time.Duration{}
			errs, why, sample := map[string]int{}, map[string]int{}, map[string]string{}
			for n := 0; time.Now().Before(deadline); n++ {
				if n%5 == 4 {
					tr.CloseIdleConnections()
				}
				nextMu.Lock()
				srv := servers[next%len(servers)]
				next++
				nextMu.Unlock()
				op, req := request(rng, srv.url, comms)
				start := time.Now()
				res, err := client.Do(req)
				var body []byte
				if err == nil {
					body, err = io.ReadAll(res.Body)
					res.Body.Close()
				}
				el := time.Since(start)
				lats[op] = append(lats[op], el)
				switch {
				case err != nil:
					errs[op]++
					why["transport"]++
				case res.StatusCode != 200:
					errs[op]++
					why["HTTP "+strconv.Itoa(res.StatusCode)]++
					sample["HTTP "+strconv.Itoa(res.StatusCode)] = op + ": " + string(body[:min(len(body), 400)])
				case bytes.Contains(body, []byte(`"errors"`)):
					errs[op]++
					why["GraphQL "+code(body)]++
					sample["GraphQL "+code(body)] = op + ": " + string(body[:min(len(body), 400)])
				}
			}
			tr.CloseIdleConnections()
			res.mu.Lock()
			for k, v := range lats {
				res.lat[k] = append(res.lat[k], v...)
			}
			for k, v := range errs {
				res.errs[k] += v
			}
			for k, v := range why {
				res.why[k] += v
			}
			for k, v := range sample {
				res.sample[k] = v
			}
			res.mu.Unlock()
		}()
	}
	wg.Wait()
	return res
}

func code(body []byte) string {
	var r struct {
		Errors []struct{ Extensions struct{ Code string } }
	}
	_ = json.Unmarshal(body, &r)
	if len(r.Errors) == 0 {
		return "?"
	}
	return r.Errors[0].Extensions.Code
}

func request(rng *mrand.Rand, base string, comms []community) (string, *http.Request) {
	c := comms[rng.IntN(len(comms))]
	n := rng.IntN(100)
	op := ""
	for _, m := range mix {
		if n < m.weight {
			op = m.op
			break
		}
		n -= m.weight
	}
	post := func(path, token, query string, vars map[string]any) *http.Request {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return req
	}
	switch op {
	case "public read":
		return op, post("/open/graphql", "", publicRead, map[string]any{"name": c.Name})
	case "widget load":
		// A community or one of its compounds, walking 5 to 30 minutes:
		// the server's 20 s cache (per place and time) then answers a
		// minority of loads, as across a province's 10,000 communities.
		place := c.ID
		if n := rng.IntN(len(c.Compounds) + 1); n > 0 {
			place = c.Compounds[n-1]
		}
		q := url.Values{"place": {place}, "minutes": {strconv.Itoa(5 + rng.IntN(26))}}
		req, _ := http.NewRequest(http.MethodGet, base+"/open/widget.json?"+q.Encode(), nil)
		req.Header.Set("Accept", "application/json")
		return op, req
	case "app read":
		return op, post("/graphql", c.Token, appRead, map[string]any{"community": c.ID})
	default:
		if len(c.Facility) == 0 {
			return "app read", post("/graphql", c.Token, appRead, map[string]any{"community": c.ID})
		}
		hours := []string{"Mo-Su 08:00-21:00", "Mo-Fr 08:30-18:00; Sa 09:00-12:00", "24/7"}[rng.IntN(3)]
		return op, post("/graphql", c.Token, appWrite, map[string]any{"id": c.Facility[rng.IntN(len(c.Facility))], "hours": hours})
	}
}

func (r *result) print(label string, d time.Duration) {
	var all []time.Duration
	total, errs := 0, 0
	fmt.Printf("\n== %s\n", label)
	fmt.Printf("  %-14s %8s %9s %9s %9s %7s\n", "operation", "requests", "req/s", "p50", "p99", "errors")
	for _, m := range mix {
		l := r.lat[m.op]
		all = append(all, l...)
		total += len(l)
		errs += r.errs[m.op]
		p50, p99 := pct(l, 50), pct(l, 99)
		fmt.Printf("  %-14s %8d %9.0f %9s %9s %7d\n", m.op, len(l), float64(len(l))/d.Seconds(), p50, p99, r.errs[m.op])
	}
	fmt.Printf("  %-14s %8d %9.0f %9s %9s %7d\n", "all", total, float64(total)/d.Seconds(), pct(all, 50), pct(all, 99), errs)
	if len(r.why) > 0 {
		fmt.Printf("  errors by kind: %v\n", r.why)
		for k, v := range r.sample {
			fmt.Printf("    %s, e.g. %s\n", k, v)
		}
	}
}

func (r *result) total() int {
	n := 0
	for _, l := range r.lat {
		n += len(l)
	}
	return n
}

// ticks per second of /proc's CPU times (USER_HZ, 100 on Linux).
const hz = 100

// procCPU returns the CPU seconds pid has used, with its waited-for
// children's if children.
func procCPU(pid int, children bool) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	sum := 0.0
	idx := []int{11, 12} // utime, stime (fields 14, 15)
	if children {
		idx = append(idx, 13, 14) // cutime, cstime
	}
	for _, i := range idx {
		v, _ := strconv.ParseFloat(f[i], 64)
		sum += v
	}
	return sum / hz
}

func serversCPU(ss []server) float64 {
	sum := 0.0
	for _, s := range ss {
		sum += procCPU(s.cmd.Process.Pid, false)
	}
	return sum
}

// postmaster returns the PID of the PostgreSQL server of dbURL when it runs
// on this machine (the parent of our backend), else 0.
func postmaster(dbURL string) int {
	if dbURL == "" {
		return 0
	}
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		return 0
	}
	defer db.Close()
	var backend int
	if db.QueryRow("SELECT pg_backend_pid()").Scan(&backend) != nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", backend))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// treeCPU is the CPU seconds of a PostgreSQL server: the postmaster with
// the backends it has reaped, and its live children.
func treeCPU(pm int) float64 {
	if pm == 0 {
		return 0
	}
	sum := procCPU(pm, true)
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		if ppid, _ := strconv.Atoi(f[1]); ppid == pm {
			sum += procCPU(pid, false)
		}
	}
	return sum
}

func pct(l []time.Duration, p int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	slices.Sort(l)
	return l[(len(l)-1)*p/100].Round(100 * time.Microsecond)
}

// dbStats returns committed transactions of the database on the primary
// and on the replica (0 without one).
func dbStats(primaryURL, readURL, name string) [2]int64 {
	var out [2]int64
	for i, u := range []string{primaryURL, readURL} {
		if u == "" {
			continue
		}
		db, err := sql.Open("postgres", u)
		if err != nil {
			continue
		}
		_ = db.QueryRow("SELECT pg_stat_clear_snapshot()").Err()
		_ = db.QueryRow("SELECT xact_commit FROM pg_stat_database WHERE datname = $1", name).Scan(&out[i])
		db.Close()
	}
	return out
}

type replicaCluster struct {
	port int
	dir  string
	bin  string
}

func (r *replicaCluster) stop() {
	_ = asPostgres(filepath.Join(r.bin, "pg_ctl"), "-D", filepath.Join(r.dir, "data"), "stop", "-m", "immediate").Run()
}

// makeReplica makes and starts a streaming replica of the server at
// adminURL, as internal/testenv.StartReplica does for the tests.
func makeReplica(adminURL, parent string) (*replicaCluster, error) {
	db, err := sql.Open("postgres", adminURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	set := map[string]string{}
	for _, n := range []string{"server_version_num", "max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions", "max_locks_per_transaction"} {
		var v string
		if err := db.QueryRow("SELECT current_setting($1)", n).Scan(&v); err != nil {
			return nil, err
		}
		set[n] = v
	}
	ver, _ := strconv.Atoi(set["server_version_num"])
	r := &replicaCluster{port: freePort(), dir: filepath.Join(parent, "replica"), bin: fmt.Sprintf("/usr/lib/postgresql/%d/bin", ver/10000)}
	if b := os.Getenv("PG_BINDIR"); b != "" {
		r.bin = b
	}
	if err := os.Mkdir(r.dir, 0o700); err != nil {
		return nil, err
	}
	if err := chownPostgres(parent); err != nil {
		return nil, err
	}
	if err := chownPostgres(r.dir); err != nil {
		return nil, err
	}
	u, _ := url.Parse(adminURL)
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	data := filepath.Join(r.dir, "data")
	if out, err := asPostgres(filepath.Join(r.bin, "pg_basebackup"), "-h", u.Hostname(), "-p", port, "-U", u.User.Username(),
		"-D", data, "-R", "-X", "stream", "-c", "fast", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pg_basebackup: %v: %s (the server must allow replication from 127.0.0.1: "+
			"`host replication all 127.0.0.1/32 trust` in pg_hba.conf, then SELECT pg_reload_conf())", err, out)
	}
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nhot_standby = on\n"+
		"max_connections = %s\nmax_worker_processes = %s\nmax_wal_senders = %s\nmax_prepared_transactions = %s\nmax_locks_per_transaction = %s\n",
		r.port, r.dir, set["max_connections"], set["max_worker_processes"], set["max_wal_senders"], set["max_prepared_transactions"], set["max_locks_per_transaction"])
	for name, text := range map[string]string{"postgresql.conf": conf, "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n", "pg_ident.conf": ""} {
		p := filepath.Join(data, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			return nil, err
		}
		if err := chownPostgres(p); err != nil {
			return nil, err
		}
	}
	if out, err := asPostgres(filepath.Join(r.bin, "pg_ctl"), "-D", data, "-l", filepath.Join(r.dir, "log"), "-w", "start").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("start the replica: %v: %s", err, out)
	}
	return r, nil
}

func asPostgres(prog string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	}
	return exec.Command(prog, args...)
}

func chownPostgres(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	return os.Chown(path, uid, gid)
}

func run(cmd *exec.Cmd) error {
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
