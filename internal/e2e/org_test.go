package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
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
