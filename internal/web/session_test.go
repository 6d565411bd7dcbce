package web

import (
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/store"
)

// sessionRig signs a user in and then replays the cookie at chosen times.
type sessionRig struct {
	e      *echo.Echo
	s      *Sessions
	now    time.Time
	cookie *http.Cookie
}

func newRig(t *testing.T, keys []store.SessionKey) (*sessionRig, *store.Store) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	u, err := st.CreateUser(context.Background(), store.User{Username: "u", Role: auth.RoleSupport, PasswordHash: "x"}, store.AuditEntry{Action: "user.create"})
	require.NoError(t, err)
	rig := &sessionRig{now: time.Now()}
	st.SetClock(func() time.Time { return rig.now })
	if keys == nil {
		var err error
		keys, err = EnsureKeys(context.Background(), st, t.TempDir(), slog.New(slog.DiscardHandler))
		require.NoError(t, err)
	}
	s := NewSessions(st, SessionOptions{Keys: keys, Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Now: func() time.Time { return rig.now }})
	rig.s = s
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.SetRequest(c.Request().WithContext(WithInfo(c.Request().Context(), &Info{})))
			return next(c)
		}
	})
	e.Use(s.Middleware)
	e.GET("/in", func(c echo.Context) error { return s.SignIn(c, u, "127.0.0.1", store.AuditEntry{Action: "login"}) })
	e.GET("/who", func(c echo.Context) error {
		if v := Current(c).Viewer; v != nil {
			return c.String(200, v.Username)
		}
		return c.String(200, "-")
	})
	e.GET("/ended", func(c echo.Context) error {
		if uid, ok := s.EndedUser(c); ok {
			return c.String(200, strconv.FormatInt(uid, 10))
		}
		return c.String(200, "-")
	})
	e.GET("/out", func(c echo.Context) error { return s.SignOut(c, nil) })
	rig.e = e
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/in", nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			rig.cookie = c
		}
	}
	require.NotNil(t, rig.cookie)
	assert.True(t, rig.cookie.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, rig.cookie.SameSite)
	assert.Equal(t, int((13 * time.Hour).Seconds()), rig.cookie.MaxAge, "the absolute limit plus the hour a kept form needs")
	return rig, st
}

// visit requests path after a while and keeps the cookie the answer sets, as a browser does.
func (r *sessionRig) visit(path string, after time.Duration) string {
	r.now = r.now.Add(after)
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(r.cookie)
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			r.cookie = c
		}
	}
	return rec.Body.String()
}

func (r *sessionRig) who(after time.Duration) string {
	r.now = r.now.Add(after)
	req := httptest.NewRequest("GET", "/who", nil)
	req.AddCookie(r.cookie)
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	return rec.Body.String()
}

func TestIdleTimeoutIsEnforcedOnTheServer(t *testing.T) {
	rig, _ := newRig(t, nil)
	assert.Equal(t, "u", rig.who(29*time.Minute))
	assert.Equal(t, "u", rig.who(29*time.Minute), "activity keeps it alive")
	assert.Equal(t, "-", rig.who(31*time.Minute))
	assert.Equal(t, "-", rig.who(0), "and it stays ended")
}

func TestEndedSessionNamesItsUserForAnHour(t *testing.T) {
	rig, st := newRig(t, nil)
	u, err := st.UserByName(t.Context(), "u")
	require.NoError(t, err)
	uid := strconv.FormatInt(u.ID, 10)
	assert.Equal(t, "-", rig.visit("/ended", time.Minute), "a live session has not ended")
	assert.Equal(t, uid, rig.visit("/ended", 31*time.Minute), "idle timeout: the cookie still says whose it was")
	assert.Equal(t, uid, rig.visit("/ended", 59*time.Minute))
	assert.Equal(t, "-", rig.visit("/ended", 2*time.Minute), "an hour after the end it no longer does")

	rig, _ = newRig(t, nil)
	rig.visit("/out", time.Minute)
	assert.Equal(t, "-", rig.visit("/ended", time.Minute), "after a deliberate sign-out the browser is nobody's")
}

func TestAbsoluteTimeout(t *testing.T) {
	rig, _ := newRig(t, nil)
	for i := 0; i < 28; i++ { // 11 h 40 min of activity
		require.Equal(t, "u", rig.who(25*time.Minute))
	}
	assert.Equal(t, "-", rig.who(25*time.Minute), "12 h after sign-in, whatever the activity")
}

// signedWith reports whether the rig's cookie is signed and encrypted with k.
func (r *sessionRig) signedWith(k store.SessionKey) bool {
	vals := map[any]any{}
	return securecookie.DecodeMulti(SessionCookie, r.cookie.Value, &vals, securecookie.New(k.HashKey, k.BlockKey)) == nil
}

func TestRotatedKeySignsOnceEveryReplicaHasLoadedIt(t *testing.T) {
	rig, st := newRig(t, nil)
	ctx := context.Background()
	old, err := st.SessionKeys(ctx)
	require.NoError(t, err)
	require.Len(t, old, 1)
	require.True(t, rig.signedWith(old[0]), "a fresh database's first key signs at once")

	from, err := RotateKeys(ctx, st)
	require.NoError(t, err)
	rotated, err := st.SessionKeys(ctx)
	require.NoError(t, err)
	require.Len(t, rotated, 2, "new first, old second")
	assert.WithinDuration(t, rotated[0].CreatedAt.Add(KeyActivation), from, time.Millisecond)
	rig.s.SetKeys(rotated) // what ReloadKeys does within KeyReload
	assert.Equal(t, "u", rig.who(time.Minute), "a cookie signed with the old key still works")

	rig.visit("/in", 0)
	assert.True(t, rig.signedWith(old[0]), "until every replica has loaded the new key, cookies are signed with the old one")
	assert.False(t, rig.signedWith(rotated[0]))

	rig.now = rig.now.Add(KeyActivation)
	rig.s.SetKeys(rotated)
	rig.visit("/in", 0)
	assert.True(t, rig.signedWith(rotated[0]), "then with the new one")
	assert.Equal(t, "u", rig.who(time.Minute))

	for range 3 {
		_, err = RotateKeys(ctx, st)
		require.NoError(t, err)
	}
	kept, err := st.SessionKeys(ctx)
	require.NoError(t, err)
	assert.Len(t, kept, 3, "rotation keeps the newest three")
}

func TestKeyFileOfAnOlderConsoleIsImportedOnce(t *testing.T) {
	dir := t.TempDir()
	hk, bk := strings.Repeat("ab", 64), strings.Repeat("cd", 32)
	older := strings.Repeat("01", 64) + " " + strings.Repeat("02", 32)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "session.keys"), []byte(hk+" "+bk+"\n"+older+"\n"), 0o600))
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))

	k, err := EnsureKeys(context.Background(), st, dir, log)
	require.NoError(t, err)
	require.Len(t, k, 2)
	assert.Equal(t, hk, hex.EncodeToString(k[0].HashKey), "the file's first line is still the newest key")
	assert.Equal(t, bk, hex.EncodeToString(k[0].BlockKey))
	assert.Zero(t, signingKey(k, time.Now()), "and it signs at once: nothing changes for the browsers")
	assert.Equal(t, 1, strings.Count(logged.String(), "no longer used"), "one line says the file is done with")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "session.keys"), []byte(older+"\n"), 0o600))
	again, err := EnsureKeys(context.Background(), st, dir, log)
	require.NoError(t, err)
	assert.Equal(t, k, again, "afterwards the database decides, not the file")
	assert.Equal(t, 1, strings.Count(logged.String(), "no longer used"))
}
