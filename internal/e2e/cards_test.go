package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
)

// cardsWait polls a JavaScript condition until it holds.
func cardsWait(b *Browser, cond string) {
	b.t.Helper()
	var ok bool
	b.Run(chromedp.Poll(cond, &ok, chromedp.WithPollingTimeout(20*time.Second)))
}

// Create a template → fill KEYDATA → the preview follows the typing → push to
// 450 accounts → watch the progress → done.
func TestJourneyCards(t *testing.T) {
	// A little latency and a rate limit make the progress visible while it runs.
	b := Start(t, map[string]string{"CONSOLE_PUSH_RATE": "2", "CONSOLE_PUSH_WORKERS": "1"})
	b.Login(auth.RoleAdmin)
	b.Run(chromedp.Click(`[data-testid=nav-cards]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=templates-table]`, chromedp.ByQuery))
	b.Shot("cards-templates")

	b.Run(
		chromedp.SendKeys(`#f-name`, "E2E 到校看板", chromedp.ByQuery),
		chromedp.SetValue(`#f-type`, "KEYDATA", chromedp.ByQuery),
		chromedp.Click(`[data-testid=template-create]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=flash]`, chromedp.ByQuery),
	)
	var editHref string
	b.Run(chromedp.Evaluate(`(() => { const rows = [...document.querySelectorAll('[data-testid=templates-table] tbody tr')];
		const r = rows.find(r => r.querySelector('[data-testid=template-name]').textContent.trim() === 'E2E 到校看板');
		return r ? r.querySelector('a[data-testid^=edit-data-]').getAttribute('href') : '' })()`, &editHref))
	require.NotEmpty(t, editHref)
	b.Open(editHref)
	b.Run(chromedp.WaitVisible(`#f-items-0-key`, chromedp.ByQuery))

	// Typing updates the preview (htmx, debounced) and the UTF-16 counter.
	b.Run(chromedp.SendKeys(`#f-items-0-key`, "到校人数😀", chromedp.ByQuery))
	cardsWait(b, `document.querySelector('[data-testid=preview-key]').textContent === '到校人数😀'`)
	assert.Equal(t, "6 / 20", b.Text(`#f-items-0-key-count`), "an emoji counts 2")
	b.Run(chromedp.SendKeys(`#f-items-0-data`, "1024", chromedp.ByQuery))
	cardsWait(b, `document.querySelector('[data-testid=preview-data]').textContent === '1024'`)

	// Add a tile with htmx: the editor fragment is swapped, values kept.
	b.Run(chromedp.Click(`[data-testid=add-item]`, chromedp.ByQuery), chromedp.WaitVisible(`#f-items-1-key`, chromedp.ByQuery))
	assert.Equal(t, 2, b.Count(`fieldset.card-item`))
	b.Run(
		chromedp.SendKeys(`#f-items-1-key`, "请假人数", chromedp.ByQuery),
		chromedp.SendKeys(`#f-items-1-data`, "12", chromedp.ByQuery),
	)
	cardsWait(b, `document.querySelectorAll('[data-testid=preview-key]').length === 2 && document.querySelectorAll('[data-testid=preview-key]')[1].textContent === '请假人数'`)
	var kept string
	b.Run(chromedp.Value(`#f-items-0-key`, &kept, chromedp.ByQuery))
	assert.Equal(t, "到校人数😀", kept)
	b.Shot("cards-editor")

	// Targets: 450 accounts, shown in every organisation.
	ids := make([]string, 450)
	for i := range ids {
		ids[i] = fmt.Sprintf("stu%04d", i)
	}
	b.Run(chromedp.Click(`[data-testid=next-targets]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=targets-form]`, chromedp.ByQuery))
	assert.True(t, strings.HasPrefix(b.Location(), "/cards/targets?draft="), "the wizard runs on a server-side draft")
	// Only the chosen target's fields: choosing the organisation swaps them (htmx).
	b.Run(
		chromedp.SendKeys(`#f-enterprise_id`, "school-1", chromedp.ByQuery),
		chromedp.Click(`[data-testid=target-org]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=target-fields-org]`, chromedp.ByQuery),
	)
	assert.Zero(t, b.Count(`#f-account_ids`))
	b.Shot("cards-targets-org")
	b.Run(chromedp.Click(`[data-testid=target-accounts]`, chromedp.ByQuery), chromedp.WaitVisible(`#f-account_ids`, chromedp.ByQuery))
	var ent string
	b.Run(chromedp.Value(`#f-enterprise_id`, &ent, chromedp.ByQuery))
	assert.Equal(t, "school-1", ent, "kept across the switch")
	b.Run(
		chromedp.SetValue(`#f-account_ids`, strings.Join(ids, "\n"), chromedp.ByQuery),
		chromedp.Click(`[data-testid=show-on-all]`, chromedp.ByQuery),
	)
	b.Shot("cards-targets")
	b.Run(chromedp.Click(`[data-testid=review]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=confirm-summary]`, chromedp.ByQuery))
	assert.Equal(t, "450", b.Text(`[data-testid=confirm-accounts]`))
	assert.Equal(t, "3", b.Text(`[data-testid=confirm-calls]`))
	assert.Contains(t, b.Text(`[data-testid=first-call-excerpt]`), "… 还有 197 项")
	b.Shot("cards-confirm")
	b.Run(chromedp.Click(`[data-testid=first-call-details] summary`, chromedp.ByQuery))
	assert.Contains(t, b.Text(`[data-testid=first-call-json]`), `"stu0199"`)

	// Push: the job page updates itself (htmx polling) until done.
	b.Run(chromedp.Click(`[data-testid=push-now]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=job-progress]`, chromedp.ByQuery))
	require.True(t, strings.HasPrefix(b.Location(), "/cards/jobs/"))
	b.Shot("cards-job-running")
	cardsWait(b, `document.querySelector('[data-testid=accounts-covered]').textContent.trim() === '450 / 450'`)
	cardsWait(b, `!document.querySelector('#job-progress').hasAttribute('hx-trigger')`)
	assert.Equal(t, "3", b.Text(`[data-testid=calls-ok]`))
	b.Shot("cards-job-done")
	assert.Len(t, b.Env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), 3)

	// What account stu0449 sees now, in the sandbox inspector.
	b.Open("/sandbox/cards?account=stu0449")
	assert.Contains(t, b.Text(`[data-testid=sandbox-account-cards]`), "1024")
	b.Shot("cards-sandbox")
}

// The main flow with JavaScript off, in English: every button is a plain
// form submit, the preview is redrawn on each submit, the job page is
// refreshed by hand, and failed calls are retried with a plain form.
func TestJourneyCardsWithoutJavaScript(t *testing.T) {
	b := Start(t, nil)
	b.DisableJS()
	b.Login(auth.RoleAdmin)
	b.Open("/cards")
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	assert.Equal(t, "Workbench cards", b.Text("main h1"))

	// A LIST template.
	b.Run(
		chromedp.SendKeys(`#f-name`, "Notices", chromedp.ByQuery),
		chromedp.SetValue(`#f-type`, "LIST", chromedp.ByQuery),
		chromedp.Click(`[data-testid=template-create]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=flash]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid=flash]`), "Notices")
	b.Shot("cards-en-nojs-templates")
	var editHref string
	b.Run(chromedp.Evaluate(`(() => { const r = [...document.querySelectorAll('[data-testid=templates-table] tbody tr')]
		.find(r => r.querySelector('[data-testid=template-name]').textContent.trim() === 'Notices');
		return r ? r.querySelector('a[data-testid^=edit-data-]').getAttribute('href') : '' })()`, &editHref))
	require.NotEmpty(t, editHref)
	b.Open(editHref)

	// Two rows: "add row" is a round trip that keeps what was typed.
	b.Run(
		chromedp.SendKeys(`#f-items-0-text`, "Exam timetable published", chromedp.ByQuery),
		chromedp.SetValue(`#f-items-0-when`, "2025-04-01T08:00", chromedp.ByQuery),
		chromedp.Click(`[data-testid=add-item]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-items-1-text`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-items-1-text`, "Sports day moved to Friday", chromedp.ByQuery),
		chromedp.Click(`[data-testid=preview-button]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=preview-item-1]`, chromedp.ByQuery),
	)
	assert.Equal(t, "Exam timetable published", b.Text(`[data-testid=preview-item-0] [data-testid=preview-text]`))
	assert.Equal(t, "04-01 08:00", b.Text(`[data-testid=preview-item-0] .wb-time`))
	assert.Equal(t, "Sports day moved to Friday", b.Text(`[data-testid=preview-item-1] [data-testid=preview-text]`))
	b.Shot("cards-en-nojs-editor")

	// Targets: an invalid id is reported with its line and the list is kept.
	ids := make([]string, 250)
	for i := range ids {
		ids[i] = fmt.Sprintf("p%04d", i)
	}
	b.Run(chromedp.Click(`[data-testid=next-targets]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=targets-form]`, chromedp.ByQuery))
	b.Run(
		chromedp.Click(`[data-testid=target-accounts]`, chromedp.ByQuery),
		chromedp.SetValue(`#f-enterprise_id`, "school-9", chromedp.ByQuery),
		chromedp.SetValue(`#f-account_ids`, strings.Join(ids, "\n")+"\nbad id!", chromedp.ByQuery),
		chromedp.Click(`[data-testid=review]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=bad-ids]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid=bad-ids]`), "251")
	b.Shot("cards-en-nojs-targets-error")
	b.Run(
		chromedp.SetValue(`#f-account_ids`, strings.Join(ids, "\n"), chromedp.ByQuery),
		chromedp.Click(`[data-testid=review]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=confirm-summary]`, chromedp.ByQuery),
	)
	assert.Equal(t, "250", b.Text(`[data-testid=confirm-accounts]`))
	assert.Equal(t, "2", b.Text(`[data-testid=confirm-calls]`))
	assert.Contains(t, b.Text(`[data-testid=first-call-excerpt]`), "… 197 more")
	b.Shot("cards-en-nojs-confirm")

	// The second call fails once: the job ends with the platform's code, and
	// "retry failed calls" (a plain form) resends only that one.
	b.Env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "50000", Message: "system busy", Times: 1, Path: chengxun.PathBatchSetSameData})
	b.Run(chromedp.Click(`[data-testid=push-now]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=job-progress]`, chromedp.ByQuery))
	job := b.Location()
	require.True(t, strings.HasPrefix(job, "/cards/jobs/"))
	refreshUntil(b, job, `[data-testid=retry]`)
	assert.Equal(t, "50000", b.Text(`[data-testid=failure-code]`))
	assert.Equal(t, "system busy", b.Text(`[data-testid=failure-message]`))
	b.Shot("cards-en-nojs-job-failed")
	b.Run(chromedp.Click(`[data-testid=retry]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=flash]`, chromedp.ByQuery))
	refreshUntil(b, job, `[data-testid=job-status].ok`)
	assert.Equal(t, "250 / 250", b.Text(`[data-testid=accounts-covered]`))
	assert.Equal(t, "Done", b.Text(`[data-testid=job-status]`))
	b.Shot("cards-en-nojs-job-done")
	assert.Len(t, b.Env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), 3, "2 calls + the failed one again")
}

// refreshUntil reloads a page (as a user without JavaScript would) until sel appears.
func refreshUntil(b *Browser, path, sel string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.Open(path)
		if b.Count(sel) > 0 {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: %s did not appear", path, sel)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
