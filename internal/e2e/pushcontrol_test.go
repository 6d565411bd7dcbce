package e2e

import (
	"context"
	"fmt"
	"sort"
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
	"github.com/orgconsole/console/internal/store"
)

// confirmPush walks the wizard in the browser to the confirmation of a
// KEYDATA push to n accounts (template ctpl1001 of the sandbox).
func confirmPush(b *Browser, n int) {
	b.t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("stu%05d", i)
	}
	b.Open("/cards/editor?template=ctpl1001")
	b.Run(
		chromedp.SendKeys(`#f-items-0-key`, "到校人数", chromedp.ByQuery),
		chromedp.SendKeys(`#f-items-0-data`, "1024", chromedp.ByQuery),
		chromedp.Click(`[data-testid=next-targets]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=targets-form]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=target-accounts]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-account_ids`, chromedp.ByQuery),
		chromedp.SetValue(`#f-enterprise_id`, "school-1", chromedp.ByQuery),
		chromedp.SetValue(`#f-account_ids`, strings.Join(ids, "\n"), chromedp.ByQuery),
		chromedp.Click(`[data-testid=review]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=confirm-summary]`, chromedp.ByQuery),
	)
}

// click presses a button that submits a form and waits for wait on the page
// it lands on. The flashes of the page it leaves are removed first, so
// waiting for a flash waits for the new page's.
func click(b *Browser, sel, wait string) {
	b.t.Helper()
	b.Run(chromedp.Evaluate(`document.querySelectorAll('[data-testid=flash]').forEach(e => e.remove())`, nil),
		chromedp.Click(sel, chromedp.ByQuery), chromedp.WaitVisible(wait, chromedp.ByQuery))
}

// sentTo counts the calls the sandbox received and the accounts in them.
func sentTo(b *Browser) (calls int, accounts []string) {
	reqs := b.Env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData)
	for _, r := range reqs {
		i := strings.Index(r.Body, `"account_id_list":[`)
		if i < 0 {
			continue
		}
		list := r.Body[i+len(`"account_id_list":[`):]
		list = list[:strings.Index(list, "]")]
		for _, id := range strings.Split(list, ",") {
			accounts = append(accounts, strings.Trim(id, `"`))
		}
	}
	sort.Strings(accounts)
	return len(reqs), accounts
}

func inFlight(b *Browser, id int64) int {
	p, err := b.Env.App.Store.PushProgress(context.Background(), id)
	require.NoError(b.t, err)
	return p.InFlight
}

func jobIDAt(b *Browser) int64 {
	var id int64
	_, err := fmt.Sscanf(b.Location(), "/cards/jobs/%d", &id)
	require.NoError(b.t, err)
	return id
}

// Pause a running push from its page (htmx keeps polling), see that nothing
// more reaches the platform, resume it, watch it finish: every account once.
func TestJourneyPauseAndResumePush(t *testing.T) {
	b := Start(t, map[string]string{"CONSOLE_PUSH_WORKERS": "1", "CONSOLE_APPROVAL_ACCOUNTS": "0"}) // 2,000 accounts, one admin
	b.Login(auth.RoleAdmin)
	confirmPush(b, 2000) // 10 calls
	assert.NotEmpty(t, b.Text(`[data-testid=confirm-eta]`))
	b.Shot("push-confirm-eta")
	b.Env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Latency: 400 * time.Millisecond})
	click(b, `[data-testid=push-now]`, `[data-testid=pause]`)
	id := jobIDAt(b)
	cardsWait(b, `document.querySelector('[data-testid=calls-ok]').textContent.trim() !== '0'`)
	cardsWait(b, `!!document.querySelector('[data-testid=eta-left]')`)
	assert.Contains(t, b.Text(`[data-testid=eta-left]`), "剩余")
	b.Shot("push-running-eta")

	click(b, `[data-testid=pause]`, `[data-testid=resume]`)
	assert.Contains(t, b.Text(`[data-testid=flash]`), "已暂停")
	assert.Equal(t, "已暂停", b.Text(`#job-progress [data-testid=job-status]`))
	assert.Contains(t, b.Text(`[data-testid=paused-note]`), "不再开始新的调用")
	require.Eventually(t, func() bool { return inFlight(b, id) == 0 }, 10*time.Second, 20*time.Millisecond)
	calls, _ := sentTo(b)
	time.Sleep(1500 * time.Millisecond) // the page polls meanwhile
	again, _ := sentTo(b)
	assert.Equal(t, calls, again, "nothing is sent while paused")
	assert.Less(t, calls, 10)
	assert.Equal(t, "已暂停", b.Text(`#job-progress [data-testid=job-status]`), "still paused after the polls")
	b.Shot("push-paused")

	click(b, `[data-testid=resume]`, `[data-testid=flash]`)
	assert.Contains(t, b.Text(`[data-testid=flash]`), "已继续")
	cardsWait(b, `!document.querySelector('#job-progress').hasAttribute('hx-trigger')`)
	assert.Equal(t, "已完成", b.Text(`[data-testid=job-status]`))
	assert.Equal(t, "2000 / 2000", b.Text(`[data-testid=accounts-covered]`))
	b.Shot("push-resumed-done")
	calls, accounts := sentTo(b)
	assert.Equal(t, 10, calls)
	assert.Len(t, accounts, 2000)
	for i := 1; i < len(accounts); i++ {
		assert.NotEqual(t, accounts[i-1], accounts[i], "an account got its data twice")
	}
}

// In English with JavaScript off: a canary push stops after its first call,
// is continued, paused and resumed with plain forms; a refresh shows each
// state. Then another push is cancelled through its confirmation page.
func TestJourneyPauseAndResumeWithoutJavaScript(t *testing.T) {
	b := Start(t, map[string]string{"CONSOLE_PUSH_WORKERS": "1", "CONSOLE_APPROVAL_ACCOUNTS": "0"}) // 2,000 accounts, one admin
	b.DisableJS()
	b.Login(auth.RoleAdmin)
	b.Open("/cards")
	click(b, `[data-testid=lang-en]`, `[data-testid=lang-zh-CN]`)

	confirmPush(b, 2000) // 10 calls
	assert.Contains(t, b.Text(`[data-testid=confirm-eta]`), "minute")
	b.Run(chromedp.Click(`[data-testid=canary]`, chromedp.ByQuery))
	b.Shot("push-en-nojs-confirm-canary")
	click(b, `[data-testid=push-now]`, `[data-testid=job-progress]`)
	job := b.Location()
	id := jobIDAt(b)
	refreshUntil(b, job, `[data-testid=canary-note]`)
	assert.Contains(t, b.Text(`[data-testid=canary-note]`), "remaining 9 calls")
	assert.Equal(t, "Continue: send the remaining 9 calls", b.Text(`[data-testid=resume]`))
	calls, _ := sentTo(b)
	assert.Equal(t, 1, calls, "the canary call alone")
	b.Shot("push-en-nojs-canary")

	b.Env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Latency: 400 * time.Millisecond})
	click(b, `[data-testid=resume]`, `[data-testid=pause]`)
	click(b, `[data-testid=pause]`, `[data-testid=resume]`)
	assert.Contains(t, b.Text(`[data-testid=flash]`), "paused")
	assert.Equal(t, "Paused", b.Text(`#job-progress [data-testid=job-status]`))
	require.Eventually(t, func() bool { return inFlight(b, id) == 0 }, 10*time.Second, 20*time.Millisecond)
	calls, _ = sentTo(b)
	time.Sleep(time.Second)
	b.Open(job)
	again, _ := sentTo(b)
	assert.Equal(t, calls, again, "nothing is sent while paused")
	assert.Less(t, calls, 10)
	assert.Equal(t, "Paused", b.Text(`#job-progress [data-testid=job-status]`))
	b.Shot("push-en-nojs-paused")

	b.Env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{})
	click(b, `[data-testid=resume]`, `[data-testid=flash]`)
	assert.Contains(t, b.Text(`[data-testid=flash]`), "resumed")
	refreshUntil(b, job, `[data-testid=job-status].ok`)
	assert.Equal(t, "Done", b.Text(`[data-testid=job-status]`))
	assert.Equal(t, "2000 / 2000", b.Text(`[data-testid=accounts-covered]`))
	calls, accounts := sentTo(b)
	assert.Equal(t, 10, calls)
	assert.Len(t, accounts, 2000)
	b.Shot("push-en-nojs-done")

	// Cancel asks first, on a page of its own.
	confirmPush(b, 1000)
	b.Run(chromedp.Click(`[data-testid=canary]`, chromedp.ByQuery))
	click(b, `[data-testid=push-now]`, `[data-testid=job-progress]`)
	job = b.Location()
	refreshUntil(b, job, `[data-testid=canary-note]`)
	click(b, `[data-testid=cancel]`, `[data-testid=cancel-confirm]`)
	assert.Contains(t, b.Text(`[data-testid=cancel-counts]`), "Not yet sent: 4 calls")
	b.Shot("push-en-nojs-cancel-confirm")
	click(b, `[data-testid=cancel-confirm-button]`, `[data-testid=flash]`)
	assert.Equal(t, "Cancelled", b.Text(`#job-progress [data-testid=job-status]`))
	assert.Contains(t, b.Text(`[data-testid=cancelled-note]`), "4 calls (800 accounts) never sent")
	b.Shot("push-en-nojs-cancelled")
	j, err := b.Env.App.Store.PushJob(context.Background(), jobIDAt(b))
	require.NoError(t, err)
	assert.Equal(t, store.OutcomeCancelled, j.State())
	calls, _ = sentTo(b)
	assert.Equal(t, 11, calls, "the cancelled calls were never sent")
}
