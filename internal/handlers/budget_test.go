package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/sandbox"
	sbtze "github.com/orgconsole/console/internal/sandbox/tze"
)

// hungPlatform makes platform hang and returns a check that the calls the
// platform received since are exactly want. A hung call is recorded when the
// console gives up on it, which is just before or just after the page answers.
func hungPlatform(t *testing.T, env *apptest.Env, platform string) func(want int, page string) []sandbox.Request {
	env.App.Sandbox.Faults.Set(platform, sandbox.Fault{Kind: sandbox.FaultHang})
	t.Cleanup(env.App.Sandbox.Faults.Clear)
	rec := env.App.Sandbox.Recorder
	rec.Reset()
	return func(want int, page string) []sandbox.Request {
		t.Helper()
		require.Eventually(t, func() bool { return len(rec.Requests(platform, "")) >= want }, 5*time.Second, 5*time.Millisecond, page)
		got := rec.Requests(platform, "")
		assert.Len(t, got, want, "%s: one attempt spends the budget; nothing is sent after it", page)
		rec.Reset()
		return got
	}
}

// With a hung platform every page answers once CONSOLE_UPSTREAM_TIMEOUT is
// spent — not after one timeout per attempt and per call — naming the
// platform and keeping what the user typed.
func TestHungPlatformCostsAPageOneBudget(t *testing.T) {
	env := apptest.New(t, map[string]string{"CONSOLE_UPSTREAM_TIMEOUT": "300ms"})
	b := env.As(t, auth.RoleAdmin)
	require.Equal(t, http.StatusOK, b.Get("/cards").Status) // the 橙讯 token is fetched and cached

	t.Run("channel codes", func(t *testing.T) {
		sent := hungPlatform(t, env, "scrm")
		p := b.Get("/channel-codes?" + url.Values{"name": {"春季招生"}, "size": {"10"}}.Encode())
		assert.Equal(t, http.StatusBadGateway, p.Status)
		assert.Contains(t, p.Text("[data-testid=upstream-error]"), "SCRM 渠道活码 调用失败")
		assert.Contains(t, p.Text("[data-testid=upstream-error]"), "平台在规定时间内没有响应。")
		assert.Equal(t, "春季招生", p.Val("#f-name"), "the filters are kept")
		sent(1, "list")
	})

	t.Run("card templates", func(t *testing.T) {
		sent := hungPlatform(t, env, "chengxun")
		p := b.Get("/cards")
		assert.Contains(t, p.Text("[data-testid=upstream-error]"), "橙讯 Chengxun 调用失败")
		sent(1, "list")

		// A create that hangs, then the list the page shows under it: one budget for both.
		p = b.PostForm("/cards/templates", url.Values{"name": {"预算测试"}, "type": {"LIST"}})
		assert.Equal(t, http.StatusBadGateway, p.Status)
		assert.Contains(t, p.Text("[data-testid=upstream-error]"), "橙讯 Chengxun 调用失败")
		assert.Equal(t, "预算测试", p.Val("#f-name"), "what was typed is kept")
		assert.Equal(t, []string{chengxun.PathAddTemplate}, paths(sent(1, "create")), "the list after it was not even tried")
	})

	t.Run("token endpoint hangs", func(t *testing.T) {
		sent := hungPlatform(t, env, "tze") // no tze.cn token yet: its fetch is what hangs
		p := b.Get("/org/node/" + sbtze.SeedSchoolID + "?" + url.Values{"org": {sbtze.SeedBureauID}}.Encode())
		assert.Equal(t, http.StatusBadGateway, p.Status)
		assert.Contains(t, p.Text("[data-testid=upstream-error]"), "tze.cn 调用失败")
		assert.Contains(t, p.Text("[data-testid=upstream-error]"), "平台在规定时间内没有响应。", "a token that did not come is a timeout")
		assert.Equal(t, []string{"/user/openapi/token"}, paths(sent(1, "node")))
	})

	t.Run("uncached organisation", func(t *testing.T) {
		env.App.Sandbox.Faults.Clear()
		// The token is held and the bureau cached (on a loaded machine the
		// 19,000-node fetch may take more than one short budget: try again).
		require.Eventually(t, func() bool { return b.Get("/org").Status == http.StatusOK }, 20*time.Second, 50*time.Millisecond)
		sent := hungPlatform(t, env, "tze")
		org := sbtze.SeedSchoolID // an organisation of its own, not cached
		// The tree falls back to level-by-level browsing when the whole org
		// cannot be fetched: that fallback draws on the same budget.
		p := b.Get("/org?" + url.Values{"org": {org}, "open": {org + "01"}}.Encode())
		assert.Equal(t, http.StatusBadGateway, p.Status)
		assert.Contains(t, p.Text("[data-testid=upstream-error]"), "tze.cn 调用失败")
		assert.Equal(t, org, p.Val("[data-testid=org-id]"), "the org typed is kept")
		sent(1, "tree")

		p = b.Get("/org/node/" + org + "?" + url.Values{"org": {org}}.Encode())
		assert.Equal(t, http.StatusBadGateway, p.Status)
		assert.Contains(t, p.Text("[data-testid=upstream-error]"), "tze.cn 调用失败")
		sent(1, "node")

		p = b.Get("/org/search?" + url.Values{"org": {org}, "q": {"实验"}}.Encode())
		assert.Equal(t, http.StatusBadGateway, p.Status)
		assert.Contains(t, p.Text("[data-testid=upstream-error]"), "tze.cn 调用失败")
		assert.Equal(t, "实验", p.Val("input[name=q]"), "the search is kept")
		sent(1, "search")
	})
}

// A streamed export is not a page: each page of it has the timeout of its own,
// so a slow platform makes it slow, not cut off.
func TestExportIsNotCutOffByThePageBudget(t *testing.T) {
	env := apptest.New(t, map[string]string{"CONSOLE_UPSTREAM_TIMEOUT": "300ms"})
	b := env.As(t, auth.RoleSupport)
	env.App.Sandbox.Faults.Set("scrm", sandbox.Fault{Latency: 100 * time.Millisecond}) // 6 pages: 600 ms in all
	p := b.Get("/channel-codes/export.csv")
	require.Equal(t, http.StatusOK, p.Status)
	lines := strings.Split(strings.TrimSpace(p.Body), "\n")
	assert.False(t, strings.HasPrefix(lines[len(lines)-1], csvexport.IncompleteMark), "the export was cut off: %s", lines[len(lines)-1])
	assert.Equal(t, 1+540, strings.Count(p.Body, "\n"), "header and every seeded code")
}

func paths(reqs []sandbox.Request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Path
	}
	return out
}
