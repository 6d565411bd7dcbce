package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// Limits of kept forms. A kept form is something an outsider could try to
// plant for someone else, so its owner, size, lifetime and count are decided
// here, once; the handlers only explain them.
const (
	StashMaxAge   = time.Hour // offered for an hour, then purged
	StashMaxBytes = 1 << 20   // of url-encoded body; a larger form is not kept
	StashPerUser  = 5         // newest kept per user; older ones are dropped
)

// ErrTooLarge is returned for a form over StashMaxBytes.
var ErrTooLarge = errors.New("too large")

// StashedForm is a form that user UserID submitted after their session had
// ended, kept so they can send it again after signing in without retyping.
// Secret fields are never in Values; Omitted names them.
type StashedForm struct {
	ID      string
	UserID  int64
	Method  string
	Path    string // escaped request path (a POST route of the console)
	Values  url.Values
	Omitted []string // fields left out (passwords, tokens): the user types them again
}

// StashForm keeps a form for its owner, dropping that owner's older forms
// beyond StashPerUser.
func (s *Store) StashForm(ctx context.Context, f StashedForm) error {
	body := f.Values.Encode()
	if len(body) > StashMaxBytes {
		return ErrTooLarge
	}
	omitted := url.Values{}
	for _, name := range f.Omitted {
		omitted.Add(name, "")
	}
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO form_stash (id, user_id, method, path, body, omitted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.UserID, f.Method, f.Path, body, omitted.Encode(), s.now().UnixMilli()); err != nil {
			return fmt.Errorf("store: stash form: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM form_stash WHERE user_id = ? AND id NOT IN (
				SELECT id FROM form_stash WHERE user_id = ? ORDER BY created_at DESC, `+s.insertOrder()+` DESC LIMIT ?)`,
			f.UserID, f.UserID, StashPerUser); err != nil {
			return fmt.Errorf("store: stash form: %w", err)
		}
		return nil
	})
}

// HasForm reports whether a form younger than StashMaxAge is waiting for this user.
func (s *Store) HasForm(ctx context.Context, id string, userID int64) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM form_stash WHERE id = ? AND user_id = ? AND created_at >= ?`,
		id, userID, s.now().Add(-StashMaxAge).UnixMilli()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: stashed form: %w", err)
	}
	return n > 0, nil
}

// TakeForm returns this user's stashed form (younger than StashMaxAge) and
// deletes it. Another user's form is ErrNotFound and stays where it is.
func (s *Store) TakeForm(ctx context.Context, id string, userID int64) (StashedForm, error) {
	f := StashedForm{ID: id, UserID: userID}
	err := s.inTx(ctx, func(tx Tx) error {
		var body, omitted string
		err := tx.QueryRowContext(ctx, `SELECT method, path, body, omitted FROM form_stash WHERE id = ? AND user_id = ? AND created_at >= ?`,
			id, userID, s.now().Add(-StashMaxAge).UnixMilli()).Scan(&f.Method, &f.Path, &body, &omitted)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if f.Values, err = url.ParseQuery(body); err != nil {
			return fmt.Errorf("store: stashed form %s: %w", id, err)
		}
		names, err := url.ParseQuery(omitted)
		if err != nil {
			return fmt.Errorf("store: stashed form %s: %w", id, err)
		}
		for name := range names {
			f.Omitted = append(f.Omitted, name)
		}
		slices.Sort(f.Omitted)
		_, err = tx.ExecContext(ctx, `DELETE FROM form_stash WHERE id = ?`, id)
		return err
	})
	return f, err
}

// PurgeForms drops kept forms stashed before a time.
func (s *Store) PurgeForms(ctx context.Context, before time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM form_stash WHERE created_at < ?`, before.UnixMilli())
	return err
}
