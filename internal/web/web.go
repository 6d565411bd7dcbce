// Package web is the request-scoped plumbing every handler package shares:
// who is signed in, the language, the CSRF token, flash messages, and one
// render path for templ components (full page or htmx fragment).
package web

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/web/static"
)

// Viewer is the signed-in user as pages see them.
type Viewer struct {
	ID          int64
	Username    string
	DisplayName string
	Role        auth.Role
}

// Name is what the page header shows.
func (v Viewer) Name() string {
	if v.DisplayName != "" {
		return v.DisplayName
	}
	return v.Username
}

// Info is everything the layout and components need about the request. It
// travels in the request context, so templ components read it from ctx.
type Info struct {
	Viewer    *Viewer // nil when signed out
	Lang      i18n.Lang
	CSRF      string
	Flashes   []Flash
	Path      string // request path, for navigation highlighting
	URI       string // path and query, for "next" after language switch/sign-in
	Mode      string // "sandbox" or "live"
	Assets    *static.Assets
	RequestID string
	Nav       []NavItem      // what this viewer may open
	UploadMax int64          // largest file a form may upload (the upload bound or CONSOLE_BODY_LIMIT, whichever is smaller)
	Location  *time.Location // CONSOLE_TIMEZONE; read through Loc and Time (clock.go)
	Form      *EditForm      // the page's form of what is being edited (nil: none)
}

// EditForm is a page's form that holds what the user is editing (the
// message composer, the card editor): the language switch re-sends it so
// switching loses nothing, and a live fragment asked for after the session
// ended offers to re-send it.
type EditForm struct {
	ID     string // the form element's id
	Action string // where it posts (a POST route that renders the page again)
}

// Can reports whether the viewer has one of the roles.
func (i *Info) Can(roles ...auth.Role) bool {
	if i == nil || i.Viewer == nil {
		return false
	}
	for _, r := range roles {
		if i.Viewer.Role == r {
			return true
		}
	}
	return false
}

// Asset returns the hashed URL of a static file.
func (i *Info) Asset(name string) string { return i.Assets.URL(name) }

type infoKey struct{}

// WithInfo attaches the request info to a context.
func WithInfo(ctx context.Context, i *Info) context.Context {
	ctx = context.WithValue(ctx, infoKey{}, i)
	return i18n.WithLang(ctx, i.Lang)
}

// InfoOf returns the request info of a context (an empty one if none, so
// components render in isolation in tests).
func InfoOf(ctx context.Context) *Info {
	if i, ok := ctx.Value(infoKey{}).(*Info); ok {
		return i
	}
	return &Info{Lang: i18n.LangOf(ctx)}
}

// Current returns the info of an Echo request.
func Current(c echo.Context) *Info { return InfoOf(c.Request().Context()) }

// IsHTMX reports an htmx request (it wants a fragment, not a page).
func IsHTMX(c echo.Context) bool {
	return c.Request().Header.Get("HX-Request") == "true" && c.Request().Header.Get("HX-History-Restore-Request") != "true"
}

// Render writes a component with a status. It renders into a buffer first, so
// a template error becomes a clean 500 page instead of half a page.
func Render(c echo.Context, status int, comp templ.Component) error {
	info := Current(c)
	if !IsHTMX(c) {
		info.Flashes = TakeFlashes(c)
	}
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	return c.Blob(status, echo.MIMETextHTMLCharsetUTF8, buf.Bytes())
}

// SeeOther redirects after a successful POST (303: the browser GETs the target).
func SeeOther(c echo.Context, url string) error {
	if IsHTMX(c) {
		c.Response().Header().Set("HX-Redirect", url)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// T translates in the request's language.
func T(c echo.Context, key string, args ...any) string {
	return i18n.Tr(Current(c).Lang, key, args...)
}

// Actor is the username for audit entries ("-" when signed out).
func Actor(c echo.Context) string {
	if v := Current(c).Viewer; v != nil {
		return v.Username
	}
	return "-"
}
