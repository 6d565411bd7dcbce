package web

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/store"
)

// SessionCookie is the name of the signed, encrypted session cookie.
const SessionCookie = "console_session"

const cookieSessionKey = "web.cookie_session"

// Sessions ties the cookie (gorilla/sessions, signed and encrypted) to the
// server-side session row that makes sign-out and "end sessions" real.
type Sessions struct {
	cookies atomic.Pointer[sessions.CookieStore] // replaced when the keys change (SetKeys)
	options sessions.Options
	store   *store.Store
	idle    time.Duration
	abs     time.Duration
	now     func() time.Time
}

// SessionOptions configures Sessions.
type SessionOptions struct {
	Keys     []store.SessionKey // newest first (EnsureKeys); which one signs: see SetKeys
	Secure   bool               // Secure cookies (TLS)
	Idle     time.Duration
	Absolute time.Duration
	Now      func() time.Time
}

// Cookie values. sid is the server session's id; uid its user, so that once
// the server has forgotten the session (ended, expired, purged) the cookie
// still says whose it was; endedUID/endedAt remember that for endedGrace.
const (
	keySID      = "sid"
	keyUID      = "uid"
	keyEndedUID = "ended_uid"
	keyEndedAt  = "ended_at"
)

// endedGrace is how long after its session ended a cookie still names its
// user: a form posted in that time is kept for them (store.StashMaxAge).
const endedGrace = store.StashMaxAge

// NewSessions builds the cookie store with safe settings: HttpOnly,
// SameSite=Lax, Secure behind TLS and a MaxAge of the absolute lifetime plus
// endedGrace (gorilla's default is 30 days), so a form posted just after the
// absolute timeout still comes with the cookie that says whose it is.
func NewSessions(st *store.Store, o SessionOptions) *Sessions {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Sessions{store: st, idle: o.Idle, abs: o.Absolute, now: o.Now, options: sessions.Options{
		Path:     "/",
		MaxAge:   int((o.Absolute + endedGrace).Seconds()),
		HttpOnly: true,
		Secure:   o.Secure,
		SameSite: http.SameSiteLaxMode,
	}}
	s.SetKeys(o.Keys)
	return s
}

func cookieSession(c echo.Context) *sessions.Session {
	s, _ := c.Get(cookieSessionKey).(*sessions.Session)
	return s
}

// touchEvery limits last-seen writes to one a minute per session.
const touchEvery = time.Minute

// Middleware loads the session cookie and, when the server still knows the
// session, the viewer. A corrupt, stale or revoked cookie just means signed out.
func (s *Sessions) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cookies := s.cookies.Load()
		sess, err := cookies.Get(c.Request(), SessionCookie)
		if err != nil || sess == nil {
			// Undecodable (old keys dropped, tampered, garbage): start afresh.
			sess = sessions.NewSession(cookies, SessionCookie)
			opts := *cookies.Options
			sess.Options = &opts
			sess.IsNew = true
		}
		c.Set(cookieSessionKey, sess)
		if sid, _ := sess.Values[keySID].(string); sid != "" {
			v, err := s.viewer(c.Request().Context(), sid)
			switch {
			case err == nil:
				Current(c).Viewer = v
			case errors.Is(err, errSignedOut):
				// The session ended elsewhere or timed out: remember whose it
				// was, so a form this browser posts now is kept for them.
				if uid, _ := sess.Values[keyUID].(int64); uid > 0 {
					sess.Values[keyEndedUID], sess.Values[keyEndedAt] = uid, s.now().Unix()
				}
				delete(sess.Values, keySID)
				delete(sess.Values, keyUID)
				_ = sess.Save(c.Request(), c.Response())
			default:
				return err
			}
		}
		return next(c)
	}
}

var errSignedOut = errors.New("signed out")

func (s *Sessions) viewer(ctx context.Context, sid string) (*Viewer, error) {
	row, u, err := s.store.SessionUser(ctx, sid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSignedOut
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Sub(row.LastSeenAt) > s.idle || now.Sub(row.CreatedAt) > s.abs || u.Disabled {
		return nil, errors.Join(errSignedOut, s.store.DeleteSession(ctx, sid, nil))
	}
	if now.Sub(row.LastSeenAt) > touchEvery {
		if err := s.store.TouchSession(ctx, sid, now); err != nil {
			return nil, err
		}
	}
	return &Viewer{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role}, nil
}

// SignIn starts a new server session for u and puts a fresh cookie on the
// response (a new session id on every sign-in: no fixation).
func (s *Sessions) SignIn(c echo.Context, u store.User, ip string, audit store.AuditEntry) error {
	sid, err := s.store.CreateSession(c.Request().Context(), u.ID, ip, c.Request().UserAgent(), audit)
	if err != nil {
		return err
	}
	sess := cookieSession(c)
	if sess == nil {
		return errors.New("web: session middleware missing")
	}
	for k := range sess.Values {
		if k != "_flash" {
			delete(sess.Values, k)
		}
	}
	sess.Values[keySID], sess.Values[keyUID] = sid, u.ID
	Current(c).Viewer = &Viewer{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role}
	return sess.Save(c.Request(), c.Response())
}

// SignOut ends the server session and clears the cookie's session id. It
// also forgets whose the browser was: after a deliberate sign-out nothing
// posted from this browser is kept for the user.
func (s *Sessions) SignOut(c echo.Context, audit *store.AuditEntry) error {
	sess := cookieSession(c)
	if sess == nil {
		return nil
	}
	if sid, _ := sess.Values[keySID].(string); sid != "" {
		if err := s.store.DeleteSession(c.Request().Context(), sid, audit); err != nil {
			return err
		}
	}
	for _, k := range []string{keySID, keyUID, keyEndedUID, keyEndedAt} {
		delete(sess.Values, k)
	}
	Current(c).Viewer = nil
	return sess.Save(c.Request(), c.Response())
}

// EndedUser is the user whose session this request's cookie carried when that
// session ended (timed out, or ended from elsewhere) in the last endedGrace.
// Only a cookie signed and encrypted with our keys can say so.
func (s *Sessions) EndedUser(c echo.Context) (int64, bool) {
	sess := cookieSession(c)
	if sess == nil {
		return 0, false
	}
	uid, _ := sess.Values[keyEndedUID].(int64)
	at, _ := sess.Values[keyEndedAt].(int64)
	if uid <= 0 || s.now().Sub(time.Unix(at, 0)) > endedGrace {
		return 0, false
	}
	return uid, true
}

func (s *Sessions) currentID(c echo.Context) string {
	if sess := cookieSession(c); sess != nil && Current(c).Viewer != nil {
		sid, _ := sess.Values[keySID].(string)
		return sid
	}
	return ""
}

// List returns a user's live sessions, marking the one of this request.
func (s *Sessions) List(c echo.Context, userID int64) ([]store.SessionInfo, error) {
	now := s.now()
	return s.store.ListSessions(c.Request().Context(), userID, s.currentID(c), now.Add(-s.idle), now.Add(-s.abs))
}

// EndOthers ends every session of the signed-in user except this one.
func (s *Sessions) EndOthers(c echo.Context, audit store.AuditEntry) error {
	v := Current(c).Viewer
	if v == nil {
		return errors.New("web: not signed in")
	}
	return s.store.UpdateUser(c.Request().Context(), v.ID, store.UserChange{EndSessions: true, KeepSession: s.currentID(c)}, audit)
}
