package org

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
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

	p = r.htmxPost("/org/picker/remove", url.Values{})
	assert.Equal(t, 200, p.Status)
}
