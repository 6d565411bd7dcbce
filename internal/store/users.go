package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/orgconsole/console/internal/auth"
)

// User is a console account.
type User struct {
	ID           int64
	Username     string
	DisplayName  string
	Role         auth.Role
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  time.Time // the last sign-in; zero = never
}

const userCols = `id, username, display_name, role, password_hash, disabled, created_at, updated_at, last_login_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var created, updated, login int64
	var role string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.PasswordHash, &u.Disabled, &created, &updated, &login)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user: %w", err)
	}
	u.Role = auth.Role(role)
	u.CreatedAt, u.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	if login != 0 {
		u.LastLoginAt = time.UnixMilli(login)
	}
	return u, nil
}

// UserByName finds a user by username (case-insensitive).
func (s *Store) UserByName(ctx context.Context, username string) (User, error) {
	return scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE lower(username) = lower(?)`, username))
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	return scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// ListUsers returns every user ordered by username.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users ORDER BY lower(username), id`)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers counts accounts.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// CreateUser adds an account and records it in the audit log, atomically.
func (s *Store) CreateUser(ctx context.Context, u User, audit AuditEntry) (User, error) {
	now := s.now()
	err := s.inTx(ctx, func(tx Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, role, password_hash, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.Username, u.DisplayName, string(u.Role), u.PasswordHash, u.Disabled, now.UnixMilli(), now.UnixMilli()).Scan(&u.ID)
		if err != nil {
			if isUnique(err) {
				return ErrConflict
			}
			return fmt.Errorf("store: create user: %w", err)
		}
		return s.appendAudit(ctx, tx, audit)
	})
	u.CreatedAt, u.UpdatedAt = now, now
	return u, err
}

// UserChange is one change to an account; nil fields stay as they are.
type UserChange struct {
	Role         *auth.Role
	PasswordHash *string
	Disabled     *bool
	DisplayName  *string
	EndSessions  bool   // sign the user out everywhere …
	KeepSession  string // … except the session with this cookie id ("sign out other sessions")
}

// UpdateUser applies a change and its audit entry in one transaction. Disabling
// an account or changing its password or role also ends its sessions.
func (s *Store) UpdateUser(ctx context.Context, id int64, ch UserChange, audit AuditEntry) error {
	return s.inTx(ctx, func(tx Tx) error {
		set := func(col string, v any) error {
			res, err := tx.ExecContext(ctx, `UPDATE users SET `+col+` = ?, updated_at = ? WHERE id = ?`, v, s.now().UnixMilli(), id)
			if err != nil {
				return fmt.Errorf("store: update user: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
			return nil
		}
		end := ch.EndSessions
		if ch.Role != nil {
			if err := set("role", string(*ch.Role)); err != nil {
				return err
			}
			end = true
		}
		if ch.PasswordHash != nil {
			if err := set("password_hash", *ch.PasswordHash); err != nil {
				return err
			}
			end = true
		}
		if ch.Disabled != nil {
			if err := set("disabled", *ch.Disabled); err != nil {
				return err
			}
			end = end || *ch.Disabled
		}
		if ch.DisplayName != nil {
			if err := set("display_name", *ch.DisplayName); err != nil {
				return err
			}
		}
		if end {
			if _, err := s.UserByIDTx(ctx, tx, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, id, hashID(ch.KeepSession)); err != nil {
				return fmt.Errorf("store: end sessions: %w", err)
			}
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// UserByIDTx reads a user inside a transaction.
func (s *Store) UserByIDTx(ctx context.Context, tx Tx, id int64) (User, error) {
	return scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}
