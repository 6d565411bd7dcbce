package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
	"github.com/orgconsole/console/internal/store"
)

// localInput is t as the console's datetime-local value (seconds when asked).
func localInput(b *Browser, t time.Time, seconds bool) string {
	layout := "2006-01-02T15:04"
	if seconds {
		layout += ":05"
	}
	return t.In(b.Env.App.Config.Location).Format(layout)
}

// lead is how far ahead the journey schedules what it watches go out: enough
// for a loaded machine to submit the form before the time passes.
const lead = 6 * time.Second

// status is the send page's status line.
const status = `[data-testid="detail-status"]`

// waitLong waits up to 30 s until the first element matching sel contains
// want (a scheduled send's page looks again every 5 s), surviving the page
// reloading underneath (a finished send reloads it: HX-Refresh), and then
// lets that reload happen before the journey goes on.
func (b *Browser) waitLong(sel, want string) {
	b.t.Helper()
	js := `(document.querySelector(` + jsString(sel) + `)||{textContent:""}).textContent.includes(` + jsString(want) + `)`
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		err := chromedp.Run(b.Ctx, chromedp.Evaluate(js, &ok))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never contained %q (last error: %v)", sel, want, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	b.Run(chromedp.WaitReady("body", chromedp.ByQuery))
}

// reviewText writes a text message to two accounts in the composer and
// opens its review page.
func reviewText(b *Browser, content string) {
	b.t.Helper()
	b.Run(
		chromedp.WaitVisible(`#f-content`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-content`, content, chromedp.ByQuery),
		chromedp.SendKeys(`#f-accountIds`, "u1001 u1002", chromedp.ByQuery),
		chromedp.Click(`[data-testid="review"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="send-form"] input[name="send_at"]`, chromedp.ByQuery),
	)
}

// sendAt types a start time on the review page, sends, and waits for the
// page that answers to show landed.
func sendAt(b *Browser, at, landed string) {
	b.t.Helper()
	b.Run(
		chromedp.SetValue(`[data-testid="send-form"] input[name="send_at"]`, at, chromedp.ByQuery),
		chromedp.Click(`[data-testid="send"]`, chromedp.ByQuery),
		chromedp.WaitVisible(landed, chromedp.ByQuery),
	)
}

// Schedule a message two minutes ahead and find it on /schedule; move it to a
// few seconds ahead on its change page and watch it go out, once (zh-CN,
// htmx following the page). In English: a past time is refused beside the
// field with the message kept; one scheduled two minutes ahead is moved by
// the test's clock (the store's reschedule) and goes out once. With
// JavaScript off: schedule, reschedule, follow it with the page's reload
// link; cancel another one from /schedule, which is never sent.
func TestJourneyScheduleASend(t *testing.T) {
	b := Start(t, nil)
	tz, ok := b.Env.App.Sandbox.Platform("tze").(*fake.Fake)
	require.True(t, ok)
	b.Login(auth.RoleContent)

	// zh-CN: two minutes ahead, as a person types it (to the minute).
	b.Open("/messages/new")
	reviewText(b, "明早 8 点开会")
	b.Shot("schedule-review")
	at := time.Now().Add(2 * time.Minute).Truncate(time.Minute)
	sendAt(b, localInput(b, at, false), status)
	assert.Equal(t, "已定时", b.Text(`[data-testid="detail-status"]`))
	assert.Equal(t, "定于 "+at.In(b.Env.App.Config.Location).Format("2006-01-02 15:04:05")+" 开始", b.Text(`[data-testid="scheduled-for"]`))
	b.Shot("schedule-send-scheduled")
	b.Run(chromedp.Click(`[data-testid="nav-schedule"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="schedule-table"]`, chromedp.ByQuery))
	assert.Equal(t, "明早 8 点开会", b.Text(`[data-testid="scheduled-title"]`))
	assert.Equal(t, "2 个接收对象", b.Text(`[data-testid="scheduled-count"]`))
	assert.Equal(t, "content", b.Text(`[data-testid="scheduled-by"]`))
	b.Shot("schedule-list")

	// Not two minutes of test: move it to 3 s ahead (seconds, as the input allows).
	b.Run(chromedp.Click(`[data-testid="scheduled-change"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="reschedule-form"]`, chromedp.ByQuery))
	soon := time.Now().Add(lead).Truncate(time.Second)
	b.Run(
		chromedp.SetValue(`#f-new-send-at`, localInput(b, soon, true), chromedp.ByQuery),
		chromedp.Click(`[data-testid="reschedule"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="scheduled-for"]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid="flash"]`), "已改期")
	assert.Empty(t, tz.Messages(), "nothing before its time")
	b.waitLong(status, "已发送") // htmx follows the scheduled send
	require.Len(t, tz.Messages(), 1)
	assert.Contains(t, tz.Messages()[0].Body, "明早 8 点开会")
	assert.Contains(t, b.firstText(`[data-testid="started-at"]`), "实际开始")
	b.Shot("schedule-send-fired")

	// English: a past time is refused beside the field, the message kept.
	b.Open("/messages/new")
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	reviewText(b, "Sports day moved to Friday")
	past := localInput(b, time.Now().Add(-time.Hour), false)
	sendAt(b, past, `[data-testid="err-send_at"]`)
	assert.Equal(t, "That time has passed: choose a time later than now.", b.Text(`[data-testid="err-send_at"]`))
	var kept string
	b.Run(chromedp.Value(`[data-testid="send-form"] input[name="send_at"]`, &kept, chromedp.ByQuery))
	assert.Equal(t, past, kept)
	assert.Contains(t, b.Text(`[data-testid="request-json"]`), "Sports day moved to Friday")
	b.Shot("schedule-en-past")
	sendAt(b, localInput(b, time.Now().Add(2*time.Minute), false), status)
	assert.Equal(t, "Scheduled", b.Text(`[data-testid="detail-status"]`))
	// The test's clock: the same move a reschedule makes, to a few seconds ahead.
	ctx := context.Background()
	sends, _, err := b.Env.App.Store.ListScheduled(ctx, false, 0, 1)
	require.NoError(t, err)
	require.Len(t, sends, 1)
	require.NoError(t, b.Env.App.Store.Reschedule(ctx, store.ItemSend, sends[0].ID, time.Now().Add(2*time.Second),
		store.AuditEntry{Action: "messages.send.reschedule"}, b.Env.App.Jobs))
	b.waitLong(status, "Sent")
	require.Len(t, tz.Messages(), 2)

	// JavaScript off: the reload link follows it.
	b.DisableJS()
	b.Open("/messages/new")
	reviewText(b, "No-script notice")
	sendAt(b, localInput(b, time.Now().Add(2*time.Minute), false), status)
	assert.Equal(t, "Scheduled", b.Text(`[data-testid="detail-status"]`))
	b.Run(chromedp.Click(`[data-testid="scheduled-change"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="reschedule-form"]`, chromedp.ByQuery))
	b.Run(
		chromedp.SetValue(`#f-new-send-at`, localInput(b, time.Now().Add(lead), true), chromedp.ByQuery),
		chromedp.Click(`[data-testid="reschedule"]`, chromedp.ByQuery),
		chromedp.WaitVisible(status, chromedp.ByQuery),
	)
	assert.Equal(t, "Scheduled", b.Text(status))
	for i := 0; b.Text(`[data-testid="detail-status"]`) != "Sent"; i++ {
		require.Less(t, i, 100, "the send went out: %s", b.Text(`[data-testid="detail-status"]`))
		time.Sleep(200 * time.Millisecond)
		sel := `[data-testid="scheduled-reload"]`
		if b.Count(sel) == 0 {
			sel = `#send-status a`
		}
		b.Run(chromedp.Click(sel, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="detail-status"]`, chromedp.ByQuery))
	}
	require.Len(t, tz.Messages(), 3)
	b.Shot("schedule-en-nojs-fired")

	// And one cancelled from /schedule before its time.
	b.Open("/messages/new")
	reviewText(b, "Cancelled notice")
	sendAt(b, localInput(b, time.Now().Add(time.Hour), false), status)
	b.Open("/schedule")
	b.Run(chromedp.Click(`[data-testid="scheduled-change"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="cancel-form"]`, chromedp.ByQuery))
	b.Shot("schedule-en-nojs-change")
	b.Run(chromedp.Click(`[data-testid="cancel-scheduled"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="cancelled-note"]`, chromedp.ByQuery))
	assert.Equal(t, "Cancelled", b.Text(`[data-testid="detail-status"]`))
	b.Open("/schedule")
	assert.Equal(t, 1, b.Count(`[data-testid="empty"]`))

	time.Sleep(time.Second)
	got := tz.Messages()
	require.Len(t, got, 3, "each scheduled send went out once, the cancelled one never")
	for _, m := range got {
		assert.False(t, strings.Contains(m.Body, "Cancelled notice"))
	}
}
