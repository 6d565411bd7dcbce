// Package apptest runs the whole console for tests: real configuration, the
// real sandbox on loopback, the real router behind an httptest server, and
// browsers with cookie jars that sign in through the login form and scrape
// CSRF tokens from the pages they load.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/app"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/config"
	"github.com/orgconsole/console/internal/store"
)

// Env is one running console.
type Env struct {
	App   *app.App
	URL   string
	srv   *httptest.Server
	close sync.Once
}

// New starts a console in sandbox mode with its own data directory. env
// overrides CONSOLE_* variables.
func New(t testing.TB, env map[string]string) *Env {
	t.Helper()
	vars := map[string]string{
		"CONSOLE_DATA_DIR":            t.TempDir(),
		"CONSOLE_SANDBOX_ADDR":        "127.0.0.1:0",
		"CONSOLE_UPSTREAM_TIMEOUT":    "10s", // generous: a loaded test machine is slow; tests of the budget set their own
		"CONSOLE_LOG_LEVEL":           "error",
		"CONSOLE_PUSH_RATE":           "0",
		"CONSOLE_RETRY_BACKOFF":       "20ms",
		"CONSOLE_PASSWORD_MEMORY_KIB": "256",
		// The demo feed would push at start and show in every list; its own
		// tests turn it on.
		"CONSOLE_SANDBOX_DEMO_FEED": "false",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.Build(context.Background(), cfg, log)
	require.NoError(t, err)
	srv := httptest.NewServer(a.Echo)
	e := &Env{App: a, URL: srv.URL, srv: srv}
	t.Cleanup(e.Close)
	return e
}

// Close stops the console (as the end of the test does): a test that
// restarts one on the same CONSOLE_DATA_DIR stops the first one itself.
func (e *Env) Close() {
	e.close.Do(func() {
		e.srv.Close()
		e.App.Close()
	})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Browser is a cookie-keeping client.
type Browser struct {
	t    testing.TB
	env  *Env
	HTTP *http.Client
	csrf string // last token scraped from a page
}

// Anonymous returns a browser that is not signed in.
func (e *Env) Anonymous(t testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, env: e, HTTP: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // tests look at redirects themselves
		},
	}}
}

// At is a console running elsewhere (another process, another replica).
func At(url string) *Env { return &Env{URL: url} }

// On returns the same browser (its cookies) talking to another console, as
// a load balancer would send it to another replica.
func (b *Browser) On(e *Env) *Browser {
	return &Browser{t: b.t, env: e, HTTP: b.HTTP, csrf: b.csrf}
}

// As returns a browser signed in as a demo account (admin, content, support).
func (e *Env) As(t testing.TB, role auth.Role) *Browser {
	b := e.Anonymous(t)
	b.Login(string(role), auth.SandboxPassword)
	return b
}

// Login signs in through the form, requires success and, as a browser does,
// opens the page it lands on (signing in rotates the CSRF token: the token
// of that page is the one that works now).
func (b *Browser) Login(username, password string) {
	b.t.Helper()
	b.Get("/login")
	p := b.PostForm("/login", url.Values{"username": {username}, "password": {password}})
	require.Equal(b.t, http.StatusSeeOther, p.Status, "login as %s: %s", username, p.Text("[data-testid=login-error]"))
	b.Follow(p)
}

// Page is a response with its parsed document.
type Page struct {
	Status   int
	Header   http.Header
	Body     string
	Doc      *goquery.Document
	Location string
}

// Text is the trimmed text of the first element matching sel.
func (p *Page) Text(sel string) string { return strings.TrimSpace(p.Doc.Find(sel).First().Text()) }

// Has reports whether sel matches anything.
func (p *Page) Has(sel string) bool { return p.Doc.Find(sel).Length() > 0 }

// Val is the value attribute of the first element matching sel.
func (p *Page) Val(sel string) string { v, _ := p.Doc.Find(sel).First().Attr("value"); return v }

// Get loads a page.
func (b *Browser) Get(path string) *Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.env.URL+path, nil)
	require.NoError(b.t, err)
	return b.Do(req)
}

// Do sends a request and parses the answer; it keeps the page's CSRF token.
func (b *Browser) Do(req *http.Request) *Page {
	b.t.Helper()
	resp, err := b.HTTP.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	require.NoError(b.t, err)
	if tok, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok {
		b.csrf = tok
	}
	return &Page{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Doc: doc, Location: resp.Header.Get("Location")}
}

// CSRF is the token scraped from the last page that had a form.
func (b *Browser) CSRF() string { return b.csrf }

// PostForm submits a url-encoded form with the scraped CSRF token (unless the
// values already carry _csrf).
func (b *Browser) PostForm(path string, vals url.Values) *Page {
	b.t.Helper()
	if vals == nil {
		vals = url.Values{}
	}
	if _, ok := vals["_csrf"]; !ok {
		vals.Set("_csrf", b.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, b.env.URL+path, strings.NewReader(vals.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}

// HTMX sends an htmx-style request (HX-Request header, token in X-CSRF-Token).
func (b *Browser) HTMX(method, path string, vals url.Values) *Page {
	b.t.Helper()
	var body io.Reader
	if vals != nil {
		body = strings.NewReader(vals.Encode())
	}
	req, err := http.NewRequest(method, b.env.URL+path, body)
	require.NoError(b.t, err)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", b.csrf)
	if vals != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.Do(req)
}

// Follow GETs the Location of a redirect.
func (b *Browser) Follow(p *Page) *Page {
	b.t.Helper()
	require.NotEmpty(b.t, p.Location, "not a redirect: %d", p.Status)
	u, err := url.Parse(p.Location)
	require.NoError(b.t, err)
	return b.Get(u.RequestURI())
}

// AddUser creates an account with a password straight in the store (the
// demo accounts are one per role; four-eyes tests need a second admin).
func (e *Env) AddUser(t testing.TB, username string, role auth.Role, password string) {
	t.Helper()
	hash, err := auth.NewHasher(256, 1).Hash(context.Background(), password)
	require.NoError(t, err)
	_, err = e.App.Store.CreateUser(context.Background(), store.User{Username: username, DisplayName: username, Role: role, PasswordHash: hash},
		store.AuditEntry{Actor: "test", Action: "user.create", Target: username})
	require.NoError(t, err)
}

// SecondAdmin adds an admin named username and returns a browser signed in as them.
func (e *Env) SecondAdmin(t testing.TB, username string) *Browser {
	t.Helper()
	const password = "second-admin-pw"
	e.AddUser(t, username, auth.RoleAdmin, password)
	b := e.Anonymous(t)
	b.Login(username, password)
	return b
}
