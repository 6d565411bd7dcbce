package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
)

// notPages are the GET routes that answer with something other than an HTML
// page of their own, so the accessibility walk does not visit them.
var notPages = map[string]string{
	"/static/*":                 "assets",
	"/healthz":                  "probe",
	"/readyz":                   "probe",
	"/channel-codes/export.csv": "CSV download",
	"/org/export.csv":           "CSV download",
	"/audit/export.csv":         "CSV download",
	"/channel-codes/qr/:file":   "QR image",
	"/messages/swatch.svg":      "colour swatch image",
	"/resume/:id":               "only after a session expired mid-form; covered by the router tests",
	"/messages":                 "redirects to /messages/new",
}

// Every page and its main states, in both languages, as an admin (who sees
// every page) and signed out: axe finds no WCAG 2.2 A/AA violation and
// html-validate no error (both checked by the harness), and no page of the
// route table is left out. One browser per area keeps each within the
// harness's time limit.
func TestJourneyEveryPageAccessible(t *testing.T) {
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			visited := map[string]bool{}
			for _, area := range []struct {
				name string
				walk func(w *walker)
			}{
				{"signed-out", walkSignedOut}, {"cards", walkCards}, {"messages", walkMessages},
				{"channel-codes", walkChannelCodes}, {"org", walkOrg}, {"admin", walkAdmin},
			} {
				t.Run(area.name, func(t *testing.T) {
					b := Start(t, nil)
					w := &walker{t: t, b: b, lang: lang}
					b.Open("/login")
					if lang == "en" {
						w.click(`[data-testid=lang-en]`, `[data-testid=lang-zh-CN]`)
					}
					if area.name != "signed-out" {
						b.Login(auth.RoleAdmin)
					}
					defer func() { // also after a failed step: the pages before it count
						for _, u := range b.html.urls() {
							visited[routeOf(b, u)] = true
						}
					}()
					area.walk(w)
				})
			}
			assertEveryPageVisited(t, visited)
		})
	}
}

// walker drives one browser through an area, auditing as it goes.
type walker struct {
	t    *testing.T
	b    *Browser
	lang string
}

// audit runs axe on the page as it is now.
func (w *walker) audit(state string) { w.t.Helper(); w.b.Audit(state + " (" + w.lang + ")") }

// open loads a page and audits it.
func (w *walker) open(path string) {
	w.t.Helper()
	w.b.Open(path)
	w.audit(path)
}

func (w *walker) click(sel, wait string) {
	w.t.Helper()
	w.b.Run(chromedp.Click(sel, chromedp.ByQuery), chromedp.WaitVisible(wait, chromedp.ByQuery))
}

// submitUnchecked submits a form past the browser's own checks (required,
// pattern), to reach the server's errors beside the fields.
func (w *walker) submitUnchecked(sel, wait string) {
	w.t.Helper()
	w.b.Run(chromedp.Evaluate(`document.querySelectorAll('form').forEach(f => f.noValidate = true)`, nil))
	w.click(sel, wait)
}

func (w *walker) type_(sel, text string) {
	w.t.Helper()
	w.b.Run(chromedp.SendKeys(sel, text, chromedp.ByQuery))
}

func (w *walker) attr(sel, name string) string {
	w.t.Helper()
	var v string
	w.b.Run(chromedp.AttributeValue(sel, name, &v, nil, chromedp.ByQuery))
	require.NotEmpty(w.t, v, "%s[%s]", sel, name)
	return v
}

func walkSignedOut(w *walker) {
	w.audit("login")
	w.type_(`#f-username`, "admin")
	w.type_(`#f-password`, "wrong password")
	w.click(`[data-testid=login-submit]`, `[data-testid=login-error]`)
	w.audit("login error")
	w.open("/no-such-page")
	w.b.Login(auth.RoleSupport)
	w.audit("dashboard (support)")
	w.open("/account/sessions")
	w.open("/no-such-page")
}

// Cards: templates, a rejected template, edit, delete, editor, targets, confirm, job.
func walkCards(w *walker) {
	w.open("/")
	w.open("/cards")
	w.submitUnchecked(`[data-testid=template-create]`, `[data-testid=err-name]`)
	w.audit("cards template rejected")
	w.open("/cards")
	edit := w.attr(`a[data-testid^=edit-data-]`, "href")
	tid := strings.TrimPrefix(edit, "/cards/editor?template=")
	w.open("/cards/templates/" + tid + "/edit")
	w.open("/cards/templates/" + tid + "/delete")
	w.open(edit)
	w.submitUnchecked(`[data-testid=next-targets]`, `[data-testid=editor-form] .field-error`)
	w.audit("cards editor rejected")
	w.b.Run(chromedp.SetValue(`#f-items-0-key`, "到校人数", chromedp.ByQuery), chromedp.SetValue(`#f-items-0-data`, "1024", chromedp.ByQuery))
	w.click(`[data-testid=next-targets]`, `[data-testid=targets-form]`)
	w.audit("cards targets")
	w.b.Run(chromedp.SetValue(`#f-account_ids`, "stu0001\nstu0002", chromedp.ByQuery), chromedp.Click(`[data-testid=show-on-all]`, chromedp.ByQuery))
	w.click(`[data-testid=review]`, `[data-testid=confirm-summary]`)
	w.audit("cards confirm")
	w.click(`[data-testid=push-now]`, `[data-testid=job-progress]`)
	cardsWait(w.b, `!document.querySelector('#job-progress').hasAttribute('hx-trigger')`)
	w.audit("cards job done")
	w.open("/cards/jobs")
	w.open("/sandbox/cards?account=stu0001")
}

// Messages: composer tabs, the picker, a rejected review, confirm, sent, drafts, history.
func walkMessages(w *walker) {
	w.open("/messages/new")
	w.click(`[data-testid="tab-link"]`, `[data-testid="fields-link"]`)
	w.audit("messages compose link")
	w.click(`[data-testid="tab-oa"]`, `[data-testid="fields-oa"]`)
	w.click(`[data-testid="add-row"]`, `#f-form-0-key`)
	w.audit("messages compose oa")
	w.click(`[data-testid="picker-browse-open"]`, `[data-testid="picker-level"]`)
	w.audit("messages picker browse")
	w.click(`[data-testid="tab-text"]`, `[data-testid="fields-text"]`)
	w.submitUnchecked(`[data-testid="review"]`, `[data-testid="composer"] .field-error`)
	w.audit("messages compose rejected")
	w.type_(`#f-content`, "明天上午九点开会。")
	w.type_(`[data-testid="picker-q"]`, "一年级(1)班")
	w.b.Run(chromedp.WaitVisible(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, chromedp.ByQuery))
	w.audit("messages picker results")
	cls := w.attr(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, "value")
	w.click(`[data-testid="picker-add-`+cls+`"]`, `[data-testid="picker-chip-`+cls+`"]`)
	w.click(`[data-testid="save-draft"]`, `[data-testid=flash]`)
	w.audit("messages draft saved")
	w.click(`[data-testid="review"]`, `[data-testid="request-json"]`)
	w.audit("messages confirm")
	w.click(`[data-testid="send"]`, `[data-testid="detail-status"]`)
	w.audit("messages sent")
	w.open("/messages/new")
	w.type_(`#f-content`, "会议改期。")
	w.type_(`#f-accountIds`, "u1001")
	w.b.Env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "系统繁忙，请稍后再试", Path: tze.PathSend})
	w.click(`[data-testid="review"]`, `[data-testid="send"]`)
	w.click(`[data-testid="send"]`, `[data-testid="upstream-error"]`)
	w.audit("messages send refused")
	w.b.Env.App.Sandbox.Faults.Clear()
	w.open("/messages/history")
	w.open(w.attr(`[data-testid=history-open]`, "href")) // the newest: the refused send
	w.open(w.attr(`[data-testid=retry]`, "href"))
	w.open("/messages/drafts") // empty: sending used the draft up
	w.open("/messages/new")
	w.type_(`#f-content`, "草稿")
	w.click(`[data-testid="save-draft"]`, `[data-testid=flash]`)
	w.open("/messages/drafts")
	draft := w.attr(`[data-testid=draft-open]`, "href")
	w.open(draft)
	w.open(draft + "/delete")
}

// Channel codes: list, a rejected filter, the QR view, an empty result.
func walkChannelCodes(w *walker) {
	w.open("/channel-codes")
	w.type_(`#f-staff`, "12, abc")
	w.click(`[data-testid=cc-apply]`, `[data-testid=err-staff]`)
	w.audit("channel codes rejected filter")
	w.open("/channel-codes")
	w.click(`[data-testid=cc-row] details summary`, `[data-testid=cc-row] details[open] img`)
	w.audit("channel codes QR")
	w.open("/channel-codes?name=" + url.QueryEscape("没有这个活码"))
}

// Org tree: a level opened with htmx, a node, search hits and none, a bad id.
func walkOrg(w *walker) {
	w.open("/org")
	w.click(`#t-`+fake.SeedSchoolID, `#k-`+fake.SeedSchoolID+` > li`)
	w.audit("org level opened")
	w.open("/org?open=" + fake.SeedSchoolID)
	w.open("/org/node/" + fake.SeedSchoolID)
	w.open("/org/search?q=" + url.QueryEscape("一年级(1)班"))
	w.open("/org/search?q=zzz")
	w.open("/org?org=")
}

// Administration: users, a rejected user, one user, a password, audit, status, sandbox.
func walkAdmin(w *walker) {
	w.open("/admin/users")
	w.submitUnchecked(`[data-testid=user-create]`, `[data-testid=err-username]`)
	w.audit("users create rejected")
	w.open("/admin/users")
	user := w.attr(`[data-testid="user-content"] a[href^="/admin/users/"]`, "href")
	w.open(user)
	w.open(user + "/password")
	w.open("/audit")
	w.open("/audit?from=" + url.QueryEscape("not a date"))
	w.open("/status")
	w.open("/sandbox")
	w.open("/sandbox/cards")
}

// routeOf is the route-table path that serves a URL.
func routeOf(b *Browser, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	e := b.Env.App.Echo
	c := e.NewContext(httptest.NewRequest(http.MethodGet, u.Path, nil), httptest.NewRecorder())
	e.Router().Find(http.MethodGet, u.Path, c)
	return c.Path()
}

// assertEveryPageVisited fails when a GET page of the route table was not
// among the HTML the walk received, so a new page cannot skip the checks.
func assertEveryPageVisited(t *testing.T, visited map[string]bool) {
	env := apptest.New(t, nil)
	var missing []string
	for _, r := range env.App.Echo.Routes() {
		if r.Method != http.MethodGet || notPages[r.Path] != "" || visited[r.Path] {
			continue
		}
		missing = append(missing, r.Path)
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "pages the accessibility walk does not visit (add them to the walk, or to notPages with the reason)")
}
