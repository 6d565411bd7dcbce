package cards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/pgtest"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
	"github.com/orgconsole/console/internal/store"
)

// onBothBackends runs fn on a console on SQLite and on one on PostgreSQL
// (when a server is configured): pausing and cancelling are transactions on
// the store's rows and River's, which differ by backend.
func onBothBackends(t *testing.T, vars map[string]string, fn func(t *testing.T, env *apptest.Env)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			v := maps.Clone(vars)
			v["CONSOLE_APPROVAL_ACCOUNTS"] = "0" // large pushes here need no second admin
			if backend == "postgres" {
				v["CONSOLE_DATABASE_URL"] = pgtest.URL(t)
			}
			fn(t, apptest.New(t, v))
		})
	}
}

// startPush confirms a KEYDATA push to n accounts (canary ticked or not) and
// returns its job id and the accounts. From the push on, every answer of
// the platform takes slow.
func startPush(t *testing.T, env *apptest.Env, b *apptest.Browser, n int, canary bool, slow time.Duration) (int64, []string) {
	t.Helper()
	b.Get("/cards/editor?template=" + tplKeyData)
	list := ids(n)
	conf := toConfirm(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "enterprise_id", "ent-1",
		"account_ids", strings.Join(list, "\n")), nil)
	require.Equal(t, http.StatusOK, conf.Status)
	form := formOf(conf, "push-form")
	if canary {
		require.True(t, conf.Has("input[type=checkbox][name=canary]"), "the confirmation offers a canary")
		form.Set("canary", "1")
	}
	if slow > 0 {
		env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Latency: slow})
	}
	push := b.PostForm("/cards/push", form)
	require.Equal(t, http.StatusSeeOther, push.Status)
	return jobIDOf(t, push.Location), list
}

func progressOf(t *testing.T, env *apptest.Env, id int64) store.PushProgress {
	t.Helper()
	p, err := env.App.Store.PushProgress(context.Background(), id)
	require.NoError(t, err)
	return p
}

func jobOf(t *testing.T, env *apptest.Env, id int64) store.PushJob {
	t.Helper()
	j, err := env.App.Store.PushJob(context.Background(), id)
	require.NoError(t, err)
	return j
}

// sent is what the sandbox received: the calls and their accounts.
func sent(t *testing.T, env *apptest.Env) ([]sandbox.Request, []string) {
	t.Helper()
	reqs := env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData)
	var accounts []string
	for _, r := range reqs {
		var body struct {
			IDs []string `json:"account_id_list"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.Body), &body))
		accounts = append(accounts, body.IDs...)
	}
	sort.Strings(accounts)
	return reqs, accounts
}

// postAction submits the form of a job page whose button has testID, as a
// browser does (its action and hidden fields), and follows the redirect.
func postAction(t *testing.T, b *apptest.Browser, page *apptest.Page, testID string) *apptest.Page {
	t.Helper()
	form := page.Doc.Find(`[data-testid="` + testID + `"]`).Closest("form")
	require.Equal(t, 1, form.Length(), "a form holds %s", testID)
	action, _ := form.Attr("action")
	vals := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		vals.Add(name, val)
	})
	require.NotEmpty(t, vals.Get("_csrf"), "the form carries its CSRF token")
	res := b.PostForm(action, vals)
	require.Equal(t, http.StatusSeeOther, res.Status, res.Text("main"))
	return b.Follow(res)
}

// A push paused mid-way: the calls in flight finish, no new call reaches
// the platform while it is paused; resumed, the rest is sent and every
// account gets its data exactly once.
func TestPauseAndResumeAPush(t *testing.T) {
	onBothBackends(t, map[string]string{"CONSOLE_PUSH_WORKERS": "2"}, func(t *testing.T, env *apptest.Env) {
		b := env.As(t, auth.RoleAdmin)
		id, list := startPush(t, env, b, 2000, false, 300*time.Millisecond) // 10 calls
		require.Eventually(t, func() bool { return progressOf(t, env, id).OK > 0 }, 20*time.Second, 5*time.Millisecond)

		page := b.Get(jobURL(id))
		assert.True(t, page.Has("[data-testid=eta-left]"), "a running push says how long it has left")
		assert.Contains(t, page.Text("[data-testid=eta-left]"), "剩余")
		page = postAction(t, b, page, "pause")
		paused := time.Now()
		assert.Contains(t, page.Text("[data-testid=flash]"), "已暂停")
		assert.Equal(t, "已暂停", page.Text("#job-progress [data-testid=job-status]"))
		assert.Contains(t, page.Text("[data-testid=paused-note]"), "admin")
		assert.True(t, page.Has("[data-testid=resume]"))
		assert.False(t, page.Has("[data-testid=pause]"))
		assert.False(t, page.Has("[data-testid=eta-left]"), "no time left while paused")
		assert.True(t, page.Doc.Find("#job-progress").Is("[hx-trigger]"), "a paused push is still polled")

		// The calls in flight finish …
		require.Eventually(t, func() bool { return progressOf(t, env, id).InFlight == 0 }, 10*time.Second, 5*time.Millisecond)
		p := progressOf(t, env, id)
		reqs, _ := sent(t, env)
		assert.Equal(t, p.OK, len(reqs), "the calls in flight finished")
		assert.Greater(t, p.Pending, 0, "calls are left")
		for _, r := range reqs {
			assert.True(t, r.At.Before(paused), "every call reaching the platform started before the pause")
		}
		// … and nothing new reaches the platform while it is paused.
		time.Sleep(time.Second)
		again, _ := sent(t, env)
		assert.Len(t, again, len(reqs), "no call while paused")
		assert.Equal(t, p.Pending, progressOf(t, env, id).Pending)
		htmx := b.HTMX(http.MethodGet, jobURL(id), nil)
		assert.Equal(t, "已暂停", htmx.Text("[data-testid=job-status]"), "the polled fragment shows the pause")

		page = postAction(t, b, b.Get(jobURL(id)), "resume")
		assert.Contains(t, page.Text("[data-testid=flash]"), "已继续")
		j := waitJob(t, env, id)
		assert.Equal(t, store.PushDone, j.State())
		reqs, accounts := sent(t, env)
		assert.Len(t, reqs, 10, "each call once")
		sort.Strings(list)
		assert.Equal(t, list, accounts, "every account exactly once")
		for _, a := range []string{"cards.push.pause", "cards.push.resume"} {
			e, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: a}, 0, 5)
			require.NoError(t, err)
			require.Len(t, e, 1, a)
			assert.Equal(t, "admin", e[0].Actor)
		}
		assert.Equal(t, http.StatusForbidden, env.As(t, auth.RoleContent).PostForm(jobURL(id)+"/pause", nil).Status, "admins only")
	})
}

// Cancel asks first, then the calls not yet sent are cancelled with their
// River jobs and never sent; the call in flight finishes; the page shows the
// push cancelled with its counts.
func TestCancelAPush(t *testing.T) {
	onBothBackends(t, map[string]string{"CONSOLE_PUSH_WORKERS": "1"}, func(t *testing.T, env *apptest.Env) {
		b := env.As(t, auth.RoleAdmin)
		id, _ := startPush(t, env, b, 1000, false, 300*time.Millisecond) // 5 calls
		require.Eventually(t, func() bool { return progressOf(t, env, id).OK > 0 }, 20*time.Second, 5*time.Millisecond)

		page := b.Get(jobURL(id))
		href, _ := page.Doc.Find("[data-testid=cancel]").Attr("href")
		require.Equal(t, jobURL(id)+"/cancel", href, "cancel opens a confirmation first (a link: works without JS)")
		confirm := b.Get(href)
		require.Equal(t, http.StatusOK, confirm.Status)
		assert.Contains(t, confirm.Text("[data-testid=cancel-counts]"), "将被取消")
		assert.Contains(t, confirm.Text("[data-testid=cancel-confirm]"), "无法撤销")
		assert.Equal(t, store.PushRunning, jobOf(t, env, id).Status, "opening the confirmation changes nothing")
		done := postAction(t, b, confirm, "cancel-confirm-button")
		assert.Contains(t, done.Text("[data-testid=flash]"), "已取消")

		j := waitJob(t, env, id)
		assert.Equal(t, store.OutcomeCancelled, j.State())
		p := progressOf(t, env, id)
		assert.Equal(t, 5, p.OK+p.Cancelled)
		assert.Greater(t, p.Cancelled, 0)
		reqs, accounts := sent(t, env)
		assert.Len(t, reqs, p.OK, "the cancelled calls were never sent")
		assert.Len(t, accounts, p.AccountsOK)
		time.Sleep(700 * time.Millisecond)
		again, _ := sent(t, env)
		assert.Len(t, again, p.OK, "nor later")

		// Their River jobs were cancelled with them.
		rows, err := env.App.Store.DB().QueryContext(context.Background(), `SELECT state, COUNT(*) FROM river_job WHERE kind = 'card_call' GROUP BY state`)
		require.NoError(t, err)
		states := map[string]int{}
		for rows.Next() {
			var s string
			var n int
			require.NoError(t, rows.Scan(&s, &n))
			states[s] = n
		}
		require.NoError(t, rows.Close())
		// A job a worker had already fetched when the push was cancelled ends
		// "completed" without sending (its claim is refused); the others are
		// cancelled. None is left to run either way.
		assert.Equal(t, 5, states["completed"]+states["cancelled"], "%v", states)
		assert.GreaterOrEqual(t, states["completed"], p.OK, "%v", states)
		assert.LessOrEqual(t, states["completed"], p.OK+1, "at most the one job in hand when cancelled: %v", states)

		page = b.Get(jobURL(id))
		assert.Equal(t, "已取消", page.Text("#job-progress [data-testid=job-status]"))
		assert.Equal(t, fmt.Sprint(p.Cancelled), page.Text("[data-testid=calls-cancelled]"))
		assert.Contains(t, page.Text("[data-testid=cancelled-note]"), fmt.Sprintf("%d 次调用（%d 个账号）从未发送", p.Cancelled, p.AccountsCancelled))
		assert.False(t, page.Has("[data-testid=job-controls]"))
		assert.False(t, page.Has("[data-testid=retry]"), "a cancelled push stays cancelled")
		assert.False(t, page.Doc.Find("#job-progress").Is("[hx-trigger]"))
		jobs := b.Get("/cards/jobs")
		assert.Equal(t, "已取消", jobs.Text(fmt.Sprintf("[data-testid=job-%d] [data-testid=job-status]", id)))

		again2 := b.PostForm(jobURL(id)+"/cancel", nil)
		require.Equal(t, http.StatusSeeOther, again2.Status)
		assert.Contains(t, b.Follow(again2).Text("[data-testid=flash]"), "无法再取消")
		assert.Equal(t, http.StatusSeeOther, b.Get(jobURL(id)+"/cancel").Status, "a finished push has nothing to cancel")
		e, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "cards.push.cancel"}, 0, 5)
		require.NoError(t, err)
		require.Len(t, e, 1)
	})
}

// A canary push sends its first call alone and pauses; the page says so and
// offers continue and cancel; continued, the rest goes.
func TestCanaryPush(t *testing.T) {
	onBothBackends(t, map[string]string{}, func(t *testing.T, env *apptest.Env) {
		b := env.As(t, auth.RoleAdmin)
		id, list := startPush(t, env, b, 1000, true, 0) // 5 calls
		require.Eventually(t, func() bool { return jobOf(t, env, id).State() == store.StatePaused }, 20*time.Second, 5*time.Millisecond)
		reqs, accounts := sent(t, env)
		require.Len(t, reqs, 1, "the canary call goes alone")
		assert.Equal(t, list[:200], accounts)

		page := b.Get(jobURL(id))
		assert.Contains(t, page.Text("[data-testid=canary-note]"), "4 次调用")
		assert.Equal(t, "继续推送剩余的 4 次调用", page.Text("[data-testid=resume]"))
		assert.False(t, page.Has("[data-testid=pause]"))
		assert.True(t, page.Has("[data-testid=cancel]"))
		time.Sleep(300 * time.Millisecond)
		reqs, _ = sent(t, env)
		assert.Len(t, reqs, 1, "it waits for an admin")

		postAction(t, b, page, "resume")
		assert.Equal(t, store.PushDone, waitJob(t, env, id).State())
		reqs, accounts = sent(t, env)
		assert.Len(t, reqs, 5)
		assert.Equal(t, list, accounts, "every account exactly once")
		e, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "cards.push.canary"}, 0, 5)
		require.NoError(t, err)
		require.Len(t, e, 1)
		assert.Equal(t, "system", e[0].Actor)
	})
}

// The confirmation estimates the push's duration from its calls, the
// workers, the rate and the platform's latency; the job page counts down.
func TestPushTimeEstimate(t *testing.T) {
	env := apptest.New(t, map[string]string{"CONSOLE_PUSH_RATE": "0.1", "CONSOLE_APPROVAL_ACCOUNTS": "0"})
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	vals := with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "enterprise_id", "ent-1")
	one := toConfirm(t, env, b, with(vals, "account_ids", "t00001"), nil)
	assert.Equal(t, "不到 1 分钟", one.Text("[data-testid=confirm-eta]"))
	assert.False(t, one.Has("input[name=canary]"), "one call: nothing to hold back")

	big := with(vals, "account_ids", strings.Join(ids(10000), "\n")) // 50 calls at 0.1 a second
	conf := toConfirm(t, env, b, big, nil)
	assert.Equal(t, "约 8 分钟", conf.Text("[data-testid=confirm-eta]"))
	basis := conf.Text("[data-testid=confirm-eta-basis]")
	assert.Contains(t, basis, "4 个并发调用")
	assert.Contains(t, basis, "每秒最多 0.1 次")
	assert.Contains(t, basis, "平台近期延迟", "the template list has measured the platform")
	b.PostForm("/lang", url.Values{"lang": {"en"}})
	en := toConfirm(t, env, b, big, nil)
	assert.Equal(t, "about 8 minutes", en.Text("[data-testid=confirm-eta]"))
	assert.Contains(t, en.Text("[data-testid=confirm-eta-basis]"), "4 concurrent calls per replica, up to 0.1 a second, the platform's recent latency of")
	assert.Equal(t, "less than a minute", toConfirm(t, env, b, with(vals, "account_ids", "t00001"), nil).Text("[data-testid=confirm-eta]"))

	push := b.PostForm("/cards/push", formOf(en, "push-form"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	id := jobIDOf(t, push.Location)
	page := b.Get(push.Location)
	assert.Equal(t, "about 8 minutes left", page.Text("[data-testid=eta-left]"))
	// Cancelled, it ends at once: the calls waiting for their rate slot are not sent.
	res := b.PostForm(jobURL(id)+"/cancel", nil)
	require.Equal(t, http.StatusSeeOther, res.Status)
	assert.Equal(t, store.OutcomeCancelled, waitJob(t, env, id).State())
	reqs, _ := sent(t, env)
	assert.LessOrEqual(t, len(reqs), 1)
	assert.Contains(t, b.Get(jobURL(id)).Text("[data-testid=cancelled-note]"), "calls (")
}

func jobURL(id int64) string { return fmt.Sprintf("/cards/jobs/%d", id) }

// Two replicas on one PostgreSQL database work one push: paused on one,
// neither sends a call while paused; resumed on the other, every account
// gets its data exactly once across both.
func TestPauseAcrossReplicas(t *testing.T) {
	dsn := pgtest.URL(t)
	vars := map[string]string{"CONSOLE_DATABASE_URL": dsn, "CONSOLE_PUSH_WORKERS": "1", "CONSOLE_APPROVAL_ACCOUNTS": "0"}
	a, b := apptest.New(t, vars), apptest.New(t, vars)
	adminA, adminB := a.As(t, auth.RoleAdmin), b.As(t, auth.RoleAdmin)
	b.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Latency: 300 * time.Millisecond})
	id, list := startPush(t, a, adminA, 4000, false, 300*time.Millisecond) // 20 calls
	both := func() (int, []string) {
		ra, acc := sent(t, a)
		rb, accB := sent(t, b)
		all := append(acc, accB...)
		sort.Strings(all)
		return len(ra) + len(rb), all
	}
	require.Eventually(t, func() bool { return progressOf(t, a, id).OK >= 2 }, 20*time.Second, 5*time.Millisecond)
	postAction(t, adminB, adminB.Get(jobURL(id)), "pause")
	require.Eventually(t, func() bool { return progressOf(t, a, id).InFlight == 0 }, 10*time.Second, 5*time.Millisecond)
	n, _ := both()
	assert.Equal(t, progressOf(t, a, id).OK, n)
	time.Sleep(time.Second)
	again, _ := both()
	assert.Equal(t, n, again, "no replica sends while paused")
	assert.Less(t, n, 20)

	postAction(t, adminA, adminA.Get(jobURL(id)), "resume")
	assert.Equal(t, store.PushDone, waitJob(t, a, id).State())
	n, accounts := both()
	assert.Equal(t, 20, n, "each call once, whichever replica sent it")
	sort.Strings(list)
	assert.Equal(t, list, accounts, "every account exactly once")
	ra, _ := sent(t, a)
	rb, _ := sent(t, b)
	t.Logf("calls sent by replica A: %d, B: %d", len(ra), len(rb))
}
