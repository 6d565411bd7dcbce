package schedule_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/store"
)

// --- helpers ---

var busiSeq int

// message is a valid oa message for /messages/send with a fresh busiId.
func message() url.Values {
	busiSeq++
	return url.Values{"type": {"oa"}, "headText": {"家长会通知"}, "bgColor": {"FFCC0000"}, "pcUrl": {"https://example.edu/pc"},
		"appUrl": {"https://example.edu/h5"}, "bodyTitle": {"三年级家长会"}, "bodyContent": {"请准时参加"}, "author": {"教务处"},
		"busiId": {fmt.Sprintf("sched-%d-%d", time.Now().UnixNano(), busiSeq)}, "accountIds": {"u1001\nu1002"}}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// local is t as a datetime-local value with seconds, in the console's zone.
func local(env *apptest.Env, t time.Time) string {
	return t.In(env.App.Config.Location).Format("2006-01-02T15:04:05")
}

// ahead is a start time d from now, to the second (what the form sends),
// and the time it stands for.
func ahead(env *apptest.Env, d time.Duration) (string, time.Time) {
	at := time.Now().Add(d).Truncate(time.Second)
	return local(env, at), at
}

func sent(env *apptest.Env) int { return len(env.App.Sandbox.Recorder.Requests("tze", tze.PathSend)) }

func sendRow(t *testing.T, env *apptest.Env, busiID string) store.MessageSend {
	t.Helper()
	m, err := env.App.Store.MessageSendByBusiID(context.Background(), busiID)
	require.NoError(t, err)
	return m
}

// untilDue waits until just before at: nothing may have happened yet.
func untilDue(at time.Time) { time.Sleep(time.Until(at) - 150*time.Millisecond) }

func schedule(t *testing.T, b *apptest.Browser, v url.Values, at string) *apptest.Page {
	t.Helper()
	p := b.PostForm("/messages/send", with(v, "send_at", at))
	require.Equal(t, http.StatusSeeOther, p.Status, p.Text(".field-error"))
	return p
}

func hiddenFields(p *apptest.Page, testID string) url.Values {
	v := url.Values{}
	p.Doc.Find(`[data-testid="` + testID + `"] input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		v.Add(name, val)
	})
	return v
}

// riverState is the state River has for a job.
func riverState(t *testing.T, env *apptest.Env, id int64) string {
	t.Helper()
	var state string
	require.NoError(t, env.App.Store.DB().QueryRow(`SELECT state FROM river_job WHERE id = ?`, id).Scan(&state))
	return state
}

func auditCount(t *testing.T, env *apptest.Env, action string) int {
	t.Helper()
	_, n, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: action}, 0, 1)
	require.NoError(t, err)
	return n
}

// --- messages ---

// A send scheduled 2 s ahead is on /schedule, is not sent before its time,
// and is sent once after it.
func TestScheduledSendGoesOnceAtItsTime(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleContent)
	b.Get("/messages/new")
	v := message()
	typed, at := ahead(env, 2*time.Second)
	res := schedule(t, b, v, typed)

	detail := b.Follow(res)
	assert.Equal(t, "已定时", detail.Text(`[data-testid="detail-status"]`))
	assert.Equal(t, "定于 "+at.In(env.App.Config.Location).Format("2006-01-02 15:04:05")+" 开始", detail.Text(`[data-testid="scheduled-for"]`))
	assert.Contains(t, detail.Text(`[data-testid="flash"]`), "已定时")
	row := sendRow(t, env, v.Get("busiId"))
	assert.True(t, at.Equal(row.SendAt))
	assert.Equal(t, 1, auditCount(t, env, "messages.send.schedule"))

	list := b.Get("/schedule")
	require.Equal(t, http.StatusOK, list.Status)
	line := `[data-testid="scheduled-send-` + strconv.FormatInt(row.ID, 10) + `"] `
	assert.Equal(t, "家长会通知", list.Text(line+`[data-testid="scheduled-title"]`))
	assert.Equal(t, "content", list.Text(line+`[data-testid="scheduled-by"]`))
	assert.Equal(t, "2 个接收对象", list.Text(line+`[data-testid="scheduled-count"]`))
	assert.Equal(t, at.In(env.App.Config.Location).Format("2006-01-02 15:04:05"), list.Text(line+`[data-testid="scheduled-when"]`))
	open, _ := list.Doc.Find(line + `[data-testid="scheduled-open"]`).Attr("href")
	assert.Equal(t, res.Location, open)

	untilDue(at)
	assert.Zero(t, sent(env), "nothing is sent before its time")
	require.Eventually(t, func() bool { return sent(env) == 1 }, 10*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return sendRow(t, env, v.Get("busiId")).Status == store.SendOK }, 10*time.Second, 20*time.Millisecond)
	time.Sleep(1500 * time.Millisecond)
	assert.Equal(t, 1, sent(env), "and it is sent once")

	row = sendRow(t, env, v.Get("busiId"))
	assert.False(t, row.FiredAt.Before(at), "never early")
	assert.Less(t, row.FiredAt.Sub(at), 5*time.Second)
	detail = b.Get(res.Location)
	assert.Equal(t, "已发送", detail.Text(`[data-testid="detail-status"]`))
	assert.NotEmpty(t, detail.Text(`[data-testid="started-at"]`))
	assert.False(t, detail.Has(`[data-testid="late-by"]`), "on time")
	empty := b.Get("/schedule")
	assert.True(t, empty.Has(`[data-testid="empty"]`), "a started send is no longer on the schedule")
}

// Cancelled before its time: never sent, shown as cancelled.
func TestCancelledSendIsNeverSent(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleContent)
	b.Get("/messages/new")
	v := message()
	typed, at := ahead(env, 2*time.Second)
	res := schedule(t, b, v, typed)
	row := sendRow(t, env, v.Get("busiId"))

	change := b.Get("/schedule/sends/" + strconv.FormatInt(row.ID, 10))
	require.Equal(t, http.StatusOK, change.Status)
	cancel := b.PostForm("/schedule/sends/"+strconv.FormatInt(row.ID, 10)+"/cancel", nil)
	require.Equal(t, http.StatusSeeOther, cancel.Status)
	assert.Equal(t, res.Location, cancel.Location, "back to the send's page")
	detail := b.Follow(cancel)
	assert.Equal(t, "已取消", detail.Text(`[data-testid="detail-status"]`))
	assert.True(t, detail.Has(`[data-testid="cancelled-note"]`))
	assert.Equal(t, 1, auditCount(t, env, "messages.send.cancel"))
	assert.Equal(t, "cancelled", riverState(t, env, row.StartJob), "its start job is cancelled with it")

	time.Sleep(time.Until(at) + 2500*time.Millisecond)
	assert.Zero(t, sent(env), "a cancelled send is never sent")
	assert.Equal(t, store.SendCancelled, sendRow(t, env, v.Get("busiId")).Status)

	// Once cancelled it cannot be cancelled or moved again.
	again := b.PostForm("/schedule/sends/"+strconv.FormatInt(row.ID, 10)+"/reschedule", url.Values{"send_at": {local(env, time.Now().Add(time.Hour))}})
	require.Equal(t, http.StatusSeeOther, again.Status)
	assert.Contains(t, b.Follow(again).Text(`[data-testid="flash"]`), "不能再改期或取消")
	assert.Equal(t, http.StatusNotFound, b.Get("/schedule/sends/999999").Status)
}

// Rescheduling replaces the start: it goes at the new time, once; a past or
// unparsable new time is a field error with what was typed kept.
func TestRescheduledSendGoesAtTheNewTime(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/messages/new")
	v := message()
	schedule(t, b, v, local(env, time.Now().Add(time.Hour)))
	row := sendRow(t, env, v.Get("busiId"))
	path := "/schedule/sends/" + strconv.FormatInt(row.ID, 10)
	b.Get(path)

	past := local(env, time.Now().Add(-time.Minute))
	bad := b.PostForm(path+"/reschedule", url.Values{"send_at": {past}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
	assert.Equal(t, "这个时间已经过去，请选择晚于现在的时间。", bad.Text(`[data-testid="err-send_at"]`))
	assert.Equal(t, past, bad.Val(`#f-new-send-at`), "the time typed is kept")
	garbage := b.PostForm(path+"/reschedule", url.Values{"send_at": {"明天早上"}})
	require.Equal(t, http.StatusUnprocessableEntity, garbage.Status)
	assert.Contains(t, garbage.Text(`[data-testid="err-send_at"]`), "无法识别的时间：明天早上")
	assert.Equal(t, "明天早上", garbage.Val(`#f-new-send-at`))
	assert.True(t, row.SendAt.Equal(sendRow(t, env, v.Get("busiId")).SendAt), "nothing moved")

	typed, at := ahead(env, 2*time.Second)
	moved := b.PostForm(path+"/reschedule", url.Values{"send_at": {typed}})
	require.Equal(t, http.StatusSeeOther, moved.Status)
	assert.Contains(t, b.Follow(moved).Text(`[data-testid="scheduled-for"]`), at.In(env.App.Config.Location).Format("15:04:05"))
	assert.Equal(t, 1, auditCount(t, env, "messages.send.reschedule"))
	assert.NotEqual(t, row.StartJob, sendRow(t, env, v.Get("busiId")).StartJob, "a new start job")
	assert.Equal(t, "cancelled", riverState(t, env, row.StartJob), "the old one cancelled")

	untilDue(at)
	assert.Zero(t, sent(env))
	require.Eventually(t, func() bool { return sent(env) == 1 }, 10*time.Second, 20*time.Millisecond)
	time.Sleep(1500 * time.Millisecond)
	assert.Equal(t, 1, sent(env), "the first start was cancelled: sent once")
}

// A past or unparsable send_at brings the review page back with the error
// beside the field and everything typed kept; nothing is sent or recorded.
func TestPastSendAtIsAFieldErrorOnTheReviewPage(t *testing.T) {
	env := apptest.New(t, nil)
	for _, tc := range []struct {
		lang, typed, want string
	}{
		{"zh-CN", "past", "这个时间已经过去，请选择晚于现在的时间。"},
		{"en", "past", "That time has passed: choose a time later than now."},
		{"zh-CN", "2026-02-30T08:00", "无法识别的时间：2026-02-30T08:00。请按 年-月-日 时:分 填写。"},
		{"en", "soon", "Not a date and time: soon. Enter year-month-day hour:minute."},
	} {
		t.Run(tc.lang+" "+tc.typed, func(t *testing.T) {
			b := env.As(t, auth.RoleContent)
			b.PostForm("/lang", url.Values{"lang": {tc.lang}})
			b.Get("/messages/new")
			v := message()
			conf := b.PostForm("/messages/compose", with(v, "op", "review"))
			require.Equal(t, http.StatusOK, conf.Status)
			require.True(t, conf.Has(`[data-testid="send-form"] input[name="send_at"]`), "the review page offers a time")
			typed := tc.typed
			if typed == "past" {
				typed = local(env, time.Now().Add(-2*time.Minute))
			}
			form := hiddenFields(conf, "send-form")
			form.Set("send_at", typed)
			res := b.PostForm("/messages/send", form)
			require.Equal(t, http.StatusUnprocessableEntity, res.Status)
			assert.Equal(t, tc.want, res.Text(`[data-testid="err-send_at"]`))
			assert.Equal(t, typed, res.Val(`input[name="send_at"]`), "the time as typed")
			assert.Equal(t, form, with(hiddenFields(res, "send-form"), "send_at", typed), "and the whole message")
			assert.Equal(t, conf.Text(`[data-testid="request-json"]`), res.Text(`[data-testid="request-json"]`))
			_, err := env.App.Store.MessageSendByBusiID(context.Background(), v.Get("busiId"))
			assert.ErrorIs(t, err, store.ErrNotFound, "nothing recorded")
			assert.Zero(t, sent(env))
		})
	}
}

// The console was down at the time: the send starts when it runs again,
// marked late by the delay.
func TestSendScheduledWhileTheConsoleWasDownStartsLate(t *testing.T) {
	dir := t.TempDir()
	env := apptest.New(t, map[string]string{"CONSOLE_DATA_DIR": dir})
	b := env.As(t, auth.RoleContent)
	b.Get("/messages/new")
	v := message()
	typed, at := ahead(env, 2*time.Second)
	schedule(t, b, v, typed)
	row := sendRow(t, env, v.Get("busiId"))
	env.Close() // before its time

	// Its time passes while the console is down; the row says it was due
	// three minutes ago (so the delay is worth minutes, not seconds).
	time.Sleep(time.Until(at) + 500*time.Millisecond)
	st, err := store.Open(context.Background(), env.App.Config.StoreDSN())
	require.NoError(t, err)
	_, err = st.DB().Exec(`UPDATE message_sends SET send_at = ? WHERE id = ?`, time.Now().Add(-3*time.Minute).UnixMilli(), row.ID)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	assert.Zero(t, sent(env))

	env2 := apptest.New(t, map[string]string{"CONSOLE_DATA_DIR": dir})
	require.Eventually(t, func() bool { return sent(env2) == 1 }, 20*time.Second, 50*time.Millisecond, "it starts on start")
	late := sendRow(t, env2, v.Get("busiId"))
	assert.GreaterOrEqual(t, late.Late(), 3*time.Minute)
	b2 := env2.As(t, auth.RoleContent)
	detail := b2.Get("/messages/history/" + strconv.FormatInt(row.ID, 10))
	assert.Equal(t, "晚了 3 分钟才开始（到时控制台未在运行）", detail.Text(`[data-testid="late-by"]`))
	b2.PostForm("/lang", url.Values{"lang": {"en"}})
	detail = b2.Get("/messages/history/" + strconv.FormatInt(row.ID, 10))
	assert.Equal(t, "Started late by 3 minutes (the console was not running at the time)", detail.Text(`[data-testid="late-by"]`))
}

// --- card pushes ---

// cardConfirm walks the wizard to the confirmation page of an accounts push.
func cardConfirm(t *testing.T, b *apptest.Browser, accounts int) *apptest.Page {
	t.Helper()
	next := b.PostForm("/cards/targets", url.Values{"template": {"ctpl1001"}, "type": {"KEYDATA"}, "items.0.key": {"到校人数"}, "items.0.data": {"20"}})
	require.Equal(t, http.StatusSeeOther, next.Status, next.Text(".field-error"))
	targets := b.Follow(next)
	ids := make([]string, accounts)
	for i := range ids {
		ids[i] = fmt.Sprintf("t%05d", i)
	}
	form := hiddenFields(targets, "targets-form")
	form.Set("target", "accounts")
	form.Set("enterprise_id", "e1")
	form.Set("account_ids", strings.Join(ids, "\n"))
	conf := b.PostForm("/cards/confirm", form)
	if conf.Status == http.StatusSeeOther {
		conf = b.Follow(conf)
	}
	require.Equal(t, http.StatusOK, conf.Status, conf.Text(".field-error"))
	return conf
}

func cardCalls(env *apptest.Env) int {
	return len(env.App.Sandbox.Recorder.Requests("chengxun", chengxun.PathBatchSetSameData))
}

// A push scheduled 2 s ahead makes none of its calls before its time and all
// of them, once, after it; a cancelled one never makes any.
func TestScheduledPushCallsAtItsTime(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleAdmin)
	conf := cardConfirm(t, b, 450) // 3 calls
	require.True(t, conf.Has(`[data-testid="push-form"] input[name="send_at"]`))

	// A past time: the confirmation again, same key, the error beside the field.
	form := hiddenFields(conf, "push-form")
	past := local(env, time.Now().Add(-time.Hour))
	bad := b.PostForm("/cards/push", with(form, "send_at", past))
	require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
	assert.Equal(t, "这个时间已经过去，请选择晚于现在的时间。", bad.Text(`[data-testid="err-send_at"]`))
	assert.Equal(t, past, bad.Val(`input[name="send_at"]`))
	assert.Equal(t, form, hiddenFields(bad, "push-form"), "the same confirmation: draft, version and key")
	jobs, _, err := env.App.Store.ListPushJobs(context.Background(), 0, 10)
	require.NoError(t, err)
	assert.Empty(t, jobs)

	typed, at := ahead(env, 2*time.Second)
	res := b.PostForm("/cards/push", with(form, "send_at", typed))
	require.Equal(t, http.StatusSeeOther, res.Status)
	page := b.Follow(res)
	assert.Equal(t, "已定时", page.Text(`[data-testid="job-status"]`))
	assert.Contains(t, page.Text(`[data-testid="scheduled-for"]`), at.In(env.App.Config.Location).Format("15:04:05"))
	assert.Equal(t, 1, auditCount(t, env, "cards.push.schedule"))
	again := b.PostForm("/cards/push", with(form, "send_at", typed))
	require.Equal(t, http.StatusSeeOther, again.Status)
	assert.Equal(t, res.Location, again.Location, "a double submit is the same push")

	list := b.Get("/schedule")
	assert.Equal(t, "450 个账号", list.Text(`[data-testid="scheduled-count"]`))
	assert.Equal(t, "卡片推送", list.Text(`[data-testid="scheduled-item"]`))

	untilDue(at)
	assert.Zero(t, cardCalls(env), "no call before its time")
	require.Eventually(t, func() bool { return cardCalls(env) == 3 }, 10*time.Second, 20*time.Millisecond)
	time.Sleep(1500 * time.Millisecond)
	assert.Equal(t, 3, cardCalls(env), "each call once")

	// Another push, scheduled and cancelled: its calls are cancelled, none is made.
	conf = cardConfirm(t, b, 250)
	typed, at = ahead(env, 2*time.Second)
	res = b.PostForm("/cards/push", with(hiddenFields(conf, "push-form"), "send_at", typed))
	require.Equal(t, http.StatusSeeOther, res.Status)
	id := strings.TrimPrefix(res.Location, "/cards/jobs/")
	b.Get("/schedule/pushes/" + id)
	cancel := b.PostForm("/schedule/pushes/"+id+"/cancel", nil)
	require.Equal(t, http.StatusSeeOther, cancel.Status)
	page = b.Follow(cancel)
	assert.Equal(t, "已取消", page.Text(`[data-testid="job-status"]`))
	assert.Equal(t, "2", page.Text(`[data-testid="calls-cancelled"]`))
	assert.False(t, page.Has(`[data-testid="retry"]`), "nothing to resend")
	time.Sleep(time.Until(at) + 2*time.Second)
	assert.Equal(t, 3, cardCalls(env), "the cancelled push made no call")
	assert.Equal(t, 1, auditCount(t, env, "cards.push.cancel"))
}

// Content staff see and change scheduled sends, not pushes; support staff
// see nothing of it.
func TestScheduleRoles(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	conf := cardConfirm(t, admin, 10)
	res := admin.PostForm("/cards/push", with(hiddenFields(conf, "push-form"), "send_at", local(env, time.Now().Add(time.Hour))))
	require.Equal(t, http.StatusSeeOther, res.Status)
	pushID := strings.TrimPrefix(res.Location, "/cards/jobs/")
	admin.Get("/messages/new")
	v := message()
	schedule(t, admin, v, local(env, time.Now().Add(2*time.Hour)))

	list := admin.Get("/schedule")
	assert.Equal(t, 2, list.Doc.Find(`[data-testid^="scheduled-"][data-testid$="`+pushID+`"], [data-testid^="scheduled-send-"]`).Length())
	assert.Equal(t, "卡片推送", list.Text(`tbody tr:first-child [data-testid="scheduled-item"]`), "soonest first")

	content := env.As(t, auth.RoleContent)
	list = content.Get("/schedule")
	require.Equal(t, http.StatusOK, list.Status)
	assert.Equal(t, 1, list.Doc.Find(`tbody tr`).Length())
	assert.Equal(t, "消息", list.Text(`[data-testid="scheduled-item"]`))
	assert.True(t, list.Has(`[data-testid="nav-schedule"]`))
	assert.Equal(t, http.StatusForbidden, content.Get("/schedule/pushes/"+pushID).Status)
	assert.Equal(t, http.StatusForbidden, content.PostForm("/schedule/pushes/"+pushID+"/cancel", nil).Status)
	row := sendRow(t, env, v.Get("busiId"))
	assert.Equal(t, http.StatusOK, content.Get("/schedule/sends/"+strconv.FormatInt(row.ID, 10)).Status, "the send history is shared")

	support := env.As(t, auth.RoleSupport)
	assert.Equal(t, http.StatusForbidden, support.Get("/schedule").Status)
	assert.False(t, support.Get("/").Has(`[data-testid="nav-schedule"]`))
}
