package handlers_test

import (
	"bytes"
	"database/sql"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
)

// db opens the console's database file beside the running console, to check
// what was stored the way an attacker with a copy of the file would.
func db(t *testing.T, env *apptest.Env) *sql.DB {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+filepath.Join(env.App.Config.DataDir, "console.db")+"?_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func keptForms(t *testing.T, d *sql.DB, where string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, d.QueryRow(`SELECT COUNT(*) FROM form_stash `+where, args...).Scan(&n))
	return n
}

// createAdminForm is the form an attacker would most like someone to send.
func createAdminForm(username string) url.Values {
	return url.Values{"username": {username}, "display_name": {"王芳"}, "role": {"admin"},
		"password": {"correct horse"}, "confirm": {"correct horse"}}
}

// endedTab is a browser of user name whose session was then ended from
// another browser ("sign out other sessions"): the page it shows still has a
// form with a CSRF token, but the session behind it is gone.
func endedTab(t *testing.T, env *apptest.Env, name, password string) *apptest.Browser {
	t.Helper()
	tab := env.Anonymous(t)
	tab.Login(name, password)
	tab.Get("/admin/users")
	other := env.Anonymous(t)
	other.Login(name, password)
	other.Get("/account/sessions")
	require.Equal(t, http.StatusSeeOther, other.PostForm("/account/sessions/end-others", nil).Status)
	return tab
}

func resumeID(t *testing.T, p *apptest.Page) string {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, p.Status)
	u, err := url.Parse(p.Location)
	require.NoError(t, err)
	require.Equal(t, "/login", u.Path)
	return u.Query().Get("resume")
}

// A signed-out POST without a cookie of a real, ended session is refused and
// nothing is stored — the anonymous "create admin" form of the attack.
func TestSignedOutFormWithoutEndedSessionIsNotKept(t *testing.T) {
	env := apptest.New(t, nil)
	d := db(t, env)

	anon := env.Anonymous(t)
	anon.Get("/login")
	p := anon.PostForm("/admin/users", createAdminForm("mallory"))
	assert.Empty(t, resumeID(t, p), "no resume link for an anonymous form")
	login := anon.Follow(p)
	assert.Empty(t, login.Val(`input[name=resume]`))
	assert.NotContains(t, login.Text("main"), "会话已过期")

	forged := env.Anonymous(t)
	u, _ := url.Parse(env.URL)
	forged.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "console_session", Value: "MTcwMDAwMDAwMHxnYXJiYWdlfA=="}})
	forged.Get("/login")
	assert.Empty(t, resumeID(t, forged.PostForm("/admin/users", createAdminForm("mallory"))), "a cookie not made with our keys")

	signedOut := env.As(t, auth.RoleAdmin)
	signedOut.PostForm("/logout", nil)
	signedOut.Get("/login")
	vals := createAdminForm("mallory")
	vals.Set("_csrf", signedOut.CSRF())
	assert.Empty(t, resumeID(t, signedOut.PostForm("/admin/users", vals)), "after a deliberate sign-out the browser is nobody's")

	assert.Zero(t, keptForms(t, d, ""), "nothing was stored")
	_, err := env.App.Store.UserByName(t.Context(), "mallory")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

// The owner gets the kept form once after signing in, without its secrets:
// the resume page asks for them again.
func TestKeptFormIsOfferedOnceToItsOwnerWithoutSecrets(t *testing.T) {
	env := apptest.New(t, nil)
	d := db(t, env)
	tab := endedTab(t, env, "admin", auth.SandboxPassword)

	p := tab.PostForm("/admin/users", createAdminForm("wang.fang"))
	id := resumeID(t, p)
	require.NotEmpty(t, id)
	login := tab.Follow(p)
	assert.Contains(t, login.Text("main"), "会话已过期")

	var body, omitted string
	require.NoError(t, d.QueryRow(`SELECT body, omitted FROM form_stash WHERE id = ?`, id).Scan(&body, &omitted))
	assert.Contains(t, body, "wang.fang")
	for _, secret := range []string{"correct", "horse", "password=", "confirm=", "_csrf"} {
		assert.NotContains(t, body, secret, "secrets never reach the database")
	}
	assert.Equal(t, "confirm=&password=", omitted)

	p = tab.PostForm("/login", url.Values{"username": {"admin"}, "password": {auth.SandboxPassword},
		"next": {login.Val(`input[name=next]`)}, "resume": {login.Val(`input[name=resume]`)}})
	require.Equal(t, "/resume/"+id, p.Location)
	resume := tab.Follow(p)
	require.Equal(t, http.StatusOK, resume.Status)
	assert.Equal(t, "/admin/users", resume.Doc.Find(`[data-testid=resume-form]`).AttrOr("action", ""))
	assert.Equal(t, "王芳", resume.Val(`input[name=display_name]`), "nothing typed is lost")
	assert.Contains(t, resume.Text(`[data-testid=resume-omitted] legend`), "请重新输入")
	assert.Equal(t, 2, resume.Doc.Find(`[data-testid=resume-omitted] input[type=password]`).Length(), "password and confirm are asked again")
	assert.Zero(t, keptForms(t, d, ""), "taken: it is offered once")

	vals := formValues(resume)
	vals.Set("password", "correct horse")
	vals.Set("confirm", "correct horse")
	p = tab.PostForm("/admin/users", vals)
	require.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "已创建用户 wang.fang。", tab.Follow(p).Text("[data-testid=flash]"))
	_, err := env.App.Store.UserByName(t.Context(), "wang.fang")
	assert.NoError(t, err)

	again := tab.Get("/resume/" + id)
	assert.Equal(t, http.StatusSeeOther, again.Status)
	assert.Equal(t, "保留的表单已过期或已使用。", tab.Follow(again).Text("[data-testid=flash]"))
}

// An attacker's kept form is invisible to everyone else, and looking for it
// does not use it up.
func TestKeptFormBelongsToItsOwnerAlone(t *testing.T) {
	env := apptest.New(t, nil)
	d := db(t, env)
	admin := env.As(t, auth.RoleAdmin)
	admin.Get("/admin/users")
	require.Equal(t, http.StatusSeeOther, admin.PostForm("/admin/users", url.Values{"username": {"mallory"}, "role": {"admin"},
		"password": {"mallory's pass"}, "confirm": {"mallory's pass"}}).Status)

	attacker := endedTab(t, env, "mallory", "mallory's pass")
	id := resumeID(t, attacker.PostForm("/admin/users", createAdminForm("evil")))
	require.NotEmpty(t, id)

	// The victim, an admin, follows the attacker's link and signs in.
	victim := env.Anonymous(t)
	victim.Get("/login?resume=" + id)
	p := victim.PostForm("/login", url.Values{"username": {"admin"}, "password": {auth.SandboxPassword}, "next": {"/"}, "resume": {id}})
	assert.Equal(t, "/", p.Location, "a form is offered only to its owner")
	victim.Follow(p)
	p = victim.Get("/resume/" + id)
	assert.Equal(t, http.StatusSeeOther, p.Status)
	page := victim.Follow(p)
	assert.Equal(t, "保留的表单已过期或已使用。", page.Text("[data-testid=flash]"))
	assert.False(t, page.Has(`[data-testid=resume-form]`))
	assert.False(t, strings.Contains(page.Body, "evil"), "nothing of it is shown")
	assert.Equal(t, 1, keptForms(t, d, "WHERE id = ?", id), "and it was not used up")

	support := env.As(t, auth.RoleSupport)
	p = support.Get("/resume/" + id)
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, 1, keptForms(t, d, "WHERE id = ?", id))
	anon := env.Anonymous(t)
	assert.Equal(t, http.StatusSeeOther, anon.Get("/resume/"+id).Status)
	_, err := env.App.Store.UserByName(t.Context(), "evil")
	assert.ErrorIs(t, err, store.ErrNotFound)

	// Its owner does get it.
	attacker.Get("/login")
	p = attacker.PostForm("/login", url.Values{"username": {"mallory"}, "password": {"mallory's pass"}, "resume": {id}})
	assert.Equal(t, "/resume/"+id, p.Location)
	assert.Equal(t, "王芳", attacker.Follow(p).Val(`input[name=display_name]`))
}

func TestKeptFormExpiresAfterAnHour(t *testing.T) {
	env := apptest.New(t, nil)
	d := db(t, env)
	tab := endedTab(t, env, "admin", auth.SandboxPassword)
	id := resumeID(t, tab.PostForm("/admin/users", createAdminForm("wang.fang")))
	require.NotEmpty(t, id)
	_, err := d.Exec(`UPDATE form_stash SET created_at = created_at - ?`, (store.StashMaxAge + time.Minute).Milliseconds())
	require.NoError(t, err)

	tab.Get("/login")
	p := tab.PostForm("/login", url.Values{"username": {"admin"}, "password": {auth.SandboxPassword}, "next": {"/"}, "resume": {id}})
	assert.Equal(t, "/", p.Location, "an hour later it is no longer offered")
	tab.Follow(p)
	assert.Equal(t, http.StatusSeeOther, tab.Get("/resume/"+id).Status)

	require.NoError(t, env.App.Store.PurgeForms(t.Context(), time.Now().Add(-store.StashMaxAge)), "what the housekeeping loop runs")
	assert.Zero(t, keptForms(t, d, ""), "and it is purged")
}

func TestTooLargeOrUploadedFormIsNotKeptAndTheSignInPageSaysSo(t *testing.T) {
	env := apptest.New(t, nil)
	d := db(t, env)
	tab := endedTab(t, env, "admin", auth.SandboxPassword)
	vals := createAdminForm("wang.fang")
	vals.Set("display_name", strings.Repeat("长", store.StashMaxBytes/9+1)) // 9 bytes url-encoded each
	p := tab.PostForm("/admin/users", vals)
	assert.Empty(t, resumeID(t, p))
	assert.Equal(t, "您提交的表单超过 1 MB，未能保留。登录后请重新填写并提交。", tab.Follow(p).Text("[data-testid=flash]"))

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("_csrf", tab.CSRF())
	fw, _ := mw.CreateFormFile("file", "accounts.csv")
	_, _ = fw.Write([]byte("account_id\nli\n"))
	require.NoError(t, mw.Close())
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/admin/users", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	tab.HTTP.Jar.SetCookies(mustURL(t, env.URL), []*http.Cookie{{Name: "console_lang", Value: "en"}})
	p = tab.Do(req)
	assert.Empty(t, resumeID(t, p))
	assert.Equal(t, "The form you submitted included a file upload, which is not kept. Sign in, choose the file again and submit.",
		tab.Follow(p).Text("[data-testid=flash]"))
	assert.Zero(t, keptForms(t, d, ""))
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

func TestKeptFormsPerUserAreCapped(t *testing.T) {
	env := apptest.New(t, nil)
	d := db(t, env)
	tab := endedTab(t, env, "admin", auth.SandboxPassword)
	var ids []string
	for i := range store.StashPerUser + 2 {
		ids = append(ids, resumeID(t, tab.PostForm("/admin/users", createAdminForm("u"+strconv.Itoa(i)))))
	}
	admin, _ := env.App.Store.UserByName(t.Context(), "admin")
	assert.Equal(t, store.StashPerUser, keptForms(t, d, "WHERE user_id = ?", admin.ID))
	assert.Zero(t, keptForms(t, d, "WHERE id IN (?, ?)", ids[0], ids[1]), "the oldest are dropped")
}

// A token scraped before sign-in (or before sign-out) stops working.
func TestCSRFTokenRotatesAtSignInAndSignOut(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.Anonymous(t)
	b.Get("/login")
	before := b.CSRF()
	p := b.PostForm("/login", url.Values{"username": {"admin"}, "password": {auth.SandboxPassword}})
	require.Equal(t, http.StatusSeeOther, p.Status)
	p = b.PostForm("/admin/users", url.Values{"_csrf": {before}, "username": {"mallory"}, "role": {"admin"},
		"password": {"12345678"}, "confirm": {"12345678"}})
	assert.Equal(t, http.StatusForbidden, p.Status, "the token from before sign-in is refused")
	assert.Equal(t, "表单已失效或来自其他网站。请返回页面刷新后重新提交。", p.Text("[data-testid=error-body]"), "the CSRF page")

	b.Get("/")
	signedIn := b.CSRF()
	assert.NotEqual(t, before, signedIn)
	require.Equal(t, http.StatusSeeOther, b.PostForm("/logout", url.Values{"_csrf": {signedIn}}).Status)
	p = b.PostForm("/login", url.Values{"_csrf": {signedIn}, "username": {"admin"}, "password": {auth.SandboxPassword}})
	assert.Equal(t, http.StatusForbidden, p.Status, "the token from before sign-out is refused")
	_, err := env.App.Store.UserByName(t.Context(), "mallory")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestSessionsAreCappedListedAndOthersCanBeSignedOut(t *testing.T) {
	env := apptest.New(t, nil)
	first := env.As(t, auth.RoleSupport)
	var rest []*apptest.Browser
	for range store.MaxSessionsPerUser {
		rest = append(rest, env.As(t, auth.RoleSupport))
	}
	u, _ := env.App.Store.UserByName(t.Context(), "support")
	n, err := env.App.Store.CountSessions(t.Context(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, store.MaxSessionsPerUser, n)
	assert.Equal(t, http.StatusSeeOther, first.Get("/").Status, "the session unused longest was ended")

	admin := env.As(t, auth.RoleAdmin)
	page := admin.Get("/admin/users/" + strconv.FormatInt(u.ID, 10))
	require.Equal(t, http.StatusOK, page.Status)
	assert.Equal(t, store.MaxSessionsPerUser, page.Doc.Find(`[data-testid=session-row]`).Length())
	assert.Equal(t, "127.0.0.1", page.Text(`[data-testid=session-row] td.mono`))
	assert.False(t, page.Has(`[data-testid=this-session]`), "none of them is the admin's")

	me := rest[len(rest)-1]
	mine := me.Get("/account/sessions")
	require.Equal(t, http.StatusOK, mine.Status)
	assert.Equal(t, 1, mine.Doc.Find(`[data-testid=this-session]`).Length())
	assert.Contains(t, mine.Text("main p.muted"), "最多同时保持 10 个会话")
	p := me.PostForm("/account/sessions/end-others", nil)
	require.Equal(t, http.StatusSeeOther, p.Status)
	after := me.Follow(p)
	assert.Equal(t, "已退出其他所有会话，只保留当前会话。", after.Text("[data-testid=flash]"))
	assert.Equal(t, 1, after.Doc.Find(`[data-testid=session-row]`).Length())
	assert.Equal(t, http.StatusSeeOther, rest[0].Get("/").Status, "the other browsers are signed out")
	assert.Equal(t, http.StatusOK, me.Get("/").Status, "this one is not")

	entries, _, err := env.App.Store.ListAudit(t.Context(), store.AuditFilter{Action: "user.end_other_sessions"}, 0, 10)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "support", entries[0].Actor)

	anon := env.Anonymous(t)
	anon.Get("/login")
	assert.Equal(t, http.StatusSeeOther, anon.PostForm("/account/sessions/end-others", nil).Status)
}

// Every password input of the console is a field forms.IsSecret keeps out of
// a kept form.
func TestEveryPasswordInputIsASecretField(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	u, _ := env.App.Store.UserByName(t.Context(), "support")
	for _, path := range []string{"/login", "/admin/users", "/admin/users/" + strconv.FormatInt(u.ID, 10) + "/password"} {
		b := admin
		if path == "/login" {
			b = env.Anonymous(t)
		}
		page := b.Get(path)
		require.Equal(t, http.StatusOK, page.Status, path)
		page.Doc.Find(`input[type=password]`).Each(func(_ int, s *goquery.Selection) {
			name, _ := s.Attr("name")
			assert.True(t, forms.IsSecret(name), "%s: %s", path, name)
		})
	}
}

func formValues(p *apptest.Page) url.Values {
	vals := url.Values{}
	p.Doc.Find(`[data-testid=resume-form] input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		v, _ := s.Attr("value")
		if name != "_csrf" {
			vals.Add(name, v)
		}
	})
	return vals
}

// A live preview asked for after the session ended keeps the page: it answers
// with a sign-in prompt whose button re-sends the whole composer, which is
// kept, so after signing in the user is back in the full composer with
// everything typed — recipients and busiId included.
func TestPreviewAfterTheSessionEndedKeepsTheComposer(t *testing.T) {
	env := apptest.New(t, nil)
	tab := env.Anonymous(t)
	tab.Login("content", auth.SandboxPassword)
	composer := tab.Get("/messages/new")
	require.Equal(t, http.StatusOK, composer.Status)
	other := env.Anonymous(t)
	other.Login("content", auth.SandboxPassword)
	other.Get("/account/sessions")
	require.Equal(t, http.StatusSeeOther, other.PostForm("/account/sessions/end-others", nil).Status)

	typed := url.Values{"type": {"oa"}, "busiId": {composer.Val(`input[name=busiId]`)}, "headText": {"运动会延期通知"},
		"bgColor": {"FFCC0000"}, "pcUrl": {"https://school.example.edu/n/1"}, "appUrl": {"https://m.school.example.edu/n/1"},
		"accountIds": {"u1001\nu1002"}}
	frag := tab.HTMX(http.MethodPost, "/messages/preview", url.Values{"type": {"oa"}, "headText": {"运动会延期通知"}})
	require.Equal(t, http.StatusOK, frag.Status, "the page is not navigated away")
	assert.NotContains(t, frag.Body, "<html", "a fragment")
	assert.Empty(t, frag.Header.Get("HX-Redirect"))
	btn := frag.Doc.Find(`[data-testid=session-ended-continue]`)
	assert.Equal(t, "composer-form", btn.AttrOr("form", ""), "the button re-sends the composer itself")
	assert.Contains(t, frag.Text(`[data-testid=session-ended]`), "您输入的内容都还在")
	assert.Equal(t, "composer-form", composer.Doc.Find(`form#composer-form`).AttrOr("id", ""))

	// The button posts the whole composer form to its own action.
	p := tab.PostForm(composer.Doc.Find(`#composer-form`).AttrOr("action", ""), typed)
	id := resumeID(t, p)
	require.NotEmpty(t, id)
	p = tab.PostForm("/login", url.Values{"username": {"content"}, "password": {auth.SandboxPassword}, "resume": {id}})
	resume := tab.Follow(p)
	back := tab.PostForm(resume.Doc.Find(`[data-testid=resume-form]`).AttrOr("action", ""), formValues(resume))
	require.Equal(t, http.StatusOK, back.Status)
	assert.True(t, back.Has(`#composer-form`), "the full composer")
	for _, k := range []string{"busiId", "headText", "pcUrl", "appUrl"} {
		assert.Equal(t, typed.Get(k), back.Val(`input[name=`+k+`]`), "field %s kept", k)
	}
	assert.Equal(t, typed.Get("accountIds"), back.Text(`textarea[name=accountIds]`), "recipients kept")
}

// Switching the language while a message is being written keeps everything
// typed: the switch re-sends the composer to its own route (307), which
// renders it again in the new language.
func TestLanguageSwitchKeepsTheComposer(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleContent)
	composer := b.Get("/messages/new")
	btn := composer.Doc.Find(`[data-testid=lang-en]`)
	assert.Equal(t, "composer-form", btn.AttrOr("form", ""))
	action := btn.AttrOr("formaction", "")
	require.Equal(t, "/lang?resend=1&next=%2Fmessages%2Fcompose", action)

	typed := url.Values{"type": {"text"}, "content": {"明天上午 9 点开会"}, "busiId": {composer.Val(`input[name=busiId]`)},
		"accountIds": {"u1001"}, "lang": {"en"}}
	p := b.PostForm(action, typed)
	require.Equal(t, http.StatusTemporaryRedirect, p.Status)
	assert.Equal(t, "/messages/compose", p.Location)
	again := b.PostForm(p.Location, typed) // what the browser does with a 307
	require.Equal(t, http.StatusOK, again.Status)
	assert.Equal(t, "en", again.Doc.Find("html").AttrOr("lang", ""))
	assert.Equal(t, "明天上午 9 点开会", again.Text(`textarea[name=content]`))
	assert.Equal(t, typed.Get("busiId"), again.Val(`input[name=busiId]`))
	assert.Equal(t, "u1001", again.Text(`textarea[name=accountIds]`))

	// Elsewhere the switch only changes the language, and never replays a
	// form to a route that is not a page's own.
	list := b.Get("/messages/history")
	assert.Empty(t, list.Doc.Find(`[data-testid=lang-zh-CN]`).AttrOr("form", ""))
	p = b.PostForm("/lang?resend=1&next=%2Flogout", url.Values{"lang": {"zh-CN"}})
	assert.Equal(t, http.StatusSeeOther, p.Status, "only a POST route of the route table is re-sent to")
}
