package messages_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/sandbox"
	sbtze "github.com/orgconsole/console/internal/sandbox/tze"
	"github.com/orgconsole/console/internal/store"
)

// --- helpers ---

func fakeOf(t testing.TB, env *apptest.Env) *sbtze.Fake {
	t.Helper()
	f, ok := env.App.Sandbox.Platform("tze").(*sbtze.Fake)
	require.True(t, ok)
	return f
}

// signIn returns a browser of role that has loaded the composer (CSRF token scraped).
func signIn(t testing.TB, env *apptest.Env, role auth.Role) *apptest.Browser {
	t.Helper()
	b := env.As(t, role)
	p := b.Get("/messages/new")
	require.Equal(t, http.StatusOK, p.Status)
	return b
}

var busiSeq int

func newBusi() string {
	busiSeq++
	return fmt.Sprintf("test-%d-%d", time.Now().UnixNano(), busiSeq)
}

func textVals() url.Values {
	return url.Values{"type": {"text"}, "content": {"明天上午 9 点开会"}, "busiId": {newBusi()}, "accountIds": {"u1001, u1002"}, "bgColor": {"FFCC0000"}}
}

func linkVals() url.Values {
	return url.Values{"type": {"link"}, "title": {"春季运动会报名"}, "content": {"点击查看详情"}, "pcUrl": {"https://example.edu/pc"},
		"appUrl": {"https://example.edu/h5"}, "picUrl": {"https://example.edu/p.png"}, "busiId": {newBusi()}, "accountIds": {"u1001"}, "bgColor": {"FFCC0000"}}
}

func oaVals() url.Values {
	return url.Values{"type": {"oa"}, "headText": {"家长会通知"}, "bgColor": {"FFCC0000"}, "pcUrl": {"https://example.edu/pc"},
		"appUrl": {"https://example.edu/h5"}, "bodyTitle": {"三年级家长会"}, "bodyContent": {"请准时参加"}, "author": {"教务处"},
		"fileCount": {"2"}, "imageUrl": {"https://example.edu/i.png"},
		"form.0.key": {"时间"}, "form.0.value": {"周五 15:00"}, "form.1.key": {"地点"}, "form.1.value": {"礼堂"},
		"busiId": {newBusi()}, "accountIds": {"u1001\nu1002\nu1003"}}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func review(b *apptest.Browser, v url.Values) *apptest.Page {
	return b.PostForm("/messages/compose", with(v, "op", "review"))
}

// fieldValue is what the composer shows in the named input or textarea.
func fieldValue(p *apptest.Page, name string) string {
	sel := p.Doc.Find(fmt.Sprintf(`[name=%q]`, name)).First()
	if goquery.NodeName(sel) == "textarea" {
		return strings.TrimPrefix(sel.Text(), "\n")
	}
	v, _ := sel.Attr("value")
	return v
}

func fieldErr(p *apptest.Page, name string) string {
	return p.Text(fmt.Sprintf(`[data-testid="err-%s"]`, name))
}

// --- composer ---

func TestComposerFirstShownHasBusiIDAndDefaultColour(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.As(t, auth.RoleContent)
	p := b.Get("/messages/new")
	require.Equal(t, http.StatusOK, p.Status)
	busi := p.Val(`input[name="busiId"]`)
	assert.Regexp(t, `^msg-[A-Z2-7]{26}$`, busi)
	_, required := p.Doc.Find(`input[name="busiId"]`).Attr("required")
	assert.True(t, required, "busiId is required")
	assert.Equal(t, "FFCC0000", p.Val(`input[name="bgColor"]`), "the oa default travels with the form")
	assert.True(t, p.Has(`[data-testid="tab-text"][aria-pressed="true"]`))
	assert.True(t, p.Has(`[data-testid="preview-pc"]`) && p.Has(`[data-testid="preview-phone"]`))

	again := b.Get("/messages/new")
	assert.NotEqual(t, busi, again.Val(`input[name="busiId"]`), "every new message gets its own busiId")

	// /messages itself leads to the composer.
	assert.Equal(t, "/messages/new", b.Get("/messages").Location)
}

func TestSupportCannotOpenAnyMessagesRoute(t *testing.T) {
	env := apptest.New(t, nil)
	sup := env.As(t, auth.RoleSupport)
	sup.Get("/")
	for _, path := range []string{"/messages", "/messages/new", "/messages/drafts", "/messages/drafts/1", "/messages/drafts/1/delete",
		"/messages/history", "/messages/history/1", "/messages/history/1/retry", "/messages/swatch.svg?c=FFCC0000"} {
		assert.Equal(t, http.StatusForbidden, sup.Get(path).Status, "GET %s", path)
	}
	for _, path := range []string{"/messages/compose", "/messages/preview", "/messages/send", "/messages/drafts/1/delete", "/messages/history/1/duplicate"} {
		assert.Equal(t, http.StatusForbidden, sup.PostForm(path, oaVals()).Status, "POST %s", path)
	}
	assert.Empty(t, fakeOf(t, env).Messages())
	assert.False(t, sup.Get("/").Has(`[data-testid="nav-messages"]`), "support is not offered the link")

	for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleContent} {
		b := env.As(t, role)
		assert.Equal(t, http.StatusOK, b.Get("/messages/new").Status, string(role))
		assert.True(t, b.Get("/").Has(`[data-testid="nav-messages"]`))
	}
}

func TestTabsKeepEveryValue(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	v := oaVals()
	v.Set("content", "文本内容")
	v.Set("title", "链接标题")

	// JS off: the tab is a submit button that re-renders the whole page.
	p := b.PostForm("/messages/compose", with(v, "tab", "text"))
	require.Equal(t, http.StatusOK, p.Status)
	assert.True(t, p.Has(`[data-testid="fields-text"]`))
	assert.Equal(t, "文本内容", fieldValue(p, "content"))
	assert.Equal(t, "家长会通知", p.Val(`input[name="headText"]`), "oa values ride along hidden")
	assert.Equal(t, "周五 15:00", p.Val(`input[name="form.0.value"]`))

	p = b.PostForm("/messages/compose", with(v, "tab", "link"))
	assert.Equal(t, "链接标题", fieldValue(p, "title"))
	assert.Equal(t, "https://example.edu/pc", fieldValue(p, "pcUrl"))

	// htmx: the composer alone comes back.
	p = b.HTMX(http.MethodPost, "/messages/compose", with(v, "tab", "oa"))
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, "<html")
	assert.True(t, p.Has(`#composer [data-testid="fields-oa"]`))
	assert.Equal(t, "地点", fieldValue(p, "form.1.key"))
	assert.Equal(t, "文本内容", p.Val(`input[name="content"]`))
	assert.Equal(t, "u1001\nu1002\nu1003", fieldValue(p, "accountIds"))
}

func TestPreviewFollowsTheForm(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	p := b.HTMX(http.MethodPost, "/messages/preview", oaVals())
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, "<html")
	for _, dev := range []string{"preview-pc", "preview-phone"} {
		box := p.Doc.Find(`[data-testid="` + dev + `"]`)
		assert.Equal(t, "家长会通知", strings.TrimSpace(box.Find(`[data-testid="pv-head"]`).Text()), dev)
		assert.Equal(t, 2, box.Find(`[data-testid="pv-form-row"]`).Length(), dev)
	}
	assert.Contains(t, p.Doc.Find(`[data-testid="preview-phone"]`).Text(), "example.edu/h5", "the phone opens appUrl")
	assert.Contains(t, p.Doc.Find(`[data-testid="preview-pc"]`).Text(), "example.edu/pc", "the PC opens pcUrl")
	assert.True(t, p.Has(`#bg-swatch[hx-swap-oob]`), "the swatch by the colour field follows too")

	// Every submit shows the preview as well (JS off).
	p = b.PostForm("/messages/compose", with(oaVals(), "op", "preview", "headText", "改了标题"))
	assert.Equal(t, "改了标题", p.Text(`[data-testid="preview-pc"] [data-testid="pv-head"]`))
}

// --- limits ---

// limitCase is one field: a valid message of its type and the field's value
// at its limit and one over.
type limitCase struct {
	name, field string
	base        func() url.Values
	at, over    string
}

func repeatTo(prefix string, n int) string { return prefix + strings.Repeat("a", n-forms.Len(prefix)) }

func limitCases() []limitCase {
	u := "https://example.edu/"
	return []limitCase{
		{"text content", "content", textVals, strings.Repeat("汉", 2000), strings.Repeat("汉", 2001)},
		{"link title", "title", linkVals, strings.Repeat("标", 128), strings.Repeat("标", 129)},
		{"link content", "content", linkVals, strings.Repeat("述", 512), strings.Repeat("述", 513)},
		{"link pcUrl", "pcUrl", linkVals, repeatTo(u, 2048), repeatTo(u, 2049)},
		{"link appUrl", "appUrl", linkVals, repeatTo(u, 2048), repeatTo(u, 2049)},
		{"link picUrl", "picUrl", linkVals, repeatTo(u, 2048), repeatTo(u, 2049)},
		{"busiId", "busiId", linkVals, strings.Repeat("b", 64), strings.Repeat("b", 65)},
		{"oa head text", "headText", oaVals, strings.Repeat("头", 255), strings.Repeat("头", 256)},
		{"oa pcUrl", "pcUrl", oaVals, repeatTo(u, 2048), repeatTo(u, 2049)},
		{"oa appUrl", "appUrl", oaVals, repeatTo(u, 2048), repeatTo(u, 2049)},
		{"oa body title", "bodyTitle", oaVals, strings.Repeat("题", 128), strings.Repeat("题", 129)},
		{"oa body content", "bodyContent", oaVals, strings.Repeat("文", 2000), strings.Repeat("文", 2001)},
		{"oa imageUrl", "imageUrl", oaVals, repeatTo(u, 2048), repeatTo(u, 2049)},
		{"oa author", "author", oaVals, strings.Repeat("者", 64), strings.Repeat("者", 65)},
		{"oa fileCount", "fileCount", oaVals, "123456789", "1234567890"},
		{"oa bgColor", "bgColor", oaVals, "80FFFFFF", "80FFFFFF0"},
		{"oa form key", "form.0.key", oaVals, strings.Repeat("键", 64), strings.Repeat("键", 65)},
		{"oa form value", "form.0.value", oaVals, strings.Repeat("值", 255), strings.Repeat("值", 256)},
		{"text busiId", "busiId", textVals, strings.Repeat("t", 64), strings.Repeat("t", 65)},
	}
}

func TestEveryFieldAtItsLimitAndOneOver(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	for _, tc := range limitCases() {
		t.Run(tc.name, func(t *testing.T) {
			at := review(b, with(tc.base(), tc.field, tc.at))
			require.Equal(t, http.StatusOK, at.Status, "at the limit: %s", fieldErr(at, tc.field))
			assert.True(t, at.Has(`[data-testid="request-json"]`), "at the limit the confirmation shows")

			ov := with(tc.base(), tc.field, tc.over)
			over := review(b, ov)
			require.Equal(t, http.StatusUnprocessableEntity, over.Status)
			assert.NotEmpty(t, fieldErr(over, tc.field), "one over: an error beside %s", tc.field)
			assert.Equal(t, 1, len(over.Doc.Find(".field-error").Nodes), "only that field is wrong")
			for k := range ov {
				assert.Equal(t, ov.Get(k), fieldValue(over, k), "what was typed in %s is kept", k)
			}
		})
	}
}

// Recipients: at most forms.MaxRecipientUserIDs pasted ids. At the bound
// (repeats do not count) the review page opens; one over gets an error that
// names the bound, with the whole paste still in the field. 100,000 pasted ids
// are refused at once instead of being scanned quadratically.
func TestRecipientListBound(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	list := func(n int) string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("u%d", i)
		}
		return strings.Join(s, "\n")
	}
	at := list(forms.MaxRecipientUserIDs)
	p := review(b, with(textVals(), "accountIds", at+"\n"+at))
	require.Equal(t, http.StatusOK, p.Status, fieldErr(p, "accountIds"))

	for _, n := range []int{forms.MaxRecipientUserIDs + 1, 100_000} {
		typed := list(n)
		p = review(b, with(textVals(), "accountIds", typed))
		require.Equal(t, http.StatusUnprocessableEntity, p.Status)
		assert.Equal(t, "最多 1000 个，这份列表超出了上限（超出部分没有读取）。", fieldErr(p, "accountIds"))
		assert.Equal(t, typed, fieldValue(p, "accountIds"), "what was typed stays")
	}
	assert.Empty(t, fakeOf(t, env).Messages())
}

func TestAccountIDLimits(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	at := review(b, with(textVals(), "accountIds", strings.Repeat("a", 64)))
	assert.Equal(t, http.StatusOK, at.Status)
	over := review(b, with(textVals(), "accountIds", "u1 "+strings.Repeat("a", 65)))
	require.Equal(t, http.StatusUnprocessableEntity, over.Status)
	assert.Contains(t, fieldErr(over, "accountIds"), strings.Repeat("a", 65))
	assert.Equal(t, "u1 "+strings.Repeat("a", 65), fieldValue(over, "accountIds"))

	none := review(b, with(textVals(), "accountIds", " , \n"))
	require.Equal(t, http.StatusUnprocessableEntity, none.Status)
	assert.NotEmpty(t, none.Text(`[data-testid="err-recipients"]`))
}

func TestEmojiCountsAsTwo(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	at := review(b, with(textVals(), "content", strings.Repeat("😀", 1000)))
	assert.Equal(t, http.StatusOK, at.Status, "1000 emoji are 2000 UTF-16 units: at the limit")

	over := review(b, with(textVals(), "content", strings.Repeat("😀", 1000)+"a"))
	require.Equal(t, http.StatusUnprocessableEntity, over.Status)
	assert.Contains(t, fieldErr(over, "content"), "2,001", "counts are grouped in messages")
	assert.Equal(t, "2001 / 2000", over.Text("#f-content-count"))
	assert.True(t, over.Has("#f-content-count.over"))

	link := review(b, with(linkVals(), "title", strings.Repeat("😀", 64)+"a"))
	require.Equal(t, http.StatusUnprocessableEntity, link.Status)
	assert.Contains(t, fieldErr(link, "title"), "129")
}

func TestBgColor(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	ok := review(b, with(oaVals(), "bgColor", "FFCC0000"))
	require.Equal(t, http.StatusOK, ok.Status)
	assert.Contains(t, ok.Text(`[data-testid="request-json"]`), `"bgColor":"FFCC0000"`)

	for _, bad := range []string{"#FFCC00", "0xFFCC0000", "FFCC00", "GGCC0000"} {
		p := review(b, with(oaVals(), "bgColor", bad))
		require.Equal(t, http.StatusUnprocessableEntity, p.Status, bad)
		assert.NotEmpty(t, fieldErr(p, "bgColor"), bad)
		assert.Equal(t, bad, p.Val(`input[name="bgColor"]`), bad)
		assert.False(t, p.Has(`#bg-swatch img`), "no colour is drawn for %s", bad)
		head, _ := p.Doc.Find(`[data-testid="preview-phone"] .msg-oa-head-bg`).Attr("src")
		assert.Equal(t, "/messages/swatch.svg?c=FFCC0000", head, "while %s is being fixed the preview head keeps the default colour (white text stays readable)", bad)
	}

	// The swatch shows the colour with its alpha; a light head colour warns.
	p := b.PostForm("/messages/compose", with(oaVals(), "op", "preview", "bgColor", "80FFD700"))
	src, _ := p.Doc.Find(`#bg-swatch img`).Attr("src")
	assert.Equal(t, "/messages/swatch.svg?c=80FFD700", src)
	assert.NotEmpty(t, p.Text(`[data-testid="contrast-warning"]`))
	assert.False(t, b.PostForm("/messages/compose", with(oaVals(), "op", "preview")).Has(`[data-testid="contrast-warning"]`),
		"white on the default FFCC0000 is readable")

	svg := b.Get("/messages/swatch.svg?c=80FFD700")
	require.Equal(t, http.StatusOK, svg.Status)
	assert.Equal(t, "image/svg+xml", svg.Header.Get("Content-Type"))
	assert.Contains(t, svg.Body, `fill="#FFD700" fill-opacity="0.502"`)
	assert.Equal(t, http.StatusBadRequest, b.Get("/messages/swatch.svg?c=GGCC0000").Status)
}

func TestOnlyHTTPURLs(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	for _, bad := range []string{"javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JavaScript:alert(1)", "//example.edu/x", "ftp://example.edu/"} {
		for _, c := range []struct {
			field string
			base  func() url.Values
		}{{"pcUrl", linkVals}, {"appUrl", linkVals}, {"picUrl", linkVals}, {"pcUrl", oaVals}, {"appUrl", oaVals}, {"imageUrl", oaVals}} {
			p := review(b, with(c.base(), c.field, bad))
			require.Equal(t, http.StatusUnprocessableEntity, p.Status, "%s=%s", c.field, bad)
			assert.NotEmpty(t, fieldErr(p, c.field), "%s=%s", c.field, bad)
			assert.Equal(t, bad, fieldValue(p, c.field))
		}
	}
	assert.Empty(t, fakeOf(t, env).Messages())
}

func TestFormRows(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	rows := func(n int) url.Values {
		v := oaVals()
		for i := range 8 {
			v.Del(forms.Field("form", i, "key"))
			v.Del(forms.Field("form", i, "value"))
		}
		for i := range n {
			v.Set(forms.Field("form", i, "key"), fmt.Sprintf("键%d", i))
			v.Set(forms.Field("form", i, "value"), fmt.Sprintf("值%d", i))
		}
		return v
	}
	six := review(b, rows(6))
	require.Equal(t, http.StatusOK, six.Status)
	assert.Contains(t, six.Text(`[data-testid="request-json"]`), `{"key":"键5","value":"值5"}`)

	seven := review(b, rows(7))
	require.Equal(t, http.StatusUnprocessableEntity, seven.Status)
	assert.NotEmpty(t, fieldErr(seven, "form"))
	assert.Equal(t, 7, seven.Doc.Find(`[data-testid^="form-row-"]`).Length(), "all seven rows are kept to fix")
	assert.Equal(t, "值6", seven.Val(`input[name="form.6.value"]`))

	// JS off: add and remove are submit buttons.
	p := b.PostForm("/messages/compose", with(rows(5), "add_row", "1"))
	assert.Equal(t, 6, p.Doc.Find(`[data-testid^="form-row-"]`).Length())
	_, disabled := p.Doc.Find(`[data-testid="add-row"]`).Attr("disabled")
	assert.True(t, disabled, "no seventh row is offered")
	p = b.PostForm("/messages/compose", with(rows(6), "add_row", "1"))
	assert.Equal(t, 6, p.Doc.Find(`[data-testid^="form-row-"]`).Length())

	p = b.PostForm("/messages/compose", with(rows(3), "remove_row", "1"))
	require.Equal(t, 2, p.Doc.Find(`[data-testid^="form-row-"]`).Length())
	assert.Equal(t, "键0", p.Val(`input[name="form.0.key"]`))
	assert.Equal(t, "键2", p.Val(`input[name="form.1.key"]`), "the rows after move up")

	// htmx: the same buttons swap the composer.
	p = b.HTMX(http.MethodPost, "/messages/compose", with(rows(1), "add_row", "1"))
	assert.NotContains(t, p.Body, "<html")
	assert.Equal(t, 2, p.Doc.Find(`[data-testid^="form-row-"]`).Length())
}

// --- XSS ---

const xss = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`

func TestXSSRendersAsText(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	v := oaVals()
	for _, f := range []string{"headText", "bodyTitle", "bodyContent", "author", "form.0.key", "form.0.value", "form.1.value"} {
		v.Set(f, xss)
	}
	v.Set("imageUrl", `https://example.edu/"><script>alert(3)</script>`)
	v.Set("accountIds", `u1 <b>u2</b>`)
	noScript := func(where string, p *apptest.Page) {
		t.Helper()
		assert.NotContains(t, p.Body, "<script>alert", where)
		assert.NotContains(t, p.Body, "<img src=x", where)
		assert.Zero(t, p.Doc.Find("img[onerror]").Length(), where)
	}

	pv := b.HTMX(http.MethodPost, "/messages/preview", v)
	noScript("preview", pv)
	assert.Equal(t, xss, pv.Text(`[data-testid="preview-pc"] [data-testid="pv-head"]`))
	assert.Equal(t, xss, pv.Text(`[data-testid="preview-phone"] [data-testid="pv-body-title"]`))

	page := b.PostForm("/messages/compose", with(v, "op", "preview"))
	noScript("composer", page)
	assert.Equal(t, xss, page.Val(`input[name="headText"]`))

	conf := review(b, v)
	require.Equal(t, http.StatusOK, conf.Status, conf.Text(".field-error"))
	noScript("confirmation", conf)
	assert.Contains(t, conf.Text(`[data-testid="request-json"]`), `"text":"\u003cscript\u003ealert(1)`)
	assert.Equal(t, xss, conf.Text(`[data-testid="confirm-title"]`))

	sent := b.PostForm("/messages/send", v)
	require.Equal(t, http.StatusSeeOther, sent.Status, sent.Text(".upstream-error"))
	detail := b.Follow(sent)
	noScript("detail", detail)
	assert.Equal(t, xss, detail.Text(`[data-testid="detail-title"]`))
	assert.Equal(t, xss, detail.Text(`[data-testid="preview-pc"] [data-testid="pv-head"]`))
	list := b.Get("/messages/history")
	noScript("history", list)
	assert.Equal(t, xss, list.Text(`[data-testid="history-title"]`))

	// Link and text messages: every field.
	lv := linkVals()
	lv.Set("title", xss)
	lv.Set("content", xss)
	noScript("link preview", b.HTMX(http.MethodPost, "/messages/preview", lv))
	noScript("link confirmation", review(b, lv))
	tv := with(textVals(), "content", xss)
	noScript("text preview", b.HTMX(http.MethodPost, "/messages/preview", tv))
	noScript("text confirmation", review(b, tv))
	// A draft's list and its delete confirmation too.
	d := b.PostForm("/messages/compose", with(lv, "op", "save"))
	require.Equal(t, http.StatusSeeOther, d.Status)
	noScript("drafts", b.Get("/messages/drafts"))
	noScript("draft", b.Follow(d))
}

// --- sending ---

// waitSent waits for the send of busiId to leave the queue (its job ran) and
// returns its row.
func waitSent(t *testing.T, env *apptest.Env, busiID string) store.MessageSend {
	t.Helper()
	var row store.MessageSend
	require.Eventually(t, func() bool {
		var err error
		row, err = env.App.Store.MessageSendByBusiID(context.Background(), busiID)
		return err == nil && row.Status != store.SendQueued && row.Status != store.SendSending
	}, 20*time.Second, 10*time.Millisecond, "the send of %s finished", busiID)
	return row
}

// The review page shows admins the request as a cURL command, folded into a
// disclosure; content staff, who send from the console, do not see it.
func TestCurlOnTheReviewPageIsForAdminsOnly(t *testing.T) {
	env := apptest.New(t, nil)
	conf := review(signIn(t, env, auth.RoleAdmin), oaVals())
	require.Equal(t, http.StatusOK, conf.Status)
	body := conf.Text(`[data-testid="request-json"]`)
	details := conf.Doc.Find(`details[data-testid="curl-details"]`)
	require.Equal(t, 1, details.Length(), "behind a disclosure")
	_, open := details.Attr("open")
	assert.False(t, open, "closed until asked for")
	assert.Equal(t, "cURL 命令（调试用）", strings.TrimSpace(details.Find("summary").Text()))
	curl := strings.TrimSpace(details.Find(`[data-testid="curl"]`).Text())
	assert.Contains(t, curl, tze.TokenPlaceholder)
	assert.Contains(t, curl, `accessToken='"$TZE_ACCESS_TOKEN"`, "the token is left to the shell")
	assert.Contains(t, curl, body[:40])
	assert.Equal(t, "curl", details.Find(`[data-testid="copy-curl"]`).AttrOr("data-copy-from", ""))

	conf = review(signIn(t, env, auth.RoleContent), oaVals())
	require.Equal(t, http.StatusOK, conf.Status)
	assert.Equal(t, body[:20], conf.Text(`[data-testid="request-json"]`)[:20], "the body is still shown")
	assert.False(t, conf.Has(`[data-testid="curl-details"]`))
	assert.False(t, conf.Has(`[data-testid="curl"]`))
	assert.NotContains(t, conf.Body, "curl ", "no command anywhere in the page")
	assert.NotContains(t, conf.Body, tze.TokenPlaceholder)
}

func TestSendShowsExactBodyAndDeliversIt(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	v := oaVals()
	conf := review(b, v)
	require.Equal(t, http.StatusOK, conf.Status)
	body := conf.Text(`[data-testid="request-json"]`)
	assert.Equal(t, "3 个账号，0 个组织节点", conf.Text(`[data-testid="confirm-recipients"]`))

	// The confirmation's send form carries every value.
	send := url.Values{}
	conf.Doc.Find(`[data-testid="send-form"] input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		n, _ := s.Attr("name")
		val, _ := s.Attr("value")
		send.Add(n, val)
	})
	assert.Equal(t, v.Get("form.1.value"), send.Get("form.1.value"))

	res := b.PostForm("/messages/send", send)
	require.Equal(t, http.StatusSeeOther, res.Status, res.Text(".upstream-error"))
	assert.Equal(t, store.SendOK, waitSent(t, env, v.Get("busiId")).Status)
	got := fakeOf(t, env).Messages()
	require.Len(t, got, 1)
	assert.Equal(t, body, got[0].Body, "the platform received exactly the body the page showed")
	assert.Equal(t, v.Get("busiId"), got[0].BusiID)

	detail := b.Follow(res)
	assert.Equal(t, "000000", detail.Text(`[data-testid="detail-code"]`))
	assert.Equal(t, got[0].MsgID, detail.Text(`[data-testid="detail-msg-id"]`))
	assert.Equal(t, body, detail.Text(`[data-testid="detail-request"]`))
	assert.Contains(t, detail.Text(`[data-testid="detail-response"]`), got[0].MsgID)
	assert.NotEmpty(t, detail.Text(`[data-testid="flash"]`))

	entries, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "messages.send"}, 0, 10)
	require.NoError(t, err)
	require.Len(t, entries, 2, "queued, then finished")
	assert.Equal(t, store.OutcomeOK, entries[0].Outcome)
	assert.Equal(t, "000000", entries[0].UpstreamCode)
	assert.Equal(t, "content", entries[0].Actor)
	assert.Equal(t, v.Get("busiId"), entries[0].Target)
	assert.Equal(t, store.SendQueued, entries[1].Outcome)
}

func TestEachTypeIsDelivered(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleAdmin)
	for _, v := range []url.Values{textVals(), linkVals(), oaVals()} {
		res := b.PostForm("/messages/send", v)
		require.Equal(t, http.StatusSeeOther, res.Status, "%s: %s", v.Get("type"), res.Text(".upstream-error"))
		waitSent(t, env, v.Get("busiId"))
	}
	got := fakeOf(t, env).Messages()
	require.Len(t, got, 3)
	assert.Equal(t, []string{"text", "link", "oa"}, []string{got[0].MsgType, got[1].MsgType, got[2].MsgType})
	assert.Equal(t, []string{"u1001", "u1002"}, got[0].ToUserIDs)
}

func TestUpstreamRefusalIsShownAndTryAgainKeepsTheWholeForm(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "系统繁忙", Path: tze.PathSend})
	v := oaVals()
	res := b.PostForm("/messages/send", v)
	require.Equal(t, http.StatusSeeOther, res.Status, "send redirects at once to the send's page")
	row := waitSent(t, env, v.Get("busiId"))
	assert.Equal(t, store.SendFailed, row.Status, "the platform refused it: failed, not unknown")
	assert.Equal(t, "100001", row.UpstreamCode)
	assert.Empty(t, fakeOf(t, env).Messages())
	assert.Equal(t, 1, countSent(env), "a refusal is not retried")

	d := b.Follow(res)
	assert.Equal(t, "发送失败", d.Text(`[data-testid="detail-status"]`))
	assert.Equal(t, "100001", d.Text(`[data-testid="detail-code"]`))
	assert.Equal(t, "系统繁忙", d.Text(`[data-testid="detail-message"]`))
	assert.Contains(t, d.Text(`[data-testid="detail-response"]`), `"code": "100001"`)
	assert.False(t, d.Has(`[data-testid="unknown-hint"]`), "a refusal is a clear outcome")
	entries, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "messages.send"}, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, store.OutcomeFailed, entries[0].Outcome)
	assert.Equal(t, "100001", entries[0].UpstreamCode)

	// "Try again" opens the composer with everything as it was sent …
	href, ok := d.Doc.Find(`[data-testid="retry"]`).Attr("href")
	require.True(t, ok)
	re := b.Get(href)
	require.Equal(t, http.StatusOK, re.Status)
	for k := range v {
		assert.Equal(t, v.Get(k), fieldValue(re, k), "field %s kept", k)
	}
	// … and sends the same busiId once the platform is back.
	env.App.Sandbox.Faults.Clear()
	again := b.PostForm("/messages/send", v)
	require.Equal(t, http.StatusSeeOther, again.Status)
	assert.Equal(t, res.Location, again.Location, "the same send")
	assert.Equal(t, store.SendOK, waitSent(t, env, v.Get("busiId")).Status)
	require.Len(t, fakeOf(t, env).Messages(), 1)
	d = b.Follow(again)
	assert.Equal(t, "2", d.Doc.Find(`[data-testid="detail-facts"] dd`).Last().Text(), "second attempt of the same busiId")
	assert.Equal(t, "000000", d.Text(`[data-testid="detail-code"]`))
}

// countSent counts the send requests the tze.cn sandbox received.
func countSent(env *apptest.Env) int {
	return len(env.App.Sandbox.Recorder.Requests("tze", tze.PathSend))
}

// A 5xx after the request went out: an oa message (busiId) is retried and
// delivered once; a text message (no busiId) is unknown at once, and sending
// it again needs "it may be delivered twice" ticked.
func TestUnknownOutcomes(t *testing.T) {
	env := apptest.New(t, map[string]string{"CONSOLE_UPSTREAM_TIMEOUT": "300ms"})
	b := signIn(t, env, auth.RoleContent)
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: tze.PathSend, Times: 1})
	oa := oaVals()
	require.Equal(t, http.StatusSeeOther, b.PostForm("/messages/send", oa).Status)
	row := waitSent(t, env, oa.Get("busiId"))
	assert.Equal(t, store.SendOK, row.Status, "retried after a backoff: the platform dedupes the busiId")
	assert.Equal(t, 2, row.Attempts)

	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: tze.PathSend})
	text := textVals()
	res := b.PostForm("/messages/send", text)
	require.Equal(t, http.StatusSeeOther, res.Status)
	row = waitSent(t, env, text.Get("busiId"))
	assert.Equal(t, store.SendUnknown, row.Status, "a 5xx may have delivered it: unknown, never failed")
	before := countSent(env)
	d := b.Follow(res)
	assert.Equal(t, "结果未知", d.Text(`[data-testid="detail-status"]`))
	assert.True(t, d.Has(`[data-testid="unknown-hint"]`))
	entries, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "messages.send"}, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, store.OutcomeUnknown, entries[0].Outcome)

	env.App.Sandbox.Faults.Clear()
	href, _ := d.Doc.Find(`[data-testid="retry"]`).Attr("href")
	re := b.Get(href)
	assert.True(t, re.Has(`[data-testid="unknown-outcome"]`), "the composer warns before a resend")
	conf := review(b, text)
	require.Equal(t, http.StatusOK, conf.Status)
	assert.True(t, conf.Has(`[data-testid="confirm-resend"] input[required]`))
	refused := b.PostForm("/messages/send", text)
	assert.Equal(t, http.StatusConflict, refused.Status, "not without the box ticked")
	assert.True(t, refused.Has(`[data-testid="unknown-outcome"]`))
	assert.Equal(t, before, countSent(env), "nothing was sent")
	ok := b.PostForm("/messages/send", with(text, "confirm_resend", "1"))
	require.Equal(t, http.StatusSeeOther, ok.Status)
	assert.Equal(t, store.SendOK, waitSent(t, env, text.Get("busiId")).Status)
	assert.Equal(t, before+1, countSent(env))
}

// A busiId already sent with other content is a field error at review, with a
// link to that send: the new message is never dropped silently.
func TestBusiIDOfAnotherMessageIsAFieldError(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	v := oaVals()
	require.Equal(t, http.StatusSeeOther, b.PostForm("/messages/send", v).Status)
	first := waitSent(t, env, v.Get("busiId"))
	other := with(v, "headText", "另一条通知")
	p := review(b, other)
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.NotEmpty(t, fieldErr(p, "busiId"))
	href, _ := p.Doc.Find(`[data-testid="busi-id-used"] a`).Attr("href")
	assert.Equal(t, fmt.Sprintf("/messages/history/%d", first.ID), href)
	assert.Equal(t, "另一条通知", p.Val(`input[name="headText"]`), "what was typed is kept")
	sent := b.PostForm("/messages/send", other)
	assert.Equal(t, http.StatusUnprocessableEntity, sent.Status, "posting it anyway is refused the same way")
	assert.Len(t, fakeOf(t, env).Messages(), 1)
}

func TestDoubleSubmitDeliversOnce(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	for _, v := range []url.Values{oaVals(), textVals()} {
		first := b.PostForm("/messages/send", v)
		require.Equal(t, http.StatusSeeOther, first.Status)
		waitSent(t, env, v.Get("busiId"))
		second := b.PostForm("/messages/send", v)
		require.Equal(t, http.StatusSeeOther, second.Status)
		assert.Equal(t, first.Location, second.Location, "the second submit shows the first result")
		d := b.Follow(second)
		assert.Contains(t, d.Text(`[data-testid="flash"]`), v.Get("busiId"))
	}
	assert.Len(t, fakeOf(t, env).Messages(), 2, "one oa, one text: text has no busiId upstream, the console alone kept it to one")
}

func TestConcurrentSubmitsDeliverOnce(t *testing.T) {
	env := apptest.New(t, map[string]string{})
	b := signIn(t, env, auth.RoleContent)
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Latency: 100 * time.Millisecond, Path: tze.PathSend})
	for _, v := range []url.Values{textVals(), oaVals()} {
		v.Set("_csrf", b.CSRF())
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, env.URL+"/messages/send", strings.NewReader(v.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := b.HTTP.Do(req)
				if assert.NoError(t, err) {
					statuses[i] = resp.StatusCode
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		for _, s := range statuses {
			assert.Equal(t, http.StatusSeeOther, s)
		}
		waitSent(t, env, v.Get("busiId"))
	}
	assert.Len(t, fakeOf(t, env).Messages(), 2)
	assert.Len(t, env.App.Sandbox.Recorder.Requests("tze", tze.PathSend), 2, "the platform was called once per busiId")
}

// --- drafts ---

func TestDraftsSaveListReopenDelete(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	v := oaVals()
	v.Set("headText", "") // drafts need not be valid yet
	saved := b.PostForm("/messages/compose", with(v, "op", "save"))
	require.Equal(t, http.StatusSeeOther, saved.Status)
	require.Regexp(t, `^/messages/drafts/\d+$`, saved.Location)

	open := b.Follow(saved)
	require.Equal(t, http.StatusOK, open.Status)
	assert.Equal(t, "礼堂", open.Val(`input[name="form.1.value"]`))
	assert.Equal(t, v.Get("busiId"), open.Val(`input[name="busiId"]`))
	draftID := open.Val(`input[name="draftId"]`)
	require.NotEmpty(t, draftID)

	// Saving again updates the same draft.
	resaved := b.PostForm("/messages/compose", with(v, "op", "save", "draftId", draftID, "headText", "第二版"))
	assert.Equal(t, saved.Location, resaved.Location)
	list := b.Get("/messages/drafts")
	assert.Equal(t, 1, list.Doc.Find(`[data-testid^="draft-"]`).Filter("tr").Length())
	assert.Equal(t, "第二版", list.Text(`[data-testid="draft-open"]`))

	// Nobody else's.
	other := signIn(t, env, auth.RoleAdmin)
	assert.Equal(t, http.StatusNotFound, other.Get(saved.Location).Status)
	assert.Equal(t, http.StatusNotFound, other.PostForm(saved.Location+"/delete", nil).Status)
	assert.True(t, other.Get("/messages/drafts").Has(`[data-testid="empty"]`))

	// Delete asks first.
	ask := b.Get(saved.Location + "/delete")
	require.Equal(t, http.StatusOK, ask.Status)
	assert.Contains(t, ask.Text(`[data-testid="confirm-delete"]`), "第二版")
	del := b.PostForm(saved.Location+"/delete", nil)
	require.Equal(t, http.StatusSeeOther, del.Status)
	assert.Equal(t, http.StatusNotFound, b.Get(saved.Location).Status)
}

func TestSendingADraftRemovesIt(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	v := linkVals()
	saved := b.PostForm("/messages/compose", with(v, "op", "save"))
	id := strings.TrimPrefix(saved.Location, "/messages/drafts/")
	res := b.PostForm("/messages/send", with(v, "draftId", id))
	require.Equal(t, http.StatusSeeOther, res.Status)
	assert.Equal(t, http.StatusNotFound, b.Get(saved.Location).Status)
}

// --- history ---

func TestHistoryFiltersPagesAndDuplicates(t *testing.T) {
	env := apptest.New(t, nil)
	content := signIn(t, env, auth.RoleContent)
	admin := signIn(t, env, auth.RoleAdmin)
	for i := range 22 {
		v := textVals()
		v.Set("content", fmt.Sprintf("第 %d 条", i))
		require.Equal(t, http.StatusSeeOther, content.PostForm("/messages/send", v).Status)
	}
	ov := oaVals()
	require.Equal(t, http.StatusSeeOther, admin.PostForm("/messages/send", ov).Status)

	all := content.Get("/messages/history")
	require.Equal(t, http.StatusOK, all.Status)
	assert.Equal(t, 20, all.Doc.Find(`[data-testid="history-row"]`).Length())
	assert.Equal(t, "家长会通知", all.Text(`[data-testid="history-title"]`), "newest first")
	assert.Equal(t, "admin", all.Text(`[data-testid="history-sender"]`))
	assert.Equal(t, "3", all.Text(`[data-testid="history-recipients"]`))
	next, ok := all.Doc.Find(`[data-testid="pager-next"]`).Attr("href")
	require.True(t, ok)
	assert.Equal(t, 3, content.Get(next).Doc.Find(`[data-testid="history-row"]`).Length())

	oa := content.Get("/messages/history?type=oa")
	assert.Equal(t, 1, oa.Doc.Find(`[data-testid="history-row"]`).Length())
	byAdmin := content.Get("/messages/history?sender=admin")
	assert.Equal(t, 1, byAdmin.Doc.Find(`[data-testid="history-row"]`).Length())
	today := time.Now().Format("2006-01-02")
	assert.Equal(t, 20, content.Get("/messages/history?from="+today+"&to="+today).Doc.Find(`[data-testid="history-row"]`).Length())
	tomorrow := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	assert.True(t, content.Get("/messages/history?from="+tomorrow).Has(`[data-testid="empty"]`))
	bad := content.Get("/messages/history?from=yesterday")
	assert.Equal(t, http.StatusUnprocessableEntity, bad.Status)
	assert.Equal(t, "yesterday", bad.Val(`input[name="from"]`))

	// Detail, then duplicate as a new draft with a new busiId.
	href, _ := oa.Doc.Find(`[data-testid="history-open"]`).Attr("href")
	d := content.Get(href)
	require.Equal(t, http.StatusOK, d.Status)
	assert.Equal(t, ov.Get("busiId"), d.Text(`[data-testid="detail-busi-id"]`))
	assert.Contains(t, d.Text(`[data-testid="detail-request"]`), `"toUserIds":["u1001","u1002","u1003"]`)
	dup := content.PostForm(href+"/duplicate", nil)
	require.Equal(t, http.StatusSeeOther, dup.Status)
	draft := content.Follow(dup)
	assert.Equal(t, "家长会通知", draft.Val(`input[name="headText"]`))
	newBusi := draft.Val(`input[name="busiId"]`)
	assert.NotEqual(t, ov.Get("busiId"), newBusi)
	assert.Regexp(t, regexp.MustCompile(`^msg-`), newBusi)
	assert.Equal(t, "周五 15:00", draft.Val(`input[name="form.0.value"]`))
}

// --- org picker ---

func TestRecipientsFromTheOrgPicker(t *testing.T) {
	env := apptest.New(t, map[string]string{"CONSOLE_APPROVAL_RECIPIENTS": "0"}) // approval: internal/handlers/approvals
	b := signIn(t, env, auth.RoleContent)
	v := with(oaVals(), "accountIds", "")
	// JS off: search, then add a result.
	s := b.PostForm("/messages/compose", with(v, "picker_q", "第一实验小学", "picker_search", "1"))
	require.Equal(t, http.StatusOK, s.Status)
	addBtn := s.Doc.Find(`[data-testid^="picker-add-"]`).First()
	id, ok := addBtn.Attr("value")
	require.True(t, ok, "a search hit")
	added := b.PostForm("/messages/compose", with(v, "picker_add", id))
	require.Equal(t, http.StatusOK, added.Status)
	assert.Equal(t, id, added.Val(`[data-testid="picker-chip-`+id+`"] input[name="orgIds"]`))
	assert.Equal(t, "家长会通知", added.Val(`input[name="headText"]`), "the message is kept while picking")

	picked := with(v, "orgIds", id)
	conf := review(b, picked)
	require.Equal(t, http.StatusOK, conf.Status, conf.Text(".field-error"))
	assert.Contains(t, conf.Text(`[data-testid="confirm-orgs"]`), "第一实验小学")
	assert.Contains(t, conf.Text(`[data-testid="request-json"]`), `"toOrgIds":["`+id+`"]`)

	unknown := review(b, with(v, "orgIds", "999999999"))
	require.Equal(t, http.StatusUnprocessableEntity, unknown.Status)
	assert.NotEmpty(t, fieldErr(unknown, "orgIds"))

	res := b.PostForm("/messages/send", picked)
	require.Equal(t, http.StatusSeeOther, res.Status)
	waitSent(t, env, v.Get("busiId"))
	got := fakeOf(t, env).Messages()
	require.Len(t, got, 1)
	assert.Equal(t, []string{id}, got[0].ToOrgIDs)
}

func TestASendUnderWayIsShownNotRepeated(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Latency: 800 * time.Millisecond, Path: tze.PathSend})
	v := oaVals()
	p := b.PostForm("/messages/send", v)
	require.Equal(t, http.StatusSeeOther, p.Status, "send redirects at once, before the platform answers")
	d := b.Follow(p)
	assert.Contains(t, []string{"排队中", "发送中"}, d.Text(`[data-testid="detail-status"]`))
	trigger, _ := d.Doc.Find(`#send-status`).Attr("hx-trigger")
	assert.Equal(t, "every 500ms", trigger, "the page asks again until the outcome is known")
	assert.True(t, d.Has(`#send-status a[href]`), "with JS off, a refresh link")
	again := b.PostForm("/messages/send", v)
	assert.Equal(t, p.Location, again.Location, "a second submit shows the send under way")
	frag := b.HTMX(http.MethodGet, p.Location, nil)
	assert.NotContains(t, frag.Body, "<html")
	assert.True(t, frag.Has(`#send-status`))
	assert.Equal(t, store.SendOK, waitSent(t, env, v.Get("busiId")).Status)
	assert.Len(t, fakeOf(t, env).Messages(), 1)
	done := b.HTMX(http.MethodGet, p.Location, nil)
	_, polling := done.Doc.Find(`#send-status`).Attr("hx-trigger")
	assert.False(t, polling, "a finished send stops polling")
	assert.Equal(t, "true", done.Header.Get("HX-Refresh"), "and the page reloads whole with the outcome")
}

// --- English ---

// cjk matches Chinese characters: English pages of ASCII messages have none
// in their main content (the org data and the user's display name stay
// outside it here).
var cjk = regexp.MustCompile(`\p{Han}`)

// englishOK checks what a reader of the English page would trip over: a raw
// catalog key, a Printf mistake, or Chinese text.
func englishOK(t *testing.T, what string, p *apptest.Page) {
	t.Helper()
	main := p.Doc.Find("main")
	if main.Length() == 0 {
		main = p.Doc.Selection // htmx fragments
	}
	text := main.Text()
	attrs := ""
	main.Find("[aria-label], [title], [placeholder], [alt]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"aria-label", "title", "placeholder", "alt"} {
			v, _ := s.Attr(a)
			attrs += " " + v
		}
	})
	for _, s := range []string{text, attrs} {
		assert.NotRegexp(t, `\b(messages|org|pager|form|nav)\.[a-z_]+(\.[a-z_]+)*\b`, s, "%s: a raw catalog key", what)
		assert.NotContains(t, s, "%!", "%s: a Printf mistake", what)
		assert.Empty(t, cjk.FindAllString(s, 5), "%s: untranslated text", what)
	}
}

func TestEveryPageInEnglish(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	require.Equal(t, http.StatusSeeOther, b.PostForm("/lang", url.Values{"lang": {"en"}}).Status)
	ascii := func(v url.Values) url.Values {
		return with(v, "headText", "Parents' evening", "bodyTitle", "Year 3", "bodyContent", "Please be on time.", "author", "Office",
			"form.0.key", "When", "form.0.value", "Fri 15:00", "form.1.key", "Where", "form.1.value", "Hall",
			"title", "Sports day", "content", "Sign up now")
	}

	englishOK(t, "composer", b.Get("/messages/new"))
	for _, tab := range forms.MsgTypes() {
		englishOK(t, "tab "+tab, b.PostForm("/messages/compose", with(ascii(oaVals()), "tab", tab)))
		englishOK(t, "tab "+tab+" (htmx)", b.HTMX(http.MethodPost, "/messages/compose", with(ascii(oaVals()), "tab", tab)))
	}
	englishOK(t, "preview", b.HTMX(http.MethodPost, "/messages/preview", with(ascii(oaVals()), "bgColor", "80FFD700")))
	empty := b.PostForm("/messages/compose", url.Values{"type": {"oa"}, "op": {"review"}, "bgColor": {"GGCC0000"}, "pcUrl": {"javascript:alert(1)"}})
	require.Equal(t, http.StatusUnprocessableEntity, empty.Status)
	englishOK(t, "field errors", empty)
	assert.Equal(t, "Enter an 8-digit hex ARGB colour such as FFCC0000 (no # or 0x).", fieldErr(empty, "bgColor"))

	v := ascii(oaVals())
	englishOK(t, "confirmation", review(b, v))
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "busy", Path: tze.PathSend})
	failed := b.PostForm("/messages/send", v)
	require.Equal(t, http.StatusSeeOther, failed.Status)
	englishOK(t, "send under way", b.Follow(failed))
	waitSent(t, env, v.Get("busiId"))
	englishOK(t, "upstream failure", b.Get(failed.Location))
	englishOK(t, "try again", b.Get(failed.Location+"/retry"))
	env.App.Sandbox.Faults.Clear()
	sent := b.PostForm("/messages/send", v)
	require.Equal(t, http.StatusSeeOther, sent.Status)
	waitSent(t, env, v.Get("busiId"))
	detail := b.Follow(sent)
	englishOK(t, "detail", detail)
	assert.Equal(t, "Accounts: 3 · org nodes: 0", detail.Text(`[data-testid="detail-recipients"]`))
	englishOK(t, "history", b.Get("/messages/history"))
	englishOK(t, "history, filter error", b.Get("/messages/history?type=oa&from=2026-02-02&to=2026-01-01"))
	englishOK(t, "history, nothing found", b.Get("/messages/history?type=link"))

	englishOK(t, "no drafts", b.Get("/messages/drafts"))
	saved := b.PostForm("/messages/compose", with(v, "op", "save", "busiId", newBusi()))
	require.Equal(t, http.StatusSeeOther, saved.Status)
	englishOK(t, "reopened draft", b.Follow(saved))
	englishOK(t, "drafts", b.Get("/messages/drafts"))
	englishOK(t, "delete draft", b.Get(saved.Location+"/delete"))
}

// The composer's recipient picker pages through more than PickerLimit hits
// and says when a picked node is already included in another one; both stay
// picked and both are sent (the platform reaches each person once).
func TestComposerPickerPagesAndWarnsOfIncludedNodes(t *testing.T) {
	env := apptest.New(t, nil)
	b := signIn(t, env, auth.RoleContent)
	v := with(textVals(), "accountIds", "")
	p := b.PostForm("/messages/compose", with(v, "picker_q", "一年级", "picker_search", "1"))
	require.Equal(t, http.StatusOK, p.Status)
	hits := func(p *apptest.Page) []string {
		var ids []string
		p.Doc.Find(`[data-testid="picker-results"] button[name="picker_add"]`).Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("value", "")) })
		return ids
	}
	first := hits(p)
	require.Len(t, first, 10)
	assert.Regexp(t, `^第 1 / \d+ 页$`, p.Text(`[data-testid="picker-page"]`))
	grade := first[0] // 一年级 itself, then its classes 一年级(1)班 …
	p = b.PostForm("/messages/compose", with(v, "picker_q", "一年级", "picker_page", "1", "picker_goto", "2"))
	require.Equal(t, http.StatusOK, p.Status)
	second := hits(p)
	require.Len(t, second, 10)
	assert.NotContains(t, second, first[0], "another page of hits")
	assert.Regexp(t, `^第 2 / \d+ 页$`, p.Text(`[data-testid="picker-page"]`))
	assert.Equal(t, "明天上午 9 点开会", fieldValue(p, "content"), "paging keeps the message")

	// The grade, then one of its classes: both picked, the class noted.
	class := first[1]
	p = b.PostForm("/messages/compose", with(v, "picker_q", "一年级", "orgIds", grade, "picker_add", class))
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, 2, p.Doc.Find(`[data-testid="picker-chips"] > li`).Length())
	note := p.Text(`[data-testid="picker-overlap-` + class + `"]`)
	assert.Contains(t, note, "“一年级”之下，已包含在内")
	assert.True(t, p.Doc.Find(`[data-testid="picker-overlap-`+class+`"]`).Closest(`[data-testid="picker-orgIds"]`).Length() == 1, "next to the picker")

	picked := url.Values{}
	for k, vs := range v {
		picked[k] = vs
	}
	picked["orgIds"] = []string{grade, class}
	conf := review(b, picked)
	require.Equal(t, http.StatusOK, conf.Status, conf.Text(".field-error"))
	assert.Contains(t, conf.Text(`[data-testid="request-json"]`), `"toOrgIds":["`+grade+`","`+class+`"]`, "both are still allowed")
}
