package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is returned when the database was migrated by a newer
// console than this one: running an old binary on it could corrupt data.
var ErrSchemaTooNew = errors.New("the database schema is newer than this console")

// migrationLockID is the PostgreSQL advisory lock several replicas starting
// at once take in turn, so each migration runs exactly once.
const migrationLockID = 7_412_930_561

// provider is goose over this backend's migration files.
func (s *Store) provider() (*goose.Provider, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.backend == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 120))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	opts = append(opts, goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(s.riverMigration()))
	return goose.NewProvider(dialect, s.db.DB, sub, opts...)
}

// migrate applies the pending migrations (under a lock on PostgreSQL), after
// refusing a database that a newer console already migrated past this one.
func (s *Store) migrate(ctx context.Context) error {
	if err := s.adoptLegacyMigrations(ctx); err != nil {
		return err
	}
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if err := s.checkNotNewer(ctx, p); err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

func (s *Store) checkNotNewer(ctx context.Context, p *goose.Provider) error {
	db, err := p.GetDBVersion(ctx)
	if err != nil {
		return nil // a new database has no version table yet
	}
	if known := maxVersion(p); db > known {
		return fmt.Errorf("store: %w: database at migration %d, this binary knows up to %d — run the newer console (or `console migrate` from it)",
			ErrSchemaTooNew, db, known)
	}
	return nil
}

func maxVersion(p *goose.Provider) int64 {
	var v int64
	for _, src := range p.ListSources() {
		v = max(v, src.Version)
	}
	return v
}

// MigrationStatus is the schema version the database is at and the newest
// this binary knows (the status page shows both).
type MigrationStatus struct {
	Current, Latest int64
}

// Migrations reports the schema version.
func (s *Store) Migrations(ctx context.Context) (MigrationStatus, error) {
	p, err := s.provider()
	if err != nil {
		return MigrationStatus{}, err
	}
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return MigrationStatus{}, fmt.Errorf("store: migration version: %w", err)
	}
	return MigrationStatus{Current: cur, Latest: maxVersion(p)}, nil
}

// adoptLegacyMigrations carries a SQLite file made before goose (its own
// schema_migrations table, versions named like "0010_cards") over to goose's
// version table, so the migrations it already ran are not run again.
func (s *Store) adoptLegacyMigrations(ctx context.Context) error {
	if s.backend != SQLite {
		return nil
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("store: legacy migrations: %w", err)
	}
	var versions []int64
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		num, _, _ := strings.Cut(name, "_")
		if v, err := strconv.ParseInt(num, 10, 64); err == nil {
			versions = append(versions, v)
		}
	}
	rows.Close()
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS goose_db_version (
			id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL,
			tstamp TIMESTAMP DEFAULT (datetime('now')))`); err != nil {
			return err
		}
		for _, v := range append([]int64{0}, versions...) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, v); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DROP TABLE schema_migrations`)
		return err
	})
}

// Migrate applies pending migrations and returns the resulting status
// (`console migrate`).
func Migrate(ctx context.Context, dsn string) (MigrationStatus, error) {
	s, err := Open(ctx, dsn)
	if err != nil {
		return MigrationStatus{}, err
	}
	defer s.Close()
	return s.Migrations(ctx)
}
