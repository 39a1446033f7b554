package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Replica is a PostgreSQL streaming replica of the test server: a second
// cluster on another port, made with pg_basebackup -R, running until the
// test ends.
type Replica struct {
	Port    int
	dir     string // holds data/, the log and the socket
	bin     string
	primary *url.URL
}

// StartReplica makes a streaming replica of the PostgreSQL server that
// primaryURL (from PostgresURL) is on, starts it, waits until it has
// replayed what the primary had written, and removes it when the test ends.
//
// It needs the server's binaries (/usr/lib/postgresql/<major>/bin, or
// PG_BINDIR) and a server that accepts replication connections from
// 127.0.0.1. As root the cluster runs as the postgres user. When the
// replica cannot be made the test is skipped, and fails when CI=true.
func StartReplica(t testing.TB, primaryURL string) *Replica {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("a read replica is required in CI: "+format, args...)
		}
		t.Skipf("no read replica: "+format, args...)
	}
	u, err := url.Parse(primaryURL)
	if err != nil {
		t.Fatalf("primary URL: %v", err)
	}
	db, err := sql.Open("postgres", primaryURL)
	if err != nil {
		t.Fatalf("primary: %v", err)
	}
	defer db.Close()
	settings := map[string]string{}
	for _, name := range []string{"server_version_num", "wal_level", "max_wal_senders", "max_connections",
		"max_worker_processes", "max_prepared_transactions", "max_locks_per_transaction"} {
		var v string
		if err := db.QueryRow("SELECT current_setting($1)", name).Scan(&v); err != nil {
			fail("read %s on the primary: %v", name, err)
		}
		settings[name] = v
	}
	if settings["wal_level"] == "minimal" || settings["max_wal_senders"] == "0" {
		fail("the primary has wal_level=%s and max_wal_senders=%s: set wal_level=replica and max_wal_senders>0 (a restart)",
			settings["wal_level"], settings["max_wal_senders"])
	}
	version, _ := strconv.Atoi(settings["server_version_num"])
	bin := os.Getenv("PG_BINDIR")
	if bin == "" {
		bin = fmt.Sprintf("/usr/lib/postgresql/%d/bin", version/10000)
	}
	if _, err := os.Stat(filepath.Join(bin, "pg_basebackup")); err != nil {
		fail("no pg_basebackup in %s (set PG_BINDIR): %v", bin, err)
	}

	r := &Replica{bin: bin, primary: u}
	r.dir, err = os.MkdirTemp("", "lc-replica-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Immediate: the replica holds nothing worth a clean shutdown.
		_ = r.pgCtl("stop", "-m", "immediate").Run()
		os.RemoveAll(r.dir)
	})
	if err := r.ownDir(); err != nil {
		fail("%v", err)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	userName := u.User.Username()
	if userName == "" {
		userName = "postgres"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// -c fast: a spread checkpoint could keep the backup waiting minutes.
	backup := r.command(ctx, "pg_basebackup", "-h", host, "-p", port, "-U", userName,
		"-D", r.data(), "-R", "-X", "stream", "-c", "fast", "--no-sync")
	if out, err := backup.CombinedOutput(); err != nil {
		msg := strings.TrimSpace(string(out))
		if strings.Contains(msg, "pg_hba.conf") {
			msg += fmt.Sprintf(" — the primary must accept replication connections: add the line " +
				"`host replication all 127.0.0.1/32 trust` to its pg_hba.conf and reload it " +
				"(SELECT pg_reload_conf(); no restart needed)")
		}
		fail("pg_basebackup from %s:%s: %v: %s", host, port, err, msg)
	}
	r.Port = FreePort(t)
	// Debian keeps a cluster's configuration outside its data directory,
	// so the copy has none: write what a standby needs. The settings a
	// standby must not have below its primary's are copied.
	conf := fmt.Sprintf(`port = %d
listen_addresses = '127.0.0.1'
unix_socket_directories = '%s'
hot_standby = on
max_connections = %s
max_worker_processes = %s
max_wal_senders = %s
max_prepared_transactions = %s
max_locks_per_transaction = %s
shared_buffers = 32MB
fsync = off
logging_collector = off
`, r.Port, r.dir, settings["max_connections"], settings["max_worker_processes"], settings["max_wal_senders"],
		settings["max_prepared_transactions"], settings["max_locks_per_transaction"])
	hba := "local all all trust\nhost all all 127.0.0.1/32 trust\n"
	for name, text := range map[string]string{"postgresql.conf": conf, "pg_hba.conf": hba, "pg_ident.conf": ""} {
		if err := r.writeFile(name, text); err != nil {
			fail("%v", err)
		}
	}
	r.Start(t)
	return r
}

// URL returns the replica's URL of the database that primaryURL names.
func (r *Replica) URL(primaryURL string) string {
	u, _ := url.Parse(primaryURL)
	u.Host = "127.0.0.1:" + strconv.Itoa(r.Port)
	return u.String()
}

// Start starts the replica (again) and waits until it accepts
// connections and has replayed what the primary had written when it
// started.
func (r *Replica) Start(t testing.TB) {
	t.Helper()
	cmd := r.pgCtl("start", "-w", "-t", "120", "-l", filepath.Join(r.dir, "log"))
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(r.dir, "log"))
		t.Fatalf("start the replica: %v: %s\n%s", err, out, log)
	}
	r.WaitCaughtUp(t)
}

// Kill stops the replica at once, as a crash would.
func (r *Replica) Kill(t testing.TB) {
	t.Helper()
	if out, err := r.pgCtl("stop", "-m", "immediate").CombinedOutput(); err != nil {
		t.Fatalf("stop the replica: %v: %s", err, out)
	}
}

// Exec runs a statement on the replica's postgres database
// (pg_wal_replay_pause(), say).
func (r *Replica) Exec(t testing.TB, stmt string) {
	t.Helper()
	db := r.admin(t)
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("replica: %s: %v", stmt, err)
	}
}

// WaitCaughtUp waits until the replica has replayed what the primary had
// written when called.
func (r *Replica) WaitCaughtUp(t testing.TB) {
	t.Helper()
	pu := *r.primary
	pdb, err := sql.Open("postgres", pu.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	var target string
	if err := pdb.QueryRow("SELECT pg_current_wal_lsn()::text").Scan(&target); err != nil {
		t.Fatalf("primary WAL position: %v", err)
	}
	db := r.admin(t)
	defer db.Close()
	deadline := time.Now().Add(2 * time.Minute)
	var lastErr error
	for time.Now().Before(deadline) {
		var caughtUp bool
		lastErr = db.QueryRow("SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= $1::pg_lsn", target).Scan(&caughtUp)
		if lastErr == nil && caughtUp {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(r.dir, "log"))
	t.Fatalf("the replica did not replay up to %s within 2 min (%v); its log:\n%s", target, lastErr, log)
}

func (r *Replica) admin(t testing.TB) *sql.DB {
	t.Helper()
	u := *r.primary
	u.Host = "127.0.0.1:" + strconv.Itoa(r.Port)
	u.Path = "/postgres"
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func (r *Replica) data() string { return filepath.Join(r.dir, "data") }

func (r *Replica) pgCtl(args ...string) *exec.Cmd {
	return r.command(context.Background(), "pg_ctl", append([]string{"-D", r.data()}, args...)...)
}

// command runs one of the server's programs as the cluster's owner: the
// postgres user when we are root (PostgreSQL refuses to run as root).
func (r *Replica) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	prog := filepath.Join(r.bin, name)
	if os.Geteuid() == 0 {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	}
	return exec.CommandContext(ctx, prog, args...)
}

// ownDir gives the cluster's directory to the postgres user when we are
// root.
func (r *Replica) ownDir() error {
	return r.own(r.dir)
}

func (r *Replica) own(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root, but there is no postgres user to run the replica: %w", err)
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	return os.Chown(path, uid, gid)
}

func (r *Replica) writeFile(name, text string) error {
	path := filepath.Join(r.data(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return err
	}
	return r.own(path)
}
