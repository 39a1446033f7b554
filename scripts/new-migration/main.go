// Command new-migration writes the next versioned PostgreSQL migration: the
// statements that take a database at the last migration of
// ent/migrate/migrations to the ent schema of ent/schema (run `go generate
// ./...` first), as a new file there, and updates atlas.sum.
//
//	go run ./scripts/new-migration add_facility_indexes
//	go run ./scripts/new-migration -rehash  # only atlas.sum, after merging files by hand
//
// It works the way ent documents versioned migrations: Atlas replays the
// existing migrations on a throwaway database, inspects it and diffs it
// with the ent schema. The throwaway database is created on the local
// PostgreSQL (DEV_DATABASE_URL, else TEST_DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/postgres) and dropped afterwards.
// When the schema and the migrations already agree, nothing is written.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq"

	"lifecircle/ent/migrate"
)

const defaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func main() {
	dirPath := flag.String("dir", "ent/migrate/migrations", "the migration directory")
	rehash := flag.Bool("rehash", false, "only rewrite atlas.sum for the files in the directory (after removing or merging migration files by hand)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/new-migration [-dir DIR] NAME   (NAME: lower-case words joined by _)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *rehash {
		if err := rewriteSum(*dirPath); err != nil {
			fmt.Fprintln(os.Stderr, "new-migration:", err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() != 1 || !regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`).MatchString(flag.Arg(0)) {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *dirPath); err != nil {
		fmt.Fprintln(os.Stderr, "new-migration:", err)
		os.Exit(1)
	}
}

func run(name, dirPath string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := atlas.NewLocalDir(dirPath)
	if err != nil {
		return err
	}
	before, err := dir.Files()
	if err != nil {
		return err
	}
	devURL, drop, err := throwawayDatabase(ctx)
	if err != nil {
		return err
	}
	defer drop()
	err = migrate.NamedDiff(ctx, devURL, name,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialect.Postgres),
		schema.WithFormatter(atlas.DefaultFormatter),
		// Indexes and columns the schema no longer declares are dropped
		// by the migration: it is reviewed before it is committed.
		schema.WithDropIndex(true),
		schema.WithDropColumn(true),
	)
	if err != nil {
		return err
	}
	after, err := dir.Files()
	if err != nil {
		return err
	}
	if len(after) == len(before) {
		fmt.Println("the migrations already match the ent schema; nothing written")
		return nil
	}
	fmt.Printf("wrote %s/%s and atlas.sum: review it, then commit both\n", dirPath, after[len(after)-1].Name())
	return nil
}

// rewriteSum writes atlas.sum for the migration files in dirPath.
func rewriteSum(dirPath string) error {
	dir, err := atlas.NewLocalDir(dirPath)
	if err != nil {
		return err
	}
	sum, err := dir.Checksum()
	if err != nil {
		return err
	}
	return atlas.WriteSumFile(dir, sum)
}

// throwawayDatabase creates an empty database on the local PostgreSQL and
// returns its URL and a function that drops it.
func throwawayDatabase(ctx context.Context) (string, func(), error) {
	raw := os.Getenv("DEV_DATABASE_URL")
	if raw == "" {
		raw = os.Getenv("TEST_DATABASE_URL")
	}
	if raw == "" {
		raw = defaultServer
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, fmt.Errorf("dev database URL: %w", err)
	}
	admin, err := sql.Open("postgres", raw)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "lc_migration_dev_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, errors.Join(fmt.Errorf("create the throwaway database on %s", u.Redacted()), err)
	}
	drop := func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "new-migration: drop %s: %v\n", name, err)
		}
		admin.Close()
	}
	u.Path = "/" + name
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	// Scope Atlas to the public schema: the migrations name no schema.
	q.Set("search_path", "public")
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
