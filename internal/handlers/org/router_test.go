package org_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
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
