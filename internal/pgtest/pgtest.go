// Package pgtest gives tests a fresh PostgreSQL database of their own on the
// server CONSOLE_TEST_DATABASE_URL names. `make test` starts a throwaway
// cluster and sets it (scripts/with-postgres); a plain `go test` without it
// skips the PostgreSQL variants, unless CONSOLE_PG=required makes that fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Available reports whether a PostgreSQL server is configured for tests.
func Available() bool { return os.Getenv("CONSOLE_TEST_DATABASE_URL") != "" }

// URL creates an empty database for this test and returns its URL; it is
// dropped when the test ends. Without a server the test is skipped (or
// fails when CONSOLE_PG=required).
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("CONSOLE_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CONSOLE_PG") == "required" {
			t.Fatal("CONSOLE_TEST_DATABASE_URL is not set: run the tests through `make test` (scripts/with-postgres)")
		}
		t.Skip("no PostgreSQL: set CONSOLE_TEST_DATABASE_URL or run `make test`")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
