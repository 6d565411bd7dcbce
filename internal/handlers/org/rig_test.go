package org

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/orgcache"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/static"
)

// rig is the org handler against its own sandbox, so tests can seed the fake
// with options the app wiring does not expose (orphans, cycles, XSS names).
// The routes mirror the route table; session and CSRF middleware are the
// full-router tests' business (org_router_test.go).
type rig struct {
	t      testing.TB
	sb     *sandbox.Server
	fake   *fake.Fake
	client *tze.Client
	h      *Handler
	srv    *httptest.Server
	lang   i18n.Lang
}

func newRig(t testing.TB, opts ...fake.Option) *rig {
	t.Helper()
	tokens := sandbox.NewTokens(time.Hour)
	f := fake.New(tokens, append([]fake.Option{fake.WithCredentials("app", "secret")}, opts...)...)
	sb := sandbox.New(nil)
	sb.Add(f)
	require.NoError(t, sb.Start("127.0.0.1:0"))
	t.Cleanup(func() { _ = sb.Close() })
	base := sb.BaseURL("tze")
	c := tze.New(upstream.Config{Platform: upstream.Tze, BaseURL: base, Timeout: 30 * time.Second, Backoff: time.Millisecond,
		Tokens: upstream.NewCachedToken(tze.TokenFetcher(base+tze.DefaultTokenPath, "app", "secret", nil), time.Minute)})
	h := New(c, orgcache.New(orgcache.TzeFetch(c), 10*time.Minute), fake.SeedBureauID)
	r := &rig{t: t, sb: sb, fake: f, client: c, h: h, lang: i18n.ZH}

	assets, err := static.NewAssets()
	require.NoError(t, err)
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			info := &web.Info{Lang: r.lang, Assets: assets, CSRF: "test-csrf", Path: c.Request().URL.Path,
				URI: c.Request().URL.RequestURI(), Mode: "sandbox",
				Viewer: &web.Viewer{ID: 1, Username: "support", Role: auth.RoleSupport}}
			c.SetRequest(c.Request().WithContext(web.WithInfo(c.Request().Context(), info)))
			return next(c)
		}
	})
	e.GET("/org", h.Tree)
	e.GET("/org/children", h.Children)
	e.GET("/org/node/:id", h.Node)
	e.GET("/org/search", h.Search)
	e.POST("/org/refresh", h.Refresh)
	e.GET("/org/export.csv", h.Export)
	e.GET("/org/picker/search", h.PickerSearch)
	e.GET("/org/picker/browse", h.PickerBrowser)
	e.POST("/org/picker/chip", h.PickerChip)
	e.POST("/org/picker/remove", h.PickerRemove)
	e.Any("/host", r.hostForm) // a test-only host page embedding the picker
	r.srv = httptest.NewServer(e)
	t.Cleanup(r.srv.Close)
	return r
}

// page is one answer.
type page struct {
	Status int
	Body   string
	Header http.Header
	Doc    *goquery.Document
}

func (p *page) Text(sel string) string { return strings.TrimSpace(p.Doc.Find(sel).First().Text()) }
func (p *page) Has(sel string) bool    { return p.Doc.Find(sel).Length() > 0 }

func (r *rig) do(method, path string, form url.Values, htmx bool) *page {
	r.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, r.srv.URL+path, body)
	require.NoError(r.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	require.NoError(r.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(r.t, err)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(b)))
	require.NoError(r.t, err)
	return &page{Status: res.StatusCode, Body: string(b), Header: res.Header, Doc: doc}
}

func (r *rig) get(path string) *page  { return r.do(http.MethodGet, path, nil, false) }
func (r *rig) htmx(path string) *page { return r.do(http.MethodGet, path, nil, true) }
func (r *rig) post(path string, vals url.Values) *page {
	return r.do(http.MethodPost, path, vals, false)
}
func (r *rig) htmxPost(path string, vals url.Values) *page {
	return r.do(http.MethodPost, path, vals, true)
}

// orgCalls counts the org child list calls the fake received with these query values.
func (r *rig) orgCalls(match map[string]string) int {
	n := 0
	for _, req := range r.sb.Recorder.Requests("tze", fake.OrgChildListPath) {
		q, _ := url.ParseQuery(req.Query)
		ok := true
		for k, v := range match {
			if q.Get(k) != v {
				ok = false
			}
		}
		if ok {
			n++
		}
	}
	return n
}

var errStop = errors.New("stop")
