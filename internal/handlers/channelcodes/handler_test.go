package channelcodes_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/scrm"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/csvexport/csvtest"
	"github.com/orgconsole/console/internal/handlers/channelcodes"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/static"
)

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// bare serves one handler with a signed-in viewer, outside the console's
// router: for clients the app wiring would not build (wrong secret, skewed
// clock) and for upstream behaviour the sandbox cannot produce.
func bare(t *testing.T, h *channelcodes.Handler) string {
	t.Helper()
	srv := httptest.NewServer(bareEcho(t, h))
	t.Cleanup(srv.Close)
	return srv.URL
}

func bareB(b *testing.B, h *channelcodes.Handler) string {
	srv := httptest.NewServer(bareEcho(b, h))
	b.Cleanup(srv.Close)
	return srv.URL
}

func bareEcho(t testing.TB, h *channelcodes.Handler) *echo.Echo {
	assets, err := static.NewAssets()
	require.NoError(t, err)
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			info := &web.Info{Lang: i18n.ZH, Assets: assets, Path: c.Request().URL.Path,
				Viewer: &web.Viewer{ID: 1, Username: "support", Role: auth.RoleSupport}}
			c.SetRequest(c.Request().WithContext(web.WithInfo(c.Request().Context(), info)))
			return next(c)
		}
	})
	e.GET("/channel-codes", h.List)
	e.GET("/channel-codes/export.csv", h.Export)
	e.GET("/channel-codes/qr/:file", h.QR)
	return e
}

func get(t *testing.T, url string) (*http.Response, string, *goquery.Document) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(b)))
	require.NoError(t, err)
	return resp, string(b), doc
}

// A real signature mismatch: the console's client signs with a wrong secret
// against the env's sandbox, which rejects the sign.
func TestWrongSecretPointsAtTheSettings(t *testing.T) {
	env := apptest.New(t, nil)
	cfg := env.App.Config.SCRM
	signer, err := scrm.NewSigner(cfg.SignAlgo, "not-the-secret")
	require.NoError(t, err)
	client := scrm.New(upstream.Config{BaseURL: cfg.BaseURL, Timeout: 3 * time.Second},
		scrm.Credentials{AppID: cfg.AppID, AppKey: cfg.AppKey}, signer)
	srv := bare(t, channelcodes.New(channelcodes.Config{Codes: client, SCRMBaseURL: cfg.BaseURL}))

	resp, _, doc := get(t, srv+"/channel-codes?name=%E6%8B%9B%E7%94%9F&size=30")
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	hint := doc.Find("[data-testid=cc-sign-hint]").Text()
	for _, v := range []string{"CONSOLE_SCRM_APP_ID", "CONSOLE_SCRM_APP_KEY", "CONSOLE_SCRM_SECRET", "CONSOLE_SCRM_SIGN"} {
		assert.Contains(t, hint, v)
	}
	assert.Equal(t, scrm.CodeBadSignature, strings.TrimSpace(doc.Find("[data-testid=upstream-code]").Text()))
	v, _ := doc.Find("[name=name]").Attr("value")
	assert.Equal(t, "招生", v, "filters kept")
	assert.NotContains(t, doc.Text(), "not-the-secret", "the secret never reaches a page")

	// A wrong appKey is a credentials rejection: the same settings hint.
	client = scrm.New(upstream.Config{BaseURL: cfg.BaseURL, Timeout: 3 * time.Second},
		scrm.Credentials{AppID: cfg.AppID, AppKey: "wrong"}, signer)
	srv = bare(t, channelcodes.New(channelcodes.Config{Codes: client, SCRMBaseURL: cfg.BaseURL}))
	_, _, doc = get(t, srv+"/channel-codes")
	assert.Equal(t, 1, doc.Find("[data-testid=cc-sign-hint]").Length())
}

// A real timestamp rejection: the client's clock is 10 minutes fast.
func TestSkewedClockPointsAtTheServerClock(t *testing.T) {
	env := apptest.New(t, nil)
	cfg := env.App.Config.SCRM
	signer, err := scrm.NewSigner(cfg.SignAlgo, cfg.Secret)
	require.NoError(t, err)
	client := scrm.New(upstream.Config{BaseURL: cfg.BaseURL, Timeout: 3 * time.Second},
		scrm.Credentials{AppID: cfg.AppID, AppKey: cfg.AppKey}, signer,
		scrm.WithClock(func() time.Time { return time.Now().Add(10 * time.Minute) }))
	srv := bare(t, channelcodes.New(channelcodes.Config{Codes: client, SCRMBaseURL: cfg.BaseURL}))
	resp, _, doc := get(t, srv+"/channel-codes")
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Contains(t, doc.Find("[data-testid=cc-clock-hint]").Text(), "时钟")
	assert.Equal(t, 0, doc.Find("[data-testid=cc-sign-hint]").Length())
}

// brokenWalk yields some codes, then fails like the platform would.
type brokenWalk struct {
	codes []scrm.ChannelCode
	err   error
}

func (b brokenWalk) List(context.Context, scrm.ListRequest) (scrm.ListPage, error) {
	return scrm.ListPage{Codes: b.codes, End: true}, nil
}

func (b brokenWalk) Walk(_ context.Context, _ scrm.ListRequest, fn func(scrm.ChannelCode) error) error {
	for _, c := range b.codes {
		if err := fn(c); err != nil {
			return err
		}
	}
	return b.err
}

// A platform failure mid-export ends the file with a line that says so,
// instead of a silently short file.
func TestExportBrokenOffEndsWithAnErrorLine(t *testing.T) {
	codes := []scrm.ChannelCode{
		{ID: 527448137486400, State: "=HYPERLINK(\"http://x\")", Description: "+1 正常描述", GroupID: 11, GroupName: "@组", CreatorID: 389394161352768, Users: []int64{389394161352768}, CreateTime: "2026-03-31 10:00:00"},
		{ID: 9007199254740993, State: "-2", Users: []int64{1, 2}, BackendUsers: []int64{3}},
	}
	fail := &upstream.APIError{Platform: upstream.SCRM, Kind: upstream.KindAPI, Code: "50000", Message: "系统繁忙"}
	srv := bare(t, channelcodes.New(channelcodes.Config{Codes: brokenWalk{codes: codes, err: fail}}))
	resp, body, _ := get(t, srv+"/channel-codes/export.csv")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rows := csvtest.Read(t, body)
	require.Len(t, rows, 4) // header, 2 codes, the error line
	assert.Equal(t, "527448137486400", csvtest.ID(rows[1][0]))
	assert.Equal(t, "9007199254740993", csvtest.ID(rows[2][0]))
	assert.Equal(t, "'=HYPERLINK(\"http://x\")", rows[1][1], "formula defused")
	assert.Equal(t, "'+1 正常描述", rows[1][2])
	assert.Equal(t, "'@组", rows[1][4])
	assert.Equal(t, "'-2", rows[2][1])
	assert.Equal(t, "389394161352768", csvtest.ID(rows[1][6]), "a single staff id is not rounded either")
	assert.Equal(t, "1;2", csvtest.ID(rows[2][6]))
	assert.Equal(t, "", rows[2][3], "no group: empty cell")
	last := rows[3]
	assert.True(t, strings.HasPrefix(last[0], csvexport.IncompleteMark), last[0])
	assert.Contains(t, last[0], "导出未完成")
	assert.Contains(t, last[0], "50000")
	assert.Contains(t, last[0], "系统繁忙")
}

// A live platform may serve codeUrl images from a CDN host: allowed only
// when configured, and only for an address a listing handed out.
func TestQRFromAConfiguredCDNHost(t *testing.T) {
	var fetched []string
	cdn := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched = append(fetched, r.URL.Path)
		if r.URL.Path != "/q/5.png" {
			_, _ = w.Write([]byte(`{"not":"a png"}`))
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG\r\n\x1a\nrest"))
	}))
	u := strings.TrimPrefix(cdn, "http://")
	codes := brokenWalk{codes: []scrm.ChannelCode{{ID: 5, State: "五", CodeURL: cdn + "/q/5.png"}, {ID: 6, State: "六", CodeURL: cdn + "/q/6.json"}}}

	allowed := bare(t, channelcodes.New(channelcodes.Config{Codes: codes, SCRMBaseURL: "https://open.scrm.example", QRHosts: []string{u}}))
	resp, _, doc := get(t, allowed+"/channel-codes")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	src, _ := doc.Find("[data-testid=cc-row] img.cc-thumb").First().Attr("src")
	assert.Equal(t, "/channel-codes/qr/5.png", src, "the link names the code, not an address")
	resp, body, _ := get(t, allowed+src)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "\x89PNG\r\n\x1a\nrest", body)
	resp, _, _ = get(t, allowed+"/channel-codes/qr/6.png")
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode, "a listed address that is not a PNG is not passed on")
	assert.Equal(t, []string{"/q/5.png", "/q/6.json"}, fetched)

	fetched = nil
	refused := bare(t, channelcodes.New(channelcodes.Config{Codes: codes, SCRMBaseURL: "https://open.scrm.example"}))
	_, _, doc = get(t, refused+"/channel-codes")
	assert.Equal(t, 0, doc.Find("img.cc-thumb").Length(), "no image from a host not configured")
	resp, _, _ = get(t, refused+"/channel-codes/qr/5.png?u="+url.QueryEscape(cdn+"/q/5.png"))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Empty(t, fetched, "nothing was fetched")
}

// gatedWalk holds the walk until the test opens the gate, then yields
// endless pages of 100 codes, stopping only when the context ends; done
// receives what the walk returned.
type gatedWalk struct {
	gate chan struct{}
	done chan error
}

func (g gatedWalk) List(context.Context, scrm.ListRequest) (scrm.ListPage, error) {
	return scrm.ListPage{End: true}, nil
}

func (g gatedWalk) Walk(ctx context.Context, _ scrm.ListRequest, fn func(scrm.ChannelCode) error) (err error) {
	defer func() { g.done <- err }()
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	for id := int64(1); ; id++ {
		if id%100 == 1 { // a page boundary: the real client's List would see the cancelled context
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := fn(scrm.ChannelCode{ID: 527448137486400 + id, State: "招生活码", CreateTime: "2026-03-31 10:00:00"}); err != nil {
			return err
		}
	}
}

// The browser sees the download (status, file name, BOM and header row)
// before the platform has answered anything; when the browser goes away the
// walk stops instead of fetching every page.
func TestExportStartsAtOnceAndStopsWhenTheBrowserLeaves(t *testing.T) {
	g := gatedWalk{gate: make(chan struct{}), done: make(chan error, 1)}
	srv := bare(t, channelcodes.New(channelcodes.Config{Codes: g}))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv+"/channel-codes/export.csv", nil)
	require.NoError(t, err)
	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			got <- resp
		}
	}()
	var resp *http.Response
	select {
	case resp = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no response headers while the platform had not answered")
	}
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Disposition"), "attachment")
	head := make([]byte, len("\ufeff活码 ID,"))
	_, err = io.ReadFull(resp.Body, head)
	require.NoError(t, err, "BOM and header row sent before the first page")
	assert.Equal(t, "\ufeff活码 ID,", string(head))

	close(g.gate)
	_, err = io.ReadFull(resp.Body, make([]byte, 64<<10)) // some rows arrive
	require.NoError(t, err)
	cancel() // the browser goes away
	select {
	case err := <-g.done:
		assert.Error(t, err, "the walk ended because the browser left")
	case <-time.After(10 * time.Second):
		t.Fatal("the walk went on after the browser left")
	}
}
