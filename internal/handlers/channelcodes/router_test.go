package channelcodes_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/csvexport/csvtest"
	"github.com/orgconsole/console/internal/sandbox"
	sbscrm "github.com/orgconsole/console/internal/sandbox/scrm"
)

const listAPI = "/api/v3/channelcode/list"

func fakeOf(t *testing.T, env *apptest.Env) *sbscrm.Fake {
	t.Helper()
	f, ok := env.App.Sandbox.Platform("scrm").(*sbscrm.Fake)
	require.True(t, ok)
	return f
}

// rowIDs are the ids shown in the results table, in order.
func rowIDs(p *apptest.Page) []int64 {
	var out []int64
	p.Doc.Find("[data-testid=cc-row] [data-testid=cc-id]").Each(func(_ int, s *goquery.Selection) {
		n, _ := strconv.ParseInt(strings.TrimSpace(s.Text()), 10, 64)
		out = append(out, n)
	})
	return out
}

func href(p *apptest.Page, sel string) string {
	v, _ := p.Doc.Find(sel).First().Attr("href")
	return v
}

// walkPages follows Next from path until the end, returning every id shown
// and the pages visited.
func walkPages(t *testing.T, b *apptest.Browser, path string) ([]int64, []*apptest.Page) {
	t.Helper()
	var ids []int64
	var pages []*apptest.Page
	for range 1000 {
		p := b.Get(path)
		require.Equal(t, http.StatusOK, p.Status, p.Text("[data-testid=upstream-error]"))
		pages = append(pages, p)
		ids = append(ids, rowIDs(p)...)
		path = href(p, "[data-testid=pager-next]")
		if path == "" {
			return ids, pages
		}
	}
	t.Fatal("the pager never ended")
	return nil, nil
}

func TestEveryRoleBrowsesTheFirstPage(t *testing.T) {
	env := apptest.New(t, nil)
	for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleContent, auth.RoleSupport} {
		b := env.As(t, role)
		p := b.Get("/channel-codes")
		require.Equal(t, http.StatusOK, p.Status, string(role))
		assert.Len(t, rowIDs(p), 20, "default page size")
		assert.True(t, p.Has("[data-testid=nav-channel-codes]"), "navigation shows the area to %s", role)
		assert.Equal(t, "第 1 页 · 本页 20 条 · 每页 20 条", p.Text("[data-testid=cc-summary]"))
		assert.False(t, p.Has("[data-testid=pager-prev]"), "no Previous on the first page")
		assert.True(t, p.Has("[data-testid=pager-next]"))
	}
	anon := env.Anonymous(t)
	for _, path := range []string{"/channel-codes", "/channel-codes/export.csv", "/channel-codes/qr/1.png"} {
		p := anon.Get(path)
		assert.Equal(t, http.StatusSeeOther, p.Status, path)
		assert.Contains(t, p.Location, "/login", path)
	}
}

// Each wrong filter: a 422 with the error beside its field, every typed
// value still in the inputs, and no call to the platform.
func TestBadFiltersShowFieldErrorsAndKeepValues(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	cases := []struct {
		name  string
		query url.Values
		field string // err-<field>
		text  string // part of the message
	}{
		{"non-numeric staff id", url.Values{"staff": {"12, abc"}, "name": {"招生"}}, "staff", "“abc”不是有效的 ID"},
		{"non-numeric department id", url.Values{"dept": {"9x"}}, "dept", "“9x”"},
		{"negative group id", url.Values{"group": {"-5"}}, "group", "“-5”"},
		{"sub-groups with no group", url.Values{"sub": {"1"}, "staff": {"389394161352768"}}, "sub", "当前 0 个"},
		{"sub-groups with two groups", url.Values{"sub": {"1"}, "group": {"11,12"}}, "sub", "当前 2 个"},
		{"end before start", url.Values{"from": {"2025-05-02T10:00"}, "to": {"2025-05-01T10:00"}}, "to", "结束时间不能早于开始时间"},
		{"size 0", url.Values{"size": {"0"}, "name": {"x"}}, "size", "1 到 100"},
		{"size 101", url.Values{"size": {"101"}}, "size", "1 到 100"},
		{"unparseable date", url.Values{"from": {"2025-13-45 99:00"}, "to": {"2025-05-01T10:00"}}, "from", "不是有效的日期时间"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env.App.Sandbox.Recorder.Reset()
			p := b.Get("/channel-codes?" + c.query.Encode())
			assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
			assert.Contains(t, p.Text("[data-testid=err-"+c.field+"]"), c.text)
			for k, v := range c.query {
				if k == "sub" {
					_, checked := p.Doc.Find("#f-sub").Attr("checked")
					assert.True(t, checked, "the checkbox stays ticked")
					continue
				}
				assert.Equal(t, v[0], p.Val("[name="+k+"]"), "value of %s kept", k)
			}
			assert.False(t, p.Has("[data-testid=cc-table]"))
			assert.False(t, p.Has("[data-testid=cc-export]"), "no export of filters that are wrong")
			assert.Empty(t, env.App.Sandbox.Recorder.Requests("scrm", listAPI), "nothing sent upstream")
		})
	}
}

func TestAlteredCursorSaysSoAndOffersTheFirstPage(t *testing.T) {
	env := apptest.New(t, nil)
	p := env.As(t, auth.RoleSupport).Get("/channel-codes?name=%E6%8B%9B%E7%94%9F&cursor=abc")
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid=cc-link-broken]"))
	assert.Equal(t, "/channel-codes?name=%E6%8B%9B%E7%94%9F", href(p, "[data-testid=cc-link-broken] a"))
}

// Faults the platform can produce: each gets a clear message, the filters
// stay in the form and a retry link repeats the same query.
func TestUpstreamFailuresKeepTheFilters(t *testing.T) {
	env := apptest.New(t, map[string]string{"CONSOLE_UPSTREAM_TIMEOUT": "1s"})
	b := env.As(t, auth.RoleSupport)
	query := "/channel-codes?group=527448137486400&name=%E6%8B%9B%E7%94%9F&size=50"
	cases := []struct {
		fault sandbox.Fault
		text  string
	}{
		{sandbox.Fault{Kind: sandbox.FaultHang}, "平台在规定时间内没有响应"},
		{sandbox.Fault{Kind: sandbox.FaultHTTP500}, "HTTP 500"},
		{sandbox.Fault{Kind: sandbox.FaultMalformed}, "响应格式不正确"},
		{sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "50000", Message: "系统繁忙"}, "系统繁忙"},
	}
	for _, c := range cases {
		t.Run(string(c.fault.Kind), func(t *testing.T) {
			env.App.Sandbox.Faults.Set("scrm", c.fault)
			defer env.App.Sandbox.Faults.Clear()
			p := b.Get(query)
			assert.Equal(t, http.StatusBadGateway, p.Status)
			assert.Contains(t, p.Text("[data-testid=upstream-error]"), "SCRM 渠道活码")
			assert.Contains(t, p.Text("[data-testid=upstream-error]"), c.text)
			assert.Equal(t, "招生", p.Val("[name=name]"))
			assert.Equal(t, "527448137486400", p.Val("[name=group]"))
			assert.Equal(t, "50", p.Val("[name=size]"))
			assert.Equal(t, query, href(p, "[data-testid=cc-retry]"))
			assert.False(t, p.Has("[data-testid=cc-sign-hint]"))
			assert.NotContains(t, p.Body, "context deadline exceeded", "no Go error strings")
		})
	}
}

// The platform's signature and timestamp rejections (as envelopes) point at
// the settings and at the clock.
func TestRejectionEnvelopesPointAtSettingsAndClock(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)

	env.App.Sandbox.Faults.Set("scrm", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "40002", Message: "签名校验失败"})
	p := b.Get("/channel-codes?name=x")
	assert.Equal(t, http.StatusBadGateway, p.Status)
	hint := p.Text("[data-testid=cc-sign-hint]")
	for _, v := range []string{"CONSOLE_SCRM_APP_KEY", "CONSOLE_SCRM_SECRET", "CONSOLE_SCRM_SIGN"} {
		assert.Contains(t, hint, v)
	}
	assert.Equal(t, "40002", p.Text("[data-testid=upstream-code]"))
	assert.Equal(t, "x", p.Val("[name=name]"))

	env.App.Sandbox.Faults.Set("scrm", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "40003", Message: "timestamp 已过期"})
	p = b.Get("/channel-codes")
	assert.Contains(t, p.Text("[data-testid=cc-clock-hint]"), "时钟")
	assert.False(t, p.Has("[data-testid=cc-sign-hint]"))
}

// 527448137486400 reaches the page exactly, with its seeded fields.
func TestWellKnownIDIsExactOnThePage(t *testing.T) {
	env := apptest.New(t, nil)
	var code sbscrm.Code
	for _, c := range fakeOf(t, env).Codes() {
		if c.ID == sbscrm.WellKnownCodeID {
			code = c
		}
	}
	require.NotZero(t, code.ID)
	at := code.CreateTime.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04:05")
	p := env.As(t, auth.RoleSupport).Get("/channel-codes?" + url.Values{"from": {at}, "to": {at}}.Encode())
	require.Equal(t, http.StatusOK, p.Status)
	row := p.Doc.Find(`[data-testid=cc-row][data-id="527448137486400"]`)
	require.Equal(t, 1, row.Length())
	assert.Equal(t, "527448137486400", strings.TrimSpace(row.Find("[data-testid=cc-id]").Text()))
	assert.Equal(t, code.State, strings.TrimSpace(row.Find("[data-testid=cc-name]").Text()))
	assert.Contains(t, row.Find("[data-testid=cc-group]").Text(), code.GroupName)

	body := lastListBody(t, env)
	assert.Equal(t, at[:10]+" "+at[11:], body["startTime"], "sent as YYYY-MM-DD HH:mm:ss")
	assert.Equal(t, body["startTime"], body["endTime"])
}

func lastListBody(t *testing.T, env *apptest.Env) map[string]any {
	t.Helper()
	reqs := env.App.Sandbox.Recorder.Requests("scrm", listAPI)
	require.NotEmpty(t, reqs)
	var body map[string]any
	dec := json.NewDecoder(strings.NewReader(reqs[len(reqs)-1].Body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&body))
	return body
}

// A full walk through the pages shows every code exactly once, ends with a
// clear marker, and Previous goes back through the same pages.
func TestCursorWalkShowsEachCodeOnce(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	ids, pages := walkPages(t, b, "/channel-codes?size=50")
	all := fakeOf(t, env).Codes()
	require.Len(t, ids, len(all))
	seen := map[int64]bool{}
	for i, id := range ids {
		assert.False(t, seen[id], "id %d shown twice", id)
		seen[id] = true
		assert.Equal(t, all[i].ID, id, "newest first")
	}
	last := pages[len(pages)-1]
	assert.True(t, last.Has("[data-testid=cc-end]"), "end of list marker")
	assert.False(t, pages[0].Has("[data-testid=cc-end]"))
	assert.Contains(t, last.Text("[data-testid=cc-summary]"), "第 11 页")

	// Back from page 3 is page 2, and its Previous is page 1.
	back := b.Get(href(pages[2], "[data-testid=pager-prev]"))
	assert.Equal(t, rowIDs(pages[1]), rowIDs(back))
	back = b.Get(href(back, "[data-testid=pager-prev]"))
	assert.Equal(t, rowIDs(pages[0]), rowIDs(back))
	assert.False(t, back.Has("[data-testid=pager-prev]"))
	// Every page link keeps the filters.
	assert.Contains(t, href(pages[3], "[data-testid=pager-next]"), "size=50")
}

// When the count is an exact multiple of the page size, the last full page
// is the end: no Next that leads to an empty page. The console asks the
// platform for size+1 codes and shows size, and the next cursor is the last
// shown code's id, so no code is skipped or repeated.
func TestExactMultipleEndsOnTheLastFullPage(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	all := fakeOf(t, env).Codes()
	size := 0
	for n := 99; n >= 10; n-- {
		if len(all)%n == 0 {
			size = n
			break
		}
	}
	require.NotZero(t, size, "a page size that divides %d", len(all))

	ids, pages := walkPages(t, b, "/channel-codes?size="+strconv.Itoa(size))
	require.Len(t, pages, len(all)/size, "no empty page after the last full one")
	require.Len(t, ids, len(all))
	for i, id := range ids {
		require.Equal(t, all[i].ID, id, "each code once, newest first")
	}
	last := pages[len(pages)-1]
	assert.Len(t, rowIDs(last), size)
	assert.True(t, last.Has("[data-testid=cc-end]"), "the last full page says it is the end")
	assert.False(t, last.Has("[data-testid=pager-next]"))
	assert.False(t, last.Has("[data-testid=empty]"))

	body := lastListBody(t, env)
	assert.Equal(t, json.Number(strconv.Itoa(size+1)), body["size"], "one more than shown")
	next := href(pages[0], "[data-testid=pager-next]")
	assert.Contains(t, next, "cursor="+strconv.FormatInt(all[size-1].ID, 10), "cursor = last code shown")

	// At the platform's maximum there is no room to peek: the size is sent as is.
	b.Get("/channel-codes?size=100")
	assert.Equal(t, json.Number("100"), lastListBody(t, env)["size"])
}

// Filters go to the platform as documented and the pages show exactly what
// the sandbox's data says should match.
func TestFilterSemanticsThroughClientAndSandbox(t *testing.T) {
	env := apptest.New(t, nil)
	fake := fakeOf(t, env)
	b := env.As(t, auth.RoleSupport)
	all := fake.Codes()

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
	require.Greater(t, len(subtree), 3, "a group with sub-groups")

	want := func(keep func(sbscrm.Code) bool) []int64 {
		var out []int64
		for _, c := range all {
			if keep(c) {
				out = append(out, c.ID)
			}
		}
		return out
	}
	staff := all[7].Users[0]
	dept := all[3].DeptIDs[0]
	cases := []struct {
		name  string
		query url.Values
		keep  func(sbscrm.Code) bool
		sent  map[string]string // JSON fields expected in the body
	}{
		{"group with sub-groups", url.Values{"group": {strconv.FormatInt(top.ID, 10)}, "sub": {"1"}},
			func(c sbscrm.Code) bool { return subtree[c.GroupID] },
			map[string]string{"groupIds": "[" + strconv.FormatInt(top.ID, 10) + "]", "returnChildren": "1"}},
		{"group alone", url.Values{"group": {strconv.FormatInt(top.ID, 10)}},
			func(c sbscrm.Code) bool { return c.GroupID == top.ID },
			map[string]string{"returnChildren": "0"}},
		{"name substring", url.Values{"name": {"招生"}},
			func(c sbscrm.Code) bool { return strings.Contains(c.State, "招生") },
			map[string]string{"state": `"招生"`}},
		{"staff any-match", url.Values{"staff": {strconv.FormatInt(staff, 10) + "，1"}},
			func(c sbscrm.Code) bool {
				return slices.Contains(c.Users, staff) || slices.Contains(c.BackendUsers, staff)
			},
			map[string]string{"userIds": "[" + strconv.FormatInt(staff, 10) + ",1]"}},
		{"department any-match", url.Values{"dept": {strconv.FormatInt(dept, 10)}},
			func(c sbscrm.Code) bool { return slices.Contains(c.DeptIDs, dept) },
			map[string]string{"deptIds": "[" + strconv.FormatInt(dept, 10) + "]"}},
		{"inclusive time range", url.Values{"from": {"2025-01-01T00:00"}, "to": {"2025-03-31T23:59"}},
			func(c sbscrm.Code) bool {
				s := c.CreateTime.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
				return s >= "2025-01-01 00:00:00" && s <= "2025-03-31 23:59:59"
			},
			map[string]string{"startTime": `"2025-01-01 00:00:00"`, "endTime": `"2025-03-31 23:59:59"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.query.Set("size", "100")
			ids, _ := walkPages(t, b, "/channel-codes?"+c.query.Encode())
			expected := want(c.keep)
			require.NotEmpty(t, expected)
			assert.Equal(t, expected, ids)
			raw := env.App.Sandbox.Recorder.Requests("scrm", listAPI)
			var body map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(raw[len(raw)-1].Body), &body))
			for k, v := range c.sent {
				assert.JSONEq(t, v, string(body[k]), k)
			}
		})
	}

	// Nothing matches: a helpful empty state with a way out.
	p := b.Get("/channel-codes?name=" + url.QueryEscape("没有这个名字"))
	assert.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Text("[data-testid=empty]"), "没有符合筛选条件的活码")
	assert.Equal(t, "/channel-codes", href(p, "[data-testid=cc-empty-clear]"))
	assert.False(t, p.Has("[data-testid=pager]"), "no pager with nowhere to go")
	assert.False(t, p.Has("[data-testid=cc-summary]"), "no “0 codes on this page”")
}

// readCSV checks the BOM and parses the export.
func readCSV(t *testing.T, p *apptest.Page) [][]string {
	t.Helper()
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, "text/csv; charset=utf-8", p.Header.Get("Content-Type"))
	assert.Contains(t, p.Header.Get("Content-Disposition"), "attachment; filename=\"channel-codes-")
	return csvtest.Read(t, p.Body)
}

// The export holds every matching code once, with exact ids, localized
// headers, and no formula a spreadsheet would run.
func TestExportMatchesTheFilters(t *testing.T) {
	env := apptest.New(t, nil)
	fake := fakeOf(t, env)
	b := env.As(t, auth.RoleSupport)

	rows := readCSV(t, b.Get("/channel-codes/export.csv"))
	assert.Equal(t, []string{"活码 ID", "活码名称", "描述", "分组 ID", "分组", "创建人 ID", "适用员工 ID", "后台员工 ID", "创建时间", "二维码地址"}, rows[0])
	all := fake.Codes()
	require.Len(t, rows, len(all)+1, "one row per code")
	found := false
	for i, r := range rows[1:] {
		id := csvtest.ID(r[0])
		assert.Equal(t, strconv.FormatInt(all[i].ID, 10), id)
		assert.Equal(t, `="`+id+`"`, r[0], "Excel keeps the digits as text")
		if id == "527448137486400" {
			found = true
			assert.Equal(t, all[i].State, r[1])
			assert.Equal(t, strconv.FormatInt(all[i].GroupID, 10), csvtest.ID(r[3]))
		}
	}
	assert.True(t, found, "527448137486400 exported exactly")
	assert.Len(t, env.App.Sandbox.Recorder.Requests("scrm", listAPI), (len(all)+99)/100, "walked at page size 100")

	// Filtered: the page's own export link, with sub-groups.
	var top sbscrm.Group
	for _, g := range fake.Groups() {
		if g.Level == 1 {
			top = g
			break
		}
	}
	p := b.Get("/channel-codes?size=5&sub=1&group=" + strconv.FormatInt(top.ID, 10))
	link := href(p, "[data-testid=cc-export]")
	assert.NotContains(t, link, "size=", "the export is not limited to the page size")
	shown, _ := walkPages(t, b, "/channel-codes?size=100&sub=1&group="+strconv.FormatInt(top.ID, 10))
	rows = readCSV(t, b.Get(link))
	assert.Len(t, rows, len(shown)+1, "row count equals the matching count")

	// English header for an English viewer.
	b.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/channel-codes"}})
	rows = readCSV(t, b.Get("/channel-codes/export.csv?name=x"))
	assert.Equal(t, "Code id", rows[0][0])
}

func TestExportWithBadFiltersShowsThePage(t *testing.T) {
	env := apptest.New(t, nil)
	p := env.As(t, auth.RoleSupport).Get("/channel-codes/export.csv?staff=abc")
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Equal(t, "abc", p.Val("[name=staff]"))
	assert.True(t, p.Has("[data-testid=err-staff]"))
}

// The download starts before the platform is asked, so a platform failing at
// once ends the file with a line that names it (a download link could not
// show an error page anyway).
func TestExportFailingAtOnceSaysSoInTheFile(t *testing.T) {
	env := apptest.New(t, nil)
	env.App.Sandbox.Faults.Set("scrm", sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: listAPI})
	b := env.As(t, auth.RoleSupport)
	rows := readCSV(t, b.Get("/channel-codes/export.csv?name=%E6%8B%9B%E7%94%9F"))
	require.Len(t, rows, 2, "header and the error line")
	assert.Equal(t, "活码 ID", rows[0][0])
	assert.True(t, strings.HasPrefix(rows[1][0], csvexport.IncompleteMark), rows[1][0])
	assert.Contains(t, rows[1][0], "已写入 0 行")
	assert.Contains(t, rows[1][0], "SCRM 渠道活码")
	assert.Contains(t, rows[1][0], "HTTP 500")
}

// QR images come through the console, from the SCRM host only.
func TestQRImagesComeThroughTheConsole(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	p := b.Get("/channel-codes?size=3")
	require.Equal(t, http.StatusOK, p.Status)

	// No page element points outside the console.
	p.Doc.Find("img[src], a[href]").Each(func(_ int, s *goquery.Selection) {
		v, ok := s.Attr("src")
		if !ok {
			v, _ = s.Attr("href")
		}
		assert.True(t, strings.HasPrefix(v, "/") || strings.HasPrefix(v, "#"), "same-origin: %s", v)
	})
	src, _ := p.Doc.Find("[data-testid=cc-row] img.cc-thumb").First().Attr("src")
	require.True(t, strings.HasPrefix(src, "/channel-codes/qr/"), src)

	img := b.Get(src)
	require.Equal(t, http.StatusOK, img.Status)
	assert.Equal(t, "image/png", img.Header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(img.Body, "\x89PNG\r\n\x1a\n"))
	assert.Contains(t, img.Header.Get("Cache-Control"), "max-age=")
	assert.Empty(t, img.Header.Get("Content-Disposition"))

	dl := b.Get(href(p, "[data-testid=cc-qr-download]"))
	require.Equal(t, http.StatusOK, dl.Status)
	assert.Regexp(t, `^attachment; filename="channel-code-\d+\.png"$`, dl.Header.Get("Content-Disposition"))
	assert.Equal(t, img.Body, dl.Body)

	// Only a code this console listed is fetched, and only at the address the
	// platform gave for it: a browser cannot name another path on the SCRM host
	// (or anywhere else), and such a request reaches no upstream.
	env.App.Sandbox.Recorder.Reset()
	foreign := httptestPNG(t)
	for _, path := range []string{
		"/channel-codes/qr/1.png", // on the SCRM host, never listed
		"/channel-codes/qr/1.png?u=" + url.QueryEscape(env.App.Config.SCRM.BaseURL+"/qr/1.png"),
		"/channel-codes/qr/527448137486400.png?u=" + url.QueryEscape(env.App.Config.SCRM.BaseURL+"/api/v3/channelcode/list"),
		"/channel-codes/qr/527448137486400.png?u=" + url.QueryEscape(foreign+"/qr.png"),
		"/channel-codes/qr/527448137486400.png?u=" + url.QueryEscape("http://169.254.169.254/latest/meta-data"),
	} {
		r := b.Get(path)
		assert.Equal(t, http.StatusNotFound, r.Status, path)
		assert.Equal(t, "控制台只显示刚从平台列表中取得的活码图片。请重新加载渠道活码列表后再打开。", r.Text("[data-testid=error-body]"), path)
	}
	assert.Empty(t, env.App.Sandbox.Recorder.Requests("", ""), "the sandbox got no request")
	r := b.Get("/channel-codes/qr/abc.png")
	assert.Equal(t, http.StatusNotFound, r.Status)
}

// httptestPNG is a server on another loopback port that would happily serve
// a PNG, and fails the test if the console ever asks it.
func httptestPNG(t *testing.T) string {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the console fetched a foreign host: %s", r.URL)
		_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n"))
	}))
	return srv
}

// htmx gets the #cc-page fragment (200 even for wrong filters, since htmx
// swaps 2xx answers only); the full page is for everyone else.
func TestHTMXGetsTheFragment(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	b.Get("/channel-codes")
	p := b.HTMX(http.MethodGet, "/channel-codes?size=5", nil)
	assert.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, "<html")
	assert.True(t, p.Has("#cc-page [data-testid=cc-table]"))
	assert.Len(t, rowIDs(p), 5)
	// The form sends every field; the address bar gets the short form.
	p = b.HTMX(http.MethodGet, "/channel-codes?name=&staff=&dept=&group=527448137486400&from=&to=&size=5", nil)
	assert.Equal(t, "/channel-codes?group=527448137486400&size=5", p.Header.Get("HX-Push-Url"))
	p = b.HTMX(http.MethodGet, "/channel-codes?size=0", nil)
	assert.Equal(t, http.StatusOK, p.Status)
	assert.True(t, p.Has("#cc-page [data-testid=err-size]"))
	next, _ := p.Doc.Find("[data-testid=pager-next]").Attr("hx-push-url")
	assert.Empty(t, next)
}

func TestEnglishPage(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)
	b.Get("/channel-codes")
	b.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/channel-codes"}})
	p := b.Get("/channel-codes?sub=1")
	assert.Equal(t, "Channel codes", p.Text("main h1"))
	assert.Equal(t, "Including sub-groups needs exactly one group id (now 0).", p.Text("[data-testid=err-sub]"))
	assert.True(t, bytes.Contains([]byte(p.Body), []byte("Include sub-groups")))
}

// chipRemovals maps each chip's filter to where its × link leads.
func chipRemovals(p *apptest.Page) map[string]string {
	out := map[string]string{}
	p.Doc.Find(`[data-testid=cc-chips] > li`).Each(func(_ int, s *goquery.Selection) {
		key := strings.TrimPrefix(s.AttrOr("data-testid", ""), "cc-chip-")
		out[key] = s.Find(`a.chip-remove`).AttrOr("href", "")
	})
	return out
}

// The filters fold into a disclosure (open only while a field is wrong); the
// ones that apply are chips above the table, each with a plain link (JS off)
// that drops that filter and keeps the others and the page size.
func TestFiltersFoldAndShowAsRemovableChips(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleSupport)

	p := b.Get("/channel-codes")
	require.Equal(t, http.StatusOK, p.Status)
	box := p.Doc.Find(`details[data-testid=cc-filter-box]`)
	require.Equal(t, 1, box.Length())
	_, open := box.Attr("open")
	assert.False(t, open, "folded")
	assert.Equal(t, 1, box.Find(`form[data-testid=cc-filter] #f-name`).Length(), "the form is inside the disclosure")
	assert.Equal(t, "筛选条件", strings.TrimSpace(box.Find("summary").Text()))
	assert.False(t, p.Has(`[data-testid=cc-chips]`), "no filters, no chips")
	assert.True(t, p.Has(`[data-testid=cc-toolbar] [data-testid=cc-export]`), "the export stays in view")

	q := url.Values{"name": {"招生"}, "staff": {"12、13"}, "group": {"7"}, "sub": {"1"}, "from": {"2025-05-01T10:00"}, "size": {"5"}, "cursor": {strconv.FormatInt(fakeOf(t, env).Codes()[3].ID, 10)}}
	p = b.Get("/channel-codes?" + q.Encode())
	require.Equal(t, http.StatusOK, p.Status, p.Text(".field-error")+p.Text("[data-testid=upstream-error]"))
	box = p.Doc.Find(`details[data-testid=cc-filter-box]`)
	_, open = box.Attr("open")
	assert.False(t, open)
	assert.Equal(t, "筛选条件 （5 项生效）", strings.Join(strings.Fields(box.Find("summary").Text()), " "))
	var labels []string
	p.Doc.Find(`[data-testid=cc-chips] > li > span`).Each(func(_ int, s *goquery.Selection) { labels = append(labels, strings.TrimSpace(s.Text())) })
	assert.Equal(t, []string{"活码名称：招生", "适用员工 ID：12,13", "活码分组 ID：7", "包含子分组", "创建时间起：2025-05-01 10:00"}, labels)
	assert.Equal(t, "去掉筛选条件“活码名称”", p.Doc.Find(`[data-testid=cc-chip-remove-name]`).AttrOr("aria-label", ""))

	rm := chipRemovals(p)
	parse := func(link string) url.Values {
		u, err := url.Parse(link)
		require.NoError(t, err)
		assert.Equal(t, "/channel-codes", u.Path)
		return u.Query()
	}
	name := parse(rm["name"])
	assert.Equal(t, url.Values{"staff": {"12,13"}, "group": {"7"}, "sub": {"1"}, "from": {"2025-05-01T10:00"}, "size": {"5"}}, name, "the others and the page size stay; the cursor goes (first page)")
	assert.Equal(t, url.Values{"name": {"招生"}, "staff": {"12,13"}, "from": {"2025-05-01T10:00"}, "size": {"5"}}, parse(rm["group"]), "no group, no sub-groups")
	assert.Equal(t, url.Values{"name": {"招生"}, "staff": {"12,13"}, "group": {"7"}, "from": {"2025-05-01T10:00"}, "size": {"5"}}, parse(rm["sub"]))
	// With htmx the same link swaps the results and pushes the address.
	assert.Equal(t, rm["name"], p.Doc.Find(`[data-testid=cc-chip-remove-name]`).AttrOr("hx-get", ""))
	assert.Equal(t, "true", p.Doc.Find(`[data-testid=cc-chip-remove-name]`).AttrOr("hx-push-url", ""))

	// Following a removal link (as a browser without JS does): that filter is gone.
	env.App.Sandbox.Recorder.Reset()
	p = b.Get(rm["name"])
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, chipRemovals(p), "name")
	assert.Contains(t, chipRemovals(p), "staff")
	assert.Equal(t, "", p.Val("[name=name]"))
	reqs := env.App.Sandbox.Recorder.Requests("scrm", listAPI)
	require.NotEmpty(t, reqs)
	assert.NotContains(t, reqs[len(reqs)-1].Body, "招生", "the platform was asked without the name")

	// A wrong field opens the disclosure, so its error shows.
	p = b.Get("/channel-codes?staff=abc")
	_, open = p.Doc.Find(`details[data-testid=cc-filter-box]`).Attr("open")
	assert.True(t, open)
	assert.True(t, p.Has(`details[data-testid=cc-filter-box] [data-testid=err-staff]`))

	// English.
	b.Get("/channel-codes")
	require.Equal(t, http.StatusSeeOther, b.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/channel-codes"}}).Status)
	p = b.Get("/channel-codes?" + url.Values{"name": {"x"}, "to": {"2025-05-01T10:00"}}.Encode())
	assert.Equal(t, "Filters (2 active)", strings.Join(strings.Fields(p.Text(`[data-testid=cc-filter-toggle]`)), " "))
	labels = nil
	p.Doc.Find(`[data-testid=cc-chips] > li > span`).Each(func(_ int, s *goquery.Selection) { labels = append(labels, strings.TrimSpace(s.Text())) })
	assert.Equal(t, []string{"Code name: x", "Created to: 2025-05-01 10:00"}, labels)
}

// The QR large view has a close button for JS (shown by app.js; without JS
// the thumbnail closes the <details>), and no inline script: app.js does it.
func TestQRLargeViewHasACloseButton(t *testing.T) {
	env := apptest.New(t, nil)
	p := env.As(t, auth.RoleSupport).Get("/channel-codes")
	btn := p.Doc.Find(`[data-testid=cc-row] details.cc-qr .cc-qr-large [data-testid=cc-qr-close]`).First()
	require.Equal(t, 1, btn.Length())
	assert.Equal(t, "button", btn.AttrOr("type", ""))
	assert.Equal(t, "关闭二维码大图", btn.AttrOr("aria-label", ""))
	_, hidden := btn.Attr("hidden")
	assert.True(t, hidden, "hidden until app.js can make it work")
	assert.Zero(t, p.Doc.Find("script:not([src])").Length(), "no inline script")
	assert.Contains(t, p.Header.Get("Content-Security-Policy"), "script-src 'self'")
}
