package store

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/pgtest"
)

// openTest opens an empty store on the backend of the running subtest (see
// eachBackend); outside one, SQLite.
func openTest(t *testing.T) *Store {
	t.Helper()
	dsn := t.TempDir() + "/test.db"
	if backendOf(t) == Postgres {
		dsn = pgtest.URL(t)
	}
	s, err := Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// backendOf reads the backend from the subtest name eachBackend gave.
func backendOf(t *testing.T) Backend {
	if strings.Contains(t.Name(), "/"+string(Postgres)) {
		return Postgres
	}
	return SQLite
}

// eachBackend runs one conformance test on every backend: the same
// assertions hold on SQLite and on PostgreSQL.
func eachBackend(t *testing.T, fn func(t *testing.T)) {
	for _, b := range []Backend{SQLite, Postgres} {
		t.Run(string(b), fn)
	}
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
	eachBackend(t, func(t *testing.T) {
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
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		require.NoError(t, s.Audit(ctx, AuditEntry{Actor: "a", Action: "login"}))
		_, err := s.db.ExecContext(ctx, `UPDATE audit_log SET actor = 'b'`)
		assert.ErrorContains(t, err, "append-only")
		_, err = s.db.ExecContext(ctx, `DELETE FROM audit_log`)
		assert.ErrorContains(t, err, "append-only")
	})
}

func TestAuditFilterAndPaging(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
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
	})
}

func TestRefusesASchemaNewerThanTheBinary(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		dsn := t.TempDir() + "/db"
		if backendOf(t) == Postgres {
			dsn = pgtest.URL(t)
		}
		s, err := Open(ctx, dsn)
		require.NoError(t, err)
		_, err = s.db.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)`, 99999, true)
		require.NoError(t, err)
		require.NoError(t, s.Close())

		_, err = Open(ctx, dsn)
		require.ErrorIs(t, err, ErrSchemaTooNew)
		assert.Contains(t, err.Error(), "99999", "the message says which version the database is at")
	})
}

func TestReplicasMigrateAtOnce(t *testing.T) {
	dsn := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err, "every replica starts while another migrates")
	}
	st, err := Migrate(context.Background(), dsn)
	require.NoError(t, err)
	assert.Equal(t, st.Latest, st.Current)
}

func TestUnreachablePostgresIsOneClearLine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://console:hunter2@127.0.0.1:1/console?sslmode=disable&connect_timeout=2")
	require.Error(t, err)
	msg := err.Error()
	assert.NotContains(t, msg, "hunter2", "the password never reaches the message")
	assert.NotContains(t, msg, "\n")
	assert.Contains(t, msg, "cannot reach PostgreSQL")
}

func TestLegacyMigrationTableIsAdopted(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/old.db"
	// A database made by the console before goose: its own version table.
	old, err := openPool(ctx, path)
	require.NoError(t, err)
	sub, err := migrationFiles.ReadFile("migrations/sqlite/0001_foundation.sql")
	require.NoError(t, err)
	_, err = old.db.ExecContext(ctx, strings.ReplaceAll(strings.ReplaceAll(string(sub), "-- +goose StatementBegin", ""), "-- +goose StatementEnd", ""))
	require.NoError(t, err)
	_, err = old.db.ExecContext(ctx, `CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL);
		INSERT INTO schema_migrations VALUES ('0001_foundation', 1)`)
	require.NoError(t, err)
	_, err = old.db.ExecContext(ctx, `INSERT INTO users (username, role, password_hash, created_at, updated_at) VALUES ('old', 'admin', 'h', 1, 1)`)
	require.NoError(t, err)
	require.NoError(t, old.db.Close())

	s, err := Open(ctx, path)
	require.NoError(t, err, "the foundation migration is not run a second time")
	defer s.Close()
	_, err = s.UserByName(ctx, "OLD")
	assert.NoError(t, err, "the data survives")
	st, err := s.Migrations(ctx)
	require.NoError(t, err)
	assert.Equal(t, st.Latest, st.Current, "the later migrations ran")
}

func TestFormStashBelongsToItsOwnerAndIsTakenOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		owner, err := s.CreateUser(ctx, User{Username: "li", Role: auth.RoleAdmin, PasswordHash: "h"}, AuditEntry{Action: "user.create"})
		require.NoError(t, err)
		other, err := s.CreateUser(ctx, User{Username: "wang", Role: auth.RoleAdmin, PasswordHash: "h"}, AuditEntry{Action: "user.create"})
		require.NoError(t, err)
		require.NoError(t, s.StashForm(ctx, StashedForm{ID: "x", UserID: owner.ID, Method: "POST", Path: "/a",
			Values: url.Values{"k": {"v"}}, Omitted: []string{"password"}}))
		_, err = s.TakeForm(ctx, "x", other.ID)
		assert.ErrorIs(t, err, ErrNotFound, "another user cannot take it")
		f, err := s.TakeForm(ctx, "x", owner.ID)
		require.NoError(t, err, "… and did not use it up")
		assert.Equal(t, url.Values{"k": {"v"}}, f.Values)
		assert.Equal(t, []string{"password"}, f.Omitted)
		_, err = s.TakeForm(ctx, "x", owner.ID)
		assert.ErrorIs(t, err, ErrNotFound, "taken once")

		err = s.StashForm(ctx, StashedForm{ID: "big", UserID: owner.ID, Method: "POST", Path: "/a",
			Values: url.Values{"k": {strings.Repeat("a", StashMaxBytes)}}})
		assert.ErrorIs(t, err, ErrTooLarge)

		t0 := time.Now()
		for i := range StashPerUser + 2 {
			s.SetClock(func() time.Time { return t0.Add(time.Duration(i) * time.Second) })
			require.NoError(t, s.StashForm(ctx, StashedForm{ID: "f" + strconv.Itoa(i), UserID: owner.ID, Method: "POST", Path: "/a"}))
		}
		ok, err := s.HasForm(ctx, "f0", owner.ID)
		require.NoError(t, err)
		assert.False(t, ok, "only the newest StashPerUser are kept")
		ok, _ = s.HasForm(ctx, "f6", owner.ID)
		assert.True(t, ok)

		s.SetClock(func() time.Time { return t0.Add(StashMaxAge + time.Minute) })
		ok, _ = s.HasForm(ctx, "f6", owner.ID)
		assert.False(t, ok, "an hour later it is gone")
		require.NoError(t, s.PurgeForms(ctx, t0.Add(time.Minute)))
		var n int
		require.NoError(t, s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM form_stash`).Scan(&n))
		assert.Zero(t, n, "and purged")
	})
}

func TestSessionsPerUserAreCapped(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		u, err := s.CreateUser(ctx, User{Username: "li", Role: auth.RoleSupport, PasswordHash: "h"}, AuditEntry{Action: "user.create"})
		require.NoError(t, err)
		t0 := time.Now()
		var ids []string
		signIn := func(i int) string {
			s.SetClock(func() time.Time { return t0.Add(time.Duration(i) * time.Minute) })
			id, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "ua", AuditEntry{Action: "login"})
			require.NoError(t, err)
			return id
		}
		for i := range MaxSessionsPerUser {
			ids = append(ids, signIn(i))
		}
		require.NoError(t, s.TouchSession(ctx, ids[0], t0.Add(time.Hour))) // the first is still in use …
		signIn(100)
		id := signIn(101)
		n, err := s.CountSessions(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, MaxSessionsPerUser, n)
		_, err = s.SessionByID(ctx, ids[0])
		assert.NoError(t, err, "… so it is not the one ended")
		for _, ended := range ids[1:3] {
			_, err = s.SessionByID(ctx, ended)
			assert.ErrorIs(t, err, ErrNotFound, "the ones unused longest are ended")
		}
		_, err = s.SessionByID(ctx, id)
		assert.NoError(t, err)

		rows, err := s.ListSessions(ctx, u.ID, id, t0.Add(-time.Hour), t0.Add(-time.Hour))
		require.NoError(t, err)
		assert.Len(t, rows, MaxSessionsPerUser)
		assert.True(t, rows[0].Current, "the most recently used first, this one marked")

		require.NoError(t, s.UpdateUser(ctx, u.ID, UserChange{EndSessions: true, KeepSession: id}, AuditEntry{Action: "user.end_other_sessions"}))
		n, _ = s.CountSessions(ctx, u.ID)
		assert.Equal(t, 1, n)
		_, err = s.SessionByID(ctx, id)
		assert.NoError(t, err, "the kept session survives")
	})
}

// A sign-in records when it happened on the account, for the admins' list.
func TestSignInRecordsLastLogin(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		u, err := s.CreateUser(ctx, User{Username: "wang", Role: auth.RoleContent, PasswordHash: "h"}, AuditEntry{Action: "user.create"})
		require.NoError(t, err)
		got, err := s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		assert.True(t, got.LastLoginAt.IsZero(), "never signed in")

		at := time.UnixMilli(time.Now().UnixMilli())
		s.SetClock(func() time.Time { return at })
		_, err = s.CreateSession(ctx, u.ID, "127.0.0.1", "ua", AuditEntry{Actor: "wang", Action: "login", Target: "wang"})
		require.NoError(t, err)
		got, err = s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		assert.True(t, at.Equal(got.LastLoginAt), "%v != %v", at, got.LastLoginAt)
		list, err := s.ListUsers(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.True(t, at.Equal(list[0].LastLoginAt), "the list carries it too")
	})
}
