package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
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
	"github.com/orgconsole/console/web/templates/components"
	"github.com/orgconsole/console/web/templates/pages"
)

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
	// The attempt is recorded before the password is checked, in the same
	// transaction that counts, so parallel attempts cannot overrun a limit.
	attempt, refused, err := s.Store.ReserveLogin(ctx, username, ip)
	if err != nil {
		return err
	}
	if refused.Refused() {
		retryAfter(c, refused.Wait)
		if refused.Scope == auth.ScopeAccount {
			return fail(http.StatusTooManyRequests, "login.slowed", int(math.Ceil(refused.Wait.Seconds())))
		}
		return fail(http.StatusTooManyRequests, "login.throttled", int(math.Ceil(refused.Wait.Minutes())))
	}
	u, err := s.Store.UserByName(ctx, username)
	ok := false
	switch {
	case errors.Is(err, store.ErrNotFound):
		err = s.Hasher.CheckUnknown(ctx, f.Password)
	case err == nil:
		ok, err = s.Hasher.Check(ctx, u.PasswordHash, f.Password)
		ok = ok && !u.Disabled
	}
	if err != nil {
		// No password was checked (the store failed, every hashing slot
		// stayed taken, or the client left while waiting): the attempt does
		// not count.
		if cerr := s.Store.CancelLogin(context.WithoutCancel(ctx), attempt); cerr != nil {
			return cerr
		}
		if errors.Is(err, auth.ErrBusy) {
			retryAfter(c, auth.HashQueueWait)
			return fail(http.StatusServiceUnavailable, "server.busy")
		}
		return err
	}
	if !ok {
		if err := s.Store.Audit(ctx, store.AuditEntry{Actor: "-", Action: "login", Target: clip(username, 64),
			Outcome: store.OutcomeFailed, IP: ip}); err != nil {
			return err
		}
		// One message for unknown user, wrong password and disabled account.
		return fail(http.StatusUnauthorized, "login.failed")
	}
	if err := s.Store.LoginSucceeded(ctx, attempt); err != nil {
		return err
	}
	if err := s.Sessions.SignIn(c, u, ip, store.AuditEntry{Actor: u.Username, Action: "login", Target: u.Username, IP: ip}); err != nil {
		return err
	}
	s.rotateCSRF(c)
	// A kept form is offered only to the user it was kept for.
	if props.Resume != "" {
		mine, err := s.Store.HasForm(ctx, props.Resume, u.ID)
		if err != nil {
			return err
		}
		if mine {
			return c.Redirect(http.StatusSeeOther, "/resume/"+url.PathEscape(props.Resume))
		}
	}
	return c.Redirect(http.StatusSeeOther, props.Next)
}

// retryAfter tells clients how long to wait (whole seconds, at least one).
func retryAfter(c echo.Context, d time.Duration) {
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
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
	s.rotateCSRF(c)
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
	next := safeNext(c.FormValue("next"))
	if c.QueryParam("resend") == "1" && s.editForms[next] {
		// The switch was pressed on a form being edited (web.EditForm): the
		// browser posts that form again, as it is, to the page's own route —
		// now in the new language — so nothing typed is lost.
		return c.Redirect(http.StatusTemporaryRedirect, next)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// toLogin sends a signed-out request to the sign-in page. A form is kept
// first when its cookie says whose session just ended (keepForm); any other
// signed-out form is refused and nothing is stored.
func (s *Server) toLogin(c echo.Context, route Route) error {
	r := c.Request()
	if web.IsHTMX(c) && route.Form != nil && r.Method == http.MethodPost {
		// A live fragment: the page stays, and the user re-sends its whole form.
		return web.Render(c, http.StatusOK, components.SessionEnded(route.Form.ID))
	}
	q := url.Values{}
	if r.Method == http.MethodGet {
		q.Set("next", r.URL.RequestURI())
	} else {
		id, err := s.keepForm(c, route.Roles)
		if err != nil {
			return err
		}
		if id != "" {
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

// keepForm stores a form posted to a signed-in POST route (one U's role may
// use) by a browser whose session of user U ended (timed out, or ended from
// elsewhere) within the last hour, for U alone, and returns its id. It keeps
// nothing for a request without such a cookie, for a disabled account, for an
// upload or a form over
// store.StashMaxBytes (the sign-in page then says it was not kept), and never
// keeps secret fields (forms.IsSecret).
func (s *Server) keepForm(c echo.Context, roles []auth.Role) (string, error) {
	r := c.Request()
	uid, ok := s.Sessions.EndedUser(c)
	if !ok || r.Method != http.MethodPost { // requireRoles runs only on the route table's routes
		return "", nil
	}
	u, err := s.Store.UserByID(r.Context(), uid)
	if errors.Is(err, store.ErrNotFound) || err == nil && (u.Disabled || !slices.Contains(roles, u.Role)) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	ct := r.Header.Get(echo.HeaderContentType)
	if strings.HasPrefix(ct, echo.MIMEMultipartForm) {
		web.AddFlash(c, web.FlashError, "login.form_upload")
		return "", nil
	}
	if !strings.HasPrefix(ct, echo.MIMEApplicationForm) {
		return "", nil
	}
	vals, err := c.FormParams()
	if err != nil {
		return "", nil // an unreadable body has nothing to keep
	}
	kept, omitted := forms.WithoutSecrets(vals)
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	err = s.Store.StashForm(r.Context(), store.StashedForm{ID: id, UserID: uid, Method: r.Method, Path: r.URL.EscapedPath(),
		Values: kept, Omitted: omitted})
	if errors.Is(err, store.ErrTooLarge) {
		web.AddFlash(c, web.FlashError, "login.form_too_large", strconv.Itoa(store.StashMaxBytes>>20))
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return id, nil
}

// resumeForm offers the viewer's kept form again; they press one button to
// send it, with their own fresh CSRF token. Another user's form, an expired or
// used one, is "expired" for them and stays untouched.
func (s *Server) resumeForm(c echo.Context) error {
	f, err := s.Store.TakeForm(c.Request().Context(), c.Param("id"), web.Current(c).Viewer.ID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !s.isPostRoute(f.Path) {
		web.AddFlash(c, web.FlashInfo, "resume.expired")
		return c.Redirect(http.StatusSeeOther, "/")
	}
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(f.Values))
	for k := range f.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var fields [][2]string
	for _, k := range keys {
		for _, v := range f.Values[k] {
			fields = append(fields, [2]string{k, v})
		}
	}
	return web.Render(c, http.StatusOK, pages.Resume(pages.ResumeProps{Action: f.Path, Fields: fields, Omitted: f.Omitted}))
}

// isPostRoute reports whether path resolves, in the route table, to a POST
// route for signed-in users: a kept form is only ever sent back to one.
func (s *Server) isPostRoute(path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	c := s.echo.NewContext(nil, nil)
	s.echo.Router().Find(http.MethodPost, path, c)
	return s.postRoutes[c.Path()]
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
