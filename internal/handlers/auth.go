package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/config"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/templates/pages"
)

// stashMaxAge is how long a form submitted after the session expired is kept.
const stashMaxAge = time.Hour

// safeNext accepts only local paths, so ?next= cannot send users elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(c echo.Context) error {
	if web.Current(c).Viewer != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return web.Render(c, http.StatusOK, pages.Login(pages.LoginProps{
		Sandbox: s.Config.Mode == config.ModeSandbox,
		Next:    safeNext(c.QueryParam("next")),
		Resume:  c.QueryParam("resume"),
	}))
}

func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f := forms.ParseLogin(vals)
	props := pages.LoginProps{Form: f, Sandbox: s.Config.Mode == config.ModeSandbox,
		Next: safeNext(vals.Get("next")), Resume: vals.Get("resume")}
	fail := func(status int, key string, args ...any) error {
		props.Failure, props.Args = key, args
		return web.Render(c, status, pages.Login(props))
	}
	if props.Errs = f.Validate(); !props.Errs.OK() {
		return web.Render(c, http.StatusUnprocessableEntity, pages.Login(props))
	}
	ip := c.RealIP()
	username := strings.ToLower(f.Username)
	wait, err := s.throttle.Wait(ctx, username, ip)
	if err != nil {
		return err
	}
	if wait > 0 {
		return fail(http.StatusTooManyRequests, "login.throttled", int(math.Ceil(wait.Minutes())))
	}
	u, err := s.Store.UserByName(ctx, username)
	ok := false
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.Hasher.CheckUnknown(f.Password)
	case err != nil:
		return err
	default:
		ok, err = auth.CheckPassword(u.PasswordHash, f.Password)
		if err != nil {
			return err
		}
		ok = ok && !u.Disabled
	}
	if !ok {
		if err := s.throttle.Failed(ctx, username, ip); err != nil {
			return err
		}
		if err := s.Store.Audit(ctx, store.AuditEntry{Actor: "-", Action: "login", Target: clip(username, 64),
			Outcome: store.OutcomeFailed, IP: ip}); err != nil {
			return err
		}
		// One message for unknown user, wrong password and disabled account.
		return fail(http.StatusUnauthorized, "login.failed")
	}
	if err := s.throttle.Succeeded(ctx, username); err != nil {
		return err
	}
	if err := s.Sessions.SignIn(c, u, ip, store.AuditEntry{Actor: u.Username, Action: "login", Target: u.Username, IP: ip}); err != nil {
		return err
	}
	if props.Resume != "" {
		return c.Redirect(http.StatusSeeOther, "/resume/"+url.PathEscape(props.Resume))
	}
	return c.Redirect(http.StatusSeeOther, props.Next)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Server) logout(c echo.Context) error {
	v := web.Current(c).Viewer
	audit := &store.AuditEntry{Actor: v.Username, Action: "logout", Target: v.Username, IP: c.RealIP()}
	if err := s.Sessions.SignOut(c, audit); err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, "login.signed_out")
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) switchLang(c echo.Context) error {
	l, ok := i18n.Parse(c.FormValue("lang"))
	if !ok {
		l = i18n.ZH
	}
	c.SetCookie(&http.Cookie{Name: LangCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Config.TLS(), SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// toLogin sends a signed-out request to the sign-in page. A url-encoded form
// POST is kept first, so nothing typed is lost when a session expires.
func (s *Server) toLogin(c echo.Context) error {
	r := c.Request()
	q := url.Values{}
	if r.Method == http.MethodGet {
		q.Set("next", r.URL.RequestURI())
	} else if strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
		vals, err := c.FormParams()
		if err == nil {
			vals.Del("_csrf")
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			id := hex.EncodeToString(b)
			if err := s.Store.StashForm(r.Context(), store.StashedForm{ID: id, Method: r.Method, Path: r.URL.Path, Body: vals.Encode()}); err != nil {
				return err
			}
			q.Set("resume", id)
		}
	}
	target := "/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	if web.IsHTMX(c) {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// resumeForm offers the kept form again; the user presses one button to send it.
func (s *Server) resumeForm(c echo.Context) error {
	f, err := s.Store.TakeForm(c.Request().Context(), c.Param("id"), stashMaxAge)
	if errors.Is(err, store.ErrNotFound) {
		web.AddFlash(c, web.FlashInfo, "resume.expired")
		return c.Redirect(http.StatusSeeOther, "/")
	}
	if err != nil {
		return err
	}
	vals, _ := url.ParseQuery(f.Body)
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var fields [][2]string
	for _, k := range keys {
		for _, v := range vals[k] {
			fields = append(fields, [2]string{k, v})
		}
	}
	return web.Render(c, http.StatusOK, pages.Resume(pages.ResumeProps{Action: safeNext(f.Path), Fields: fields}))
}

// healthz is the liveness probe: it answers while the process serves HTTP and
// checks nothing else, so a struggling database does not get the process
// restarted (that is /readyz's business: take it out of rotation).
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "mode": string(s.Config.Mode)})
}

// readyzWait bounds the store's write check (its busy timeout is longer).
const readyzWait = 2 * time.Second

// readyz is the readiness probe: ready only while the store takes a write.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyzWait)
	defer cancel()
	if err := s.Store.Heartbeat(ctx); err != nil {
		s.Log.Warn("not ready: the store cannot write", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "store": "cannot write"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func parseID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound)
	}
	return id, nil
}
