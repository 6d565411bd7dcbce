package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	sbscrm "github.com/orgconsole/console/internal/sandbox/scrm"
)

// waitText waits until the first element matching sel contains want. It
// survives the page reloading underneath (htmx reloads on Back, having no
// history cache).
func (b *Browser) waitText(sel, want string) {
	b.t.Helper()
	js := `(document.querySelector(` + jsString(sel) + `)||{textContent:""}).textContent.includes(` + jsString(want) + `)`
	deadline := time.Now().Add(15 * time.Second)
	for {
		var ok bool
		err := chromedp.Run(b.Ctx, chromedp.Evaluate(js, &ok))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never contained %q (last error: %v)", sel, want, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// firstText is the text of the first element matching sel, read by script
// (no node ids to go stale when the page reloads underneath).
func (b *Browser) firstText(sel string) string {
	b.t.Helper()
	var s string
	var err error
	for range 50 {
		if err = chromedp.Run(b.Ctx, chromedp.Evaluate(`(document.querySelector(`+jsString(sel)+`)||{textContent:""}).textContent`, &s)); err == nil {
			return strings.TrimSpace(s)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("read %s: %v", sel, err)
	return ""
}

// Support staff filter by a group with sub-groups, page forward twice and
// back once (browser Back and the Previous link), look at a QR code and
// export what matches.
func TestJourneyChannelCodes(t *testing.T) {
	b := Start(t, nil)
	fake, ok := b.Env.App.Sandbox.Platform("scrm").(*sbscrm.Fake)
	require.True(t, ok)
	var top sbscrm.Group
	for _, g := range fake.Groups() {
		if g.Level == 1 && len(fake.SubGroups(g.ID)) > 0 {
			top = g
			break
		}
	}
	subtree := map[int64]bool{}
	var add func(int64)
	add = func(id int64) {
		subtree[id] = true
		for _, c := range fake.SubGroups(id) {
			add(c)
		}
	}
	add(top.ID)
	matching := 0
	for _, c := range fake.Codes() {
		if subtree[c.GroupID] {
			matching++
		}
	}
	require.Greater(t, matching, 30, "enough codes for three pages of 10")
	groupID := strconv.FormatInt(top.ID, 10)

	b.Login(auth.RoleSupport)
	b.Run(chromedp.Click(`[data-testid=nav-channel-codes]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=cc-table]`, chromedp.ByQuery))
	assert.Equal(t, 20, b.Count(`[data-testid=cc-row]`))
	b.Shot("channelcodes-list")

	// A wrong filter: the error beside the field, the value kept.
	b.Run(chromedp.SendKeys(`#f-staff`, "12, abc", chromedp.ByQuery), chromedp.Click(`[data-testid=cc-apply]`, chromedp.ByQuery))
	b.waitText(`[data-testid=err-staff]`, "abc")
	var staff string
	b.Run(chromedp.Value(`#f-staff`, &staff, chromedp.ByQuery))
	assert.Equal(t, "12, abc", staff)
	b.Shot("channelcodes-filter-error")

	// Filter by the group and its sub-groups, 10 a page.
	b.Run(
		chromedp.Evaluate(`document.querySelector('#f-staff').value = ''`, nil),
		chromedp.SendKeys(`#f-group`, groupID, chromedp.ByQuery),
		chromedp.Click(`#f-sub`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-size`, "10", chromedp.ByQuery),
		chromedp.Click(`[data-testid=cc-apply]`, chromedp.ByQuery),
	)
	b.waitText(`[data-testid=cc-summary]`, "每页 10 条")
	loc := b.Location()
	assert.Contains(t, loc, "group="+groupID, "filters live in the URL")
	assert.Contains(t, loc, "sub=1")
	page1 := b.firstText(`[data-testid=cc-row] [data-testid=cc-id]`)
	b.Shot("channelcodes-filtered")

	// Forward twice.
	b.Run(chromedp.Click(`[data-testid=pager-next]`, chromedp.ByQuery))
	b.waitText(`[data-testid=cc-summary]`, "第 2 页")
	page2 := b.firstText(`[data-testid=cc-row] [data-testid=cc-id]`)
	b.Run(chromedp.Click(`[data-testid=pager-next]`, chromedp.ByQuery))
	b.waitText(`[data-testid=cc-summary]`, "第 3 页")
	assert.Contains(t, b.Location(), "prev=0%2C", "the cursor history is in the URL")
	b.Shot("channelcodes-page3")

	// Back once with the browser: page 2 again, same codes.
	b.Run(chromedp.NavigateBack())
	b.waitText(`[data-testid=cc-summary]`, "第 2 页")
	assert.Equal(t, page2, b.firstText(`[data-testid=cc-row] [data-testid=cc-id]`))
	// Forward, then the Previous link.
	b.Run(chromedp.NavigateForward())
	b.waitText(`[data-testid=cc-summary]`, "第 3 页")
	b.Run(chromedp.Click(`[data-testid=pager-prev]`, chromedp.ByQuery))
	b.waitText(`[data-testid=cc-summary]`, "第 2 页")
	b.Run(chromedp.Click(`[data-testid=pager-prev]`, chromedp.ByQuery))
	b.waitText(`[data-testid=cc-summary]`, "第 1 页")
	assert.Equal(t, page1, b.firstText(`[data-testid=cc-row] [data-testid=cc-id]`))
	var groupVal string
	b.Run(chromedp.Value(`#f-group`, &groupVal, chromedp.ByQuery))
	assert.Equal(t, groupID, groupVal, "filters still in the form")

	// The QR code: the thumbnail loaded from the console, the large view on click.
	var loaded bool
	b.Run(chromedp.Poll(`(() => { const i = document.querySelector('[data-testid=cc-row] img.cc-thumb'); return i && i.complete && i.naturalWidth > 0 })()`,
		&loaded, chromedp.WithPollingTimeout(10*time.Second)))
	b.Run(chromedp.Click(`[data-testid=cc-row] details.cc-qr summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=cc-row] .cc-qr-large img`, chromedp.ByQuery))
	b.Shot("channelcodes-qr-large")

	// Export what matches, fetched as the page's link would download it.
	var href, csv string
	b.Run(chromedp.AttributeValue(`[data-testid=cc-export]`, "href", &href, nil, chromedp.ByQuery))
	assert.Contains(t, href, "group="+groupID)
	b.Run(chromedp.Evaluate(`fetch(`+jsString(href)+`).then(r => r.text())`, &csv, func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	lines := strings.Split(strings.TrimRight(strings.TrimPrefix(csv, "\ufeff"), "\r\n"), "\n")
	assert.Len(t, lines, matching+1, "header plus every matching code")
	assert.True(t, strings.HasPrefix(lines[0], "活码 ID,"), lines[0])

	// Walk to the end: the end-of-list marker.
	for range 20 {
		if b.Count(`[data-testid=pager-next]`) == 0 {
			break
		}
		before := b.firstText(`[data-testid=cc-summary]`)
		b.Run(chromedp.Click(`[data-testid=pager-next]`, chromedp.ByQuery))
		var changed bool
		b.Run(chromedp.Poll(`document.querySelector('[data-testid=cc-summary]').textContent !== `+jsString(before), &changed,
			chromedp.WithPollingTimeout(10*time.Second)))
	}
	assert.Contains(t, b.Text(`[data-testid=cc-end]`), "已到列表末尾")
	b.Shot("channelcodes-end")
}
