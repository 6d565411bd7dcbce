package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
	sbfeeds "github.com/orgconsole/console/internal/sandbox/feeds"
)

// freezeFeed stops the sandbox's attendance numbers at one moment, so two
// runs a few seconds apart see the same data whatever the wall clock does.
func freezeFeed(b *Browser) string {
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	b.Env.App.Sandbox.Platform(sbfeeds.Name).(*sbfeeds.Fake).SetClock(func() time.Time { return at })
	return b.Env.App.Sandbox.BaseURL(sbfeeds.Name) + sbfeeds.PathAttendance
}

// fillFeed fills the new-feed form: the sandbox's source into the seeded
// KEYDATA template, to an organisation, every 5 minutes.
func fillFeed(b *Browser, name, src string) {
	b.Run(
		chromedp.WaitVisible(`[data-testid=feed-form]`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-name`, name, chromedp.ByQuery),
		chromedp.SetValue(`#f-template`, "ctpl1001", chromedp.ByQuery),
		chromedp.SendKeys(`#f-url`, src, chromedp.ByQuery),
		chromedp.SendKeys(`#f-enterprise_id`, "school-1", chromedp.ByQuery),
		chromedp.SetValue(`#f-every_minutes`, "5", chromedp.ByQuery),
	)
}

// submit presses a button that posts a form and waits for the page it
// lands on (the flash it shows): the flash of the page before is removed
// first, so it cannot be mistaken for the new one.
func submit(b *Browser, button string) {
	b.t.Helper()
	var ok bool
	b.Run(chromedp.Evaluate(`document.querySelectorAll('[data-testid=flash]').forEach(e => e.remove()); true`, &ok),
		chromedp.Click(button, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=flash]`, chromedp.ByQuery))
}

// runStatuses are the statuses of the feed page's runs, newest first.
func runStatuses(b *Browser) string {
	var s string
	b.Run(chromedp.Evaluate(`[...document.querySelectorAll('[data-testid=run]')].map(r => r.dataset.status).join(',')`, &s))
	return s
}

// Create a feed against the sandbox's source and watch two runs: the first
// pushes today's attendance (the job page links back to the feed), the
// second finds the same numbers and pushes nothing. With htmx the runs
// follow themselves.
func TestJourneyFeed(t *testing.T) {
	b := Start(t, map[string]string{"CONSOLE_APPROVAL_ACCOUNTS": "0"}) // one admin: an organisation feed needs no second one here
	src := freezeFeed(b)
	b.Login(auth.RoleAdmin)
	b.Run(chromedp.Click(`[data-testid=nav-feeds]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=new-feed]`, chromedp.ByQuery))
	assert.Contains(t, b.Text(`[data-testid=empty]`), "还没有数据源")
	b.Run(chromedp.Click(`[data-testid=new-feed]`, chromedp.ByQuery))

	// A host that is not allowed is refused beside the field, the rest kept.
	fillFeed(b, "今日出勤", "http://data.example.invalid/a.json")
	b.Run(chromedp.Click(`[data-testid=feed-save]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=err-url]`, chromedp.ByQuery))
	assert.Contains(t, b.Text(`[data-testid=err-url]`), "data.example.invalid")
	var name string
	b.Run(chromedp.Value(`#f-name`, &name, chromedp.ByQuery))
	assert.Equal(t, "今日出勤", name)
	b.Shot("feeds-form-error")
	b.Run(chromedp.SetValue(`#f-url`, src, chromedp.ByQuery))
	b.Shot("feeds-form")
	b.Run(chromedp.Click(`[data-testid=feed-save]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=feed-summary]`, chromedp.ByQuery))
	assert.Contains(t, b.Text(`[data-testid=flash]`), "今日出勤")
	assert.Equal(t, "每 5 分钟", b.Text(`[data-testid=feed-schedule-text]`))
	feedPage := b.Location()
	require.True(t, strings.HasPrefix(feedPage, "/cards/feeds/"), feedPage)

	submit(b, `[data-testid=run-now]`)
	cardsWait(b, `document.querySelector('[data-testid=run]')?.dataset.status === 'pushed'`)
	cardsWait(b, `!document.querySelector('#feed-runs').hasAttribute('hx-trigger')`)
	assert.Equal(t, "已推送", b.Text(`[data-testid=run-status]`))
	submit(b, `[data-testid=run-now]`)
	cardsWait(b, `document.querySelectorAll('[data-testid=run]').length === 2 && document.querySelector('[data-testid=run]').dataset.status === 'unchanged'`)
	assert.Equal(t, "unchanged,pushed", runStatuses(b))
	assert.Contains(t, b.Text(`[data-testid=run-detail]`), "与上次推送的数据相同")
	b.Shot("feeds-runs")
	require.Len(t, b.Env.App.Sandbox.Recorder.Requests(fake.Name, fake.PathSetOrgData), 1, "one push for two runs")

	// The pushed run's job: done, and it names its feed.
	b.Run(chromedp.Click(`[data-testid=run-job]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=job-feed]`, chromedp.ByQuery))
	cardsWait(b, `!document.querySelector('#job-progress').hasAttribute('hx-trigger')`)
	assert.Contains(t, b.Text(`[data-testid=job-feed]`), "今日出勤")
	assert.Equal(t, "1", b.Text(`[data-testid=calls-ok]`))
	b.Open("/sandbox/cards?enterprise=school-1")
	assert.Contains(t, b.Text(`body`), "今日出勤率")
}

// The same in English with JavaScript off: plain forms, and the runs are
// followed by reloading the page.
func TestJourneyFeedWithoutJavaScript(t *testing.T) {
	b := Start(t, map[string]string{"CONSOLE_APPROVAL_ACCOUNTS": "0"}) // one admin: an organisation feed needs no second one here
	src := freezeFeed(b)
	b.DisableJS()
	b.Login(auth.RoleAdmin)
	b.Open("/cards/feeds")
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	assert.Equal(t, "Card data feeds", b.Text("main h1"))
	b.Run(chromedp.Click(`[data-testid=new-feed]`, chromedp.ByQuery))
	fillFeed(b, "Attendance", src)
	b.Run(chromedp.Click(`[data-testid=feed-save]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=feed-summary]`, chromedp.ByQuery))
	assert.Equal(t, "every 5 minutes", b.Text(`[data-testid=feed-schedule-text]`))
	feedPage := b.Location()

	submit(b, `[data-testid=run-now]`)
	assert.Contains(t, b.Text(`[data-testid=flash]`), "queued")
	refreshUntil(b, feedPage, `[data-testid=run][data-status=pushed]`)
	assert.Equal(t, "Pushed", b.Text(`[data-testid=run-status]`))
	submit(b, `[data-testid=run-now]`)
	refreshUntil(b, feedPage, `[data-testid=run][data-status=unchanged]`)
	assert.Equal(t, "unchanged,pushed", runStatuses(b))
	assert.Contains(t, b.Text(`[data-testid=run-detail]`), "The same data as the last push")
	b.Shot("feeds-en-nojs-runs")
	assert.Len(t, b.Env.App.Sandbox.Recorder.Requests(fake.Name, fake.PathSetOrgData), 1, "one push for two runs")

	b.Open("/cards/feeds")
	assert.Equal(t, "Unchanged", b.Text(`[data-testid=run-status]`))
	assert.Equal(t, "On", b.Text(`[data-testid=feed-state]`))
}
