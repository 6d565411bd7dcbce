// Package store is the console's own data: users, sessions, the audit log,
// drafts, send history and push jobs. Two backends share every query: the
// embedded SQLite file (pure Go driver, so the binary stays static; the
// default) and PostgreSQL through pgx (CONSOLE_DATABASE_URL=postgres://…, for
// several replicas). Queries are written once with ? placeholders; the
// backend rewrites them for PostgreSQL, maps its errors to ErrNotFound and
// ErrConflict, and brings its own migrations (goose, one SQL set per dialect).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a unique value is already taken.
var ErrConflict = errors.New("already exists")

// Backend names a store backend.
type Backend string

// The backends.
const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Store wraps the database.
type Store struct {
	db      pool
	backend Backend
	where   string // the SQLite file, or the PostgreSQL user@host:port/database
	now     func() time.Time
	stmts   sync.Map // query text → *sql.Stmt: hot reads skip the parser

	auditInsert *sql.Stmt // every audited change runs it
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than a
// SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database dsn names and applies migrations: a
// postgres:// URL, or the path of a SQLite file (created if needed).
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := openPool(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if s.auditInsert, err = s.stmt(ctx, auditInsert); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store: prepare: %w", err)
	}
	return s, nil
}

// openPool opens the connection pool of dsn's backend, without migrating.
func openPool(ctx context.Context, dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open PostgreSQL: %w", err)
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(10)
		db.SetConnMaxIdleTime(5 * time.Minute)
		pingCtx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		if err := db.PingContext(pingCtx); err != nil {
			db.Close()
			reason := connectReason(err)
			if pingCtx.Err() != nil {
				reason = "no answer within " + connectTimeout.String()
			}
			return nil, &ConnectError{URL: redactURL(dsn), Reason: reason, Err: err}
		}
		return &Store{db: pool{DB: db, pg: true}, backend: Postgres, where: pgLocation(dsn), now: time.Now}, nil
	}
	path := dsn
	db, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	db.SetMaxOpenConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot open %s: %w", path, err)
	}
	return &Store{db: pool{DB: db}, backend: SQLite, where: path, now: time.Now}, nil
}

// connectTimeout bounds the first connection: a host that drops packets
// stops start-up in seconds, not minutes.
const connectTimeout = 15 * time.Second

// ConnectError is a PostgreSQL server that could not be reached or refused
// the connection; its message is one line without the password.
type ConnectError struct {
	URL    string // password redacted
	Reason string
	Err    error
}

func (e *ConnectError) Error() string {
	return "store: cannot reach PostgreSQL at " + e.URL + ": " + e.Reason
}

func (e *ConnectError) Unwrap() error { return e.Err }

// connectReason says in one line why a connection failed: pgx joins the
// errors of every address and TLS mode it tried, on several lines.
func connectReason(err error) string {
	var pe *pgconn.PgError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &pe):
		return pe.Message // password authentication failed …, database "x" does not exist
	case errors.As(err, &dns):
		return "no such host " + dns.Name
	case errors.As(err, &op):
		return op.Err.Error()
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// SQLiteDSN is how every pool on the SQLite file opens it: WAL, so readers
// never wait for the writer; immediate transactions, so writers queue on the
// busy timeout instead of failing to upgrade a read lock.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
}

// redactURL drops the password from a database URL for messages.
func redactURL(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			cred := rest[:at]
			if c := strings.Index(cred, ":"); c >= 0 {
				cred = cred[:c] + ":***"
			}
			return dsn[:i+3] + cred + rest[at:]
		}
	}
	return dsn
}

// Backend says which database the store runs on.
func (s *Store) Backend() Backend { return s.backend }

// Location is where the data is, for the status page: the SQLite file's
// path, or PostgreSQL's user@host:port/database (never the password).
func (s *Store) Location() string { return s.where }

func pgLocation(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "PostgreSQL"
	}
	loc := u.Host + u.Path
	if name := u.User.Username(); name != "" {
		loc = name + "@" + loc
	}
	return loc
}

// DB is the connection pool, for the job queue (River) that shares the
// database and enqueues in the store's transactions.
func (s *Store) DB() *sql.DB { return s.db.DB }

// Close closes the prepared statements and the database.
func (s *Store) Close() error {
	s.stmts.Range(func(_, v any) bool {
		_ = v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// stmt returns the prepared statement for a query, preparing it once. Never
// call it inside a transaction: preparing takes a second pool connection
// while the transaction holds SQLite's write lock (prepare first, then use
// tx.StmtContext).
func (s *Store) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := s.stmts.LoadOrStore(q, st); loaded {
		_ = st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// queryRow runs a read through the statement cache.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return s.db.QueryRowContext(ctx, q, args...) // reports the same error on Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// query runs a read through the statement cache.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// SetClock replaces the store's clock (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Heartbeat rewrites the heartbeat row (for /readyz): it fails when the
// database cannot take a write — disk full, read-only, locked too long, closed.
func (s *Store) Heartbeat(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO heartbeat (id, at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`, s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: heartbeat: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(Tx{Tx: tx, pg: s.db.pg}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// isUnique reports a unique constraint violation on either backend.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505" // unique_violation
	}
	// modernc's error type carries the extended code
	// (SQLITE_CONSTRAINT_UNIQUE = 2067, SQLITE_CONSTRAINT_PRIMARYKEY = 1555).
	type coder interface{ Code() int }
	var c coder
	if errors.As(err, &c) {
		return c.Code() == 2067 || c.Code() == 1555
	}
	return false
}
