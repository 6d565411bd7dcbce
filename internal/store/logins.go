package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// StashedForm is a form submitted after the session expired, kept so the user
// can send it again after signing in without retyping it.
type StashedForm struct {
	ID     string
	Method string
	Path   string
	Body   string // url-encoded form values
}

// StashForm keeps a form for a while.
func (s *Store) StashForm(ctx context.Context, f StashedForm) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO form_stash (id, method, path, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		f.ID, f.Method, f.Path, f.Body, s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: stash form: %w", err)
	}
	return nil
}

// TakeForm returns a stashed form younger than maxAge and deletes it.
func (s *Store) TakeForm(ctx context.Context, id string, maxAge time.Duration) (StashedForm, error) {
	f := StashedForm{ID: id}
	err := s.inTx(ctx, func(tx Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT method, path, body FROM form_stash WHERE id = ? AND created_at >= ?`,
			id, s.now().Add(-maxAge).UnixMilli()).Scan(&f.Method, &f.Path, &f.Body)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM form_stash WHERE id = ?`, id)
		return err
	})
	return f, err
}
