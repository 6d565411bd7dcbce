package handlers_test

import (
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
)

// listed are the usernames the users page lists.
func listed(p *apptest.Page) []string {
	var names []string
	p.Doc.Find(`[data-testid=users-table] tbody tr`).Each(func(_ int, s *goquery.Selection) {
		names = append(names, strings.TrimPrefix(s.AttrOr("data-testid", ""), "user-"))
	})
	return names
}

// The user list searches usernames and display names (ignoring case), the
// search is in the URL, and an empty result says what was searched.
func TestUsersSearchByNameInTheURL(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	p := admin.Get("/admin/users")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, []string{"admin", "content", "support"}, listed(p))
	form := p.Doc.Find(`form[data-testid=user-search]`)
	assert.Equal(t, "get", form.AttrOr("method", ""), "a GET form: the search is in the URL")
	assert.Equal(t, "q", form.Find(`input[type=search]`).AttrOr("name", ""))

	p = admin.Get("/admin/users?q=SUPP")
	assert.Equal(t, []string{"support"}, listed(p), "by username, ignoring case")
	assert.Equal(t, "SUPP", p.Val(`#users-q`), "the search stays in the box")
	assert.Equal(t, "共 3 个用户，1 个符合。 显示全部", strings.Join(strings.Fields(p.Text(`[data-testid=users-found]`)), " "))
	assert.Equal(t, "/admin/users", p.Doc.Find(`[data-testid=users-clear]`).AttrOr("href", ""))

	p = admin.Get("/admin/users?" + url.Values{"q": {"内容"}}.Encode())
	assert.Equal(t, []string{"content"}, listed(p), "by display name (演示内容运营)")

	p = admin.Get("/admin/users?q=nobody")
	assert.Empty(t, listed(p))
	assert.Contains(t, p.Text(`[data-testid=empty]`), "没有用户名或显示名称包含“nobody”的用户")
	assert.True(t, p.Has(`[data-testid=user-form]`), "the create form is still there")
}

// Each account shows when it last signed in; one that never did says so.
func TestUsersShowLastSignIn(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	p := admin.Get("/admin/users")
	row := func(name string) *goquery.Selection { return p.Doc.Find(`[data-testid="user-` + name + `"]`) }
	assert.Equal(t, "从未登录", strings.TrimSpace(row("support").Find(`[data-testid=last-login]`).Text()))
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`, strings.TrimSpace(row("admin").Find(`[data-testid=last-login]`).Text()))
	var headers []string
	p.Doc.Find(`[data-testid=users-table] thead th`).Each(func(_ int, s *goquery.Selection) { headers = append(headers, s.Text()) })
	assert.Contains(t, headers, "上次登录")

	env.As(t, auth.RoleSupport)
	p = admin.Get("/admin/users")
	assert.Regexp(t, `^\d{4}-`, strings.TrimSpace(row("support").Find(`[data-testid=last-login]`).Text()), "the sign-in is recorded")
	u, err := env.App.Store.UserByName(t.Context(), "support")
	require.NoError(t, err)
	assert.False(t, u.LastLoginAt.IsZero())
}

// Disabling an account and ending its sessions go through a confirmation
// page (GET, with the POST button: works without JS); nothing changes until
// the button is pressed. Enabling needs no confirmation.
func TestUsersConfirmBeforeDisableAndEndSessions(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	content := env.As(t, auth.RoleContent)
	u, err := env.App.Store.UserByName(t.Context(), "content")
	require.NoError(t, err)
	base := "/admin/users/" + strconv.FormatInt(u.ID, 10)

	p := admin.Get("/admin/users")
	disable := p.Doc.Find(`[data-testid=disable-content]`)
	assert.Equal(t, "a", goquery.NodeName(disable), "a link to the confirmation, not a form")
	assert.Equal(t, base+"/disable", disable.AttrOr("href", ""))
	end := p.Doc.Find(`[data-testid=end-sessions-content]`)
	assert.Equal(t, base+"/end-sessions", end.AttrOr("href", ""))
	assert.Equal(t, "button", goquery.NodeName(p.Doc.Find(`[data-testid=end-sessions-support]`)), "no session: nothing to confirm")

	// The disable confirmation: says what happens; nothing happened yet.
	c := admin.Get(base + "/disable")
	require.Equal(t, http.StatusOK, c.Status)
	assert.Equal(t, "停用 content？", c.Text("main h1"))
	assert.Contains(t, c.Text(`[data-testid=confirm-consequence]`), "无法登录")
	assert.Equal(t, "1", c.Text(`[data-testid=confirm-sessions]`))
	form := c.Doc.Find(`[data-testid=confirm-disable] form`)
	assert.Equal(t, "post", form.AttrOr("method", ""))
	assert.Equal(t, base+"/disable", form.AttrOr("action", ""))
	assert.Equal(t, "true", form.Find(`input[name=disabled]`).AttrOr("value", ""))
	assert.Equal(t, "/admin/users", c.Doc.Find(`[data-testid=confirm-cancel]`).AttrOr("href", ""))
	assert.Equal(t, http.StatusOK, content.Get("/").Status, "looking at the confirmation changes nothing")

	// The end-sessions confirmation, then the button.
	c = admin.Get(base + "/end-sessions")
	require.Equal(t, http.StatusOK, c.Status)
	assert.Equal(t, "结束 content 的会话？", c.Text("main h1"))
	assert.Contains(t, c.Text(`[data-testid=confirm-consequence]`), "需要重新登录")
	assert.Equal(t, base+"/end-sessions", c.Doc.Find(`[data-testid=confirm-end-sessions] form`).AttrOr("action", ""))
	res := admin.PostForm(base+"/end-sessions", nil)
	require.Equal(t, http.StatusSeeOther, res.Status)
	assert.Equal(t, http.StatusSeeOther, content.Get("/").Status, "the content session ended")

	// Disable with the confirmation's button; then the list offers enable, directly.
	env.As(t, auth.RoleContent)
	admin.Get(base + "/disable")
	res = admin.PostForm(base+"/disable", url.Values{"disabled": {"true"}})
	require.Equal(t, http.StatusSeeOther, res.Status)
	p = admin.Follow(res)
	assert.Contains(t, p.Text(`[data-testid=flash]`), "已停用 content")
	enable := p.Doc.Find(`[data-testid=enable-content]`)
	assert.Equal(t, "button", goquery.NodeName(enable))
	assert.Equal(t, base+"/disable", enable.Closest("form").AttrOr("action", ""))

	// An admin cannot disable themself, not even the confirmation; ending
	// their own sessions warns that it signs them out.
	me, _ := env.App.Store.UserByName(t.Context(), "admin")
	mine := "/admin/users/" + strconv.FormatInt(me.ID, 10)
	assert.Equal(t, http.StatusForbidden, admin.Get(mine+"/disable").Status)
	c = admin.Get(mine + "/end-sessions")
	assert.Contains(t, c.Text(`[data-testid=confirm-consequence]`), "包括现在这个")
	assert.Equal(t, http.StatusNotFound, admin.Get("/admin/users/999999/end-sessions").Status)

	// The user's own page links to the same confirmation.
	p = admin.Get(mine)
	assert.Equal(t, mine+"/end-sessions", p.Doc.Find(`[data-testid=end-sessions-admin]`).AttrOr("href", ""))

	// Only admins.
	assert.NotEqual(t, http.StatusOK, env.As(t, auth.RoleSupport).Get(base+"/disable").Status)
}
