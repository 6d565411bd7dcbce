package store

import (
	"context"
	"fmt"
	"time"

	"github.com/orgconsole/console/internal/auth"
)

// LoginAttempt is a reserved sign-in attempt. It counts as a failure from
// the moment it is reserved until it succeeds or is cancelled.
type LoginAttempt struct {
	ID       int64
	Username string
	IP       string
}

// ReserveLogin reads the history of a sign-in attempt and, unless
// auth.DecideLogin refuses it, records it, in one transaction: however many
// attempts arrive at once, no more than a limit allows get to check a
// password.
func (s *Store) ReserveLogin(ctx context.Context, username, ip string) (LoginAttempt, auth.Refusal, error) {
	a := LoginAttempt{Username: username, IP: ip}
	var r auth.Refusal
	err := s.inTx(ctx, func(tx Tx) error {
		now := s.now()
		// Concurrent reservations for this account or this client IP queue
		// here: updating their lock rows holds a row lock on PostgreSQL (and
		// SQLite's write lock), so the counts below cannot be overrun.
		for _, key := range []string{"u:" + username, "i:" + ip} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_locks (key, at) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET at = excluded.at`, key, now.UnixMilli()); err != nil {
				return err
			}
		}
		since := now.Add(-auth.Window).UnixMilli()
		h := auth.LoginHistory{Now: now}
		var err error
		if h.Pair, err = times(ctx, tx, `SELECT at FROM login_attempts WHERE username = ? AND ip = ? AND at >= ? ORDER BY at DESC LIMIT ?`,
			username, ip, since, auth.PairLimit); err != nil {
			return err
		}
		if h.Client, err = times(ctx, tx, `SELECT at FROM login_attempts WHERE ip = ? AND at >= ? ORDER BY at DESC LIMIT ?`,
			ip, since, auth.ClientLimit); err != nil {
			return err
		}
		var latest int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(at), 0) FROM login_attempts WHERE username = ? AND at >= ?`,
			username, since).Scan(&h.Account, &latest); err != nil {
			return err
		}
		h.AccountLatest = time.UnixMilli(latest)
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM login_clients WHERE username = ? AND ip = ? AND at >= ?)`,
			username, ip, now.Add(-auth.KnownClientFor).UnixMilli()).Scan(&h.KnownClient); err != nil {
			return err
		}
		if r = auth.DecideLogin(h); r.Refused() {
			return nil // a refused attempt is not recorded: waiting out the limit is enough
		}
		return tx.QueryRowContext(ctx, `INSERT INTO login_attempts (username, ip, at) VALUES (?, ?, ?) RETURNING id`,
			username, ip, now.UnixMilli()).Scan(&a.ID)
	})
	if err != nil {
		return LoginAttempt{}, auth.Refusal{}, fmt.Errorf("store: reserve login: %w", err)
	}
	return a, r, nil
}

func times(ctx context.Context, tx Tx, q string, args ...any) ([]time.Time, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
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

// CancelLogin forgets an attempt whose password was never checked (the
// server was busy, or the client left while waiting).
func (s *Store) CancelLogin(ctx context.Context, a LoginAttempt) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_attempts WHERE id = ?`, a.ID); err != nil {
		return fmt.Errorf("store: cancel login: %w", err)
	}
	return nil
}

// LoginSucceeded forgets the failures of the attempt's account from its IP
// (those of other accounts and other IPs stay: one good password must not
// reset a spray or another client's guessing) and remembers the IP as a
// known client of the account.
func (s *Store) LoginSucceeded(ctx context.Context, a LoginAttempt) error {
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE username = ? AND ip = ?`, a.Username, a.IP); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO login_clients (username, ip, at) VALUES (?, ?, ?)
			ON CONFLICT (username, ip) DO UPDATE SET at = excluded.at`, a.Username, a.IP, s.now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: login succeeded: %w", err)
	}
	return nil
}

// PurgeLoginAttempts drops attempts that no longer count at now and known
// clients not seen for auth.KnownClientFor.
func (s *Store) PurgeLoginAttempts(ctx context.Context, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_attempts WHERE at < ?`, now.Add(-auth.Window).UnixMilli()); err != nil {
		return fmt.Errorf("store: purge login attempts: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_clients WHERE at < ?`, now.Add(-auth.KnownClientFor).UnixMilli()); err != nil {
		return fmt.Errorf("store: purge login clients: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_locks WHERE at < ?`, now.Add(-auth.Window).UnixMilli()); err != nil {
		return fmt.Errorf("store: purge login locks: %w", err)
	}
	return nil
}
