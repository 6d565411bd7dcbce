package handlers_test

import (
	"compress/gzip"
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/sandbox"
	"github.com/orgconsole/console/internal/store"
)

func TestLoginUnknownUserAndWrongPasswordLookTheSame(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.Anonymous(t)
	b.Get("/login")
	wrong := b.PostForm("/login", url.Values{"username": {"admin"}, "password": {"not-the-password"}})
	unknown := b.PostForm("/login", url.Values{"username": {"nobody"}, "password": {"not-the-password"}})
	assert.Equal(t, http.StatusUnauthorized, wrong.Status)
	assert.Equal(t, wrong.Status, unknown.Status)
	assert.Equal(t, "用户名或密码不正确。", wrong.Text("[data-testid=login-error]"))
	assert.Equal(t, wrong.Text("[data-testid=login-error]"), unknown.Text("[data-testid=login-error]"))
	assert.Equal(t, "nobody", unknown.Val("#f-username"), "the username is kept")
	assert.Empty(t, unknown.Val("#f-password"), "a password is never echoed back")
}

func TestLoginOverlongFieldsGetFieldErrors(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.Anonymous(t)
	b.Get("/login")
	long := strings.Repeat("a", 33)
	p := b.PostForm("/login", url.Values{"username": {long}, "password": {strings.Repeat("p", 129)}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Text("[data-testid=err-username]"), "最多 32 个字符")
	assert.Contains(t, p.Text("[data-testid=err-password]"), "最多 128 个字符")
	assert.Equal(t, long, p.Val("#f-username"))
}

func TestLoginThrottledAfterTenFailures(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.Anonymous(t)
	b.Get("/login")
	for i := 0; i < auth.PairLimit; i++ {
		p := b.PostForm("/login", url.Values{"username": {"content"}, "password": {"wrong-" + strconv.Itoa(i)}})
		require.Equal(t, http.StatusUnauthorized, p.Status, "attempt %d", i+1)
	}
	// Even the right password is refused now, with a clear time to wait.
	p := b.PostForm("/login", url.Values{"username": {"content"}, "password": {auth.SandboxPassword}})
	assert.Equal(t, http.StatusTooManyRequests, p.Status)
	assert.Equal(t, "登录失败次数过多，请 15 分钟后再试。", p.Text("[data-testid=login-error]"))
	// Another account from the same client is not affected.
	p = b.PostForm("/login", url.Values{"username": {"support"}, "password": {auth.SandboxPassword}})
	assert.Equal(t, http.StatusSeeOther, p.Status)

	entries, total, err := env.App.Store.ListAudit(t.Context(), store.AuditFilter{Action: "login"}, 0, 100)
	require.NoError(t, err)
	assert.Equal(t, auth.PairLimit+1, total, "every failure and the sign-in are in the audit log")
	assert.Equal(t, store.OutcomeFailed, entries[len(entries)-1].Outcome)
}

func TestSignOutInvalidatesTheCookieOnTheServer(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleContent)
	u, _ := url.Parse(env.URL)
	old := b.HTTP.Jar.Cookies(u)
	require.Equal(t, http.StatusOK, b.Get("/").Status)
	p := b.PostForm("/logout", nil)
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/login", p.Location)
	assert.Equal(t, "已退出登录。", b.Follow(p).Text("[data-testid=flash]"))

	replay := env.Anonymous(t)
	replay.HTTP.Jar.SetCookies(u, old)
	p = replay.Get("/")
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.True(t, strings.HasPrefix(p.Location, "/login"), p.Location)
}

func TestGarbageCookieMeansSignedOut(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.Anonymous(t)
	u, _ := url.Parse(env.URL)
	b.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "console_session", Value: "garbage%%%not-a-cookie"}})
	p := b.Get("/")
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, http.StatusOK, b.Get("/login").Status)
}

func TestCSRF(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/admin/users")
	form := url.Values{"username": {"mallory"}, "role": {"admin"}, "password": {"12345678"}, "confirm": {"12345678"}}

	t.Run("missing token", func(t *testing.T) {
		vals := url.Values{"_csrf": {""}}
		for k, v := range form {
			vals[k] = v
		}
		p := b.PostForm("/admin/users", vals)
		assert.Equal(t, http.StatusForbidden, p.Status)
		assert.Equal(t, "请求被拒绝", p.Text("main h1"), "a 403 page in the layout")
	})
	t.Run("wrong token", func(t *testing.T) {
		vals := url.Values{"_csrf": {"forged"}}
		for k, v := range form {
			vals[k] = v
		}
		assert.Equal(t, http.StatusForbidden, b.PostForm("/admin/users", vals).Status)
	})
	t.Run("cross-site fetch metadata", func(t *testing.T) {
		vals := url.Values{"_csrf": {b.CSRF()}}
		for k, v := range form {
			vals[k] = v
		}
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/admin/users", strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		assert.Equal(t, http.StatusForbidden, b.Do(req).Status)
	})
	t.Run("same-origin fetch metadata", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/lang", strings.NewReader("lang=en&next=/"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		assert.Equal(t, http.StatusSeeOther, b.Do(req).Status)
	})
	_, err := env.App.Store.UserByName(t.Context(), "mallory")
	assert.ErrorIs(t, err, store.ErrNotFound, "no forged request created the account")
	t.Run("header token for htmx", func(t *testing.T) {
		b.Get("/admin/users")
		p := b.HTMX(http.MethodPost, "/admin/users", form)
		assert.Equal(t, http.StatusOK, p.Status)
		assert.Equal(t, "/admin/users", p.Header.Get("HX-Redirect"))
	})
}

func TestErrorPagesAndHeaders(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	p := b.Get("/no/such/page")
	assert.Equal(t, http.StatusNotFound, p.Status)
	assert.Equal(t, "页面不存在", p.Text("main h1"))
	assert.True(t, p.Has("[data-testid=nav]"), "inside the layout")

	p = b.Get("/admin/users")
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Equal(t, "无权访问", p.Text("main h1"))

	h := p.Header
	assert.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Contains(t, h.Get("Content-Security-Policy"), "object-src 'none'")
	assert.Contains(t, h.Get("Content-Security-Policy"), "base-uri 'none'")
	assert.Contains(t, h.Get("Content-Security-Policy"), "script-src 'self';")
	assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	assert.NotEmpty(t, h.Get("Referrer-Policy"))
	assert.Empty(t, h.Get("X-XSS-Protection"))
	assert.Empty(t, h.Get("Strict-Transport-Security"), "no HSTS without TLS")
	assert.NotEmpty(t, h.Get("X-Request-Id"))

	for _, src := range p.Doc.Find("script").Nodes {
		for _, a := range src.Attr {
			if a.Key == "src" {
				assert.True(t, strings.HasPrefix(a.Val, "/static/"), "no external script: %s", a.Val)
			}
		}
	}
	assert.NotContains(t, p.Body, "<script>", "no inline script")
	assert.NotContains(t, p.Body, " style=", "no inline style")
}

func TestHSTSBehindTLS(t *testing.T) {
	env := apptest.New(t, map[string]string{"CONSOLE_BEHIND_TLS": "true"})
	p := env.Anonymous(t).Get("/login")
	assert.Contains(t, p.Header.Get("Strict-Transport-Security"), "max-age=")
	for _, c := range p.Header.Values("Set-Cookie") {
		assert.Contains(t, c, "Secure", c)
	}
}

func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.Anonymous(t)
	p := b.Get("/login")
	href, ok := p.Doc.Find(`link[rel=stylesheet]`).Last().Attr("href")
	require.True(t, ok)
	assert.Regexp(t, `^/static/app\.[0-9a-f]{8}\.css$`, href)
	css := b.Get(href)
	assert.Equal(t, http.StatusOK, css.Status)
	assert.Contains(t, css.Header.Get("Cache-Control"), "immutable")
	assert.Equal(t, http.StatusNotFound, b.Get("/static/app.css").Status, "only hashed names are served")

	req, _ := http.NewRequest(http.MethodGet, env.URL+href, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, "text/css; charset=utf-8", resp.Header.Get("Content-Type"))
	zr, err := gzip.NewReader(resp.Body)
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, css.Body, string(plain), "the precompressed copy is the same file")
}

func TestLanguageSwitchSticksAndAcceptLanguageFallback(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.Anonymous(t)
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/login", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	assert.Equal(t, "Sign in", b.Do(req).Text("[data-testid=login-submit]"))
	assert.Equal(t, "登录", b.Get("/login").Text("[data-testid=login-submit]"), "zh-CN by default")
	p := b.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
	assert.Equal(t, "/login", p.Location)
	assert.Equal(t, "Sign in", b.Get("/login").Text("[data-testid=login-submit]"))
	p = b.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"//evil.example/"}})
	assert.Equal(t, "/", p.Location, "next stays on this site")
}

func TestDisablingAUserEndsTheirSessions(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	content := env.As(t, auth.RoleContent)
	require.Equal(t, http.StatusOK, content.Get("/").Status)
	u, err := env.App.Store.UserByName(t.Context(), "content")
	require.NoError(t, err)
	id := strconv.FormatInt(u.ID, 10)

	admin.Get("/admin/users")
	p := admin.PostForm("/admin/users/"+id+"/disable", url.Values{"disabled": {"true"}})
	require.Equal(t, http.StatusSeeOther, p.Status)
	assert.Contains(t, admin.Follow(p).Text("[data-testid=flash]"), "已停用 content")
	assert.Equal(t, http.StatusSeeOther, content.Get("/").Status, "the old session is gone")

	again := env.Anonymous(t)
	again.Get("/login")
	p = again.PostForm("/login", url.Values{"username": {"content"}, "password": {auth.SandboxPassword}})
	assert.Equal(t, "用户名或密码不正确。", p.Text("[data-testid=login-error]"), "a disabled account cannot sign in")
}

func TestEndSessionsAndResetPassword(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	support := env.As(t, auth.RoleSupport)
	u, _ := env.App.Store.UserByName(t.Context(), "support")
	id := strconv.FormatInt(u.ID, 10)
	admin.Get("/admin/users")
	require.Equal(t, http.StatusSeeOther, admin.PostForm("/admin/users/"+id+"/end-sessions", nil).Status)
	assert.Equal(t, http.StatusSeeOther, support.Get("/").Status)

	admin.Get("/admin/users/" + id + "/password")
	p := admin.PostForm("/admin/users/"+id+"/password", url.Values{"password": {"short"}, "confirm": {"short"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Text("[data-testid=err-password]"), "至少 8 个字符")
	p = admin.PostForm("/admin/users/"+id+"/password", url.Values{"password": {"a long new one"}, "confirm": {"a long new one"}})
	require.Equal(t, http.StatusSeeOther, p.Status)
	env.Anonymous(t).Login("support", "a long new one")
}

func TestCreateUserKeepsValuesOnError(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	admin.Get("/admin/users")
	p := admin.PostForm("/admin/users", url.Values{"username": {"Li Wei"}, "display_name": {"李伟"}, "role": {"support"},
		"password": {"12345678"}, "confirm": {"87654321"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.NotEmpty(t, p.Text("[data-testid=err-username]"))
	assert.Equal(t, "两次输入的密码不一致。", p.Text("[data-testid=err-confirm]"))
	assert.Equal(t, "li wei", p.Val("#f-username"))
	assert.Equal(t, "李伟", p.Val("#f-display_name"))
	assert.Equal(t, "support", p.Val("#f-role option[selected]"))

	p = admin.PostForm("/admin/users", url.Values{"username": {"admin"}, "role": {"support"}, "password": {"12345678"}, "confirm": {"12345678"}})
	assert.Equal(t, "该用户名已存在。", p.Text("[data-testid=err-username]"))
}

func TestAuditFilterAndExport(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	env.As(t, auth.RoleSupport)
	p := admin.Get("/audit?actor=support&action=login")
	require.Equal(t, http.StatusOK, p.Status)
	rows := p.Doc.Find("[data-testid=audit-row]")
	assert.Equal(t, 1, rows.Length())
	assert.Contains(t, rows.Text(), "support")

	p = admin.Get("/audit?from=2026-13-01T00:00")
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Equal(t, "2026-13-01T00:00", p.Val("#f-from"), "the filter is kept")

	csv := admin.Get("/audit/export.csv?action=login")
	assert.Equal(t, http.StatusOK, csv.Status)
	assert.True(t, strings.HasPrefix(csv.Body, "\ufeffid,time,actor,action"), csv.Body[:40])
	assert.Equal(t, 3, strings.Count(csv.Body, "\n"), "header + two logins")
}

func TestHealthz(t *testing.T) {
	env := apptest.New(t, nil)
	p := env.Anonymous(t).Get("/healthz")
	assert.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `"status":"ok"`)
}

func TestRequestBodyLimit(t *testing.T) {
	env := apptest.New(t, map[string]string{"CONSOLE_BODY_LIMIT": "1K"})
	b := env.As(t, auth.RoleAdmin)
	b.Get("/admin/users")
	p := b.PostForm("/admin/users", url.Values{"display_name": {strings.Repeat("x", 4096)}})
	assert.Equal(t, http.StatusRequestEntityTooLarge, p.Status)
	assert.Equal(t, "内容过大", p.Text("main h1"))
	assert.Contains(t, p.Text("[data-testid=error-body]"), "1 KB", "the page states the limit")
}

// Faults set on the inspector page reach the platform calls, and the
// status page shows what happened.
func TestInspectorFaultsAndStatusPage(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	admin.Get("/sandbox")
	p := admin.PostForm("/sandbox/faults", url.Values{"platform": {"tze"}, "kind": {"envelope"}, "code": {"100001"},
		"message": {"机构不存在"}, "latency_ms": {"0"}, "times": {"1"}, "path": {"/user/openapi/org/get-org-child-list"}})
	require.Equal(t, http.StatusSeeOther, p.Status)
	page := admin.Follow(p)
	assert.Contains(t, page.Text("[data-testid=fault-tze] [data-testid=fault-current]"), "错误响应（业务错误码）", "the fault in the page's language")

	org := admin.Get("/org")
	assert.Equal(t, "100001", org.Text("[data-testid=upstream-code]"))
	assert.Equal(t, "机构不存在", org.Text("[data-testid=upstream-message]"))

	status := admin.Get("/status")
	row := status.Doc.Find("[data-testid=upstream-status] tr").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.Contains(s.Text(), "tze.cn")
	})
	assert.Contains(t, row.Text(), "机构不存在", "the last error is on the status page")
	assert.Contains(t, row.Text(), "有效", "a fetched token with its expiry")

	reqs := admin.Get("/sandbox?platform=tze")
	assert.Greater(t, reqs.Doc.Find("[data-testid=sandbox-request]").Length(), 0)
	assert.NotContains(t, reqs.Body, "sbx-", "tokens are redacted in the inspector")
}

func TestCheckConnection(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	for _, name := range []string{"chengxun", "scrm", "tze"} {
		admin.Get("/status")
		p := admin.PostForm("/status/probe", url.Values{"platform": {name}})
		assert.Equal(t, http.StatusOK, p.Status, name)
		assert.Contains(t, p.Text("[data-testid=probe-ok]"), "连接正常", name)
	}
	env.App.Sandbox.Faults.Set("scrm", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "40002", Message: "sign mismatch"})
	p := admin.PostForm("/status/probe", url.Values{"platform": {"scrm"}})
	assert.Equal(t, http.StatusBadGateway, p.Status)
	assert.Equal(t, "40002", p.Text("[data-testid=upstream-code]"))
	assert.Equal(t, "sign mismatch", p.Text("[data-testid=upstream-message]"))
	assert.Equal(t, http.StatusBadRequest, admin.PostForm("/status/probe", url.Values{"platform": {"nope"}}).Status)
}

func TestStatusPageShowsTheOrgCache(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	assert.Contains(t, admin.Get("/status").Text("main"), "还没有缓存的组织")
	org := admin.Get("/org/search?q=" + url.QueryEscape("一年级"))
	require.Equal(t, http.StatusOK, org.Status)
	assert.Contains(t, org.Body, "滨江区教育局", "the default org is named")
	row := admin.Get("/status").Doc.Find("[data-testid=orgcache] tbody tr")
	require.Equal(t, 1, row.Length())
	assert.Contains(t, row.Text(), "33010200")
	assert.Contains(t, row.Text(), "18807")
}

// The dashboard leads with the viewer's own work: pushes for admins, sends
// and drafts for content staff, neither for support.
func TestDashboardShowsEachRoleItsWork(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := t.Context()
	content, err := env.App.Store.UserByName(ctx, "content")
	require.NoError(t, err)
	_, err = env.App.Store.SaveDraft(ctx, store.Draft{OwnerID: content.ID, MsgType: "text", Title: "家长会<b>通知</b>", Form: "type=text"})
	require.NoError(t, err)

	p := env.As(t, auth.RoleContent).Get("/")
	assert.Equal(t, "我的草稿（1）", p.Text("[data-testid=dashboard-drafts]"))
	assert.False(t, p.Has("[data-testid=dashboard-pushes]"))
	assert.Contains(t, p.Text("main"), "还没有发送过消息")

	p = env.As(t, auth.RoleAdmin).Get("/")
	assert.Contains(t, p.Text("main"), "还没有推送任务")
	assert.Equal(t, "我的草稿（0）", p.Text("[data-testid=dashboard-drafts]"), "drafts are per user")

	noJob := func(context.Context, *sql.Tx, int64, int) error { return nil } // the send stays queued
	_, _, err = env.App.Store.QueueSend(ctx, store.MessageSend{BusiID: "b-1", MsgType: "oa", Title: "<script>x</script>秋游通知",
		Sender: "content", Recipients: 3, Request: "{}", Form: "type=oa"}, store.AuditEntry{Action: "messages.send"}, noJob)
	require.NoError(t, err)
	_, _, err = env.App.Store.CreatePushJob(ctx, store.PushJob{IdempotencyKey: "k-1", CreatedBy: "admin", TemplateName: "到校看板",
		CardType: "KEYDATA", Target: "accounts", ShowOnAll: true, DataJSON: "{}", TotalAccounts: 450, TotalCalls: 3, Status: store.PushDone},
		nil, store.AuditEntry{Action: "cards.push.create"}, func(context.Context, *sql.Tx, int64, []store.CallRef) error { return nil })
	require.NoError(t, err)
	p = env.As(t, auth.RoleAdmin).Get("/")
	assert.Contains(t, p.Text("[data-testid=dashboard-sends]"), "<script>x</script>秋游通知", "titles are text")
	assert.Contains(t, p.Text("[data-testid=dashboard-sends]"), "排队中")
	assert.Contains(t, p.Text("[data-testid=dashboard-pushes]"), "#1 到校看板")
	assert.Contains(t, p.Text("[data-testid=dashboard-pushes]"), "450 个账号")

	p = env.As(t, auth.RoleSupport).Get("/")
	assert.False(t, p.Has("[data-testid=dashboard-drafts]"))
	assert.NotContains(t, p.Text("main"), "推送")
}
