package handlers_test

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/handlers"
	"github.com/orgconsole/console/internal/store"
)

// TestRouteMatrix walks every registered route × {anonymous, admin, content,
// support}: anonymous users are sent to sign in, roles the table does not
// list get 403, listed roles get through. A route registered without a
// policy fails the test (deny by default).
func TestRouteMatrix(t *testing.T) {
	env := apptest.New(t, nil)
	// A spare account to be the :id of user routes, so admin actions in the
	// walk do not sign out the browsers doing the walk.
	hash, err := auth.NewHasher(256, 0).Hash(t.Context(), "spare-password")
	require.NoError(t, err)
	spare, err := env.App.Store.CreateUser(t.Context(), store.User{Username: "spare", Role: auth.RoleSupport, PasswordHash: hash},
		store.AuditEntry{Action: "user.create", Target: "spare"})
	require.NoError(t, err)

	routes := env.App.Echo.Routes()
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
	browsers := map[auth.Role]*apptest.Browser{}
	for _, r := range auth.Roles {
		browsers[r] = env.As(t, r)
	}
	anon := env.Anonymous(t)
	anon.Get("/login")

	fill := func(path string) string {
		path = strings.ReplaceAll(path, ":id", strconv.FormatInt(spare.ID, 10))
		path = strings.ReplaceAll(path, "*", "x")
		for strings.Contains(path, ":") {
			i := strings.Index(path, ":")
			j := strings.IndexAny(path[i:], "/.")
			if j < 0 {
				j = len(path) - i
			}
			path = path[:i] + "1" + path[i+j:]
		}
		return path
	}
	send := func(b *apptest.Browser, method, path string) *apptest.Page {
		if method == http.MethodGet {
			return b.Get(path)
		}
		b.Get("/login") // any page: refresh the scraped token
		req, _ := http.NewRequest(method, env.URL+path, strings.NewReader(url.Values{"_csrf": {b.CSRF()}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", b.CSRF())
		return b.Do(req)
	}

	checked := 0
	for _, rt := range routes {
		if rt.Method == "echo_route_not_found" || strings.HasPrefix(rt.Name, "github.com/labstack") {
			continue
		}
		name := rt.Method + " " + rt.Path
		path := fill(rt.Path)
		if rt.Name == handlers.PolicyPublic {
			p := send(anon, rt.Method, path)
			assert.NotEqual(t, http.StatusForbidden, p.Status, name)
			continue
		}
		require.True(t, strings.HasPrefix(rt.Name, "roles:"), "%s has no declared policy (%q)", name, rt.Name)
		allowed := map[auth.Role]bool{}
		for _, r := range strings.Split(strings.TrimPrefix(rt.Name, "roles:"), ",") {
			allowed[auth.Role(r)] = true
		}
		p := send(anon, rt.Method, path)
		assert.Equal(t, http.StatusSeeOther, p.Status, "anonymous %s", name)
		assert.True(t, strings.HasPrefix(p.Location, "/login"), "anonymous %s → %s", name, p.Location)

		if rt.Path == "/logout" {
			continue // checked by the sign-out tests; it would end the walkers' sessions
		}
		for _, role := range auth.Roles {
			p := send(browsers[role], rt.Method, path)
			if allowed[role] {
				assert.NotEqual(t, http.StatusForbidden, p.Status, "%s as %s", name, role)
				assert.False(t, strings.HasPrefix(p.Location, "/login"), "%s as %s was sent to sign in", name, role)
				assert.Less(t, p.Status, 500, "%s as %s: %s", name, role, p.Text("main"))
			} else {
				assert.Equal(t, http.StatusForbidden, p.Status, "%s as %s", name, role)
			}
			checked++
		}
	}
	t.Logf("%d route × role checks over %d routes", checked, len(routes))
	assert.Greater(t, checked, 30)
}
