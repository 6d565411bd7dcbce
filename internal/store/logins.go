package store

import (
	"context"
	"time"
)

// RecordLoginFailure implements auth.FailureLog.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO login_failures (key, at) VALUES (?, ?)`, key, at.UnixMilli())
	return err
}

// LoginFailures returns the failures of key since a time, oldest first.
func (s *Store) LoginFailures(ctx context.Context, key string, since time.Time) ([]time.Time, error) {
	rows, err := s.query(ctx, `SELECT at FROM login_failures WHERE key = ? AND at >= ? ORDER BY at`, key, since.UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, time.UnixMilli(at))
	}
	return out, rows.Err()
}

// ClearLoginFailures forgets the failures of key.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE key = ?`, key)
	return err
}

// PurgeLoginFailures drops failures older than a time.
func (s *Store) PurgeLoginFailures(ctx context.Context, before time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE at < ?`, before.UnixMilli())
	return err
}
