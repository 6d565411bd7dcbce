package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir()+"/test.db")
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestMigrationsAreIdempotent(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		s, err := Open(context.Background(), dir+"/db")
		require.NoError(t, err)
		require.NoError(t, s.Close())
	}
}

func TestUsersAndAuditInOneTransaction(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, User{Username: "li", Role: auth.RoleContent, PasswordHash: "h"}, AuditEntry{Actor: "admin", Action: "user.create", Target: "li"})
	require.NoError(t, err)
	_, err = s.CreateUser(ctx, User{Username: "LI", Role: auth.RoleContent, PasswordHash: "h"}, AuditEntry{Actor: "admin", Action: "user.create", Target: "LI"})
	assert.ErrorIs(t, err, ErrConflict, "usernames are case-insensitive")
	_, total, err := s.ListAudit(ctx, AuditFilter{Action: "user.create"}, 0, 10)
	require.NoError(t, err)
	assert.Equal(t, 1, total, "the failed create left no audit entry")

	_, err = s.UserByName(ctx, "nobody")
	assert.ErrorIs(t, err, ErrNotFound)
	err = s.UpdateUser(ctx, 9999, UserChange{EndSessions: true}, AuditEntry{Action: "user.end_sessions"})
	assert.ErrorIs(t, err, ErrNotFound)
	_, total, _ = s.ListAudit(ctx, AuditFilter{}, 0, 10)
	assert.Equal(t, 1, total, "a failed change records nothing")

	sid, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "ua", AuditEntry{Actor: "li", Action: "login"})
	require.NoError(t, err)
	_, err = s.SessionByID(ctx, sid)
	require.NoError(t, err)
	yes := true
	require.NoError(t, s.UpdateUser(ctx, u.ID, UserChange{Disabled: &yes}, AuditEntry{Actor: "admin", Action: "user.disable"}))
	_, err = s.SessionByID(ctx, sid)
	assert.ErrorIs(t, err, ErrNotFound, "disabling ends the sessions")
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	require.NoError(t, s.Audit(ctx, AuditEntry{Actor: "a", Action: "login"}))
	_, err := s.db.ExecContext(ctx, `UPDATE audit_log SET actor = 'b'`)
	assert.ErrorContains(t, err, "append-only")
	_, err = s.db.ExecContext(ctx, `DELETE FROM audit_log`)
	assert.ErrorContains(t, err, "append-only")
}

func TestAuditFilterAndPaging(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := 0; i < 30; i++ {
		actor := "a"
		if i%3 == 0 {
			actor = "b"
		}
		require.NoError(t, s.Audit(ctx, AuditEntry{At: base.Add(time.Duration(i) * time.Hour), Actor: actor, Action: "user.create"}))
	}
	require.NoError(t, s.Audit(ctx, AuditEntry{At: base, Actor: "a", Action: "login"}))
	page, total, err := s.ListAudit(ctx, AuditFilter{Actor: "b", Action: "user"}, 0, 4)
	require.NoError(t, err)
	assert.Equal(t, 10, total)
	assert.Len(t, page, 4)
	_, total, _ = s.ListAudit(ctx, AuditFilter{From: base.Add(10 * time.Hour), To: base.Add(20 * time.Hour)}, 0, 100)
	assert.Equal(t, 10, total, "from inclusive, to exclusive")
	_, total, _ = s.ListAudit(ctx, AuditFilter{Action: "user_"}, 0, 100)
	assert.Equal(t, 0, total, "LIKE wildcards in the filter are literal")
}

func TestFormStashIsTakenOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	require.NoError(t, s.StashForm(ctx, StashedForm{ID: "x", Method: "POST", Path: "/a", Body: "k=v"}))
	f, err := s.TakeForm(ctx, "x", time.Hour)
	require.NoError(t, err)
	assert.Equal(t, "k=v", f.Body)
	_, err = s.TakeForm(ctx, "x", time.Hour)
	assert.ErrorIs(t, err, ErrNotFound)
}
