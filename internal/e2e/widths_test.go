package e2e

import (
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
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
