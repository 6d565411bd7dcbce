package e2e

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
)

// The widths every page is looked at: a laptop and a phone (iPhone 12–15).
const (
	wideWidth   = 1280
	narrowWidth = 390
)

// ShotWidths saves the page as it is at both widths, named
// <name>-1280.png and <name>-390.png, and leaves the browser at 1280.
func (b *Browser) ShotWidths(name string) {
	b.t.Helper()
	for _, w := range []struct {
		px     int64
		mobile bool
		suffix string
	}{{narrowWidth, true, "-390"}, {wideWidth, false, "-1280"}} {
		b.SetWidth(w.px, w.mobile)
		b.Shot(name + w.suffix)
	}
}

// SetWidth emulates a viewport this wide (mobile: a phone's touch viewport).
func (b *Browser) SetWidth(px int64, mobile bool) {
	b.t.Helper()
	b.Run(emulation.SetDeviceMetricsOverride(px, 900, 1, mobile), chromedp.Sleep(0))
}

// ScrollWidth is how wide the element's content is next to its visible
// width: a page that fits has scroll width == client width.
func (b *Browser) ScrollWidth(sel string) (scroll, client int) {
	b.t.Helper()
	var r []int
	b.Run(chromedp.Evaluate(`(function(){var e=document.querySelector(`+jsString(sel)+`);return [e.scrollWidth,e.clientWidth]})()`, &r))
	return r[0], r[1]
}

// English switches the interface to English with the language switch.
func (b *Browser) English() {
	b.t.Helper()
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
}

// The pages of issue 12 at a laptop's and a phone's width, in both
// languages, for people to look at (screenshots/pages-*); at 390 px none of
// them may scroll sideways (a table scrolls inside its own box).
func TestPagesAtTwoWidths(t *testing.T) {
	b := Start(t, nil)
	b.Login(auth.RoleAdmin)
	support, err := b.Env.App.Store.UserByName(t.Context(), "support")
	require.NoError(t, err)
	sid := strconv.FormatInt(support.ID, 10)
	fits := func(name string) {
		t.Helper()
		b.SetWidth(narrowWidth, true)
		scroll, client := b.ScrollWidth("html")
		assert.LessOrEqual(t, scroll, client, "%s scrolls sideways at %d px", name, narrowWidth)
		b.ShotWidths("pages-" + name)
	}
	for _, lang := range []string{"zh", "en"} {
		if lang == "en" {
			b.English()
		}
		// The composer with a page of picker hits and an overlap note.
		b.Open("/messages/new")
		b.Run(
			chromedp.SendKeys(`#f-content`, "明天上午 9 点开会", chromedp.ByQuery),
			chromedp.SendKeys(`[data-testid="picker-q"]`, "一年级", chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="picker-next"]`, chromedp.ByQuery),
			chromedp.Click(`[data-testid="picker-results"] li:nth-child(1) button`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="picker-chips"] li`, chromedp.ByQuery),
			chromedp.Click(`[data-testid="picker-results"] li:nth-child(2) button`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid^="picker-overlap-"]`, chromedp.ByQuery),
		)
		fits("composer-" + lang)
		// The review page: the cURL command folded (admins only), opened here.
		b.Run(chromedp.Click(`[data-testid=review]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=request-json]`, chromedp.ByQuery),
			chromedp.Click(`[data-testid=curl-details] summary`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=curl]`, chromedp.ByQuery))
		fits("review-" + lang)

		b.Open("/channel-codes?" + url.Values{"name": {"招生"}, "from": {"2026-01-01T00:00"}}.Encode())
		fits("channelcodes-" + lang)
		b.Run(chromedp.Click(`[data-testid=cc-filter-toggle]`, chromedp.ByQuery), chromedp.WaitVisible(`#f-name`, chromedp.ByQuery))
		fits("channelcodes-filters-" + lang)

		b.Open("/org?" + url.Values{"open": {fake.SeedSchoolID}}.Encode())
		fits("org-" + lang)

		b.Open("/admin/users")
		fits("users-" + lang)
		b.Open("/admin/users?q=sup")
		fits("users-search-" + lang)
		b.Open("/admin/users/" + sid + "/disable")
		fits("users-confirm-disable-" + lang)
		b.Open("/admin/users/" + sid + "/end-sessions")
		fits("users-confirm-end-sessions-" + lang)
	}
}
