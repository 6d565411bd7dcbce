package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Queries are written once with ? placeholders. pool and Tx rewrite them to
// $1, $2 … on PostgreSQL, so no placeholder style leaks out of the backend.
// No query text contains a literal question mark.

// insertOrder is the column that orders rows of the sessions and form_stash
// tables by insertion, for ties at the same millisecond: SQLite's rowid,
// PostgreSQL's seq identity column.
func (s *Store) insertOrder() string {
	if s.backend == Postgres {
		return "seq"
	}
	return "rowid"
}

// pool is the connection pool with the backend's placeholder style.
type pool struct {
	*sql.DB
	pg bool
}

// Tx is a store transaction with the backend's placeholder style.
type Tx struct {
	*sql.Tx
	pg bool
}

func rebind(pg bool, q string) string {
	if !pg || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (p pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return p.DB.ExecContext(ctx, rebind(p.pg, q), args...)
}

func (p pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return p.DB.QueryContext(ctx, rebind(p.pg, q), args...)
}

func (p pool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return p.DB.QueryRowContext(ctx, rebind(p.pg, q), args...)
}

func (p pool) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return p.DB.PrepareContext(ctx, rebind(p.pg, q))
}

func (t Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, rebind(t.pg, q), args...)
}

func (t Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, rebind(t.pg, q), args...)
}

func (t Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, rebind(t.pg, q), args...)
}

func (t Tx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, rebind(t.pg, q))
}
