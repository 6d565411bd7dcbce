package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/sandbox"
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

	// The filters are folded away until asked for.
	assert.Equal(t, 0, b.Count(`details[data-testid=cc-filter-box][open]`))
	b.Run(chromedp.Click(`[data-testid=cc-filter-toggle]`, chromedp.ByQuery), chromedp.WaitVisible(`#f-staff`, chromedp.ByQuery))

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
	// Applied: the form folds again, the filters are chips.
	assert.Equal(t, 0, b.Count(`details[data-testid=cc-filter-box][open]`))
	assert.Equal(t, 2, b.Count(`[data-testid=cc-chips] > li`), "group and sub-groups; the page size is no chip")
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
	assert.Equal(t, "下载 PNG", b.Text(`[data-testid=cc-row] [data-testid=cc-qr-download]`))
	b.Shot("channelcodes-qr-large")
	// Esc closes it and gives the focus back to the thumbnail … (chromedp
	// cannot wait for content of a closed <details> to be hidden: ask the element)
	qrClosed := `!document.querySelector('[data-testid=cc-row] details.cc-qr').open`
	b.Run(chromedp.KeyEvent(kb.Escape))
	waitJS(b, qrClosed)
	var focused bool
	b.Run(chromedp.Evaluate(`document.activeElement === document.querySelector('[data-testid=cc-row] details.cc-qr summary')`, &focused))
	assert.True(t, focused, "the focus is back on the thumbnail")
	// … and so does its close button.
	b.Run(chromedp.Click(`[data-testid=cc-row] details.cc-qr summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=cc-row] [data-testid=cc-qr-close]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=cc-row] [data-testid=cc-qr-close]`, chromedp.ByQuery))
	waitJS(b, qrClosed)

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

// ccDownload clicks sel and waits for the browser to save the download it
// starts, returning the file name the server suggested and the bytes saved:
// proof that a real browser downloads (not just that a URL answers).
func (b *Browser) ccDownload(sel string) (string, []byte) {
	b.t.Helper()
	dir := b.t.TempDir()
	type done struct{ name, path string }
	names := map[string]string{}
	var mu sync.Mutex
	finished := make(chan done, 1)
	listen := func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *browser.EventDownloadWillBegin:
			names[e.GUID] = e.SuggestedFilename
		case *browser.EventDownloadProgress:
			if e.State == browser.DownloadProgressStateCompleted {
				select {
				case finished <- done{names[e.GUID], filepath.Join(dir, e.GUID)}:
				default:
				}
			}
		}
	}
	// The download events come on the session the command went to: the page target.
	chromedp.ListenTarget(b.Ctx, listen)
	b.Run(
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true),
		chromedp.Click(sel, chromedp.ByQuery),
	)
	select {
	case d := <-finished:
		body, err := os.ReadFile(d.path)
		require.NoError(b.t, err)
		return d.name, body
	case <-time.After(20 * time.Second):
		b.t.Fatalf("clicking %s downloaded nothing", sel)
		return "", nil
	}
}

// The main flow with JavaScript off, in English: wrong dates keep what was
// typed, filter by a group with sub-groups, page forward twice and back
// once with plain links, open the QR large view (a <details>), download the
// PNG and the CSV export.
func TestJourneyChannelCodesNoJS(t *testing.T) {
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
	groupID := strconv.FormatInt(top.ID, 10)

	b.DisableJS()
	b.Login(auth.RoleSupport)
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	b.Run(chromedp.Click(`[data-testid=nav-channel-codes]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=cc-table]`, chromedp.ByQuery))
	assert.Equal(t, "Channel codes", b.Text("main h1"))
	b.Shot("channelcodes-en-nojs")

	// The end before the start: the error beside "Created to", both typed
	// date-times still in their inputs.
	// Typed the way a person does: the date-time segments in the browser's
	// locale (Chromium here: mm/dd/yyyy, hh:mm:ss AM; Tab leaves the year,
	// which takes up to six digits).
	b.Run(
		chromedp.Click(`[data-testid=cc-filter-toggle]`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-from`, "05022025\t100000A", chromedp.ByQuery),
		chromedp.SendKeys(`#f-to`, "05012025\t093000A", chromedp.ByQuery),
		chromedp.Click(`[data-testid=cc-apply]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=err-to]`, chromedp.ByQuery),
	)
	assert.Equal(t, "The end cannot be before the start.", b.Text(`[data-testid=err-to]`))
	var from, to string
	b.Run(chromedp.Value(`#f-from`, &from, chromedp.ByQuery), chromedp.Value(`#f-to`, &to, chromedp.ByQuery))
	assert.Equal(t, "2025-05-02T10:00", from, "the browser drops :00 seconds")
	assert.Equal(t, "2025-05-01T09:30", to)
	assert.Equal(t, 0, b.Count(`[data-testid=cc-export]`), "no export while the filters are wrong")
	b.Shot("channelcodes-en-nojs-error")

	// Filter by the group with its sub-groups, 10 a page.
	b.Open("/channel-codes")
	b.Run(
		chromedp.Click(`[data-testid=cc-filter-toggle]`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-group`, groupID, chromedp.ByQuery),
		chromedp.Click(`#f-sub`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-size`, "10", chromedp.ByQuery),
		chromedp.Click(`[data-testid=cc-apply]`, chromedp.ByQuery),
	)
	b.waitText(`[data-testid=cc-summary]`, "10 per page") // the new page, not the one still showing
	assert.Contains(t, b.Location(), "group="+groupID)
	page1 := b.firstText(`[data-testid=cc-row] [data-testid=cc-id]`)

	next := func(want string) {
		b.Run(chromedp.Click(`[data-testid=pager-next]`, chromedp.ByQuery))
		b.waitText(`[data-testid=cc-summary]`, want)
	}
	next("Page 2")
	page2 := b.firstText(`[data-testid=cc-row] [data-testid=cc-id]`)
	next("Page 3")
	assert.NotEqual(t, page1, page2)
	b.Run(chromedp.Click(`[data-testid=pager-prev]`, chromedp.ByQuery))
	b.waitText(`[data-testid=cc-summary]`, "Page 2")
	assert.Equal(t, page2, b.firstText(`[data-testid=cc-row] [data-testid=cc-id]`))
	var groupVal string
	b.Run(chromedp.Value(`#f-group`, &groupVal, chromedp.ByQuery))
	assert.Equal(t, groupID, groupVal, "filters kept across pages")

	// The chips' links work without JavaScript: dropping the group drops
	// the sub-groups with it, the page size stays.
	assert.Equal(t, 2, b.Count(`[data-testid=cc-chips] > li`))
	here := b.Location()
	b.Run(chromedp.Click(`[data-testid=cc-chip-remove-group]`, chromedp.ByQuery), chromedp.WaitNotPresent(`[data-testid=cc-chips]`, chromedp.ByQuery))
	assert.Equal(t, "/channel-codes?size=10", b.Location())
	b.Open(here)

	// The QR large view opens without JavaScript; its PNG downloads.
	b.Run(chromedp.Click(`[data-testid=cc-row] details.cc-qr summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=cc-row] .cc-qr-large img`, chromedp.ByQuery))
	assert.Equal(t, "Download PNG", b.Text(`[data-testid=cc-row] [data-testid=cc-qr-download]`))
	b.Shot("channelcodes-en-nojs-qr")
	name, png := b.ccDownload(`[data-testid=cc-row] [data-testid=cc-qr-download]`)
	assert.Equal(t, "channel-code-"+page2+".png", name)
	assert.True(t, strings.HasPrefix(string(png), "\x89PNG\r\n\x1a\n"), "a PNG")

	// The export downloads every match, English headers.
	name, csv := b.ccDownload(`[data-testid=cc-export]`)
	assert.Regexp(t, `^channel-codes-\d{8}-\d{6}\.csv$`, name)
	lines := strings.Split(strings.TrimRight(strings.TrimPrefix(string(csv), "\ufeff"), "\r\n"), "\n")
	assert.True(t, strings.HasPrefix(lines[0], "Code id,Name,"), lines[0])
	assert.Greater(t, len(lines), 30)
}

// The page in its other states, for people to look at, with what a user
// would notice asserted: the empty state, a platform failure, the QR large
// view on the last row, and a narrow window where the table scrolls inside
// its wrapper instead of widening the page.
func TestChannelCodesStates(t *testing.T) {
	b := Start(t, nil)
	b.Login(auth.RoleSupport)

	b.Open("/channel-codes?name=" + url.QueryEscape("没有这个名字"))
	assert.Contains(t, b.Text(`[data-testid=empty]`), "没有符合筛选条件的活码")
	b.Shot("channelcodes-empty")

	b.Open("/channel-codes?size=3")
	b.Run(chromedp.Click(`[data-testid=cc-row]:last-child details.cc-qr summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=cc-row]:last-child .cc-qr-large img`, chromedp.ByQuery))
	var clipped bool
	b.Run(chromedp.Evaluate(`(() => {
		const r = document.querySelector('[data-testid=cc-row]:last-child .cc-qr-large').getBoundingClientRect();
		const w = document.querySelector('.cc-table').parentElement.getBoundingClientRect();
		return r.bottom > w.bottom + 1 && document.querySelector('.cc-table').parentElement.scrollHeight > w.height + 1;
	})()`, &clipped))
	assert.False(t, clipped, "the large view is not cut off by the table's scroll box")
	b.Shot("channelcodes-qr-last-row")

	b.Env.App.Sandbox.Faults.Set("scrm", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "40002", Message: "签名校验失败"})
	b.Open("/channel-codes?name=" + url.QueryEscape("招生"))
	assert.Contains(t, b.Text(`[data-testid=cc-sign-hint]`), "CONSOLE_SCRM_SECRET")
	b.Shot("channelcodes-sign-error")
	b.Env.App.Sandbox.Faults.Clear()

	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	b.Env.App.Sandbox.Faults.Set("scrm", sandbox.Fault{Kind: sandbox.FaultHTTP500})
	b.Open("/channel-codes?name=" + url.QueryEscape("招生"))
	assert.Contains(t, b.Text(`[data-testid=upstream-error]`), "HTTP 500")
	b.Shot("channelcodes-en-upstream-error")
	b.Env.App.Sandbox.Faults.Clear()

	b.Run(emulation.SetDeviceMetricsOverride(900, 900, 1, false))
	b.Open("/channel-codes")
	var pageWide, tableScrolls bool
	b.Run(chromedp.Evaluate(`document.scrollingElement.scrollWidth > document.scrollingElement.clientWidth + 1`, &pageWide),
		chromedp.Evaluate(`(() => { const w = document.querySelector('.cc-table').parentElement; return w.scrollWidth > w.clientWidth })()`, &tableScrolls))
	assert.False(t, pageWide, "the page does not scroll sideways")
	assert.True(t, tableScrolls, "the table scrolls inside its wrapper")
	b.Shot("channelcodes-en-narrow")

	// A phone (390 px): the page still fits, the table scrolls in its box
	// and the code's name stays in view while it does.
	b.SetWidth(narrowWidth, true)
	b.Open("/channel-codes?name=" + url.QueryEscape("招生"))
	scroll, client := b.ScrollWidth("html")
	assert.LessOrEqual(t, scroll, client, "the page does not scroll sideways at 390 px")
	scroll, client = b.ScrollWidth(".cc-scroll")
	assert.Greater(t, scroll, client, "the table scrolls inside its box")
	var stuck bool
	b.Run(chromedp.Evaluate(`(() => {
		const box = document.querySelector('.cc-scroll');
		box.scrollLeft = 300;
		const name = document.querySelector('[data-testid=cc-row] th.cc-name').getBoundingClientRect();
		return box.scrollLeft > 0 && Math.abs(name.left - box.getBoundingClientRect().left) < 2;
	})()`, &stuck))
	assert.True(t, stuck, "the name column sticks to the left")
	b.Shot("channelcodes-en-390-scrolled")
	b.SetWidth(wideWidth, false)
}
