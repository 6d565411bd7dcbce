package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
)

// Expand school → campus → 学段 → grade with htmx, search a class by name,
// open its detail and its deep link back into the tree.
func TestJourneyOrgTree(t *testing.T) {
	b := Start(t, nil)
	b.Login(auth.RoleSupport)
	b.Open("/org")
	require.Equal(t, 1, b.Count(`[data-testid="node-`+fake.SeedSchoolID+`"]`))
	b.Shot("org-tree")

	// expand clicks a node's toggle and waits for its children.
	expand := func(id string) {
		b.Run(
			chromedp.Click(`#t-`+id, chromedp.ByQuery),
			chromedp.WaitVisible(`#k-`+id+` > li`, chromedp.ByQuery),
		)
	}
	// firstOfType is the id of the first child of id with this org_type.
	firstOfType := func(id, typ string) string {
		var tid string
		b.Run(chromedp.Evaluate(`(function(){var li=document.querySelector('#k-`+id+` > li:has(> .org-row .t-`+typ+`)');return li?li.dataset.testid:''})()`, &tid))
		require.NotEmpty(t, tid, "no child of type %s under %s", typ, id)
		return strings.TrimPrefix(tid, "node-")
	}
	expand(fake.SeedSchoolID)
	campus := firstOfType(fake.SeedSchoolID, "3")
	expand(campus)
	stage := firstOfType(campus, "5")
	expand(stage)
	grade := firstOfType(stage, "6")
	expand(grade)
	class := firstOfType(grade, "7")
	assert.Greater(t, b.Count(`#k-`+grade+` > li`), 10)
	assert.Equal(t, "true", attr(b, `#t-`+grade, "aria-expanded"))
	b.Shot("org-expanded")

	// Each expansion rewrote the address: a reload shows the same tree.
	assert.Contains(t, b.Location(), url.Values{"open": {strings.Join([]string{fake.SeedSchoolID, campus, stage, grade}, ",")}}.Encode())
	b.Run(chromedp.Reload(), chromedp.WaitVisible(`#k-`+grade+` > li`, chromedp.ByQuery))
	for _, id := range []string{fake.SeedSchoolID, campus, stage, grade} {
		assert.Equal(t, "true", attr(b, `#t-`+id, "aria-expanded"), "%s still open after the reload", id)
	}

	className := classNameOf(b, class)
	require.NotEmpty(t, className)

	// collapse the grade again with the same toggle
	b.Run(chromedp.Click(`#t-`+grade, chromedp.ByQuery), chromedp.WaitNotPresent(`#k-`+grade+` > li`, chromedp.ByQuery))

	b.Run(
		chromedp.SetValue(`#org-q`, className, chromedp.ByQuery),
		chromedp.Click(`[data-testid=org-search-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=search-results]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid=search-total]`), "共")
	b.Shot("org-search")

	b.Run(
		chromedp.Click(`[data-testid="hit-`+class+`"] [data-testid=hit-link]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=node-facts]`, chromedp.ByQuery),
	)
	assert.Equal(t, class, b.Text(`[data-testid=node-id]`))
	b.Shot("org-node")
	b.Run(
		chromedp.Click(`[data-testid=deep-link]`, chromedp.ByQuery),
		chromedp.WaitVisible(`li.org-node.focus`, chromedp.ByQuery),
	)
	assert.Equal(t, "node-"+class, attr(b, `li.org-node.focus`, "data-testid"))
	assert.Contains(t, b.Location(), "focus="+class)
	b.Shot("org-deep-link")
}

// htmxIdle waits until htmx has no request, swap or settle under way, so
// the elements it just swapped in are wired up.
func htmxIdle(b *Browser) {
	b.t.Helper()
	waitJS(b, `!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')`)
}

func attr(b *Browser, sel, name string) string {
	var v string
	var ok bool
	b.Run(chromedp.AttributeValue(sel, name, &v, &ok, chromedp.ByQuery))
	return v
}

func classNameOf(b *Browser, id string) string {
	var s string
	b.Run(chromedp.Evaluate(`document.querySelector('[data-testid="node-`+id+`"] .org-name').textContent.trim()`, &s))
	return s
}

// The same journey with JavaScript off: every toggle is a plain link that
// reloads the tree with one more level open, search is a GET form, and the
// language switch keeps the page.
func TestJourneyOrgTreeNoJS(t *testing.T) {
	b := Start(t, nil)
	b.DisableJS()
	b.Login(auth.RoleSupport)
	b.Open("/org")
	assert.Equal(t, fake.SeedBureauName, b.Text(`[data-testid=org-root]`), "the configured name of the default org")
	assert.Contains(t, b.Text(`[data-testid=org-root-counts]`), "个部门")

	expand := func(id string) {
		b.Run(
			chromedp.Click(`#t-`+id, chromedp.ByQuery),
			chromedp.WaitVisible(`#k-`+id+` > li`, chromedp.ByQuery),
		)
		assert.Contains(t, b.Location(), id, "the open nodes are in the URL")
	}
	firstOfType := func(id, typ string) string {
		var tid string
		b.Run(chromedp.Evaluate(`(function(){var li=document.querySelector('#k-`+id+` > li:has(> .org-row .t-`+typ+`)');return li?li.dataset.testid:''})()`, &tid))
		require.NotEmpty(t, tid, "no child of type %s under %s", typ, id)
		return strings.TrimPrefix(tid, "node-")
	}
	expand(fake.SeedSchoolID)
	campus := firstOfType(fake.SeedSchoolID, "3")
	expand(campus)
	stage := firstOfType(campus, "5")
	expand(stage)
	grade := firstOfType(stage, "6")
	expand(grade)
	class := firstOfType(grade, "7")
	assert.Equal(t, "true", attr(b, `#t-`+grade, "aria-expanded"))
	className := classNameOf(b, class)
	require.NotEmpty(t, className)
	b.Shot("org-nojs-expanded")

	// Collapse the grade: its link drops it from the URL, the school stays open.
	b.Run(chromedp.Click(`#t-`+grade, chromedp.ByQuery), chromedp.WaitNotPresent(`#k-`+grade+` > li`, chromedp.ByQuery))
	assert.Greater(t, b.Count(`#k-`+fake.SeedSchoolID+` > li`), 0, "the school is still open")

	b.Run(
		chromedp.SendKeys(`#org-q`, className, chromedp.ByQuery),
		chromedp.Click(`[data-testid=org-search-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=search-results]`, chromedp.ByQuery),
	)
	b.Run(
		chromedp.Click(`[data-testid="hit-`+class+`"] [data-testid=hit-link]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=node-facts]`, chromedp.ByQuery),
	)
	b.Run(
		chromedp.Click(`[data-testid=deep-link]`, chromedp.ByQuery),
		chromedp.WaitVisible(`li.org-node.focus`, chromedp.ByQuery),
	)
	assert.Equal(t, "node-"+class, attr(b, `li.org-node.focus`, "data-testid"))

	// English, on the same deep link.
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	assert.Equal(t, "node-"+class, attr(b, `li.org-node.focus`, "data-testid"), "back on the deep link")
	// The sandbox names its default organisation (CONSOLE_DEFAULT_ORG_NAME); other orgs are "Organisation <id>".
	assert.Equal(t, fake.SeedBureauName, b.Text(`[data-testid=org-root]`))
	assert.Contains(t, b.Text(`[data-testid=org-root-counts]`), "departments in all")
	b.Shot("org-nojs-deep-link-en")
}

// The picker inside the message composer, with htmx: browse into a school,
// add one of its departments, search a class and add it; both chips stay.
func TestJourneyOrgPicker(t *testing.T) {
	b := Start(t, nil)
	b.Login(auth.RoleContent)
	b.Open("/messages/new")
	require.Equal(t, 1, b.Count(`[data-testid="picker-browse-open"]`))
	b.Run(
		chromedp.Click(`[data-testid="picker-browse-open"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-open-`+fake.SeedSchoolID+`"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="picker-open-`+fake.SeedSchoolID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-up-`+fake.SeedBureauID+`"]`, chromedp.ByQuery),
	)
	assert.Equal(t, "第一实验小学", b.Text(`[data-testid="picker-crumbs"] [aria-current]`))
	var kid string
	b.Run(chromedp.Evaluate(`document.querySelector('[data-testid="picker-level"] > li').dataset.testid.replace('picker-node-','')`, &kid))
	require.NotEmpty(t, kid)
	// Keyboard users stay in the browser: the swapped level takes the focus.
	// It moves once htmx has settled the swap, after the new level is
	// visible, so wait for it rather than look right away.
	want := "picker-browse-add-" + kid
	var moved bool
	err := chromedp.Run(b.Ctx, chromedp.Poll(`(document.activeElement && document.activeElement.dataset.testid) === `+jsString(want),
		&moved, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		var focused string
		b.Run(chromedp.Evaluate(`document.activeElement.dataset.testid || document.activeElement.tagName`, &focused))
		assert.Equal(t, want, focused, "the swapped level takes the focus")
	}
	b.Run(
		chromedp.Click(`[data-testid="picker-browse-add-`+kid+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-chip-`+kid+`"]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid="picker-chip-`+kid+`"] .chip-path`), "第一实验小学")

	b.Run(
		chromedp.SendKeys(`[data-testid="picker-q"]`, "一年级(1)班", chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, chromedp.ByQuery),
	)
	// The results are a short scroll box, not a page-long list.
	var boxH int
	b.Run(chromedp.Evaluate(`document.querySelector('[data-testid="picker-results"]').clientHeight`, &boxH))
	assert.LessOrEqual(t, boxH, 300)
	var cls string
	b.Run(chromedp.AttributeValue(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, "value", &cls, nil, chromedp.ByQuery))
	b.Run(
		chromedp.Click(`[data-testid="picker-add-`+cls+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-chip-`+cls+`"]`, chromedp.ByQuery),
	)
	assert.Equal(t, 2, b.Count(`[data-testid="picker-chips"] > li`))
	b.Shot("org-picker-composer")

	// Many hits: the pager swaps in the next page of results only.
	clearQ := chromedp.Evaluate(`document.querySelector('[data-testid="picker-q"]').value = ''`, nil)
	b.Run(
		clearQ,
		chromedp.SendKeys(`[data-testid="picker-q"]`, "一年级", chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-next"]`, chromedp.ByQuery),
	)
	waitJS(b, `document.querySelector('[data-testid="picker-page"]').textContent.startsWith('第 1 /')`)
	htmxIdle(b) // a click before htmx has taken over the new button would submit the composer
	firstHit := attr(b, `[data-testid="picker-results"] > li button`, "value")
	b.Run(chromedp.Click(`[data-testid="picker-next"]`, chromedp.ByQuery))
	waitJS(b, `document.querySelector('[data-testid="picker-page"]').textContent.startsWith('第 2 /')`)
	assert.NotEqual(t, firstHit, attr(b, `[data-testid="picker-results"] > li button`, "value"))
	assert.Equal(t, 2, b.Count(`[data-testid="picker-chips"] > li`), "the chips stay")
	assert.Equal(t, "/messages/new", b.Location(), "the composer was not submitted")

	// The school above both chips: all three stay, the two are noted as included.
	b.Run(
		clearQ,
		chromedp.SendKeys(`[data-testid="picker-q"]`, fake.SeedSchoolID, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-add-`+fake.SeedSchoolID+`"]`, chromedp.ByQuery),
	)
	htmxIdle(b)
	b.Run(
		chromedp.Click(`[data-testid="picker-add-`+fake.SeedSchoolID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-overlap-`+kid+`"]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid="picker-overlap-`+kid+`"]`), "“第一实验小学”之下，已包含在内")
	assert.Equal(t, 1, b.Count(`[data-testid="picker-overlap-`+cls+`"]`))
	assert.Equal(t, 3, b.Count(`[data-testid="picker-chips"] > li`))
	b.Shot("org-picker-overlap")
	// Removing the school ends the notes.
	b.Run(
		chromedp.Click(`[data-testid="picker-remove-`+fake.SeedSchoolID+`"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`[data-testid^="picker-overlap-"]`, chromedp.ByQuery),
	)
	assert.Equal(t, 2, b.Count(`[data-testid="picker-chips"] > li`))
}

// The picker with JavaScript off: every picker button submits the composer,
// which re-renders with what was typed and the browser where it was.
func TestJourneyOrgPickerNoJS(t *testing.T) {
	b := Start(t, nil)
	b.DisableJS()
	b.Login(auth.RoleContent)
	b.Open("/messages/new")
	b.Run(
		chromedp.SendKeys(`#f-content`, "明天停课一天", chromedp.ByQuery),
		chromedp.Click(`[data-testid="picker-browse-open"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-open-`+fake.SeedSchoolID+`"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="picker-open-`+fake.SeedSchoolID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-up-`+fake.SeedBureauID+`"]`, chromedp.ByQuery),
	)
	var kid string
	b.Run(chromedp.Evaluate(`document.querySelector('[data-testid="picker-level"] > li').dataset.testid.replace('picker-node-','')`, &kid))
	b.Run(
		chromedp.Click(`[data-testid="picker-browse-add-`+kid+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-chip-`+kid+`"]`, chromedp.ByQuery),
	)
	assert.Equal(t, "第一实验小学", b.Text(`[data-testid="picker-crumbs"] [aria-current]`), "still browsing the school")
	var content string
	b.Run(chromedp.Value(`#f-content`, &content, chromedp.ByQuery))
	assert.Equal(t, "明天停课一天", content, "what was typed is kept")

	b.Run(chromedp.SendKeys(`[data-testid="picker-q"]`, "一年级(1)班", chromedp.ByQuery))
	b.clickAndLoad(`[data-testid="picker-search"]`)
	b.Run(chromedp.WaitVisible(`[data-testid="picker-results"]`, chromedp.ByQuery))
	b.Run(chromedp.Click(`[data-testid="picker-remove-`+kid+`"]`, chromedp.ByQuery), chromedp.WaitNotPresent(`[data-testid="picker-chip-`+kid+`"]`, chromedp.ByQuery))
	b.Shot("org-picker-composer-nojs")

	// The pager submits the composer and comes back on the next page. Each
	// click loads a new page: wait for that page, not the one unloading.
	b.Run(chromedp.SetValue(`[data-testid="picker-q"]`, "一年级", chromedp.ByQuery))
	b.clickAndLoad(`[data-testid="picker-search"]`)
	b.clickAndLoad(`[data-testid="picker-next"]`)
	b.Run(chromedp.WaitVisible(`[data-testid="picker-prev"]:not([disabled])`, chromedp.ByQuery))
	assert.True(t, strings.HasPrefix(b.Text(`[data-testid="picker-page"]`), "第 2 /"))
	b.Run(chromedp.Value(`#f-content`, &content, chromedp.ByQuery))
	assert.Equal(t, "明天停课一天", content, "what was typed is kept")
}

// until waits for a condition in the page, across page loads (with
// JavaScript off a click loads a new page), long enough for a loaded machine.
func (b *Browser) until(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var ok bool
		err := chromedp.Run(b.Ctx, chromedp.Evaluate(cond, &ok))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: never true (last error: %v)", cond, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clickAndLoad clicks what submits a form or follows a link without
// JavaScript and waits until the page it loads is there: the page being left
// is marked first, so nothing of it is mistaken for the new one.
func (b *Browser) clickAndLoad(sel string) {
	b.t.Helper()
	b.Run(chromedp.Evaluate(`window.__leaving = true`, nil), chromedp.Click(sel, chromedp.ByQuery))
	b.until(`!window.__leaving && document.readyState === 'complete'`)
}

// The org pages in English and in their error states, for people to look at:
// no untranslated keys, a clear message for every failure, never a blank page.
func TestJourneyOrgStates(t *testing.T) {
	b := Start(t, nil)
	b.Login(auth.RoleAdmin)
	b.Open("/org")
	b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
	noKeys := func(page string) {
		t.Helper()
		body := b.Text("main")
		assert.NotRegexp(t, `\borg\.[a-z_]+\.[a-z_.]+`, body, "an untranslated key on %s", page)
		assert.NotContains(t, body, "%!", "a format error on %s", page)
	}
	b.Open("/org?open=" + fake.SeedSchoolID)
	noKeys("tree")
	b.Shot("org-tree-en")
	b.Open("/org/node/" + fake.SeedSchoolID)
	assert.Equal(t, fake.SeedBureauName, b.Text(`[data-testid=breadcrumbs] li`))
	noKeys("node")
	b.Shot("org-node-en")
	b.Open("/org/search?q=" + url.QueryEscape("一年级(1)班"))
	assert.Contains(t, b.Text(`[data-testid=search-total]`), "Showing")
	noKeys("search")
	b.Shot("org-search-en")
	b.Open("/org/search?q=zzz")
	assert.Contains(t, b.Text("main"), "zzz")
	noKeys("search none")
	b.Shot("org-search-none-en")
	b.Open("/org?org=")
	assert.Equal(t, "Enter an organisation id.", b.Text(`[data-testid=org-problem]`))
	b.Shot("org-empty-id-en")

	sb := b.Env.App.Sandbox
	sb.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "失败", Path: fake.OrgChildListPath})
	b.Open("/org?org=55555")
	assert.Contains(t, b.Text(`[data-testid=org-problem]`), "55555")
	assert.Equal(t, "100001", b.Text(`[data-testid=upstream-code]`))
	b.Shot("org-unknown-en")

	// The whole-org fetch fails once: the tree falls back to one level per call.
	sb.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: fake.OrgChildListPath, Times: 3}) // the client tries 3 times
	b.Open("/org?org=" + fake.SeedSchoolID)
	assert.Equal(t, 1, b.Count(`[data-testid=org-lazy]`))
	assert.Greater(t, b.Count(`#org-tree > li`), 0, "browsing still works")
	noKeys("lazy")
	b.Shot("org-lazy-en")
	sb.Faults.Clear()

	// The picker in English, browsing; then the organisation cannot be loaded.
	b.Open("/messages/new")
	b.Run(
		chromedp.Click(`[data-testid="picker-browse-open"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="picker-level"]`, chromedp.ByQuery),
	)
	assert.Equal(t, fake.SeedBureauName, b.Text(`[data-testid="picker-crumbs"] [aria-current]`))
	noKeys("picker")
	b.Shot("org-picker-en")
	b.Env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "失败", Path: fake.OrgChildListPath})
	b.Run(chromedp.Click(`[data-testid="picker-open-`+fake.SeedSchoolID+`"]`, chromedp.ByQuery))
	// The cached org still answers: browsing works while the upstream fails.
	b.Run(chromedp.WaitVisible(`[data-testid="picker-up-`+fake.SeedBureauID+`"]`, chromedp.ByQuery))
	sb.Faults.Clear()
}
