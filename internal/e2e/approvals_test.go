package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
)

// The second admin of the four-eyes journeys (the sandbox has one demo admin).
const (
	secondAdmin   = "bob"
	secondAdminPW = "bob-sandbox-pw"
)

// loginAs signs in through the form as any account.
func (b *Browser) loginAs(username, password string) {
	b.t.Helper()
	b.Open("/login")
	b.Run(
		chromedp.SendKeys(`#f-username`, username, chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, password, chromedp.ByQuery),
		chromedp.Click(`[data-testid=login-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=nav]`, chromedp.ByQuery),
	)
}

func (b *Browser) logout() {
	b.t.Helper()
	b.Run(chromedp.Click(`[data-testid=logout]`, chromedp.ByQuery), chromedp.WaitVisible(`#f-username`, chromedp.ByQuery))
}

// requestWidePush walks the wizard as the signed-in admin to a push of 1,500
// accounts, submits it for approval and returns the job page's path.
func requestWidePush(b *Browser, en bool) string {
	b.t.Helper()
	b.Open("/cards/editor?template=ctpl1001")
	b.Run(
		chromedp.SendKeys(`#f-items-0-key`, "到校人数", chromedp.ByQuery),
		chromedp.SendKeys(`#f-items-0-data`, "1500", chromedp.ByQuery),
		chromedp.Click(`[data-testid=next-targets]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=targets-form]`, chromedp.ByQuery),
	)
	ids := make([]string, 1500)
	for i := range ids {
		ids[i] = fmt.Sprintf("stu%04d", i)
	}
	b.Run(
		chromedp.SetValue(`#f-enterprise_id`, "school-1", chromedp.ByQuery),
		chromedp.SetValue(`#f-account_ids`, strings.Join(ids, "\n"), chromedp.ByQuery),
		chromedp.Click(`[data-testid=review]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=approval-note]`, chromedp.ByQuery),
	)
	assert.Equal(b.t, "1500", b.Text(`[data-testid=confirm-accounts]`))
	if en {
		assert.Equal(b.t, "Request approval (8 calls)", b.Text(`[data-testid=push-now]`))
	} else {
		assert.Equal(b.t, "提交审批（8 次调用）", b.Text(`[data-testid=push-now]`))
	}
	b.Run(chromedp.Click(`[data-testid=push-now]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=approval-state]`, chromedp.ByQuery))
	job := b.Location()
	require.True(b.t, strings.HasPrefix(job, "/cards/jobs/"), job)
	return job
}

// Admin A requests a 1,500-account push; A's own approve is refused; admin B
// (counted in the navigation) approves, and the job runs to the end.
func TestJourneyApprovals(t *testing.T) {
	b := Start(t, map[string]string{"CONSOLE_PUSH_RATE": "0"})
	b.Env.AddUser(t, secondAdmin, auth.RoleAdmin, secondAdminPW)
	b.Login(auth.RoleAdmin)
	job := requestWidePush(b, false)
	assert.Contains(t, b.Text(`[data-testid=approval-state]`), "等待另一位管理员审批")
	b.Shot("approvals-job-waiting")

	// A's own request: listed, but no buttons; a forged approve is a 403.
	b.Open("/approvals")
	assert.Zero(t, b.Count(`[data-testid=nav-approvals-count]`), "nothing for A to decide")
	b.Run(chromedp.Click(`[data-testid=approvals-pending] [data-testid=approval-open]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=approval-own]`, chromedp.ByQuery))
	assert.Zero(t, b.Count(`[data-testid=approve]`))
	request := b.Location()
	b.Shot("approvals-own-request")
	b.Run(chromedp.Evaluate(`(() => { const f = document.createElement('form'); f.method = 'post'; f.action = location.pathname + '/approve';
		for (const [k, v] of [['_csrf', document.querySelector('input[name=_csrf]').value], ['fingerprint', document.querySelector('[data-testid=approval-fingerprint]').textContent]]) {
			const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i) }
		document.body.appendChild(f); f.submit() })()`, nil),
		chromedp.WaitVisible(`[data-testid=error-page]`, chromedp.ByQuery))
	assert.Contains(t, b.Text(`[data-testid=error-page]`), "发起人不能审批自己的请求")
	b.Shot("approvals-own-refused")
	assert.Empty(t, b.Env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), "nothing sent")

	// Admin B: the count, the request with exactly what will go, approve.
	b.logout()
	b.loginAs(secondAdmin, secondAdminPW)
	assert.Equal(t, "1", b.Text(`[data-testid=nav-approvals-count]`))
	b.Open(request)
	assert.Contains(t, b.Text(`[data-testid=approval-first-call]`), `"stu0199"`)
	assert.Equal(t, "1500", b.Text(`[data-testid=approval-accounts]`))
	b.Shot("approvals-decide")
	b.Run(chromedp.Click(`[data-testid=approve]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=job-progress]`, chromedp.ByQuery))
	assert.Equal(t, job, b.Location())
	cardsWait(b, `document.querySelector('[data-testid=accounts-covered]').textContent.trim() === '1500 / 1500'`)
	assert.Contains(t, b.Text(`[data-testid=approval-decision]`), "由 bob 批准")
	b.Shot("approvals-job-approved")
	assert.Len(t, b.Env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), 8)
	assert.Zero(t, b.Count(`[data-testid=nav-approvals-count]`), "nothing waits any more")
}

// The same in English with JavaScript off: plain forms and links only.
func TestJourneyApprovalsWithoutJavaScript(t *testing.T) {
	b := Start(t, map[string]string{"CONSOLE_PUSH_RATE": "0"})
	b.Env.AddUser(t, secondAdmin, auth.RoleAdmin, secondAdminPW)
	b.DisableJS()
	b.Login(auth.RoleAdmin)
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	job := requestWidePush(b, true)
	assert.Contains(t, b.Text(`[data-testid=approval-state]`), "Awaiting approval by another admin")
	assert.Equal(t, "Awaiting approval", b.Text(`[data-testid=job-status]`))
	b.Shot("approvals-en-nojs-job-waiting")
	b.Open("/approvals")
	b.Run(chromedp.Click(`[data-testid=approvals-pending] [data-testid=approval-open]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=approval-own]`, chromedp.ByQuery))
	assert.Zero(t, b.Count(`[data-testid=approve]`), "the requester is offered no approve")
	request := b.Location()

	b.logout()
	b.loginAs(secondAdmin, secondAdminPW)
	if b.Count(`[data-testid=lang-en]`) > 0 { // the language sticks to the browser
		b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	}
	assert.Equal(t, "1", b.Text(`[data-testid=nav-approvals-count]`))
	b.Open(request)
	assert.Equal(t, "Approve and send", b.Text(`[data-testid=approve]`))
	b.Shot("approvals-en-nojs-decide")
	b.Run(chromedp.Click(`[data-testid=approve]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=job-progress]`, chromedp.ByQuery))
	assert.Equal(t, job, b.Location())
	refreshUntil(b, job, `[data-testid=job-status].ok`)
	assert.Equal(t, "1500 / 1500", b.Text(`[data-testid=accounts-covered]`))
	assert.Contains(t, b.Text(`[data-testid=approval-decision]`), "approved by bob")
	b.Shot("approvals-en-nojs-job-done")
	assert.Len(t, b.Env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), 8)
}
