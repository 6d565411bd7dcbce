package org

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/csvexport/csvtest"
	"github.com/orgconsole/console/internal/orgtree"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
	orgtempl "github.com/orgconsole/console/web/templates/org"
)

// rowIDs lists the ids of the direct rows of a tree list.
func rowIDs(sel *goquery.Selection) []string {
	var ids []string
	sel.ChildrenFiltered("li.org-node").Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, strings.TrimPrefix(s.AttrOr("data-testid", ""), "node-"))
	})
	return ids
}

func TestTreeRootSortedWithTypeBadges(t *testing.T) {
	r := newRig(t)
	p := r.get("/org")
	require.Equal(t, 200, p.Status, p.Body)
	assert.Equal(t, fake.SeedBureauID, p.Text(`[data-testid="org-root-id"]`))
	assert.Equal(t, fake.SeedBureauID, p.Doc.Find(`#org-id`).AttrOr("value", ""), "the default org is in the field")

	snap, err := r.h.Cache.Get(context.Background(), fake.SeedBureauID)
	require.NoError(t, err)
	var want []string
	for _, n := range snap.Index.Children(fake.SeedBureauID) {
		want = append(want, n.ID)
	}
	assert.Equal(t, want, rowIDs(p.Doc.Find(`#org-tree`)), "display_order then name, as the index sorts")
	assert.GreaterOrEqual(t, len(want), fake.SeedSchools)

	school := p.Doc.Find(`[data-testid="node-` + fake.SeedSchoolID + `"]`)
	assert.Equal(t, "学校", school.Find(`[data-testid="org-type"]`).First().Text())
	assert.Equal(t, "School", school.Find(`[data-testid="org-type"]`).First().AttrOr("title", ""))
	unknown := p.Doc.Find(`[data-testid="node-` + fake.SeedUnknownTypeID + `"] [data-testid="org-type"]`).First()
	assert.Equal(t, "99", unknown.Text(), "an undocumented type code is shown raw")

	// The root row says what it is and how big it is, not just a bare id.
	assert.Equal(t, "组织 "+fake.SeedBureauID, p.Text(`[data-testid="org-root"]`))
	size := snap.Index.Size()
	assert.Equal(t, fmt.Sprintf("%d 个直属下级 · 共 %d,%03d 个部门", snap.Index.ChildCount(fake.SeedBureauID), size/1000, size%1000),
		p.Text(`[data-testid="org-root-counts"]`))
	assert.Regexp(t, `获取于 \d{4}-`, p.Text(`[data-testid="refreshed-at"]`), "a space before the time")

	r.lang = "en"
	p = r.get("/org")
	assert.Equal(t, "School", p.Doc.Find(`[data-testid="node-`+fake.SeedSchoolID+`"] [data-testid="org-type"]`).First().Text())
	assert.Equal(t, "Organisation "+fake.SeedBureauID, p.Text(`[data-testid="org-root"]`))
	assert.Contains(t, p.Text(`[data-testid="org-root-counts"]`), "departments in all")

	// A configured name for the default org wins (other orgs keep "Organisation <id>").
	r.h.DefaultOrgName = "滨江区教育局"
	p = r.get("/org")
	assert.Equal(t, "滨江区教育局", p.Text(`[data-testid="org-root"]`))
	p = r.get("/org/node/" + fake.SeedSchoolID)
	assert.Equal(t, "滨江区教育局", p.Text(`[data-testid="breadcrumbs"] li`))
}

// Expanding school → campus → stage → grade with plain links (JS off) and the
// same with htmx fragments.
func TestTreeExpandWithLinksAndHTMX(t *testing.T) {
	r := newRig(t)
	p := r.get("/org")
	snap, _ := r.h.Cache.Get(context.Background(), fake.SeedBureauID)
	x := snap.Index

	id := fake.SeedSchoolID
	for depth := 0; depth < 4; depth++ {
		row := p.Doc.Find(`[data-testid="node-` + id + `"]`)
		require.Equal(t, 1, row.Length(), "row %s at depth %d", id, depth)
		href := row.Find(`a[data-testid="toggle"]`).First().AttrOr("href", "")
		require.Contains(t, href, "open=")
		p = r.get(href)
		require.Equal(t, 200, p.Status)
		kids := p.Doc.Find(`#` + orgtempl.DomID("k", id))
		var want []string
		for _, n := range x.Children(id) {
			want = append(want, n.ID)
		}
		require.Equal(t, want, rowIDs(kids))
		assert.Equal(t, "true", p.Doc.Find(`#`+orgtempl.DomID("t", id)).AttrOr("aria-expanded", ""))
		if depth == 3 {
			break // grade: its classes are leaves
		}
		// next level: the first child that has children of its own, preferring a campus/stage/grade
		next := ""
		for _, n := range x.Children(id) {
			if x.ChildCount(n.ID) > 0 && n.Type != "4" {
				next = n.ID
				break
			}
		}
		require.NotEmpty(t, next)
		id = next
	}
	// Collapse the last opened level with its link.
	p = r.get(p.Doc.Find(`[data-testid="node-`+id+`"] a[data-testid="toggle"]`).First().AttrOr("href", ""))
	p = r.get(p.Doc.Find(`#`+orgtempl.DomID("t", x.Ancestors(id)[len(x.Ancestors(id))-1])).AttrOr("href", ""))
	assert.Equal(t, 0, p.Doc.Find(`#`+orgtempl.DomID("k", x.Ancestors(id)[len(x.Ancestors(id))-1])+` li`).Length(), "collapsed")

	// htmx: the children list plus the new toggle, out of band.
	f := r.htmx("/org/children?" + url.Values{"org": {fake.SeedBureauID}, "id": {fake.SeedSchoolID}, "open": {fake.SeedSchoolID}}.Encode())
	require.Equal(t, 200, f.Status)
	assert.False(t, f.Has("title"))
	assert.Equal(t, len(x.Children(fake.SeedSchoolID)), len(rowIDs(f.Doc.Find(`#`+orgtempl.DomID("k", fake.SeedSchoolID)))))
	tog := f.Doc.Find(`#` + orgtempl.DomID("t", fake.SeedSchoolID))
	assert.Equal(t, "true", tog.AttrOr("hx-swap-oob", ""))
	assert.Contains(t, tog.AttrOr("hx-get", ""), "collapse=1")
	f = r.htmx(tog.AttrOr("hx-get", ""))
	assert.Equal(t, 0, f.Doc.Find(`li`).Length())
	assert.NotContains(t, f.Doc.Find(`#`+orgtempl.DomID("t", fake.SeedSchoolID)).AttrOr("hx-get", ""), "collapse=1")
}

// Without a cached index, htmx expansion is one is_all=0 call with parent_id.
func TestExpandUsesOneLevelCallWhenNothingCached(t *testing.T) {
	r := newRig(t)
	f := r.htmx("/org/children?" + url.Values{"org": {fake.SeedBureauID}, "id": {fake.SeedSchoolID}}.Encode())
	require.Equal(t, 200, f.Status)
	assert.Equal(t, 1, r.orgCalls(map[string]string{"is_all": "0", "parent_id": fake.SeedSchoolID, "org_id": fake.SeedBureauID}))
	assert.Equal(t, 0, r.orgCalls(map[string]string{"is_all": "1"}))
	assert.Greater(t, len(rowIDs(f.Doc.Find(`#`+orgtempl.DomID("k", fake.SeedSchoolID)))), 5)
}

// The tree from the flat list equals the tree from lazy expansion, through the
// real client and fake: same nodes, same order, same parents.
func TestFlatEqualsLazy(t *testing.T) {
	const org = "93000000"
	r := newRig(t, fake.WithOrg(org, fake.GenerateOrg(org, 1500, 11)))
	ctx := context.Background()
	flat, err := r.h.Cache.Get(ctx, org)
	require.NoError(t, err)
	lazy, err := orgtree.BuildLazy(ctx, org, orgtree.ExpandFunc(r.h.lazy(org).kids))
	require.NoError(t, err)
	walk := func(x *orgtree.Index) []string {
		var out []string
		require.NoError(t, x.Walk(org, func(n orgtree.Node, d int) error {
			out = append(out, strconv.Itoa(d)+" "+n.ID+" "+n.ParentID+" "+n.Name+" "+n.Type+" "+strconv.Itoa(n.Order))
			return nil
		}))
		return out
	}
	a, b := walk(flat.Index), walk(lazy)
	require.Len(t, a, 1501)
	assert.Equal(t, a, b)
	assert.Greater(t, r.orgCalls(map[string]string{"is_all": "0"}), 500)
}

func TestOrphansAndCycleUnderUnattached(t *testing.T) {
	r := newRig(t, fake.WithOrphans(), fake.WithCycle())
	p := r.get("/org")
	require.Equal(t, 200, p.Status)
	ids := rowIDs(p.Doc.Find(`#org-tree`))
	require.NotEmpty(t, ids)
	assert.Equal(t, orgtree.UnattachedID, ids[len(ids)-1], "the group is the root's last child")
	g := p.Doc.Find(`#` + orgtempl.DomID("n", orgtree.UnattachedID))
	assert.Contains(t, g.Find(".org-name").Text(), "未挂接的部门（上级不存在或循环引用）")

	open := strings.Join([]string{orgtree.UnattachedID, fake.SeedOrphanID, fake.SeedCycleAID, fake.SeedCycleBID}, ",")
	p = r.get("/org?" + url.Values{"org": {fake.SeedBureauID}, "open": {open}}.Encode())
	require.Equal(t, 200, p.Status)
	for _, id := range []string{fake.SeedOrphanID, fake.SeedOrphanChildID, fake.SeedCycleAID, fake.SeedCycleBID} {
		assert.Equal(t, 1, g.Length())
		assert.Equal(t, 1, p.Doc.Find(`#`+orgtempl.DomID("n", orgtree.UnattachedID)+` [data-testid="node-`+id+`"]`).Length(), "%s under unattached", id)
	}
	assert.Equal(t, "失联班级兴趣小组", p.Text(`[data-testid="node-`+fake.SeedOrphanID+`"] [data-testid="node-`+fake.SeedOrphanChildID+`"] .org-name`))

	// Detail and search reach them too, with the translated group in the path.
	p = r.get("/org/node/" + fake.SeedCycleAID + "?org=" + fake.SeedBureauID)
	require.Equal(t, 200, p.Status)
	assert.Contains(t, p.Text(`[data-testid="breadcrumbs"]`), "未挂接的部门（上级不存在或循环引用）")
	p = r.get("/org/search?" + url.Values{"org": {fake.SeedBureauID}, "q": {"循环部门"}}.Encode())
	assert.Equal(t, 2, p.Doc.Find(`[data-testid="search-results"] > li`).Length())
	p = r.get("/org/node/" + url.PathEscape(orgtree.UnattachedID) + "?org=" + fake.SeedBureauID)
	assert.Equal(t, 200, p.Status)
	assert.Equal(t, "2", p.Text(`[data-testid="child-count"]`), "the orphan and the cycle cut at its smallest id")
	assert.Equal(t, "4", p.Text(`[data-testid="descendant-count"]`), "orphan, its child and the two cycle members")
}

func TestOrgIDProblems(t *testing.T) {
	r := newRig(t)
	p := r.get("/org?org=")
	assert.Equal(t, 200, p.Status)
	assert.Equal(t, "请输入组织 ID。", p.Text(`[data-testid="org-problem"]`))
	assert.Equal(t, 0, r.orgCalls(nil), "nothing asked upstream")

	p = r.get("/org?org=" + url.QueryEscape(strings.Repeat("9", 65)))
	assert.Equal(t, 400, p.Status)
	assert.Contains(t, p.Text(`[data-testid="org-problem"]`), "不是一个组织 ID")

	p = r.get("/org?org=424242")
	assert.Equal(t, 404, p.Status)
	assert.Equal(t, "组织 424242 不存在，或应用无权访问它。", p.Text(`[data-testid="org-problem"]`))
	assert.Equal(t, "100001", p.Text(`[data-testid="upstream-code"]`))
	assert.Equal(t, "424242", p.Doc.Find(`#org-id`).AttrOr("value", ""), "the typed id is kept")

	for _, path := range []string{"/org/search?org=424242&q=x", "/org/node/1?org=424242"} {
		p = r.get(path)
		assert.Equal(t, 404, p.Status, path)
		assert.Equal(t, "100001", p.Text(`[data-testid="upstream-code"]`), path)
	}
	p = r.get("/org/node/nope?org=" + fake.SeedBureauID)
	assert.Equal(t, 404, p.Status)
	assert.Contains(t, p.Text(`[data-testid="org-problem"]`), "nope")
}

func TestUpstreamFailureKeepsPageUsable(t *testing.T) {
	r := newRig(t)
	r.sb.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: fake.OrgChildListPath})
	p := r.get("/org")
	assert.Equal(t, 502, p.Status)
	assert.True(t, p.Has(`[data-testid="upstream-error"]`))
	assert.True(t, p.Has(`form[data-testid="org-open"] #org-id`), "the org field still works")
	p = r.get("/org/search?q=x")
	assert.Equal(t, 502, p.Status)
	assert.True(t, p.Has(`[data-testid="upstream-error"]`))
	f := r.htmx("/org/children?" + url.Values{"org": {fake.SeedBureauID}, "id": {fake.SeedSchoolID}}.Encode())
	assert.Equal(t, 200, f.Status, "htmx swaps only 2xx: the error is shown in the list")
	assert.True(t, f.Has(`[data-testid="upstream-error"]`))

	// The failure was not cached: once the platform is back, the page works.
	r.sb.Faults.Clear()
	p = r.get("/org")
	assert.Equal(t, 200, p.Status)
	assert.False(t, p.Has(`[data-testid="upstream-error"]`))

	// With the index cached, a failed refresh keeps the earlier data.
	r.sb.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Path: fake.OrgChildListPath})
	p = r.post("/org/refresh", url.Values{"org": {fake.SeedBureauID}, "next": {"/org"}})
	assert.Equal(t, 303, p.Status)
	p = r.get("/org")
	assert.Equal(t, 200, p.Status)
	assert.True(t, p.Has(`[data-testid="node-`+fake.SeedSchoolID+`"]`))
}

func TestXSSNamesRenderAsText(t *testing.T) {
	const org = "94000000"
	payloads := []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `javascript:alert(3)`}
	nodes := []fake.Node{}
	for i, s := range payloads {
		nodes = append(nodes, fake.Node{OrgID: org + strconv.Itoa(i+1), OrgName: s, ParentID: org, OrgType: "4", DisplayOrder: i})
	}
	r := newRig(t, fake.WithOrg(org, nodes))
	for _, path := range []string{"/org?org=" + org, "/org/search?org=" + org + "&q=" + url.QueryEscape("alert"), "/org/node/" + org + "2?org=" + org} {
		p := r.get(path)
		require.Equal(t, 200, p.Status, path)
		assert.NotContains(t, p.Body, "<script>alert", path)
		assert.NotContains(t, p.Body, "<img src=x", path)
		assert.Equal(t, 0, p.Doc.Find("img").Length(), path)
	}
	p := r.get("/org?org=" + org)
	assert.Equal(t, payloads[0], p.Text(`[data-testid="node-`+org+`1"] .org-name`))
	assert.Equal(t, payloads[1], p.Text(`[data-testid="node-`+org+`2"] .org-name`))
	p = r.post("/host", url.Values{"picker_q": {"alert"}, "picker_search": {"1"}})
	assert.NotContains(t, p.Body, "<script>alert")
	p = r.htmx("/org/picker/search?field=org_ids&org=" + org + "&q=alert")
	assert.Equal(t, 3, p.Doc.Find(`button[name="picker_add"]`).Length())
	assert.NotContains(t, p.Body, "<img src=x")
}

func TestNodeDetailAndDeepLink(t *testing.T) {
	r := newRig(t)
	snap, _ := r.h.Cache.Get(context.Background(), fake.SeedBureauID)
	x := snap.Index
	// a class: the first type-7 node in tree order
	var class orgtree.Node
	_ = x.Walk(fake.SeedBureauID, func(n orgtree.Node, _ int) error {
		if n.Type == "7" {
			class = n
			return errStop
		}
		return nil
	})
	require.NotEmpty(t, class.ID)
	p := r.get("/org/node/" + class.ID + "?org=" + fake.SeedBureauID)
	require.Equal(t, 200, p.Status)
	assert.Equal(t, class.Name, p.Text(`[data-testid="node-name"]`))
	assert.Equal(t, class.ID, p.Doc.Find(`[data-testid="copy-id"]`).AttrOr("data-copy", ""))
	assert.Equal(t, "班级", p.Text(`[data-testid="node-facts"] [data-testid="org-type"]`))
	var crumbs []string
	p.Doc.Find(`[data-testid="breadcrumbs"] li`).Each(func(_ int, s *goquery.Selection) { crumbs = append(crumbs, strings.TrimSpace(s.Text())) })
	want := []string{"组织 " + fake.SeedBureauID} // the org is not in its own list: named after its id
	for _, n := range x.Path(class.ID)[1:] {
		want = append(want, n.Name)
	}
	assert.Equal(t, want, crumbs)
	assert.Equal(t, "0", p.Text(`[data-testid="child-count"]`))

	school := r.get("/org/node/" + fake.SeedSchoolID + "?org=" + fake.SeedBureauID)
	assert.Equal(t, strconv.Itoa(x.ChildCount(fake.SeedSchoolID)), school.Text(`[data-testid="child-count"]`))
	assert.Equal(t, strconv.Itoa(x.DescendantCount(fake.SeedSchoolID)), school.Text(`[data-testid="descendant-count"]`))

	link := p.Doc.Find(`[data-testid="deep-link"]`).AttrOr("href", "")
	tree := r.get(link)
	require.Equal(t, 200, tree.Status)
	focus := tree.Doc.Find(`li.org-node.focus`)
	require.Equal(t, 1, focus.Length())
	assert.Equal(t, "node-"+class.ID, focus.AttrOr("data-testid", ""))
	assert.Equal(t, len(x.Ancestors(class.ID))-1, focus.ParentsFiltered("li.org-node").Length(), "every ancestor expanded")
	assert.Contains(t, link, "#"+orgtempl.DomID("n", class.ID))
}

func TestSearchPathsCapAndRefresh(t *testing.T) {
	r := newRig(t)
	p := r.get("/org/search?" + url.Values{"org": {fake.SeedBureauID}, "q": {"班"}}.Encode())
	require.Equal(t, 200, p.Status)
	assert.Equal(t, SearchLimit, p.Doc.Find(`[data-testid="search-results"] > li`).Length())
	snap, _ := r.h.Cache.Get(context.Background(), fake.SeedBureauID)
	_, total := snap.Index.Search("班", 0, 0)
	assert.Greater(t, total, SearchLimit)
	assert.Equal(t, fmt.Sprintf("显示 200 个，共 %d,%03d 个结果", total/1000, total%1000), p.Text(`[data-testid="search-total"]`))
	first := p.Doc.Find(`[data-testid="search-results"] > li`).First()
	assert.GreaterOrEqual(t, first.Find(`[data-testid="breadcrumbs"] li`).Length(), 3, "full path")
	assert.True(t, p.Has(`[data-testid="refreshed-at"]`))

	// exact id first, marked
	p = r.get("/org/search?" + url.Values{"org": {fake.SeedBureauID}, "q": {fake.SeedSchoolID}}.Encode())
	assert.Equal(t, "hit-"+fake.SeedSchoolID, p.Doc.Find(`[data-testid="search-results"] > li`).First().AttrOr("data-testid", ""))

	// refresh: one more whole-org fetch, back to the page
	before := r.orgCalls(map[string]string{"is_all": "1"})
	form := p.Doc.Find(`form[data-testid="org-refresh"]`)
	assert.Equal(t, "post", form.AttrOr("method", ""))
	assert.True(t, form.Find(`input[name="_csrf"]`).Length() == 1)
	next := form.Find(`input[name="next"]`).AttrOr("value", "")
	res := r.post("/org/refresh", url.Values{"org": {fake.SeedBureauID}, "next": {next}})
	assert.Equal(t, 303, res.Status)
	assert.Equal(t, next, res.Header.Get("Location"))
	assert.Equal(t, before+1, r.orgCalls(map[string]string{"is_all": "1"}))
	res = r.post("/org/refresh", url.Values{"org": {fake.SeedBureauID}, "next": {"https://evil.example/"}})
	assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/org/search"), "no open redirect")
}

func TestExportSubtreeCSV(t *testing.T) {
	r := newRig(t)
	p := r.get("/org/export.csv?" + url.Values{"org": {fake.SeedBureauID}, "node": {fake.SeedSchoolID}}.Encode())
	require.Equal(t, 200, p.Status)
	assert.Contains(t, p.Header.Get("Content-Type"), "text/csv")
	assert.Contains(t, p.Header.Get("Content-Disposition"), "org-"+fake.SeedSchoolID+".csv")
	rows := csvtest.Read(t, p.Body)
	assert.Equal(t, []string{"部门ID", "名称", "类型", "上级ID", "路径", "排序"}, rows[0])
	snap, _ := r.h.Cache.Get(context.Background(), fake.SeedBureauID)
	assert.Len(t, rows, 1+1+snap.Index.DescendantCount(fake.SeedSchoolID))
	assert.Equal(t, fake.SeedSchoolID, csvtest.ID(rows[1][0]))
	r.lang = "en"
	p = r.get("/org/export.csv?org=" + fake.SeedBureauID + "&node=" + fake.SeedSchoolID)
	assert.True(t, strings.HasPrefix(p.Body, "\uFEFFid,name,type,parent id,path,order"))
	p = r.get("/org/export.csv?org=" + fake.SeedBureauID + "&node=nope")
	assert.Equal(t, 404, p.Status)
}

// Names and types come from the platform, so from whoever edits the org
// there: the export carries them as text a spreadsheet shows, never runs, and
// keeps odd ids exactly.
func TestExportDefusesWhatThePlatformSent(t *testing.T) {
	const org = "96000000"
	nodes := []fake.Node{
		{OrgID: "0012345678901234567", OrgName: "第一中学", ParentID: org, OrgType: "2", DisplayOrder: 1},
		{OrgID: "9", OrgName: `=HYPERLINK("http://evil","x")`, ParentID: "0012345678901234567", OrgType: "4", DisplayOrder: -1},
		{OrgID: `we"ird,id`, OrgName: "+1班, \"quoted\"\nnewline", ParentID: "0012345678901234567", OrgType: "-7", DisplayOrder: 2},
		{OrgID: "=1+1", OrgName: " @SUM(A1)", ParentID: `we"ird,id`, OrgType: "7"},
		{OrgID: "o", OrgName: "\t=cmd|' /C calc'!A0", ParentID: "gone", OrgType: "4", DisplayOrder: 3},
	}
	r := newRig(t, fake.WithOrg(org, nodes))
	p := r.get("/org/export.csv?org=" + org)
	require.Equal(t, 200, p.Status)
	assert.Equal(t, [][]string{
		{"部门ID", "名称", "类型", "上级ID", "路径", "排序"},
		{`="96000000"`, "组织 96000000", "", "", "组织 96000000", "0"},
		{`="0012345678901234567"`, "第一中学", "学校 (2)", `="96000000"`, "组织 96000000 / 第一中学", "1"},
		{`="9"`, `'=HYPERLINK("http://evil","x")`, "部门 (4)", `="0012345678901234567"`, `组织 96000000 / 第一中学 / =HYPERLINK("http://evil","x")`, "-1"},
		{`="we""ird,id"`, "'+1班, \"quoted\"\nnewline", "'-7", `="0012345678901234567"`, "组织 96000000 / 第一中学 / +1班, \"quoted\"\nnewline", "2"},
		{`="=1+1"`, "' @SUM(A1)", "班级 (7)", `="we""ird,id"`, "组织 96000000 / 第一中学 / +1班, \"quoted\"\nnewline /  @SUM(A1)", "0"},
		{`="~unattached"`, "未挂接的部门（上级不存在或循环引用）", "", `="96000000"`, "组织 96000000 / 未挂接的部门（上级不存在或循环引用）", "0"},
		{`="o"`, "'\t=cmd|' /C calc'!A0", "部门 (4)", `="gone"`, "组织 96000000 / 未挂接的部门（上级不存在或循环引用） / \t=cmd|' /C calc'!A0", "3"},
	}, csvtest.Read(t, p.Body))
}

func TestLongChildListsAreCapped(t *testing.T) {
	const org = "95000000"
	var nodes []fake.Node
	for i := range 250 {
		nodes = append(nodes, fake.Node{OrgID: org + strconv.Itoa(1000+i), OrgName: "部门" + strconv.Itoa(i), ParentID: org, OrgType: "4", DisplayOrder: i})
	}
	r := newRig(t, fake.WithOrg(org, nodes))
	p := r.get("/org?org=" + org)
	assert.Equal(t, ChildrenLimit, len(rowIDs(p.Doc.Find(`#org-tree`))))
	more := p.Doc.Find(`[data-testid="more"]`)
	assert.Contains(t, more.Text(), "还有 150 个下级")
	p = r.get(more.AttrOr("href", ""))
	assert.Equal(t, ChildrenLimit, p.Doc.Find(`[data-testid="children"] tbody tr`).Length())
	assert.Equal(t, "第 2 页，共 3 页 · 250 个直属下级", strings.TrimSpace(p.Doc.Find(`[data-testid="pager"] .muted`).Text()))
}
