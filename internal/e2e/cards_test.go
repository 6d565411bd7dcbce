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
	b.Run(
		chromedp.SetValue(`#f-account_ids`, strings.Join(ids, "\n"), chromedp.ByQuery),
		chromedp.Click(`[data-testid=show-on-all]`, chromedp.ByQuery),
	)
	b.Shot("cards-targets")
	b.Run(chromedp.Click(`[data-testid=review]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=confirm-summary]`, chromedp.ByQuery))
	assert.Equal(t, "450", b.Text(`[data-testid=confirm-accounts]`))
	assert.Equal(t, "3", b.Text(`[data-testid=confirm-calls]`))
	assert.Contains(t, b.Text(`[data-testid=first-call-json]`), `"stu0199"`)
	b.Shot("cards-confirm")

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
