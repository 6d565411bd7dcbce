package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
)

// The sign-in page and the language switch send the browser back only to a
// path on this site: a TAB a browser would drop (/%09/evil.com becomes
// //evil.com) sends it home instead.
func TestReturnTargetsStayOnSite(t *testing.T) {
	env := apptest.New(t, nil)
	for _, c := range []struct{ next, want string }{
		{"/%09/evil.com", "/"},
		{"/\t/evil.com", "/"},
		{"/%5Cevil.com", "/"},
		{"//evil.com", "/"},
		{"https://evil.com/", "/"},
		{"/channel-codes?name=a+b&size=50", "/channel-codes?name=a+b&size=50"},
	} {
		t.Run(c.next, func(t *testing.T) {
			b := env.Anonymous(t)
			p := b.Get("/login?next=" + url.QueryEscape(c.next))
			assert.Equal(t, http.StatusOK, p.Status)
			v, _ := p.Doc.Find(`[data-testid=login-form] input[name="next"]`).Attr("value")
			assert.Equal(t, c.want, v, "the form carries only a safe target")

			// Posted directly, bypassing the form.
			p = b.PostForm("/login", url.Values{"username": {"support"}, "password": {auth.SandboxPassword}, "next": {c.next}})
			assert.Equal(t, http.StatusSeeOther, p.Status)
			assert.Equal(t, c.want, p.Location)

			b.Get("/")
			p = b.PostForm("/lang", url.Values{"lang": {"en"}, "next": {c.next}})
			assert.Equal(t, http.StatusSeeOther, p.Status)
			assert.Equal(t, c.want, p.Location)

			anon := env.Anonymous(t)
			anon.Get("/login")
			p = anon.PostForm("/lang", url.Values{"lang": {"zh-CN"}, "next": {c.next}})
			assert.Equal(t, c.want, p.Location, "signed out too")
		})
	}
}
