package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
	cookies *sessions.CookieStore
	store   *store.Store
	idle    time.Duration
	abs     time.Duration
	now     func() time.Time
}

// SessionOptions configures Sessions.
type SessionOptions struct {
	KeyPairs [][]byte // hash/block key pairs, newest first (older pairs still decode)
	Secure   bool     // Secure cookies (TLS)
	Idle     time.Duration
	Absolute time.Duration
	Now      func() time.Time
}

// NewSessions builds the cookie store with safe settings: HttpOnly,
// SameSite=Lax, Secure behind TLS and a MaxAge equal to the absolute lifetime
// (gorilla's default is 30 days).
func NewSessions(st *store.Store, o SessionOptions) *Sessions {
	cs := sessions.NewCookieStore(o.KeyPairs...)
	cs.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(o.Absolute.Seconds()),
		HttpOnly: true,
		Secure:   o.Secure,
		SameSite: http.SameSiteLaxMode,
	}
	cs.MaxAge(int(o.Absolute.Seconds())) // also bounds the signed timestamp's age
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Sessions{cookies: cs, store: st, idle: o.Idle, abs: o.Absolute, now: o.Now}
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
		sess, err := s.cookies.Get(c.Request(), SessionCookie)
		if err != nil || sess == nil {
			// Undecodable (old keys dropped, tampered, garbage): start afresh.
			sess = sessions.NewSession(s.cookies, SessionCookie)
			opts := *s.cookies.Options
			sess.Options = &opts
			sess.IsNew = true
		}
		c.Set(cookieSessionKey, sess)
		if sid, _ := sess.Values["sid"].(string); sid != "" {
			v, err := s.viewer(c.Request().Context(), sid)
			switch {
			case err == nil:
				Current(c).Viewer = v
			case errors.Is(err, errSignedOut):
				delete(sess.Values, "sid")
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
	sess.Values["sid"] = sid
	Current(c).Viewer = &Viewer{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role}
	return sess.Save(c.Request(), c.Response())
}

// SignOut ends the server session and clears the cookie's session id.
func (s *Sessions) SignOut(c echo.Context, audit *store.AuditEntry) error {
	sess := cookieSession(c)
	if sess == nil {
		return nil
	}
	if sid, _ := sess.Values["sid"].(string); sid != "" {
		if err := s.store.DeleteSession(c.Request().Context(), sid, audit); err != nil {
			return err
		}
	}
	delete(sess.Values, "sid")
	Current(c).Viewer = nil
	return sess.Save(c.Request(), c.Response())
}

// LoadKeys reads the session key pairs from dir/session.keys, creating the file
// with a fresh pair on first run. Each line is "hashkey-hex blockkey-hex",
// newest first; RotateKeys adds a new first line.
func LoadKeys(dir string) ([][]byte, error) {
	path := filepath.Join(dir, "session.keys")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := RotateKeys(dir); err != nil {
			return nil, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("session keys: %w", err)
	}
	var pairs [][]byte
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		h, blk, ok := strings.Cut(strings.TrimSpace(line), " ")
		hk, err1 := hex.DecodeString(h)
		bk, err2 := hex.DecodeString(blk)
		if !ok || err1 != nil || err2 != nil || len(hk) != 64 || len(bk) != 32 {
			return nil, fmt.Errorf("session keys: %s line %d is not \"<64-byte hex> <32-byte hex>\"", path, i+1)
		}
		pairs = append(pairs, hk, bk)
	}
	return pairs, nil
}

// keepKeyPairs is how many pairs rotation keeps (the newest signs, the others
// still decode cookies issued before the rotation).
const keepKeyPairs = 3

// RotateKeys prepends a new key pair to dir/session.keys.
func RotateKeys(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, "session.keys")
	hk, bk := make([]byte, 64), make([]byte, 32)
	if _, err := rand.Read(hk); err != nil {
		return err
	}
	if _, err := rand.Read(bk); err != nil {
		return err
	}
	lines := []string{hex.EncodeToString(hk) + " " + hex.EncodeToString(bk)}
	if old, err := os.ReadFile(path); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(old)), "\n") {
			if l = strings.TrimSpace(l); l != "" && len(lines) < keepKeyPairs {
				lines = append(lines, l)
			}
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
