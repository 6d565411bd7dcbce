package org_test

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
	"github.com/orgconsole/console/internal/csvexport/csvtest"
	orgh "github.com/orgconsole/console/internal/handlers/org"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
)

// Through the real router: every role browses, the nav links the tree, the
// refresh needs the CSRF token, htmx fragments and the picker chip work with
// the session and header token.
func TestOrgThroughRouter(t *testing.T) {
	env := apptest.New(t, nil)
	for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleContent, auth.RoleSupport} {
		b := env.As(t, role)
		p := b.Get("/org")
		require.Equal(t, 200, p.Status, role)
		assert.Equal(t, "/org", p.Doc.Find(`[data-testid="nav-org"]`).AttrOr("href", ""), role)
		assert.True(t, p.Has(`[data-testid="node-`+fake.SeedSchoolID+`"]`), role)
	}
	b := env.As(t, auth.RoleSupport)
	p := b.Get("/org/search?q=" + url.QueryEscape("第一实验小学"))
	require.Equal(t, 200, p.Status)
	assert.Equal(t, "hit-"+fake.SeedSchoolID, p.Doc.Find(`[data-testid="search-results"] > li`).First().AttrOr("data-testid", ""))

	// refresh without the token is refused; with it, redirected back
	bad := b.PostForm("/org/refresh", url.Values{"_csrf": {"forged"}, "org": {fake.SeedBureauID}})
	assert.Equal(t, 403, bad.Status)
	b.Get("/org/search?q=x")
	ok := b.PostForm("/org/refresh", url.Values{"org": {fake.SeedBureauID}, "next": {"/org/search?q=x"}})
	assert.Equal(t, 303, ok.Status)
	assert.Equal(t, "/org/search?q=x", ok.Location)
	assert.Contains(t, b.Follow(ok).Body, "已重新获取组织")

	f := b.HTMX("GET", "/org/children?"+url.Values{"org": {fake.SeedBureauID}, "id": {fake.SeedSchoolID}, "open": {fake.SeedSchoolID}}.Encode(), nil)
	assert.Equal(t, 200, f.Status)
	assert.False(t, strings.Contains(f.Body, "<html"), "a fragment")
	chip := b.HTMX("POST", "/org/picker/chip?field=org_ids&id="+fake.SeedSchoolID, url.Values{})
	assert.Equal(t, 200, chip.Status)
	assert.Equal(t, "第一实验小学", chip.Text(".chip-name"))

	// upstream 100001 through the router
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "失败", Path: fake.OrgChildListPath})
	p = b.Get("/org?org=55555")
	assert.Equal(t, 404, p.Status)
	assert.Equal(t, "100001", p.Text(`[data-testid="upstream-code"]`))
	env.App.Sandbox.Faults.Clear()

	anon := env.Anonymous(t)
	p = anon.Get("/org")
	assert.NotEqual(t, 200, p.Status, "signed out: to the sign-in page")
}

// firstChild is the id of the first node with children listed under id on a tree page.
func firstChild(t *testing.T, p *apptest.Page, id string) string {
	t.Helper()
	li := p.Doc.Find(`#k-` + id + ` > li.org-node`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.ChildrenFiltered(".org-row").ChildrenFiltered("a.org-toggle").Length() > 0
	}).First()
	require.Equal(t, 1, li.Length(), "no child listed under %s", id)
	return strings.TrimPrefix(li.AttrOr("data-testid", ""), "node-")
}

// expanded reports whether the tree page shows id open with its children.
func expanded(p *apptest.Page, id string) bool {
	return p.Doc.Find(`#t-`+id).AttrOr("aria-expanded", "") == "true" && p.Doc.Find(`#k-`+id+` > li`).Length() > 0
}

// children asks for a node's children as htmx does from the tree page at
// current (htmx sends the page's address as HX-Current-URL).
func children(t *testing.T, env *apptest.Env, b *apptest.Browser, current string, q url.Values) *apptest.Page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.URL+"/org/children?"+q.Encode(), nil)
	require.NoError(t, err)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Current-URL", env.URL+current)
	return b.Do(req)
}

// The open nodes are in the address: a reload (or a shared link) shows the
// same tree, and expanding or collapsing with htmx rewrites the address from
// the one in the bar, so nodes opened one after the other all stay open.
func TestOrgOpenNodesSurviveReload(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	school := fake.SeedSchoolID
	p := b.Get("/org?" + url.Values{"open": {school}}.Encode())
	require.True(t, expanded(p, school))
	campus := firstChild(t, p, school)
	second := strings.TrimPrefix(p.Doc.Find(`#org-tree > li.org-node`).Eq(1).AttrOr("data-testid", ""), "node-")
	require.NotEmpty(t, second)

	// The toggle was rendered with open=school only; the bar already says
	// school and the second school are open (expanded with htmx before).
	bar := "/org?" + url.Values{"open": {school + "," + second}}.Encode()
	f := children(t, env, b, bar, url.Values{"org": {fake.SeedBureauID}, "id": {campus}, "open": {school + "," + campus}})
	require.Equal(t, 200, f.Status)
	replaced, err := url.Parse(f.Header.Get("HX-Replace-Url"))
	require.NoError(t, err, "the answer rewrites the address")
	assert.Equal(t, "/org", replaced.Path)
	assert.Equal(t, fake.SeedBureauID, replaced.Query().Get("org"))
	assert.Equal(t, school+","+second+","+campus, replaced.Query().Get("open"), "nothing opened before is lost")
	assert.True(t, f.Has(`#k-`+campus+` > li.org-node`), "the children came back")

	// Reload the rewritten address: all three are open, nested ones included.
	p = b.Get(replaced.RequestURI())
	require.Equal(t, 200, p.Status)
	for _, id := range []string{school, second, campus} {
		assert.True(t, expanded(p, id), "%s open after the reload", id)
	}
	// JS off: the toggles' links carry the same state.
	assert.Contains(t, p.Doc.Find(`#t-`+campus).AttrOr("href", ""), url.Values{"open": {school + "," + second}}.Encode(), "collapsing keeps the others")

	// Collapsing with htmx drops only that node.
	f = children(t, env, b, replaced.RequestURI(), url.Values{"org": {fake.SeedBureauID}, "id": {second}, "open": {school + "," + campus}, "collapse": {"1"}})
	replaced, err = url.Parse(f.Header.Get("HX-Replace-Url"))
	require.NoError(t, err)
	assert.Equal(t, school+","+campus, replaced.Query().Get("open"))
	p = b.Get(replaced.RequestURI())
	assert.False(t, expanded(p, second))
	assert.True(t, expanded(p, campus))

	// A page of another org (or not the tree) is not taken as the state.
	f = children(t, env, b, "/org/search?q=x&open="+second, url.Values{"org": {fake.SeedBureauID}, "id": {campus}, "open": {campus}})
	replaced, _ = url.Parse(f.Header.Get("HX-Replace-Url"))
	assert.Equal(t, campus, replaced.Query().Get("open"))
}

// The address holds a bounded number of open nodes: opening one more forgets
// the one opened longest ago, never the one just opened.
func TestOrgOpenNodesBounded(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	many := make([]string, 0, orgh.MaxOpen)
	for i := range orgh.MaxOpen {
		many = append(many, "9"+strconv.Itoa(1000+i))
	}
	bar := "/org?" + url.Values{"open": {strings.Join(many, ",")}}.Encode()
	p := b.Get(bar)
	require.Equal(t, 200, p.Status, "a long list is not an error")
	f := children(t, env, b, bar, url.Values{"org": {fake.SeedBureauID}, "id": {fake.SeedSchoolID}})
	replaced, err := url.Parse(f.Header.Get("HX-Replace-Url"))
	require.NoError(t, err)
	open := strings.Split(replaced.Query().Get("open"), ",")
	assert.Len(t, open, orgh.MaxOpen)
	assert.Equal(t, fake.SeedSchoolID, open[len(open)-1], "the node just opened stays")
	assert.NotContains(t, open, many[0], "the oldest is forgotten")
}

// The export names the root as the page does (the configured name, not the
// bare id) and each type by its label and the platform's code.
func TestOrgExportNamesRootAndTypes(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	p := b.Get("/org/export.csv")
	require.Equal(t, 200, p.Status)
	rows := csvtest.Read(t, p.Body)
	assert.Equal(t, []string{"部门ID", "名称", "类型", "上级ID", "路径", "排序"}, rows[0])
	assert.Equal(t, fake.SeedBureauID, csvtest.ID(rows[1][0]))
	assert.Equal(t, fake.SeedBureauName, rows[1][1], "the root by its name")
	assert.Equal(t, fake.SeedSchoolID, csvtest.ID(rows[2][0]))
	assert.Equal(t, "学校 (2)", rows[2][2])
	assert.Equal(t, fake.SeedBureauName+" / 第一实验小学", rows[2][4])

	b.Get("/org")
	require.Equal(t, 303, b.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/org"}}).Status)
	rows = csvtest.Read(t, b.Get("/org/export.csv").Body)
	assert.Equal(t, fake.SeedBureauName, rows[1][1])
	assert.Equal(t, "School (2)", rows[2][2])
}
