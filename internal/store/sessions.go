package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/orgconsole/console/internal/auth"
)

// Session is a signed-in browser. The cookie carries the id; the row is the
// server's word that the session is still valid.
type Session struct {
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
}

func hashID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// MaxSessionsPerUser caps a user's live sessions: signing in once more ends
// the session unused for longest, so stolen or forgotten cookies cannot pile up.
const MaxSessionsPerUser = 10

// CreateSession starts a session for a user and records the sign-in (the
// audit entry and the user's LastLoginAt); it returns the id to put in the cookie. Past MaxSessionsPerUser, the user's
// least recently used sessions end.
func (s *Store) CreateSession(ctx context.Context, userID int64, ip, userAgent string, audit AuditEntry) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := hex.EncodeToString(b)
	now := s.now().UnixMilli()
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)`,
			hashID(id), userID, now, now, ip, clipUA(userAgent)); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id_hash NOT IN (
				SELECT id_hash FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC, created_at DESC, `+s.insertOrder()+` DESC LIMIT ?)`,
			userID, userID, MaxSessionsPerUser); err != nil {
			return fmt.Errorf("store: cap sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, now, userID); err != nil {
			return fmt.Errorf("store: last sign-in: %w", err)
		}
		return s.appendAudit(ctx, tx, audit)
	})
	return id, err
}

// SessionInfo is one of a user's sessions as their session list shows it.
type SessionInfo struct {
	Session
	IP        string
	UserAgent string
	Current   bool // the session of the request asking
}

// ListSessions returns a user's sessions still within their idle and absolute
// limits (seen since idleSince, created since createdSince), most recently
// used first; the one with cookie id current is marked.
func (s *Store) ListSessions(ctx context.Context, userID int64, current string, idleSince, createdSince time.Time) ([]SessionInfo, error) {
	rows, err := s.query(ctx, `SELECT id_hash, created_at, last_seen_at, ip, user_agent FROM sessions
		WHERE user_id = ? AND last_seen_at >= ? AND created_at >= ? ORDER BY last_seen_at DESC, created_at DESC`,
		userID, idleSince.UnixMilli(), createdSince.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	cur := hashID(current)
	var out []SessionInfo
	for rows.Next() {
		var h string
		var created, seen int64
		si := SessionInfo{Session: Session{UserID: userID}}
		if err := rows.Scan(&h, &created, &seen, &si.IP, &si.UserAgent); err != nil {
			return nil, fmt.Errorf("store: sessions: %w", err)
		}
		si.CreatedAt, si.LastSeenAt = time.UnixMilli(created), time.UnixMilli(seen)
		si.Current = current != "" && h == cur
		out = append(out, si)
	}
	return out, rows.Err()
}

func clipUA(ua string) string {
	if len(ua) > 200 {
		return ua[:200]
	}
	return ua
}

// SessionByID returns the session with this cookie id.
func (s *Store) SessionByID(ctx context.Context, id string) (Session, error) {
	var sess Session
	var created, seen int64
	err := s.queryRow(ctx, `SELECT user_id, created_at, last_seen_at FROM sessions WHERE id_hash = ?`, hashID(id)).
		Scan(&sess.UserID, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt = time.UnixMilli(created), time.UnixMilli(seen)
	return sess, nil
}

// TouchSession moves a session's last-seen time forward.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, at.UnixMilli(), hashID(id))
	return err
}

// DeleteSession ends one session (sign-out, expiry), with an optional audit entry.
func (s *Store) DeleteSession(ctx context.Context, id string, audit *AuditEntry) error {
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashID(id)); err != nil {
			return fmt.Errorf("store: delete session: %w", err)
		}
		if audit != nil {
			return s.appendAudit(ctx, tx, *audit)
		}
		return nil
	})
}

// CountSessions counts a user's live sessions.
func (s *Store) CountSessions(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, userID).Scan(&n)
	return n, err
}

// PurgeSessions removes sessions idle since idleBefore or created before absBefore.
func (s *Store) PurgeSessions(ctx context.Context, idleBefore, absBefore time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?`, idleBefore.UnixMilli(), absBefore.UnixMilli())
	return err
}

// SessionUser returns a session and its user in one query: every signed-in
// request asks for both.
func (s *Store) SessionUser(ctx context.Context, id string) (Session, User, error) {
	var sess Session
	var created, seen int64
	var ucreated, uupdated int64
	var u User
	var role string
	err := s.queryRow(ctx, `SELECT s.user_id, s.created_at, s.last_seen_at,
			u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled, u.created_at, u.updated_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`, hashID(id)).
		Scan(&sess.UserID, &created, &seen, &u.ID, &u.Username, &u.DisplayName, &role, &u.PasswordHash, &u.Disabled, &ucreated, &uupdated)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, User{}, ErrNotFound
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("store: session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt = time.UnixMilli(created), time.UnixMilli(seen)
	u.Role = auth.Role(role)
	u.CreatedAt, u.UpdatedAt = time.UnixMilli(ucreated), time.UnixMilli(uupdated)
	return sess, u, nil
}
