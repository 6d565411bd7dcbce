package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
)

// waitJS polls a JavaScript condition until it is true.
func waitJS(b *Browser, cond string) {
	b.t.Helper()
	var ok bool
	b.Run(chromedp.Poll(cond, &ok, chromedp.WithPollingTimeout(10*time.Second)))
}

// previewText is a JS expression: the text of sel inside the phone preview.
func previewText(sel string) string {
	return `(document.querySelector('[data-testid="preview-phone"] ` + sel + `')||{textContent:''}).textContent.trim()`
}

// Compose an oa message with 3 form rows, watch the preview follow, pick a
// class from the org tree, send, and find it in the history.
func TestJourneyMessages(t *testing.T) {
	b := Start(t, map[string]string{"CONSOLE_APPROVAL_RECIPIENTS": "0"}) // a class is an org node; approval has its own journey
	tz, ok := b.Env.App.Sandbox.Platform("tze").(*fake.Fake)
	require.True(t, ok)
	nodes, err := tz.Nodes(fake.SeedBureauID)
	require.NoError(t, err)
	className := ""
	for _, n := range nodes {
		if n.OrgType == "7" {
			className = n.OrgName
			break
		}
	}
	require.NotEmpty(t, className)

	b.Login(auth.RoleContent)
	b.Open("/messages/new")
	b.Shot("messages-composer-text")

	// The oa tab (htmx swaps the composer).
	b.Run(
		chromedp.Click(`[data-testid="tab-oa"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="fields-oa"]`, chromedp.ByQuery),
	)
	head := "三年级家长会通知"
	b.Run(chromedp.SendKeys(`#f-headText`, head, chromedp.ByQuery))
	waitJS(b, previewText(`[data-testid="pv-head"]`)+` === '`+head+`'`)
	assert.Equal(t, fmt.Sprintf("%d / 255", len([]rune(head))), b.Text(`#f-headText-count`), "the counter follows")

	b.Run(
		chromedp.SendKeys(`#f-pcUrl`, "https://school.example.edu/notice/42", chromedp.ByQuery),
		chromedp.SendKeys(`#f-appUrl`, "https://m.school.example.edu/notice/42", chromedp.ByQuery),
		chromedp.SendKeys(`#f-bodyTitle`, "本周五下午家长会", chromedp.ByQuery),
		chromedp.SendKeys(`#f-bodyContent`, "请各位家长准时到校。\n带好家校联系册。", chromedp.ByQuery),
		chromedp.SendKeys(`#f-author`, "教务处", chromedp.ByQuery),
	)
	waitJS(b, previewText(`[data-testid="pv-body-title"]`)+` === '本周五下午家长会'`)

	// Three form rows, each added with htmx and typed into.
	rows := [][2]string{{"时间", "周五 15:00"}, {"地点", "学校礼堂"}, {"联系人", "王老师"}}
	for i, r := range rows {
		b.Run(
			chromedp.Click(`[data-testid="add-row"]`, chromedp.ByQuery),
			chromedp.WaitVisible(fmt.Sprintf(`#f-form-%d-key`, i), chromedp.ByQuery),
			chromedp.SendKeys(fmt.Sprintf(`#f-form-%d-key`, i), r[0], chromedp.ByQuery),
			chromedp.SendKeys(fmt.Sprintf(`#f-form-%d-value`, i), r[1], chromedp.ByQuery),
		)
	}
	waitJS(b, `document.querySelectorAll('[data-testid="preview-phone"] [data-testid="pv-form-row"]').length === 3`)
	waitJS(b, previewText(`[data-testid="pv-form-row"]:last-child dd`)+` === '王老师'`)

	// A pale head colour: the swatch follows and the contrast warning shows.
	b.Run(chromedp.Evaluate(`document.querySelector("#f-bgColor").value = ""`, nil), chromedp.SendKeys(`#f-bgColor`, "80FFD700", chromedp.ByQuery))
	waitJS(b, `!!document.querySelector('[data-testid="contrast-warning"]')`)
	waitJS(b, `document.querySelector('#bg-swatch img').getAttribute('src').endsWith('80FFD700')`)
	b.Shot("messages-composer-contrast")
	b.Run(chromedp.Evaluate(`document.querySelector("#f-bgColor").value = ""`, nil), chromedp.SendKeys(`#f-bgColor`, "FF0B6BCB", chromedp.ByQuery))
	waitJS(b, `!document.querySelector('[data-testid="contrast-warning"]')`)

	// Pick a class from the org tree.
	b.Run(
		chromedp.SendKeys(`[data-testid="picker-q"]`, className, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, chromedp.ByQuery),
	)
	var classID string
	b.Run(chromedp.AttributeValue(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, "value", &classID, nil, chromedp.ByQuery))
	require.NotEmpty(t, classID)
	b.Run(
		chromedp.Click(`[data-testid="picker-add-`+classID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-chip-`+classID+`"]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid="picker-chip-`+classID+`"]`), className)
	b.Shot("messages-composer-oa")

	// Review: the exact body and the cURL; then send.
	b.Run(
		chromedp.Click(`[data-testid="review"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="request-json"]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid="request-json"]`), `"toOrgIds":["`+classID+`"]`)
	assert.Equal(t, 0, b.Count(`[data-testid="curl"]`), "content staff see no cURL command")
	b.Shot("messages-confirm")
	b.Run(
		chromedp.Click(`[data-testid="send"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="detail-status"]`, chromedp.ByQuery),
	)
	b.waitText(`[data-testid="detail-status"]`, "已发送") // htmx follows the send until it is out
	assert.Equal(t, "000000", b.Text(`[data-testid="detail-code"]`))
	b.Shot("messages-sent")

	got := tz.Messages()
	require.Len(t, got, 1)
	assert.Equal(t, []string{classID}, got[0].ToOrgIDs)
	assert.Contains(t, got[0].Body, `{"key":"联系人","value":"王老师"}`)

	// Find it in the history.
	b.Open("/messages/history?type=oa")
	assert.Equal(t, head, b.Text(`[data-testid="history-title"]`))
	assert.Equal(t, "1", b.Text(`[data-testid="history-recipients"]`))
	b.Shot("messages-history")
}

// The same flow with JavaScript off, in English: every tab, row and picker
// button is a plain submit that re-renders the composer with what was typed;
// the preview is redrawn on every submit.
func TestJourneyMessagesWithoutJavaScript(t *testing.T) {
	b := Start(t, map[string]string{"CONSOLE_APPROVAL_RECIPIENTS": "0"}) // approval has its own journey
	tz, ok := b.Env.App.Sandbox.Platform("tze").(*fake.Fake)
	require.True(t, ok)
	className := firstClass(t, tz)

	b.DisableJS()
	b.Login(auth.RoleContent)
	b.Open("/messages/new")
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	assert.Equal(t, "New message", b.Text("main h1"))
	b.Shot("messages-en-nojs-composer-text")

	b.Run(
		chromedp.Click(`[data-testid="tab-oa"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="fields-oa"]`, chromedp.ByQuery),
	)
	head := "Parents' evening"
	b.Run(
		chromedp.SendKeys(`#f-headText`, head, chromedp.ByQuery),
		chromedp.SendKeys(`#f-pcUrl`, "https://school.example.edu/notice/42", chromedp.ByQuery),
		chromedp.SendKeys(`#f-appUrl`, "https://m.school.example.edu/notice/42", chromedp.ByQuery),
		chromedp.SendKeys(`#f-bodyTitle`, "Friday afternoon", chromedp.ByQuery),
	)
	// Each "add row" is a round trip that keeps everything typed so far.
	rows := [][2]string{{"When", "Fri 15:00"}, {"Where", "Hall"}, {"Contact", "Ms Wang"}}
	for i, r := range rows {
		b.Run(
			chromedp.Click(`[data-testid="add-row"]`, chromedp.ByQuery),
			chromedp.WaitVisible(fmt.Sprintf(`#f-form-%d-key`, i), chromedp.ByQuery),
			chromedp.SendKeys(fmt.Sprintf(`#f-form-%d-key`, i), r[0], chromedp.ByQuery),
			chromedp.SendKeys(fmt.Sprintf(`#f-form-%d-value`, i), r[1], chromedp.ByQuery),
		)
	}
	var typed string
	b.Run(chromedp.Value(`#f-headText`, &typed, chromedp.ByQuery))
	assert.Equal(t, head, typed, "the head text survived three round trips")

	// A pale colour: "update preview" redraws the swatch and warns.
	b.Run(
		chromedp.SetValue(`#f-bgColor`, "80FFD700", chromedp.ByQuery),
		chromedp.Click(`[data-testid="update-preview"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="contrast-warning"]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid="contrast-warning"]`), "hard to read")
	assert.Equal(t, 3, b.Count(`[data-testid="preview-phone"] [data-testid="pv-form-row"]`), "the preview shows the rows")
	assert.Equal(t, head, b.Text(`[data-testid="preview-phone"] [data-testid="pv-head"]`))
	b.Run(
		chromedp.SetValue(`#f-bgColor`, "FF0B6BCB", chromedp.ByQuery),
		chromedp.SetValue(`[data-testid="picker-q"]`, className, chromedp.ByQuery),
		chromedp.Click(`[data-testid="picker-search"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, chromedp.ByQuery),
	)
	assert.Equal(t, 0, b.Count(`[data-testid="contrast-warning"]`))
	var classID string
	b.Run(chromedp.AttributeValue(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, "value", &classID, nil, chromedp.ByQuery))
	require.NotEmpty(t, classID)
	b.Run(
		chromedp.Click(`[data-testid="picker-add-`+classID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-chip-`+classID+`"]`, chromedp.ByQuery),
	)
	b.Shot("messages-en-nojs-composer-oa")

	// Keep it as a draft, then review and send it.
	b.Run(
		chromedp.Click(`[data-testid="save-draft"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=flash]`, chromedp.ByQuery),
	)
	assert.Equal(t, "Draft saved.", b.Text(`[data-testid=flash]`))
	assert.Equal(t, 1, b.Count(`[data-testid="picker-chip-`+classID+`"]`), "the reopened draft keeps the picked class")
	b.Run(
		chromedp.Click(`[data-testid="review"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="request-json"]`, chromedp.ByQuery),
	)
	assert.Equal(t, "Confirm sending", b.Text("main h1"))
	assert.Contains(t, b.Text(`[data-testid="request-json"]`), `"toOrgIds":["`+classID+`"]`)
	b.Shot("messages-en-nojs-confirm")
	b.Run(
		chromedp.Click(`[data-testid="send"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="detail-status"]`, chromedp.ByQuery),
	)
	// Without JS the send's page says how to follow it: its refresh link.
	for i := 0; b.Text(`[data-testid="detail-status"]`) != "Sent"; i++ {
		require.Less(t, i, 100, "the send finished: %s", b.Text(`[data-testid="detail-status"]`))
		assert.Contains(t, []string{"Queued", "Sending"}, b.Text(`[data-testid="detail-status"]`))
		time.Sleep(100 * time.Millisecond)
		b.Run(chromedp.Click(`#send-status a`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="detail-status"]`, chromedp.ByQuery))
	}
	assert.Equal(t, "000000", b.Text(`[data-testid="detail-code"]`))
	b.Shot("messages-en-nojs-sent")
	got := tz.Messages()
	require.Len(t, got, 1)
	assert.Equal(t, []string{classID}, got[0].ToOrgIDs)

	// The draft became the message; the history lists it.
	b.Run(chromedp.Click(`[data-testid="msg-nav-drafts"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=empty]`, chromedp.ByQuery))
	b.Shot("messages-en-nojs-drafts-empty")
	b.Run(chromedp.Click(`[data-testid="msg-nav-history"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="history-table"]`, chromedp.ByQuery))
	assert.Equal(t, head, b.Text(`[data-testid="history-title"]`))
	b.Shot("messages-en-nojs-history")
}

// firstClass is the name of a class (org type 7) in the seeded organisation.
func firstClass(t *testing.T, tz *fake.Fake) string {
	t.Helper()
	nodes, err := tz.Nodes(fake.SeedBureauID)
	require.NoError(t, err)
	for _, n := range nodes {
		if n.OrgType == "7" {
			return n.OrgName
		}
	}
	t.Fatal("no class in the seeded organisation")
	return ""
}

// The states people meet when something is wrong: field errors next to the
// fields, the platform's refusal on the send's page, "try again" with the
// form as typed, and a list of drafts.
func TestMessagesErrorStates(t *testing.T) {
	b := Start(t, nil)
	b.Login(auth.RoleContent)
	b.Open("/messages/new")

	// Nothing typed, a bad colour and a javascript: link.
	b.Run(
		chromedp.Click(`[data-testid="tab-oa"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="fields-oa"]`, chromedp.ByQuery),
		chromedp.SetValue(`#f-bgColor`, "#FFCC00", chromedp.ByQuery),
		chromedp.SetValue(`#f-pcUrl`, "javascript:alert(1)", chromedp.ByQuery),
		chromedp.SetValue(`#f-appUrl`, "data:text/html,hi", chromedp.ByQuery),
		chromedp.SetValue(`#f-headText`, "<script>alert(1)</script>", chromedp.ByQuery),
		chromedp.SetValue(`#f-accountIds`, "u1001", chromedp.ByQuery),
		// The browser would refuse these first; the server's answer is what counts.
		chromedp.Evaluate(`document.querySelector('#composer-form').noValidate = true`, nil),
		chromedp.Click(`[data-testid="review"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="err-bgColor"]`, chromedp.ByQuery),
	)
	assert.NotEmpty(t, b.Text(`[data-testid="err-pcUrl"]`))
	assert.NotEmpty(t, b.Text(`[data-testid="err-appUrl"]`))
	assert.Equal(t, "<script>alert(1)</script>", b.Text(`[data-testid="preview-phone"] [data-testid="pv-head"]`), "shown as text")
	b.Shot("messages-composer-errors")

	// The platform refuses: its code and message, and the form as typed.
	b.Env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "系统繁忙，请稍后再试", Path: tze.PathSend})
	b.Run(
		chromedp.SetValue(`#f-bgColor`, "FFCC0000", chromedp.ByQuery),
		chromedp.SetValue(`#f-pcUrl`, "https://school.example.edu/n/1", chromedp.ByQuery),
		chromedp.SetValue(`#f-appUrl`, "https://m.school.example.edu/n/1", chromedp.ByQuery),
		chromedp.SetValue(`#f-headText`, "运动会延期通知", chromedp.ByQuery),
		chromedp.Click(`[data-testid="review"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="send"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="send"]`, chromedp.ByQuery),
	)
	// The page follows the send (htmx) until the platform's answer is in,
	// then reloads whole with the outcome.
	b.waitText(`[data-testid="detail-status"]`, "发送失败")
	b.waitText(`[data-testid="detail-response"]`, "100001")
	assert.Equal(t, "100001", b.Text(`[data-testid="detail-code"]`))
	assert.Equal(t, "系统繁忙，请稍后再试", b.Text(`[data-testid="detail-message"]`))
	b.Shot("messages-upstream-error")
	b.Run(
		chromedp.Click(`[data-testid="retry"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-headText`, chromedp.ByQuery),
	)
	var head string
	b.Run(chromedp.Value(`#f-headText`, &head, chromedp.ByQuery))
	assert.Equal(t, "运动会延期通知", head, "try again: the form as it was sent")

	// Two drafts in the list.
	b.Run(chromedp.Click(`[data-testid="save-draft"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=flash]`, chromedp.ByQuery))
	b.Open("/messages/new")
	b.Run(
		chromedp.SendKeys(`#f-content`, "明天上午 9 点在三楼会议室开会，请准时参加。", chromedp.ByQuery),
		chromedp.Click(`[data-testid="save-draft"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=flash]`, chromedp.ByQuery),
	)
	b.Run(chromedp.Click(`[data-testid="msg-nav-drafts"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="drafts-table"]`, chromedp.ByQuery))
	assert.Equal(t, 2, b.Count(`[data-testid="drafts-table"] tbody tr`))
	b.Shot("messages-drafts")
	b.Open("/messages/history")
	b.Shot("messages-history-failed")
}
