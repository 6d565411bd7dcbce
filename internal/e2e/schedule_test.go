package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
)

// localInput is t as the console's datetime-local value (seconds when asked).
func localInput(b *Browser, t time.Time, seconds bool) string {
	layout := "2006-01-02T15:04"
	if seconds {
		layout += ":05"
	}
	return t.In(b.Env.App.Config.Location).Format(layout)
}

// reviewText writes a text message to two accounts and opens its review page.
func reviewText(b *Browser, content string) {
	b.t.Helper()
	b.Open("/messages/new")
	b.Run(
		chromedp.SendKeys(`#f-content`, content, chromedp.ByQuery),
		chromedp.SendKeys(`#f-accountIds`, "u1001 u1002", chromedp.ByQuery),
		chromedp.Click(`[data-testid="review"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="send-form"] input[name="send_at"]`, chromedp.ByQuery),
	)
}

// sendAt types a start time on the review page and sends.
func sendAt(b *Browser, at string) {
	b.t.Helper()
	b.Run(
		chromedp.SetValue(`[data-testid="send-form"] input[name="send_at"]`, at, chromedp.ByQuery),
		chromedp.Click(`[data-testid="send"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="detail-status"]`, chromedp.ByQuery),
	)
}

// Schedule a message two minutes ahead and find it on /schedule; move it to a
// few seconds ahead and watch it go out, once (zh-CN, htmx following the
// page). Then in English: a past time is refused beside the field with the
// message kept, and a send a few seconds ahead goes out once. Then with
// JavaScript off: schedule, follow it with the page's reload link, and cancel
// another one from /schedule.
func TestJourneyScheduleASend(t *testing.T) {
	b := Start(t, nil)
	tz, ok := b.Env.App.Sandbox.Platform("tze").(*fake.Fake)
	require.True(t, ok)
	b.Login(auth.RoleContent)

	// zh-CN: two minutes ahead, as a person types it (to the minute).
	reviewText(b, "明早 8 点开会")
	b.Shot("schedule-review")
	at := time.Now().Add(2 * time.Minute).Truncate(time.Minute)
	sendAt(b, localInput(b, at, false))
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
	soon := time.Now().Add(3 * time.Second).Truncate(time.Second)
	b.Run(
		chromedp.SetValue(`#f-new-send-at`, localInput(b, soon, true), chromedp.ByQuery),
		chromedp.Click(`[data-testid="reschedule"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="scheduled-for"]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid="flash"]`), "已改期")
	assert.Empty(t, tz.Messages(), "nothing before its time")
	b.waitText(`[data-testid="detail-status"]`, "已发送") // htmx follows the scheduled send
	require.Len(t, tz.Messages(), 1)
	assert.Contains(t, tz.Messages()[0].Body, "明早 8 点开会")
	assert.Contains(t, b.firstText(`[data-testid="started-at"]`), "实际开始")
	b.Shot("schedule-send-fired")

	// English: a past time is refused beside the field, the message kept.
	b.Open("/")
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	reviewText(b, "Sports day moved to Friday")
	past := localInput(b, time.Now().Add(-time.Hour), false)
	sendAt(b, past)
	b.Run(chromedp.WaitVisible(`[data-testid="err-send_at"]`, chromedp.ByQuery))
	assert.Equal(t, "That time has passed: choose a time later than now.", b.Text(`[data-testid="err-send_at"]`))
	var kept string
	b.Run(chromedp.Value(`[data-testid="send-form"] input[name="send_at"]`, &kept, chromedp.ByQuery))
	assert.Equal(t, past, kept)
	assert.Contains(t, b.Text(`[data-testid="request-json"]`), "Sports day moved to Friday")
	b.Shot("schedule-en-past")
	soon = time.Now().Add(3 * time.Second).Truncate(time.Second)
	sendAt(b, localInput(b, soon, true))
	assert.Equal(t, "Scheduled", b.Text(`[data-testid="detail-status"]`))
	b.waitText(`[data-testid="detail-status"]`, "Sent")
	require.Len(t, tz.Messages(), 2)

	// JavaScript off: the reload link follows it.
	b.DisableJS()
	reviewText(b, "No-script notice")
	soon = time.Now().Add(3 * time.Second).Truncate(time.Second)
	sendAt(b, localInput(b, soon, true))
	assert.Equal(t, "Scheduled", b.Text(`[data-testid="detail-status"]`))
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
	reviewText(b, "Cancelled notice")
	sendAt(b, localInput(b, time.Now().Add(time.Hour), false))
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
