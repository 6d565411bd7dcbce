package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
)

// Each role signs in and sees exactly its navigation.
func TestJourneyNavigationByRole(t *testing.T) {
	cases := []struct {
		role      auth.Role
		visible   []string
		invisible []string
	}{
		{auth.RoleAdmin, []string{"nav-dashboard", "nav-users", "nav-audit", "nav-status", "nav-sandbox"}, nil},
		{auth.RoleContent, []string{"nav-dashboard"}, []string{"nav-users", "nav-audit", "nav-status", "nav-sandbox"}},
		{auth.RoleSupport, []string{"nav-dashboard"}, []string{"nav-users", "nav-audit", "nav-status", "nav-sandbox"}},
	}
	for _, c := range cases {
		t.Run(string(c.role), func(t *testing.T) {
			b := Start(t, nil)
			b.Login(c.role)
			for _, id := range c.visible {
				assert.Equal(t, 1, b.Count(`[data-testid=nav] [data-testid=`+id+`]`), id)
			}
			for _, id := range c.invisible {
				assert.Equal(t, 0, b.Count(`[data-testid=`+id+`]`), id)
			}
			b.Shot("dashboard-" + string(c.role))
		})
	}
}

// The admin pages render in a real browser; the screenshots are for people.
func TestJourneyAdminPages(t *testing.T) {
	b := Start(t, nil)
	b.Open("/login")
	b.Shot("login")
	b.Login(auth.RoleAdmin)
	for _, p := range []struct{ path, shot string }{
		{"/admin/users", "users"}, {"/audit", "audit"}, {"/status", "status"}, {"/sandbox", "sandbox"}, {"/no-such-page", "404"},
	} {
		b.Open(p.path)
		b.Shot(p.shot)
	}
	assert.Contains(t, b.Text("h1"), "页面不存在")
}

// The language switch sticks across pages and sign-outs.
func TestJourneySwitchLanguage(t *testing.T) {
	b := Start(t, nil)
	b.Login(auth.RoleAdmin)
	assert.Equal(t, "首页", b.Text("main h1"))
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	assert.Equal(t, "Home", b.Text("main h1"))
	b.Open("/audit")
	assert.Equal(t, "Audit log", b.Text("main h1"))
	b.Shot("audit-en")
	b.Run(chromedp.Click(`[data-testid=logout]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=login-form]`, chromedp.ByQuery))
	assert.Equal(t, "Sign in", b.Text("[data-testid=login-submit]"))
}

// Signing out ends the session on the server: the old cookie is refused.
func TestJourneySignOutAndReplay(t *testing.T) {
	b := Start(t, nil)
	b.Login(auth.RoleSupport)
	old := b.Cookies()
	require.NotEmpty(t, old)
	b.Run(chromedp.Click(`[data-testid=logout]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=login-form]`, chromedp.ByQuery))
	assert.Contains(t, b.Text("[data-testid=flash]"), "已退出登录")
	b.SetCookies(old)
	b.Open("/")
	assert.Equal(t, "/login", b.Location()[:6])
	assert.Equal(t, 1, b.Count(`[data-testid=login-form]`))
	b.Shot("replayed-cookie")
}

// With JavaScript off, sign-in, navigation, the language switch and the admin
// forms still work.
func TestJourneyWithoutJavaScript(t *testing.T) {
	b := Start(t, nil)
	b.DisableJS()
	b.Login(auth.RoleAdmin)
	b.Open("/admin/users")
	b.Run(
		chromedp.SendKeys(`#f-username`, "zhao.lei", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, "long enough", chromedp.ByQuery),
		chromedp.SendKeys(`#f-confirm`, "long enough", chromedp.ByQuery),
		chromedp.Click(`[data-testid=user-create]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=flash]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text("[data-testid=flash]"), "已创建用户 zhao.lei")
	assert.Equal(t, 1, b.Count(`[data-testid="user-zhao.lei"]`))
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	assert.Equal(t, "Users", b.Text("main h1"))
	b.Shot("users-en-nojs")
}
