package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

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
	err := s.inTx(ctx, func(tx *sql.Tx) error {
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
