package org

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
	orgtempl "github.com/orgconsole/console/web/templates/org"
)

// The picker's contract, exercised through a host form with JS off: search,
// add, add again (no duplicate), remove, then submit with the chips' ids.
func TestPickerHostFormWithoutJS(t *testing.T) {
	r := newRig(t)

	p := r.get("/host")
	require.Equal(t, 200, p.Status)
	assert.True(t, p.Has(`[data-testid="picker-org_ids"] input[name="picker_q"]`))
	assert.Equal(t, 0, r.orgCalls(nil), "an empty picker does not load the org")

	// Search: the host re-renders with results and their paths.
	p = r.post("/host", url.Values{"picker_q": {"第一实验小学"}, "picker_search": {"1"}})
	require.Equal(t, 200, p.Status, p.Body)
	add := p.Doc.Find(`[data-testid="picker-results"] button[name="picker_add"]`).First()
	id, ok := add.Attr("value")
	require.True(t, ok)
	assert.Equal(t, fake.SeedSchoolID, id)
	assert.Contains(t, p.Text(`[data-testid="picker-total"]`), "共")

	// Add: a chip with the name, a hidden input with the id and a remove button.
	p = r.post("/host", url.Values{"picker_q": {"第一实验小学"}, "picker_add": {id}})
	require.Equal(t, 200, p.Status)
	chip := p.Doc.Find(`[data-testid="picker-chip-` + id + `"]`)
	require.Equal(t, 1, chip.Length())
	assert.Equal(t, "第一实验小学", chip.Find(".chip-name").Text())
	v, _ := chip.Find(`input[type=hidden][name="org_ids"]`).Attr("value")
	assert.Equal(t, id, v)
	assert.Equal(t, "picker_q", p.Doc.Find(`input[type=search]`).AttrOr("name", ""))
	assert.Equal(t, "第一实验小学", p.Doc.Find(`input[type=search]`).AttrOr("value", ""), "the query is kept")

	// A class deeper down shows its path; adding the school twice keeps one chip.
	classes := r.post("/host", url.Values{"picker_q": {"(1)班"}, "picker_search": {"1"}})
	cls := classes.Doc.Find(`[data-testid="picker-results"] li`).First()
	clsID := cls.Find(`button`).AttrOr("value", "")
	require.NotEmpty(t, clsID)
	p = r.post("/host", url.Values{"org_ids": {id, id}, "picker_add": {clsID}})
	assert.Equal(t, 2, p.Doc.Find(`[data-testid="picker-chips"] li`).Length())
	assert.Contains(t, p.Doc.Find(`[data-testid="picker-chip-`+clsID+`"] .chip-path`).Text(), "第一实验小学 / ")

	// Remove, then submit: only the class is sent.
	p = r.post("/host", url.Values{"org_ids": {id, clsID}, "picker_remove": {id}})
	assert.Equal(t, 1, p.Doc.Find(`[data-testid="picker-chips"] li`).Length())
	p = r.post("/host", url.Values{"org_ids": {clsID}, "send": {""}})
	assert.Equal(t, "submitted:"+clsID, p.Body)
	assert.Equal(t, 1, r.orgCalls(map[string]string{"is_all": "1"}), "one whole-org fetch, then the cache")
}

func TestPickerUnknownIDAndUpstreamFailureKeepChips(t *testing.T) {
	r := newRig(t)
	p := r.post("/host", url.Values{"org_ids": {"nope"}, "picker_search": {"1"}})
	chip := p.Doc.Find(`[data-testid="picker-chip-nope"]`)
	require.Equal(t, 1, chip.Length())
	assert.Contains(t, chip.Text(), "该组织中没有此 ID")

	r2 := newRig(t)
	r2.sb.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "失败", Path: fake.OrgChildListPath})
	p = r2.post("/host", url.Values{"org_ids": {fake.SeedSchoolID}, "picker_search": {"1"}, "picker_q": {"x"}})
	assert.Equal(t, 422, p.Status)
	assert.Equal(t, 1, p.Doc.Find(`[data-testid="picker-chip-`+fake.SeedSchoolID+`"]`).Length(), "the chosen id survives")
	assert.Equal(t, "100001", p.Text(`[data-testid="upstream-code"]`))
}

// With htmx: the live search returns the results fragment, add returns one
// chip (none when already picked), remove answers for hx-swap=delete.
func TestPickerHTMXFragments(t *testing.T) {
	r := newRig(t)
	p := r.htmx("/org/picker/search?field=org_ids&q=" + url.QueryEscape("第一实验小学"))
	require.Equal(t, 200, p.Status)
	assert.False(t, p.Has("html > head > title"), "a fragment, not a page")
	btn := p.Doc.Find(`button[name="picker_add"]`).First()
	assert.Equal(t, fake.SeedSchoolID, btn.AttrOr("value", ""))
	assert.Contains(t, btn.AttrOr("hx-post", ""), "/org/picker/chip?")

	p = r.htmxPost("/org/picker/chip?field=org_ids&id="+fake.SeedSchoolID, url.Values{})
	require.Equal(t, 200, p.Status)
	assert.Equal(t, fake.SeedSchoolID, p.Doc.Find(`input[type=hidden][name="org_ids"]`).AttrOr("value", ""))
	assert.Equal(t, "第一实验小学", p.Text(".chip-name"))

	p = r.htmxPost("/org/picker/chip?field=org_ids&id="+fake.SeedSchoolID, url.Values{"org_ids": {fake.SeedSchoolID}})
	assert.Equal(t, 200, p.Status)
	assert.Empty(t, p.Body, "already picked: no second chip")

	p = r.htmxPost("/org/picker/remove?field=org_ids&id="+fake.SeedSchoolID, url.Values{"org_ids": {fake.SeedSchoolID}})
	assert.Equal(t, 200, p.Status)
	assert.Equal(t, "true", p.Doc.Find(`#picker-org_ids-overlaps`).AttrOr("hx-swap-oob", ""), "the notes follow the removal")
	p = r.htmxPost("/org/picker/remove", url.Values{})
	assert.Equal(t, 400, p.Status, "which picker?")
}

// Browsing with JS off: open the top level, a school, add a node there (the
// browser stays at the school), go back up with the crumbs, close.
func TestPickerBrowseWithoutJS(t *testing.T) {
	r := newRig(t)
	p := r.get("/host")
	open := p.Doc.Find(`[data-testid="picker-browse-open"]`)
	require.Equal(t, 1, open.Length(), "closed by default: one button")
	assert.Equal(t, "picker_browse", open.AttrOr("name", ""))
	assert.Equal(t, fake.SeedBureauID, open.AttrOr("value", ""))
	assert.Equal(t, "submit", open.AttrOr("type", ""))

	p = r.post("/host", url.Values{"picker_browse": {fake.SeedBureauID}})
	require.Equal(t, 200, p.Status, p.Body)
	assert.Equal(t, fake.SeedBureauID, p.Doc.Find(`input[type=hidden][name="picker_at"]`).AttrOr("value", ""))
	assert.Equal(t, "组织 "+fake.SeedBureauID, p.Text(`[data-testid="picker-crumbs"] [aria-current]`))
	school := p.Doc.Find(`[data-testid="picker-node-` + fake.SeedSchoolID + `"]`)
	require.Equal(t, 1, school.Length())
	assert.Equal(t, "学校", school.Find(`[data-testid="org-type"]`).Text())
	openSchool := school.Find(`[data-testid="picker-open-` + fake.SeedSchoolID + `"]`)
	assert.Equal(t, fake.SeedSchoolID, openSchool.AttrOr("value", ""))
	assert.Contains(t, openSchool.AttrOr("aria-label", ""), "第一实验小学")
	assert.Equal(t, 0, p.Doc.Find(`[data-testid="picker-chips"] li`).Length())

	assert.True(t, p.Has(`[data-testid="picker-level"] > li:first-child button[name="picker_add"][autofocus]`), "the pressed browser takes the focus")

	// Into the school: its children, in the tree's order, with crumbs back up.
	p = r.post("/host", url.Values{"picker_at": {fake.SeedBureauID}, "picker_browse": {fake.SeedSchoolID}})
	snap, err := r.h.Cache.Get(context.Background(), fake.SeedBureauID)
	require.NoError(t, err)
	var want, got []string
	for _, n := range snap.Index.Children(fake.SeedSchoolID) {
		want = append(want, "picker-node-"+n.ID)
	}
	p.Doc.Find(`[data-testid="picker-level"] > li`).Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-testid", "")) })
	assert.Equal(t, want, got)
	assert.Equal(t, fake.SeedBureauID, p.Doc.Find(`[data-testid="picker-up-`+fake.SeedBureauID+`"]`).AttrOr("value", ""))
	kid := snap.Index.Children(fake.SeedSchoolID)[0]

	// Add a child: a chip with its path; the browser is still at the school.
	p = r.post("/host", url.Values{"picker_at": {fake.SeedSchoolID}, "picker_add": {kid.ID}})
	assert.Equal(t, "第一实验小学", p.Text(`[data-testid="picker-chip-`+kid.ID+`"] .chip-path`))
	assert.Equal(t, fake.SeedSchoolID, p.Doc.Find(`input[name="picker_at"]`).AttrOr("value", ""))
	assert.True(t, p.Has(`[data-testid="picker-node-`+kid.ID+`"]`))
	assert.False(t, p.Has(`[autofocus]`), "another button was pressed: no focus jump")

	// Close: back to the single button; the chip stays; submitting sends it.
	p = r.post("/host", url.Values{"org_ids": {kid.ID}, "picker_at": {fake.SeedSchoolID}, "picker_browse": {""}})
	assert.True(t, p.Has(`[data-testid="picker-browse-open"]`))
	assert.False(t, p.Has(`input[name="picker_at"]`))
	assert.True(t, p.Has(`[data-testid="picker-chip-`+kid.ID+`"]`))
	p = r.post("/host", url.Values{"org_ids": {kid.ID}, "send": {""}})
	assert.Equal(t, "submitted:"+kid.ID, p.Body)

	// An id that is not in the org opens the top level rather than nothing.
	p = r.post("/host", url.Values{"picker_browse": {"nope"}})
	assert.True(t, p.Has(`[data-testid="picker-node-`+fake.SeedSchoolID+`"]`))
}

// With htmx the browser swaps itself: a level, closed, and a failure shown
// inside it (htmx swaps 2xx only) with the open button to try again.
func TestPickerBrowseHTMX(t *testing.T) {
	r := newRig(t)
	p := r.htmx("/org/picker/browse?field=org_ids&at=" + fake.SeedSchoolID)
	require.Equal(t, 200, p.Status)
	assert.False(t, p.Has("html > head > title"), "a fragment")
	box := p.Doc.Find(`#picker-org_ids-browse`)
	require.Equal(t, 1, box.Length())
	assert.Equal(t, fake.SeedSchoolID, box.Find(`input[name="picker_at"]`).AttrOr("value", ""))
	add := box.Find(`[data-testid^="picker-browse-add-"]`).First()
	assert.Contains(t, add.AttrOr("hx-post", ""), "/org/picker/chip?")
	openBtn := box.Find(`[data-testid^="picker-open-"]`).First()
	assert.Contains(t, openBtn.AttrOr("hx-get", ""), "/org/picker/browse?")
	assert.Equal(t, "#picker-org_ids-browse", openBtn.AttrOr("hx-target", ""))

	p = r.htmx("/org/picker/browse?field=org_ids&at=")
	assert.True(t, p.Has(`#picker-org_ids-browse [data-testid="picker-browse-open"]`))
	assert.False(t, p.Has(`[data-testid="picker-level"]`))

	r2 := newRig(t)
	r2.sb.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "失败", Path: fake.OrgChildListPath})
	p = r2.htmx("/org/picker/browse?field=org_ids&at=" + fake.SeedBureauID)
	assert.Equal(t, 200, p.Status)
	assert.Equal(t, "100001", p.Text(`#picker-org_ids-browse [data-testid="upstream-code"]`))
	assert.True(t, p.Has(`#picker-org_ids-browse [data-testid="picker-browse-open"]`))
}

// hitIDs are the ids of the search hits a picker shows.
func hitIDs(p *page) []string {
	var ids []string
	p.Doc.Find(`[data-testid="picker-results"] > li button[name="picker_add"]`).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("value", ""))
	})
	return ids
}

// The picker's search list is short (PickerLimit) and pages through the
// rest: with JS off the pager's buttons submit the host form, which comes
// back on the same page after an add, and a new search starts at page 1.
func TestPickerPagesThroughHits(t *testing.T) {
	r := newRig(t)
	snap, err := r.h.Cache.Get(context.Background(), fake.SeedBureauID)
	require.NoError(t, err)
	all, total := snap.Index.Search("(1)班", 0, 3*orgtempl.PickerLimit)
	require.Greater(t, total, 2*orgtempl.PickerLimit)
	want := func(page int) []string {
		var ids []string
		for _, h := range all[(page-1)*orgtempl.PickerLimit : page*orgtempl.PickerLimit] {
			ids = append(ids, h.Node.ID)
		}
		return ids
	}
	pages := (total + orgtempl.PickerLimit - 1) / orgtempl.PickerLimit

	p := r.post("/host", url.Values{"picker_q": {"(1)班"}, "picker_search": {"1"}})
	assert.Equal(t, want(1), hitIDs(p))
	assert.True(t, p.Has(`.picker-results .picker-list`), "hosts rely on the scroll box class")
	assert.Equal(t, fmt.Sprintf("第 1–10 个，共 %d 个结果", total), p.Text(`[data-testid="picker-total"]`))
	assert.Equal(t, fmt.Sprintf("第 1 / %d 页", pages), p.Text(`[data-testid="picker-page"]`))
	assert.True(t, p.Has(`[data-testid="picker-prev"][disabled]`), "no page before the first")
	next := p.Doc.Find(`[data-testid="picker-next"]`)
	assert.Equal(t, "picker_goto", next.AttrOr("name", ""))
	assert.Equal(t, "2", next.AttrOr("value", ""))
	assert.Equal(t, "submit", next.AttrOr("type", ""))
	assert.Equal(t, "1", p.Doc.Find(`input[type=hidden][name="picker_page"]`).AttrOr("value", ""))

	// Next page: hits 11–20, the query kept.
	p = r.post("/host", url.Values{"picker_q": {"(1)班"}, "picker_page": {"1"}, "picker_goto": {"2"}})
	require.Equal(t, 200, p.Status)
	assert.Equal(t, want(2), hitIDs(p))
	assert.Equal(t, fmt.Sprintf("第 11–20 个，共 %d 个结果", total), p.Text(`[data-testid="picker-total"]`))
	assert.Equal(t, "(1)班", p.Doc.Find(`input[type=search]`).AttrOr("value", ""))

	// Adding a hit from page 2 comes back to page 2 with the chip.
	p = r.post("/host", url.Values{"picker_q": {"(1)班"}, "picker_page": {"2"}, "picker_add": {want(2)[3]}})
	assert.Equal(t, want(2), hitIDs(p))
	assert.True(t, p.Has(`[data-testid="picker-chip-`+want(2)[3]+`"]`))

	// A new search starts at page 1; a page past the end shows the last.
	p = r.post("/host", url.Values{"picker_q": {"(1)班"}, "picker_page": {"2"}, "picker_search": {"1"}})
	assert.Equal(t, want(1), hitIDs(p))
	p = r.post("/host", url.Values{"picker_q": {"(1)班"}, "picker_goto": {"99999"}})
	assert.Equal(t, fmt.Sprintf("第 %d / %d 页", pages, pages), p.Text(`[data-testid="picker-page"]`))
	assert.True(t, p.Has(`[data-testid="picker-next"][disabled]`))
	assert.NotEmpty(t, hitIDs(p))

	// A few hits: no pager.
	p = r.post("/host", url.Values{"picker_q": {"第一实验小学"}, "picker_search": {"1"}})
	assert.False(t, p.Has(`[data-testid="picker-pager"]`))

	// htmx: the pager's buttons fetch the results fragment for their page.
	p = r.htmx("/org/picker/search?field=org_ids&q=" + url.QueryEscape("(1)班"))
	next = p.Doc.Find(`[data-testid="picker-next"]`)
	assert.Equal(t, "#picker-org_ids-results", next.AttrOr("hx-target", ""))
	u, err := url.Parse(next.AttrOr("hx-get", ""))
	require.NoError(t, err)
	assert.Equal(t, "(1)班", u.Query().Get("picker_q"), "the page asks for the same search")
	p = r.htmx(u.String() + "&picker_goto=3")
	assert.False(t, p.Has("html > head > title"), "a fragment")
	assert.Equal(t, want(3), hitIDs(p))
}

// Picking a node and one below it is allowed, and the picker says the lower
// one is already included — without JS on every re-render, with htmx in the
// chip and remove answers (out of band).
func TestPickerWarnsWhenANodeIsAlreadyIncluded(t *testing.T) {
	r := newRig(t)
	snap, err := r.h.Cache.Get(context.Background(), fake.SeedBureauID)
	require.NoError(t, err)
	x := snap.Index
	campus := x.Children(fake.SeedSchoolID)[0]
	for _, k := range x.Children(fake.SeedSchoolID) {
		if x.ChildCount(k.ID) > 0 {
			campus = k
			break
		}
	}
	deep := x.Children(campus.ID)[0] // two levels below the school
	other := x.Children(fake.SeedBureauID)[1]

	p := r.post("/host", url.Values{"org_ids": {fake.SeedSchoolID}, "picker_add": {other.ID}})
	assert.Empty(t, p.Doc.Find(`[data-testid="picker-overlaps"]`).Children().Nodes, "siblings do not overlap")

	// The descendant picked after the ancestor …
	p = r.post("/host", url.Values{"org_ids": {fake.SeedSchoolID, other.ID}, "picker_add": {deep.ID}})
	require.Equal(t, 3, p.Doc.Find(`[data-testid="picker-chips"] li`).Length(), "both stay picked")
	note := p.Text(`[data-testid="picker-overlap-` + deep.ID + `"]`)
	assert.Equal(t, "“"+deep.Name+"”在“第一实验小学”之下，已包含在内：发给“第一实验小学”的消息会送达它下面的所有人。", note)
	assert.Equal(t, 1, p.Doc.Find(`[data-testid^="picker-overlap-"]`).Length())
	// … or before it: the nearest picked ancestor is named.
	p = r.post("/host", url.Values{"org_ids": {deep.ID, campus.ID}, "picker_add": {fake.SeedSchoolID}})
	assert.Contains(t, p.Text(`[data-testid="picker-overlap-`+deep.ID+`"]`), "“"+campus.Name+"”之下")
	assert.Contains(t, p.Text(`[data-testid="picker-overlap-`+campus.ID+`"]`), "“第一实验小学”之下")
	// Removing the ancestor ends the note; submitting sends both ids.
	p = r.post("/host", url.Values{"org_ids": {fake.SeedSchoolID, deep.ID}, "picker_remove": {fake.SeedSchoolID}})
	assert.False(t, p.Has(`[data-testid^="picker-overlap-"]`))
	p = r.post("/host", url.Values{"org_ids": {fake.SeedSchoolID, deep.ID}, "send": {""}})
	assert.Equal(t, "submitted:"+fake.SeedSchoolID+","+deep.ID, p.Body)

	// htmx: the chip answer carries the note out of band …
	p = r.htmxPost("/org/picker/chip?field=org_ids&id="+deep.ID, url.Values{"org_ids": {fake.SeedSchoolID}})
	assert.Equal(t, 1, p.Doc.Find(`[data-testid="picker-chip-`+deep.ID+`"]`).Length())
	box := p.Doc.Find(`#picker-org_ids-overlaps`)
	assert.Equal(t, "true", box.AttrOr("hx-swap-oob", ""))
	assert.Equal(t, 1, box.Find(`[data-testid="picker-overlap-`+deep.ID+`"]`).Length())
	// … and so does the remove answer (here: nothing left to say).
	p = r.htmxPost("/org/picker/remove?field=org_ids&id="+fake.SeedSchoolID, url.Values{"org_ids": {fake.SeedSchoolID, deep.ID}})
	box = p.Doc.Find(`#picker-org_ids-overlaps`)
	assert.Equal(t, "true", box.AttrOr("hx-swap-oob", ""))
	assert.Equal(t, 0, box.Children().Length())
	p = r.htmxPost("/org/picker/remove?field=org_ids&id="+other.ID, url.Values{"org_ids": {fake.SeedSchoolID, deep.ID, other.ID}})
	assert.Equal(t, 1, p.Doc.Find(`#picker-org_ids-overlaps [data-testid="picker-overlap-`+deep.ID+`"]`).Length())
}
