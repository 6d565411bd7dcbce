package feeds_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	cardfeeds "github.com/orgconsole/console/internal/feeds"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
	sbfeeds "github.com/orgconsole/console/internal/sandbox/feeds"
	"github.com/orgconsole/console/internal/store"
)

// tplKeyData is the sandbox's seeded KEYDATA template.
const tplKeyData = "ctpl1001"

// source is a feed's server in a test: each path answers what the test set.
type source struct {
	*httptest.Server
	mu    sync.Mutex
	paths map[string]http.HandlerFunc
	hits  atomic.Int64
}

func newSource(t *testing.T) *source {
	s := &source{paths: map[string]http.HandlerFunc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		h := s.paths[r.URL.Path]
		s.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *source) handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paths[path] = h
}

// json answers body as JSON.
func (s *source) json(path, body string) {
	s.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	})
}

func (s *source) host() string { return strings.TrimPrefix(s.URL, "http://") }

// newEnv runs a console that may fetch feeds from src (and the sandbox),
// with the sandbox's feed numbers frozen at one moment, and one admin (the
// four-eyes test asks for approval itself).
func newEnv(t *testing.T, src *source) (*apptest.Env, *sbfeeds.Fake) {
	return newEnvWith(t, src, map[string]string{"CONSOLE_APPROVAL_ACCOUNTS": "0"})
}

func newEnvWith(t *testing.T, src *source, vars map[string]string) (*apptest.Env, *sbfeeds.Fake) {
	vars["CONSOLE_FEED_HOSTS"] = src.host()
	env := apptest.New(t, vars)
	f := env.App.Sandbox.Platform(sbfeeds.Name).(*sbfeeds.Fake)
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	f.SetClock(func() time.Time { return at })
	return env, f
}

func sandboxFeedURL(env *apptest.Env) string {
	return env.App.Sandbox.BaseURL(sbfeeds.Name) + sbfeeds.PathAttendance
}

// feedForm is a valid feed form to an organisation, every 5 minutes.
func feedForm(name, rawURL string) url.Values {
	return url.Values{"name": {name}, "template": {tplKeyData}, "url": {rawURL}, "target": {"org"}, "enterprise_id": {"school-9"},
		"schedule": {"every"}, "every_minutes": {"5"}, "enabled": {"true"}}
}

// createFeed saves a feed through the form and returns its id.
func createFeed(t *testing.T, b *apptest.Browser, v url.Values) int64 {
	t.Helper()
	b.Get("/cards/feeds/new")
	p := b.PostForm("/cards/feeds", v)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Text(".field-error"))
	id, err := strconv.ParseInt(strings.TrimPrefix(p.Location, "/cards/feeds/"), 10, 64)
	require.NoError(t, err, p.Location)
	return id
}

// runNow presses "run now" and waits for the run to finish.
func runNow(t *testing.T, env *apptest.Env, b *apptest.Browser, feedID int64) store.FeedRun {
	t.Helper()
	path := "/cards/feeds/" + strconv.FormatInt(feedID, 10)
	b.Get(path)
	p := b.PostForm(path+"/run", nil)
	require.Equal(t, http.StatusSeeOther, p.Status)
	page := b.Follow(p)
	require.Contains(t, page.Text("[data-testid=flash]"), "已排队")
	return waitRun(t, env, feedID)
}

// waitRun waits for the feed's newest run to finish.
func waitRun(t *testing.T, env *apptest.Env, feedID int64) store.FeedRun {
	t.Helper()
	var run store.FeedRun
	require.Eventually(t, func() bool {
		runs, _, err := env.App.Store.FeedRuns(context.Background(), feedID, 0, 1)
		require.NoError(t, err)
		if len(runs) == 0 {
			return false
		}
		run = runs[0]
		return run.Finished()
	}, 30*time.Second, 10*time.Millisecond)
	return run
}

func waitJob(t *testing.T, env *apptest.Env, id int64) store.PushJob {
	t.Helper()
	var j store.PushJob
	require.Eventually(t, func() bool {
		var err error
		j, err = env.App.Store.PushJob(context.Background(), id)
		require.NoError(t, err)
		return !j.Active()
	}, 30*time.Second, 10*time.Millisecond)
	return j
}

// orgPushes are the set-org-data bodies the sandbox received.
func orgPushes(env *apptest.Env) []string {
	var out []string
	for _, r := range env.App.Sandbox.Recorder.Requests(fake.Name, fake.PathSetOrgData) {
		out = append(out, r.Body)
	}
	return out
}

// A feed against the sandbox's demo source: the first run pushes what the
// source says, a second run with the same numbers pushes nothing, and once
// the numbers change the next run pushes again. The pushes are ordinary
// push jobs that link back to the feed; the runs page shows all three.
func TestFeedPushesOnlyWhenTheDataChanged(t *testing.T) {
	src := newSource(t)
	env, numbers := newEnv(t, src)
	admin := env.As(t, auth.RoleAdmin)
	id := createFeed(t, admin, feedForm("出勤看板", sandboxFeedURL(env)))

	first := runNow(t, env, admin, id)
	require.Equal(t, store.FeedRunPushed, first.Status, first.Reason)
	assert.Equal(t, http.StatusOK, first.HTTPStatus)
	assert.Positive(t, first.Bytes)
	j := waitJob(t, env, first.PushJobID)
	assert.Equal(t, store.PushDone, j.State())
	assert.Equal(t, "system", j.CreatedBy)
	pushes := orgPushes(env)
	require.Len(t, pushes, 1)
	var body struct {
		EnterpriseID string `json:"enterprise_id"`
		Type         string `json:"type"`
		Data         struct {
			Items []sbfeeds.Item `json:"items"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(pushes[0]), &body))
	assert.Equal(t, "school-9", body.EnterpriseID)
	assert.Equal(t, "KEYDATA", body.Type)
	want := sbfeeds.Attendance(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	assert.Equal(t, want, body.Data.Items, "the sandbox received what the source said")
	assert.Equal(t, "今日出勤率", body.Data.Items[0].Key)

	second := runNow(t, env, admin, id)
	assert.Equal(t, store.FeedRunUnchanged, second.Status)
	assert.Zero(t, second.PushJobID)
	assert.Equal(t, first.Hash, second.Hash)
	assert.Len(t, orgPushes(env), 1, "unchanged data is not pushed")

	later := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC).Add(sbfeeds.Period)
	numbers.SetClock(func() time.Time { return later })
	third := runNow(t, env, admin, id)
	require.Equal(t, store.FeedRunPushed, third.Status)
	waitJob(t, env, third.PushJobID)
	assert.Len(t, orgPushes(env), 2, "changed data is pushed again")
	assert.NotEqual(t, first.Hash, third.Hash)

	p := admin.Get("/cards/feeds/" + strconv.FormatInt(id, 10))
	require.Equal(t, http.StatusOK, p.Status)
	rows := p.Doc.Find("[data-testid=run]")
	require.Equal(t, 3, rows.Length())
	statuses := rows.Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("data-status", "") })
	assert.Equal(t, []string{"pushed", "unchanged", "pushed"}, statuses, "newest first")
	assert.Equal(t, "/cards/jobs/"+strconv.FormatInt(third.PushJobID, 10), rows.First().Find("[data-testid=run-job]").AttrOr("href", ""))
	assert.Contains(t, rows.Eq(1).Find("[data-testid=run-detail]").Text(), "与上次推送的数据相同")
	assert.Contains(t, rows.Eq(2).Find("[data-testid=run-fetched]").Text(), "HTTP 200")

	job := admin.Get("/cards/jobs/" + strconv.FormatInt(first.PushJobID, 10))
	assert.Equal(t, "/cards/feeds/"+strconv.FormatInt(id, 10), job.Doc.Find("[data-testid=job-feed] a").AttrOr("href", ""), "the job links back to its feed")
	assert.Contains(t, job.Text("[data-testid=job-feed]"), "出勤看板")

	list := admin.Get("/cards/feeds")
	assert.Equal(t, "已推送", list.Text("[data-testid=feed-"+strconv.FormatInt(id, 10)+"] [data-testid=run-status]"))
}

// The same items written differently (spacing, field order, other
// top-level fields) are the same data.
func TestFeedComparesTheCanonicalCard(t *testing.T) {
	src := newSource(t)
	env, _ := newEnv(t, src)
	admin := env.As(t, auth.RoleAdmin)
	src.json("/a.json", `{"items":[{"key":"到校人数","data":"1200"},{"key":"请假人数","data":"12"}]}`)
	id := createFeed(t, admin, feedForm("到校", src.URL+"/a.json"))
	require.Equal(t, store.FeedRunPushed, runNow(t, env, admin, id).Status)
	src.json("/a.json", `{ "updated_at": "08:05", "items": [ {"data": "1200", "key": "到校人数"}, {"data":"12","key":"请假人数"} ] }`)
	assert.Equal(t, store.FeedRunUnchanged, runNow(t, env, admin, id).Status)
}

// A URL on a host CONSOLE_FEED_HOSTS does not list is a field error at
// save, with everything typed kept; a feed whose host is no longer allowed
// when it runs (the setting changed since it was saved) fails its run and
// fetches nothing.
func TestFeedHostMustBeAllowed(t *testing.T) {
	src := newSource(t)
	other := newSource(t)
	env, _ := newEnv(t, src)
	admin := env.As(t, auth.RoleAdmin)
	admin.Get("/cards/feeds/new")
	p := admin.PostForm("/cards/feeds", feedForm("外部数据", other.URL+"/x.json"))
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Text("[data-testid=err-url]"), other.host())
	assert.Contains(t, p.Text("[data-testid=err-url]"), "CONSOLE_FEED_HOSTS")
	assert.Equal(t, "外部数据", p.Val("#f-name"), "what was typed stays")
	assert.Equal(t, other.URL+"/x.json", p.Val("#f-url"))
	assert.Equal(t, "school-9", p.Val("#f-enterprise_id"))
	feeds, err := env.App.Store.ListFeeds(t.Context())
	require.NoError(t, err)
	assert.Empty(t, feeds, "nothing saved")

	src.json("/a.json", `{"items":[{"key":"到校人数","data":"1200"}]}`)
	id := createFeed(t, admin, feedForm("到校", src.URL+"/a.json"))
	f, err := env.App.Store.Feed(t.Context(), id)
	require.NoError(t, err)
	f.URL = other.URL + "/x.json" // saved when that host was allowed
	require.NoError(t, env.App.Store.UpdateFeed(t.Context(), f, store.AuditEntry{Action: "cards.feed.update"}))
	run := runNow(t, env, admin, id)
	assert.Equal(t, store.FeedRunFailed, run.Status)
	assert.Equal(t, string(cardfeeds.FailHost), run.Reason)
	assert.Equal(t, other.host(), run.ReasonArg)
	assert.Zero(t, other.hits.Load(), "the host was never asked")
	page := admin.Get("/cards/feeds/" + strconv.FormatInt(id, 10))
	assert.Contains(t, page.Text("[data-testid=run-reason]"), "不在允许的列表中")
	assert.Equal(t, other.host(), page.Text("[data-testid=run-reason-detail]"))
	assert.Empty(t, orgPushes(env))
}

// What a source can answer instead of the card's items: each run fails
// with its reason on the page, and nothing is pushed.
func TestFeedAnswersThatAreNotData(t *testing.T) {
	src := newSource(t)
	elsewhere := newSource(t)
	env, _ := newEnv(t, src)
	admin := env.As(t, auth.RoleAdmin)
	chunk := []byte(strings.Repeat(" ", 64<<10))
	var written atomic.Int64
	src.handle("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>登录</title><form>…</form>"))
	})
	src.handle("/big", func(w http.ResponseWriter, r *http.Request) { // 10 MB, no length announced
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[{"key":"a","data":"`))
		for i := 0; i < (10<<20)/len(chunk); i++ {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	src.handle("/big-announced", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(10<<20))
		_, _ = w.Write([]byte(`{"items":[`))
	})
	src.handle("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/data.json", http.StatusFound)
	})
	src.handle("/error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	src.handle("/text", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(`{"items":[]}`))
	})
	elsewhere.json("/data.json", `{"items":[{"key":"a","data":"1"}]}`)

	for _, c := range []struct {
		path, reason, detail, text string
	}{
		{"/html", "html", "", "返回的是网页而不是 JSON"},
		{"/big", "too_large", "1 MB", "超过大小上限"},
		{"/big-announced", "too_large", "1 MB", "超过大小上限"},
		{"/redirect", "redirect", elsewhere.URL + "/data.json", "拒绝跳转"},
		{"/error", "http", "503", "服务器返回错误状态"},
		{"/text", "not_json", "text/plain", "不是 JSON"},
	} {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			id := createFeed(t, admin, feedForm("源"+c.path, src.URL+c.path))
			run := runNow(t, env, admin, id)
			assert.Equal(t, store.FeedRunFailed, run.Status)
			assert.Equal(t, c.reason, run.Reason)
			assert.Equal(t, c.detail, run.ReasonArg)
			page := admin.Get("/cards/feeds/" + strconv.FormatInt(id, 10))
			assert.Contains(t, page.Text("[data-testid=run-reason]"), c.text)
			assert.Equal(t, "失败", page.Text("[data-testid=run-status]"))
			if c.path == "/big" {
				assert.LessOrEqual(t, run.Bytes, int64(cardfeeds.MaxBytes), "reading stopped at the limit")
			}
		})
	}
	assert.Zero(t, elsewhere.hits.Load(), "the redirect to another host was never followed")
	assert.Less(t, written.Load(), int64(10<<20), "the 10 MB answer was cut off")
	assert.Empty(t, orgPushes(env), "nothing was pushed")
}

// A redirect to another path of an allowed host is followed.
func TestFeedFollowsRedirectsOnAllowedHosts(t *testing.T) {
	src := newSource(t)
	env, _ := newEnv(t, src)
	admin := env.As(t, auth.RoleAdmin)
	src.handle("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.json", http.StatusMovedPermanently)
	})
	src.json("/new.json", `{"items":[{"key":"到校人数","data":"1200"}]}`)
	id := createFeed(t, admin, feedForm("搬家", src.URL+"/old"))
	assert.Equal(t, store.FeedRunPushed, runNow(t, env, admin, id).Status)
}

// Items over the editor's limits make the run invalid: every problem is
// listed under its field with the editor's own messages, and nothing is
// pushed.
func TestFeedItemsOverTheLimitsAreInvalid(t *testing.T) {
	src := newSource(t)
	env, _ := newEnv(t, src)
	admin := env.As(t, auth.RoleAdmin)
	src.json("/over.json", `{"items":[
		{"key":"`+strings.Repeat("出", 21)+`","data":"1"},
		{"key":"b","data":96},
		{"key":"c","data":"3","jump_url":"javascript:alert(1)"},
		{"key":"d","value":"4"},
		{"key":"e","data":"5"}]}`)
	id := createFeed(t, admin, feedForm("超限", src.URL+"/over.json"))
	run := runNow(t, env, admin, id)
	require.Equal(t, store.FeedRunInvalid, run.Status)
	errs := map[string]string{}
	for _, e := range cardfeeds.DecodeErrors(run.ErrorsJSON) {
		errs[e.Field] = e.Msg.Key
	}
	assert.Equal(t, map[string]string{
		"items":            "form.err.too_many",
		"items.0.key":      "form.err.too_long",
		"items.1.data":     cardfeeds.ErrString,
		"items.2.jump_url": "form.err.url",
		"items.3.value":    cardfeeds.ErrUnknownField,
		"items.3.data":     "form.err.required",
	}, errs)
	page := admin.Get("/cards/feeds/" + strconv.FormatInt(id, 10))
	assert.Equal(t, "数据无效", page.Text("[data-testid=run-status]"))
	lines := page.Doc.Find("[data-testid=run-error]").Map(func(_ int, s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") })
	assert.Contains(t, lines, "items.0.key 最多 20 个字符（当前 21，表情符号计 2 个）。")
	assert.Contains(t, lines, "items 最多 4 项（当前 5 项）。", "the editor's message")
	assert.Contains(t, page.Text("[data-testid=run-detail]"), "6 处问题，未推送")
	assert.Empty(t, orgPushes(env), "nothing is sent with invalid data")
}

// Three failed runs in a row pause the feed: the schedule stops running
// it, its page and the dashboard say so, and it is audited. A run that
// goes well again (run now after the fix) ends the pause.
func TestFeedPausesAfterThreeFailures(t *testing.T) {
	src := newSource(t)
	env, _ := newEnv(t, src)
	admin := env.As(t, auth.RoleAdmin)
	down := true
	var mu sync.Mutex
	src.handle("/flaky.json", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			http.Error(w, "maintenance", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[{"key":"到校人数","data":"1200"}]}`))
	})
	id := createFeed(t, admin, feedForm("维护中", src.URL+"/flaky.json"))
	for i := 1; i <= 3; i++ {
		run := runNow(t, env, admin, id)
		require.Equal(t, store.FeedRunFailed, run.Status)
		f, err := env.App.Store.Feed(t.Context(), id)
		require.NoError(t, err)
		assert.Equal(t, i, f.Failures)
		assert.Equal(t, i == 3, f.Paused(), "run %d", i)
	}
	dash := admin.Get("/")
	assert.Contains(t, dash.Text("[data-testid=dashboard-paused-feeds]"), "1 个卡片数据源连续运行失败，已暂停")
	assert.Equal(t, "/cards/feeds/"+strconv.FormatInt(id, 10), dash.Doc.Find("[data-testid=paused-feed] a").AttrOr("href", ""))
	assert.Contains(t, dash.Text("[data-testid=paused-feed]"), "维护中")
	page := admin.Get("/cards/feeds/" + strconv.FormatInt(id, 10))
	assert.Contains(t, page.Text("[data-testid=feed-paused]"), "连续 3 次运行失败")
	assert.Equal(t, "已暂停", page.Text("[data-testid=feed-summary] [data-testid=feed-state]"))
	entries, _, err := env.App.Store.ListAudit(t.Context(), store.AuditFilter{Action: "cards.feed.pause"}, 0, 10)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "system", entries[0].Actor)

	// The schedule does not run a paused feed, however late it is.
	env.App.Store.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
	n, err := env.App.Store.ClaimDueFeeds(t.Context(), func(f store.CardFeed, now time.Time) time.Time { return now.Add(time.Minute) },
		func(context.Context, *sql.Tx, int64) error { return nil })
	require.NoError(t, err)
	assert.Zero(t, n)
	env.App.Store.SetClock(time.Now)

	// Fixed: run now succeeds and the flag is gone.
	mu.Lock()
	down = false
	mu.Unlock()
	assert.Equal(t, store.FeedRunPushed, runNow(t, env, admin, id).Status)
	assert.False(t, admin.Get("/").Has("[data-testid=dashboard-paused-feeds]"))
	f, err := env.App.Store.Feed(t.Context(), id)
	require.NoError(t, err)
	assert.Zero(t, f.Failures)
	assert.False(t, f.Paused())
}

// Resume ends a pause by hand, without a run.
func TestFeedResume(t *testing.T) {
	src := newSource(t)
	env, _ := newEnv(t, src)
	admin := env.As(t, auth.RoleAdmin)
	id := createFeed(t, admin, feedForm("坏源", src.URL+"/missing.json"))
	for range 3 {
		runNow(t, env, admin, id)
	}
	path := "/cards/feeds/" + strconv.FormatInt(id, 10)
	page := admin.Get(path)
	require.True(t, page.Has("[data-testid=resume]"))
	p := admin.PostForm(path+"/resume", nil)
	require.Equal(t, http.StatusSeeOther, p.Status)
	page = admin.Follow(p)
	assert.False(t, page.Has("[data-testid=feed-paused]"))
	assert.Equal(t, "已启用", page.Text("[data-testid=feed-summary] [data-testid=feed-state]"))
}

// The form's own checks: schedule bounds, daily times, a template the
// platform lists, the target's rules; everything typed comes back.
func TestFeedFormErrors(t *testing.T) {
	src := newSource(t)
	env, _ := newEnv(t, src)
	admin := env.As(t, auth.RoleAdmin)
	admin.Get("/cards/feeds/new")
	for _, c := range []struct {
		name  string
		vals  url.Values
		field string
		text  string
	}{
		{"every 4", with(feedForm("x", src.URL+"/a"), "every_minutes", "4"), "every_minutes", "5 到 1,440"},
		{"every abc", with(feedForm("x", src.URL+"/a"), "every_minutes", "abc"), "every_minutes", "5 到 1,440"},
		{"daily", with(feedForm("x", src.URL+"/a"), "schedule", "daily", "daily_at", "25:00"), "daily_at", "时:分"},
		{"no name", with(feedForm("", src.URL+"/a")), "name", "必填"},
		{"not http", with(feedForm("x", "ftp://"+src.host()+"/a")), "url", "http://"},
		{"image template", with(feedForm("x", src.URL+"/a"), "template", "ctpl1003"), "template", "KEYDATA 或 LIST"},
		{"org without enterprise", with(feedForm("x", src.URL+"/a"), "enterprise_id", ""), "enterprise_id", ""},
		{"diff", with(feedForm("x", src.URL+"/a"), "target", "diff"), "target", "组织或账号"},
		{"bad accounts", with(feedForm("x", src.URL+"/a"), "target", "accounts", "account_ids", "ok1 bad!"), "account_ids", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := admin.PostForm("/cards/feeds", c.vals)
			require.Equal(t, http.StatusUnprocessableEntity, p.Status)
			require.True(t, p.Has("[data-testid=err-"+c.field+"]"), "error under %s", c.field)
			assert.Contains(t, p.Text("[data-testid=err-"+c.field+"]"), c.text)
			assert.Equal(t, c.vals.Get("url"), p.Val("#f-url"), "what was typed stays")
		})
	}
	// Accounts: the same data for listed accounts, show-on-all kept.
	id := createFeed(t, admin, with(feedForm("账号", src.URL+"/a"), "target", "accounts", "enterprise_id", "", "show_on_all_enterprise", "true",
		"account_ids", "t001\nt002, t001"))
	f, err := env.App.Store.Feed(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, []string{"t001", "t002"}, f.AccountIDs)
	assert.True(t, f.ShowOnAll)
	edit := admin.Get("/cards/feeds/" + strconv.FormatInt(id, 10) + "/edit")
	assert.Equal(t, "t001\nt002", edit.Text("textarea[name=account_ids]"))
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// Feeds are for admins: content staff cannot open or run them.
func TestFeedsAreForAdmins(t *testing.T) {
	src := newSource(t)
	env, _ := newEnv(t, src)
	content := env.As(t, auth.RoleContent)
	assert.Equal(t, http.StatusForbidden, content.Get("/cards/feeds").Status)
	assert.Equal(t, http.StatusForbidden, content.PostForm("/cards/feeds/1/run", nil).Status)
	assert.False(t, content.Get("/").Has("[data-testid=nav-feeds]"))
	assert.True(t, env.As(t, auth.RoleAdmin).Get("/").Has("[data-testid=nav-feeds]"))
}

// Four eyes on a feed: a feed to an organisation (or to more accounts than
// the threshold) pushes under settings another admin approved. Until then
// it does not run — neither "run now" nor its schedule — and the requester
// cannot approve it; once approved it runs without asking again; editing
// its source asks again.
func TestFeedSettingsWaitForAnotherAdmin(t *testing.T) {
	src := newSource(t)
	env, _ := newEnvWith(t, src, map[string]string{})
	admin := env.As(t, auth.RoleAdmin)
	admin.Get("/cards/feeds/new")
	assert.Contains(t, admin.Get("/cards/feeds/new").Text("[data-testid=feed-approval-note]"), "超过 1,000 个账号")
	id := createFeed(t, admin, feedForm("出勤看板", sandboxFeedURL(env)))
	path := "/cards/feeds/" + strconv.FormatInt(id, 10)
	page := admin.Get(path)
	assert.Contains(t, page.Text("[data-testid=flash]"), "等待另一位管理员审批")
	assert.Equal(t, "等待审批", page.Text("[data-testid=feed-state]"))
	assert.Equal(t, store.ApprovalPending, page.Doc.Find("[data-testid=approval-state]").AttrOr("data-state", ""))
	assert.False(t, page.Has("[data-testid=run-now]"), "nothing to run before the approval")
	forged := admin.PostForm(path+"/run", nil)
	require.Equal(t, http.StatusSeeOther, forged.Status)
	assert.Contains(t, admin.Follow(forged).Text("[data-testid=flash]"), "还没有被批准")
	n, err := env.App.Store.ClaimDueFeeds(t.Context(), func(store.CardFeed, time.Time) time.Time { return time.Now().Add(time.Hour) },
		func(context.Context, *sql.Tx, int64) error { return nil })
	require.NoError(t, err)
	assert.Zero(t, n, "the schedule skips it")
	runs, _, err := env.App.Store.FeedRuns(t.Context(), id, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, runs)

	req, err := env.App.Store.LatestApproval(t.Context(), store.ApprovalFeed, id)
	require.NoError(t, err)
	reqPath := "/approvals/" + strconv.FormatInt(req.ID, 10)
	own := admin.Get(reqPath)
	assert.True(t, own.Has("[data-testid=approval-own]"), "the requester is not offered a decision")
	bob := env.SecondAdmin(t, "bob")
	assert.Equal(t, "1", bob.Get("/").Text("[data-testid=nav-approvals-count]"))
	decide := bob.Get(reqPath)
	require.Equal(t, http.StatusOK, decide.Status)
	assert.Contains(t, decide.Text("[data-testid=feed-url]"), sandboxFeedURL(env), "the approver sees where the data comes from")
	assert.Equal(t, "批准后按数据源的计划运行", decide.Text("[data-testid=approval-runs]"))
	approved := bob.PostForm(reqPath+"/approve", url.Values{"fingerprint": {decide.Text("[data-testid=approval-fingerprint]")}})
	require.Equal(t, http.StatusSeeOther, approved.Status)

	run := runNow(t, env, admin, id)
	require.Equal(t, store.FeedRunPushed, run.Status, run.Reason)
	assert.Equal(t, store.PushDone, waitJob(t, env, run.PushJobID).State(), "its push runs without asking again")
	assert.Len(t, orgPushes(env), 1)
	assert.Contains(t, admin.Get(path).Text("[data-testid=approval-decision]"), "由 bob 批准")

	// A new source is a new decision.
	admin.Get(path + "/edit")
	edited := feedForm("出勤看板", "http://"+src.host()+"/other.json")
	res := admin.PostForm(path, edited)
	require.Equal(t, http.StatusSeeOther, res.Status, res.Text(".field-error"))
	f, err := env.App.Store.Feed(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, store.ApprovalPending, f.Approval)
	again, err := env.App.Store.LatestApproval(t.Context(), store.ApprovalFeed, id)
	require.NoError(t, err)
	assert.NotEqual(t, req.ID, again.ID)
}
