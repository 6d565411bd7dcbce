// Package handlers is the console's HTTP surface: the Echo server, its
// middleware, the route table (routes.go) and the foundation's pages. Feature
// areas live in subpackages (cards, messages, channelcodes, org) and are
// listed in the same route table.
package handlers

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/labstack/gommon/bytes"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/config"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/jobs"
	"github.com/orgconsole/console/internal/orgcache"
	"github.com/orgconsole/console/internal/sandbox"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/static"
	"github.com/orgconsole/console/web/templates/pages"
)

// StatusSource is an upstream client as the status page sees it.
type StatusSource interface {
	Status() upstream.Status
}

// Upstream is one platform on the status page: its client's health, and a
// probe that makes one harmless read call ("check connection").
type Upstream struct {
	Name   string // form value, e.g. "chengxun"
	Source StatusSource
	Probe  func(ctx context.Context) error
}

// Deps is everything the handlers need, built once by the app.
type Deps struct {
	Config    config.Config
	Store     *store.Store
	Hasher    *auth.Hasher
	Sessions  *web.Sessions
	Assets    *static.Assets
	Log       *slog.Logger
	Sandbox   *sandbox.Server // nil in live mode
	Upstreams []Upstream
	OrgCache  *orgcache.Cache // shown on the status page
	Jobs      JobQueue        // shown on the status page
	Features  Features
	Now       func() time.Time
}

// JobQueue is what the status page reads of the job queue (internal/jobs).
type JobQueue interface {
	Status(ctx context.Context) (jobs.Status, error)
}

// Server holds the dependencies of the foundation's handlers.
type Server struct {
	Deps
	nav          []navEntry
	echo         *echo.Echo
	postRoutes   map[string]bool // paths of the POST routes for signed-in users (kept forms go only there)
	uploadRoutes map[string]bool // paths of the POST routes that take files (Route.Upload)
	editForms    map[string]bool // where the pages' edit forms post (the language switch re-sends only there)
	bodyLimit    int64           // CONSOLE_BODY_LIMIT in bytes
	proxies      []*net.IPNet    // CONSOLE_TRUSTED_PROXIES
}

// New builds the Echo instance with every route of the route table.
func New(d Deps) (*echo.Echo, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{Deps: d, postRoutes: map[string]bool{}, editForms: map[string]bool{}, uploadRoutes: map[string]bool{}, proxies: parseCIDRs(d.Config.TrustedProxy)}
	var err error
	if s.bodyLimit, err = bytes.Parse(d.Config.BodyLimit); err != nil || s.bodyLimit <= 0 {
		return nil, fmt.Errorf("CONSOLE_BODY_LIMIT: not a size like 12M: %q", d.Config.BodyLimit)
	}
	e := echo.New()
	s.echo = e
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = ipExtractor(s.proxies)
	e.HTTPErrorHandler = s.errorHandler

	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(s.recoverMiddleware)
	e.Use(s.requestID)
	e.Use(s.logMiddleware)
	e.Use(s.securityHeaders)
	e.Use(s.infoMiddleware)
	e.Use(s.upstreamBudget)
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: d.Config.BodyLimit, Skipper: s.isUpload}))
	e.Use(s.readUploads)                                                                                 // the upload routes' bound instead of the body limit
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024, Skipper: isAsset})) // assets are gzipped once at start
	e.Use(skipAssets(d.Sessions.Middleware))
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper:        isAsset,
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     csrfCookie,
		CookiePath:     "/",
		CookieMaxAge:   int((24 * time.Hour).Seconds()),
		CookieHTTPOnly: true,
		CookieSecure:   d.Config.TLS(),
		CookieSameSite: http.SameSiteLaxMode,
		ContextKey:     "csrf",
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "csrf").SetInternal(err)
		},
	}))
	e.Use(s.csrfToInfo)
	e.Use(skipAssets(s.navMiddleware))

	if err := s.register(e, s.routes()); err != nil {
		return nil, err
	}
	return e, nil
}

// csrfCookie keeps the CSRF token (Echo's CSRF middleware).
const csrfCookie = "console_csrf"

// rotateCSRF drops the CSRF cookie at sign-in and sign-out: the next page gets
// a new token, and every token issued before stops working. (This response
// already carries the middleware's cookie; the later Set-Cookie wins.)
func (s *Server) rotateCSRF(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: csrfCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Config.TLS(),
		SameSite: http.SameSiteLaxMode})
}

func isAsset(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz"
}

func skipAssets(mw echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		wrapped := mw(next)
		return func(c echo.Context) error {
			if isAsset(c) {
				return next(c)
			}
			return wrapped(c)
		}
	}
}

func parseCIDRs(cidrs []string) []*net.IPNet {
	var out []*net.IPNet
	for _, c := range cidrs {
		if _, n, err := net.ParseCIDR(c); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// ipExtractor trusts X-Forwarded-For only from configured proxies; without any,
// the TCP peer is the client (a client cannot pick its own IP to dodge throttling).
func ipExtractor(proxies []*net.IPNet) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range proxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// fromTrustedProxy reports whether the TCP peer is one of CONSOLE_TRUSTED_PROXIES.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	for _, n := range s.proxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// requestIDPattern is what a proxy's X-Request-Id may look like to be kept
// (UUIDs, hex, base32/64 ids); anything else is replaced.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:+/=-]{1,128}$`)

// requestID names every request in logs and on error pages. A client's own
// X-Request-Id is taken only from a trusted proxy (which set it for its own
// logs); anyone else could plant ids to confuse or forge log trails, so theirs
// is replaced by a fresh one.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !requestIDPattern.MatchString(id) || !s.fromTrustedProxy(c.Request()) {
			id = rand.Text()
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// upstreamBudget gives each request one upstream budget: however many calls,
// token fetches and retries a page makes, together they wait at most
// CONSOLE_UPSTREAM_TIMEOUT, so a hung platform cannot hold a page past it.
func (s *Server) upstreamBudget(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		c.SetRequest(r.WithContext(upstream.WithBudget(r.Context(), s.Config.UpstreamTO)))
		return next(c)
	}
}

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.Config.TLS() {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if !isAsset(c) {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

func (s *Server) infoMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s.attachInfo(c)
		return next(c)
	}
}

// attachInfo gives the request what the layout needs to render.
func (s *Server) attachInfo(c echo.Context) {
	r := c.Request()
	info := &web.Info{
		Lang:      langOf(r),
		Path:      r.URL.Path,
		URI:       r.URL.RequestURI(),
		Mode:      string(s.Config.Mode),
		Assets:    s.Assets,
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
		UploadMax: min(forms.MaxUploadBytes, s.bodyLimit),
		Location:  s.Config.Location,
	}
	c.SetRequest(r.WithContext(web.WithInfo(r.Context(), info)))
}

// LangCookie remembers the language switch.
const LangCookie = "console_lang"

func langOf(r *http.Request) i18n.Lang {
	if ck, err := r.Cookie(LangCookie); err == nil {
		if l, ok := i18n.Parse(ck.Value); ok {
			return l
		}
	}
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

func (s *Server) csrfToInfo(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if tok, ok := c.Get("csrf").(string); ok {
			web.Current(c).CSRF = tok
		}
		return next(c)
	}
}

func (s *Server) logMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := s.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		if isAsset(c) && c.Response().Status < 400 {
			return nil
		}
		// Path only: queries may carry search terms; bodies, cookies and tokens are never logged.
		attrs := []any{
			"method", c.Request().Method, "path", c.Request().URL.Path, "status", c.Response().Status,
			"ms", s.Now().Sub(start).Milliseconds(), "ip", c.RealIP(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
		}
		if v := web.Current(c).Viewer; v != nil {
			attrs = append(attrs, "user", v.Username)
		}
		level := slog.LevelInfo
		if c.Response().Status >= 500 {
			level = slog.LevelError
		}
		s.Log.Log(c.Request().Context(), level, "request", attrs...)
		return nil
	}
}

func (s *Server) recoverMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.Log.Error("panic", "path", c.Request().URL.Path, "panic", r)
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}

// errorHandler renders every error as a page in the layout: never a stack
// trace, a Go error string or a blank page.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
	}
	if errors.Is(err, context.Canceled) {
		code = 499
	}
	p := pages.ErrorProps{Status: code, RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	switch {
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		code = http.StatusNotFound
		p.TitleKey, p.BodyKey = "error.404.title", "error.404.body"
	case code == http.StatusForbidden && he != nil && he.Message == "csrf":
		p.TitleKey, p.BodyKey = "error.csrf.title", "error.csrf.body"
	case code == http.StatusForbidden:
		p.TitleKey, p.BodyKey = "error.403.title", "error.403.body"
	case code == http.StatusRequestEntityTooLarge:
		p.TitleKey, p.BodyKey, p.BodyArgs = "error.413.title", "error.413.body", []any{forms.SizeText(s.bodyLimit)}
	case code >= 400 && code < 500:
		p.TitleKey, p.BodyKey = "error.400.title", "error.400.body"
	default:
		code = http.StatusInternalServerError
		s.Log.Error("handler error", "path", c.Request().URL.Path, "err", err, "request_id", p.RequestID)
		p.TitleKey, p.BodyKey = "error.500.title", "error.500.body"
	}
	p.Status = code
	if web.Current(c).Assets == nil {
		s.attachInfo(c) // the error happened before the request info existed
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	if rerr := web.Render(c, code, pages.Error(p)); rerr != nil {
		s.Log.Error("error page", "err", rerr)
		_ = c.String(code, http.StatusText(code))
	}
}

// uploadDiscard is how much of an upload route's body is read and dropped
// beyond CONSOLE_BODY_LIMIT (a file over its bound streams on into nothing),
// so the browser finishes sending and shows the form again with the error.
// A body announced larger than both is refused before reading.
const uploadDiscard = 100 << 20

// isUpload reports whether the request is a multipart form to a route that
// takes files: readUploads bounds it instead of the body limit.
func (s *Server) isUpload(c echo.Context) bool {
	r := c.Request()
	return r.Method == http.MethodPost && s.uploadRoutes[c.Path()] &&
		strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm)
}

// readUploads reads an upload route's multipart form before anything else
// asks for it (the CSRF check reads the token from it), with memory bounded
// by CONSOLE_BODY_LIMIT: a file over its bound is dropped and marked, the
// other fields are kept, and the handler shows the form again with the
// error (web.Uploaded). Text fields alone over the limit are a 413 page.
func (s *Server) readUploads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.isUpload(c) {
			return next(c)
		}
		r := c.Request()
		if r.ContentLength > s.bodyLimit+uploadDiscard {
			return echo.ErrStatusRequestEntityTooLarge
		}
		vals, ups, err := web.ReadMultipart(r, web.UploadLimits{Keep: s.bodyLimit, File: forms.MaxUploadBytes, Discard: uploadDiscard})
		switch {
		case errors.Is(err, web.ErrFieldsTooLarge):
			return echo.ErrStatusRequestEntityTooLarge
		case err != nil:
			return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
		}
		// What ParseMultipartForm would have set: later readers of the form
		// (CSRF, c.FormParams) take it from here and never touch the body.
		form := r.URL.Query()
		for k, v := range vals {
			form[k] = append(form[k], v...)
		}
		r.Form, r.PostForm, r.MultipartForm = form, vals, &multipart.Form{Value: vals}
		c.SetRequest(r.WithContext(web.WithUploads(r.Context(), ups)))
		return next(c)
	}
}
