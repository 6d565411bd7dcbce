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

	"github.com/orgconsole/console/internal/auth"
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
}

// Every page and its main states, in both languages, as an admin (who sees
// every page) and signed out: axe finds no WCAG 2.2 A/AA violation and
// html-validate no error (both checked by the harness), and no page of the
// route table is left out.
func TestJourneyEveryPageAccessible(t *testing.T) {
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := Start(t, nil)
			b.Open("/login")
			if lang == "en" {
				b.Run(chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=lang-zh-CN]`, chromedp.ByQuery))
			}
			walkEveryPage(t, b, lang)
			assertEveryPageVisited(t, b)
		})
	}
}

func walkEveryPage(t *testing.T, b *Browser, lang string) {
	p := func(name string) string { return name + "-" + lang }
	click := func(sel, wait string) {
		t.Helper()
		b.Run(chromedp.Click(sel, chromedp.ByQuery), chromedp.WaitVisible(wait, chromedp.ByQuery))
	}
	open := func(path string) {
		t.Helper()
		b.Open(path)
		b.Audit(p(path))
	}
	attr := func(sel, name string) string {
		t.Helper()
		var v string
		b.Run(chromedp.AttributeValue(sel, name, &v, nil, chromedp.ByQuery))
		require.NotEmpty(t, v, "%s[%s]", sel, name)
		return v
	}

	// Signed out.
	b.Audit(p("login"))
	b.Run(
		chromedp.SendKeys(`#f-username`, "admin", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, "wrong password", chromedp.ByQuery),
		chromedp.Click(`[data-testid=login-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=login-error]`, chromedp.ByQuery),
	)
	b.Audit(p("login-error"))
	open("/no-such-page")
	b.Login(auth.RoleAdmin)
	b.Audit(p("dashboard"))
	open("/account/sessions")

	// Cards: templates, a rejected template, edit, delete, editor, targets, confirm, job.
	open("/cards")
	click(`[data-testid=template-create]`, `[data-testid=err-name]`)
	b.Audit(p("cards-template-error"))
	open("/cards")
	edit := attr(`a[data-testid^=edit-data-]`, "href")
	tid := strings.TrimPrefix(edit, "/cards/editor?template=")
	open("/cards/templates/" + tid + "/edit")
	open("/cards/templates/" + tid + "/delete")
	open(edit)
	click(`[data-testid=next-targets]`, `[data-testid=editor-form]`) // empty items: errors beside the fields
	b.Audit(p("cards-editor-errors"))
	b.Run(chromedp.SendKeys(`#f-items-0-key`, "到校人数", chromedp.ByQuery), chromedp.SendKeys(`#f-items-0-data`, "1024", chromedp.ByQuery))
	click(`[data-testid=next-targets]`, `[data-testid=targets-form]`)
	b.Audit(p("cards-targets"))
	b.Run(chromedp.SetValue(`#f-account_ids`, "stu0001\nstu0002", chromedp.ByQuery))
	click(`[data-testid=review]`, `[data-testid=confirm-summary]`)
	b.Audit(p("cards-confirm"))
	click(`[data-testid=push-now]`, `[data-testid=job-progress]`)
	cardsWait(b, `!document.querySelector('#job-progress').hasAttribute('hx-trigger')`)
	b.Audit(p("cards-job-done"))
	open("/cards/jobs")

	// Messages: composer tabs, rejected review, confirm, sent, drafts, history.
	open("/messages")
	open("/messages/new")
	click(`[data-testid="tab-link"]`, `[data-testid="fields-link"]`)
	b.Audit(p("messages-compose-link"))
	click(`[data-testid="tab-oa"]`, `[data-testid="fields-oa"]`)
	click(`[data-testid="add-row"]`, `#f-form-0-key`)
	b.Audit(p("messages-compose-oa"))
	click(`[data-testid="picker-browse-open"]`, `[data-testid="picker-level"]`)
	b.Audit(p("messages-picker-browse"))
	click(`[data-testid="tab-text"]`, `[data-testid="fields-text"]`)
	click(`[data-testid="review"]`, `[data-testid="composer"] .field-error`)
	b.Audit(p("messages-compose-errors"))
	b.Run(chromedp.SendKeys(`#f-content`, "明天上午九点开会。", chromedp.ByQuery))
	b.Run(chromedp.SendKeys(`[data-testid="picker-q"]`, "一年级(1)班", chromedp.ByQuery))
	b.Run(chromedp.WaitVisible(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, chromedp.ByQuery))
	b.Audit(p("messages-picker-results"))
	cls := attr(`[data-testid="picker-results"] [data-testid^="picker-add-"]`, "value")
	click(`[data-testid="picker-add-`+cls+`"]`, `[data-testid="picker-chip-`+cls+`"]`)
	click(`[data-testid="save-draft"]`, `[data-testid=flash]`)
	b.Audit(p("messages-draft-saved"))
	click(`[data-testid="review"]`, `[data-testid="request-json"]`)
	b.Audit(p("messages-confirm"))
	click(`[data-testid="send"]`, `[data-testid="detail-status"]`)
	b.Audit(p("messages-sent"))
	sent := b.Location()
	open(sent + "/retry")
	open("/messages/history")
	open("/messages/drafts")
	draft := attr(`[data-testid=draft-open]`, "href")
	open(draft)
	open(draft + "/delete")
	open("/org/picker/search?q=" + url.QueryEscape("一年级"))
	open("/org/picker/browse?org=" + fake.SeedSchoolID)

	// Channel codes: list, a rejected filter, the QR view, an empty result.
	open("/channel-codes")
	b.Run(chromedp.SendKeys(`#f-staff`, "12, abc", chromedp.ByQuery), chromedp.Click(`[data-testid=cc-apply]`, chromedp.ByQuery))
	b.Run(chromedp.WaitVisible(`[data-testid=err-staff]`, chromedp.ByQuery))
	b.Audit(p("channel-codes-filter-error"))
	open("/channel-codes")
	b.Run(chromedp.Click(`[data-testid=cc-row] details summary`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=cc-row] details[open] img`, chromedp.ByQuery))
	b.Audit(p("channel-codes-qr"))
	open("/channel-codes?name=" + url.QueryEscape("没有这个活码"))

	// Org tree: a level opened with htmx, a node, search hits and none, a bad id.
	open("/org")
	b.Run(chromedp.Click(`#t-`+fake.SeedSchoolID, chromedp.ByQuery), chromedp.WaitVisible(`#k-`+fake.SeedSchoolID+` > li`, chromedp.ByQuery))
	b.Audit(p("org-expanded"))
	open("/org/children?id=" + fake.SeedSchoolID)
	open("/org?open=" + fake.SeedSchoolID)
	open("/org/node/" + fake.SeedSchoolID)
	open("/org/search?q=" + url.QueryEscape("一年级(1)班"))
	open("/org/search?q=zzz")
	open("/org?org=")

	// Administration.
	open("/admin/users")
	click(`[data-testid=user-create]`, `[data-testid=err-username]`)
	b.Audit(p("users-create-error"))
	open("/admin/users")
	user := attr(`[data-testid="user-content"] a[href^="/admin/users/"]`, "href")
	open(user)
	open(user + "/password")
	open("/audit")
	open("/audit?action=" + url.QueryEscape("no such action"))
	open("/status")
	open("/sandbox")
	open("/sandbox/cards")
	open("/sandbox/cards?account=stu0001")
}

// assertEveryPageVisited fails when a GET page of the route table was not
// among the HTML the walk received, so a new page cannot skip the checks.
func assertEveryPageVisited(t *testing.T, b *Browser) {
	e := b.Env.App.Echo
	visited := map[string]bool{}
	for _, raw := range b.html.urls() {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		c := e.NewContext(httptest.NewRequest(http.MethodGet, u.Path, nil), httptest.NewRecorder())
		e.Router().Find(http.MethodGet, u.Path, c)
		visited[c.Path()] = true
	}
	var missing []string
	for _, r := range e.Routes() {
		if r.Method != http.MethodGet || notPages[r.Path] != "" || visited[r.Path] {
			continue
		}
		missing = append(missing, r.Path)
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "pages the accessibility walk does not visit (add them to walkEveryPage, or to notPages with the reason)")
}
