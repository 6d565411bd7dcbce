package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/store"
)

// sessionRig signs a user in and then replays the cookie at chosen times.
type sessionRig struct {
	e      *echo.Echo
	now    time.Time
	cookie *http.Cookie
}

func newRig(t *testing.T, keys [][]byte) (*sessionRig, *store.Store) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	u, err := st.CreateUser(context.Background(), store.User{Username: "u", Role: auth.RoleSupport, PasswordHash: "x"}, store.AuditEntry{Action: "user.create"})
	require.NoError(t, err)
	rig := &sessionRig{now: time.Now()}
	st.SetClock(func() time.Time { return rig.now })
	s := NewSessions(st, SessionOptions{KeyPairs: keys, Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Now: func() time.Time { return rig.now }})
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

func keys(t *testing.T) [][]byte {
	dir := t.TempDir()
	k, err := LoadKeys(dir)
	require.NoError(t, err)
	return k
}

func TestIdleTimeoutIsEnforcedOnTheServer(t *testing.T) {
	rig, _ := newRig(t, keys(t))
	assert.Equal(t, "u", rig.who(29*time.Minute))
	assert.Equal(t, "u", rig.who(29*time.Minute), "activity keeps it alive")
	assert.Equal(t, "-", rig.who(31*time.Minute))
	assert.Equal(t, "-", rig.who(0), "and it stays ended")
}

func TestEndedSessionNamesItsUserForAnHour(t *testing.T) {
	rig, st := newRig(t, keys(t))
	u, err := st.UserByName(t.Context(), "u")
	require.NoError(t, err)
	uid := strconv.FormatInt(u.ID, 10)
	assert.Equal(t, "-", rig.visit("/ended", time.Minute), "a live session has not ended")
	assert.Equal(t, uid, rig.visit("/ended", 31*time.Minute), "idle timeout: the cookie still says whose it was")
	assert.Equal(t, uid, rig.visit("/ended", 59*time.Minute))
	assert.Equal(t, "-", rig.visit("/ended", 2*time.Minute), "an hour after the end it no longer does")

	rig, _ = newRig(t, keys(t))
	rig.visit("/out", time.Minute)
	assert.Equal(t, "-", rig.visit("/ended", time.Minute), "after a deliberate sign-out the browser is nobody's")
}

func TestAbsoluteTimeout(t *testing.T) {
	rig, _ := newRig(t, keys(t))
	for i := 0; i < 28; i++ { // 11 h 40 min of activity
		require.Equal(t, "u", rig.who(25*time.Minute))
	}
	assert.Equal(t, "-", rig.who(25*time.Minute), "12 h after sign-in, whatever the activity")
}

func TestKeyRotationKeepsOldCookiesValid(t *testing.T) {
	dir := t.TempDir()
	old, err := LoadKeys(dir)
	require.NoError(t, err)
	rig, st := newRig(t, old)
	require.NoError(t, RotateKeys(dir))
	rotated, err := LoadKeys(dir)
	require.NoError(t, err)
	assert.Len(t, rotated, 4, "two pairs: new first, old second")
	s := NewSessions(st, SessionOptions{KeyPairs: rotated, Idle: time.Hour, Absolute: 12 * time.Hour, Now: func() time.Time { return rig.now }})
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.SetRequest(c.Request().WithContext(WithInfo(c.Request().Context(), &Info{})))
			return next(c)
		}
	})
	e.Use(s.Middleware)
	e.GET("/who", func(c echo.Context) error { return c.String(200, Current(c).Viewer.Username) })
	rig.e = e
	assert.Equal(t, "u", rig.who(time.Minute))

	info, err := os.Stat(filepath.Join(dir, "session.keys"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "keys are private")
}
