package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/sandbox"
	fakecx "github.com/orgconsole/console/internal/sandbox/chengxun"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
	"github.com/orgconsole/console/internal/store"
)

// notPages are the GET routes that answer with something other than an HTML
// page of their own, so the accessibility walk does not visit them.
var notPages = map[string]string{
	"/static/*":                     "assets",
	"/healthz":                      "probe",
	"/readyz":                       "probe",
	"/channel-codes/export.csv":     "CSV download",
	"/org/export.csv":               "CSV download",
	"/audit/export.csv":             "CSV download",
	"/channel-codes/qr/:file":       "QR image",
	"/messages/swatch.svg":          "colour swatch image",
	"/messages":                     "redirects to /messages/new",
	"/cards/upload-templates/:file": "CSV and XLSX template download",
	"/cards/jobs/:id/failed.csv":    "CSV download of a push's failed and unknown accounts",
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
				{"channel-codes", walkChannelCodes}, {"org", walkOrg}, {"admin", walkAdmin}, {"schedule", walkSchedule},
				{"approvals", walkApprovals}, {"feeds", walkFeeds},
			} {
				t.Run(area.name, func(t *testing.T) {
					var vars map[string]string
					switch area.name { // the approvals area has the waiting states
					case "messages": // its sends go to org nodes
						vars = map[string]string{"CONSOLE_APPROVAL_RECIPIENTS": "0"}
					case "feeds": // its feed pushes to an organisation
						vars = map[string]string{"CONSOLE_APPROVAL_ACCOUNTS": "0"}
					}
					b := Start(t, vars)
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

// Cards: templates, a rejected template, edit, delete, editor, the wizard's
// targets (accounts, organisation, an uploaded file with bad cells), confirm,
// a finished job and one whose calls failed.
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
	targets := w.b.Location() // the wizard's draft
	w.type_(`#f-enterprise_id`, "e1")
	w.click(`[data-testid=target-org]`, `[data-testid=target-fields-org]`)
	w.audit("cards targets organisation")
	w.click(`[data-testid=target-diff]`, `[data-testid=target-fields-diff]`)
	w.audit("cards targets file")
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("account_id,key1,data1,jump_url1\r\n坏 账号,这一格的文字太长了超过了二十个字的上限啊真的,2,javascript:alert(1)\r\n")
	require.NoError(w.t, err)
	bad := filepath.Join(w.t.TempDir(), "不同数据.csv")
	require.NoError(w.t, os.WriteFile(bad, []byte(gbk), 0o600))
	w.b.Run(chromedp.SetUploadFiles(`#f-diff_file`, []string{bad}, chromedp.ByQuery))
	w.click(`[data-testid=review]`, `[data-testid=csv-errors]`)
	w.audit("cards upload errors")
	w.open(targets)
	w.click(`[data-testid=target-accounts]`, `#f-account_ids`)
	w.b.Run(chromedp.SetValue(`#f-account_ids`, "stu0001\nstu0002", chromedp.ByQuery), chromedp.Click(`[data-testid=show-on-all]`, chromedp.ByQuery))
	w.click(`[data-testid=review]`, `[data-testid=confirm-summary]`)
	w.audit("cards confirm")
	confirm := w.b.Location()
	w.click(`[data-testid=push-now]`, `[data-testid=job-progress]`)
	w.poll(`!document.querySelector('#job-progress').hasAttribute('hx-trigger')`)
	w.audit("cards job done")
	// The platform answers 5xx: the calls' outcome is unknown.
	w.b.Env.App.Sandbox.Faults.Set(fakecx.Name, sandbox.Fault{Kind: sandbox.FaultHTTP500})
	w.open(confirm)
	w.click(`[data-testid=push-now]`, `[data-testid=job-progress]`)
	w.poll(`!document.querySelector('#job-progress').hasAttribute('hx-trigger')`)
	w.b.Env.App.Sandbox.Faults.Clear()
	w.audit("cards job unknown")
	// Its unknown accounts, re-pushed as a new push: the confirmation.
	w.click(`[data-testid=repush-button]`, `[data-testid=confirm-summary]`)
	w.audit("cards re-push confirm")
	w.open("/cards/jobs")
	w.open("/sandbox/cards?account=stu0001")
	// A canary push of 201 accounts: its first call alone, then paused for an
	// admin; the cancel confirmation.
	ids := make([]string, 201)
	for i := range ids {
		ids[i] = fmt.Sprintf("stu%04d", i)
	}
	w.open(targets)
	w.click(`[data-testid=target-accounts]`, `#f-account_ids`)
	w.b.Run(chromedp.SetValue(`#f-account_ids`, strings.Join(ids, "\n"), chromedp.ByQuery))
	w.click(`[data-testid=review]`, `[data-testid=canary]`)
	w.audit("cards confirm with canary")
	w.b.Run(chromedp.Click(`[data-testid=canary]`, chromedp.ByQuery))
	w.click(`[data-testid=push-now]`, `[data-testid=job-progress]`)
	w.poll(`!!document.querySelector('[data-testid=resume]')`)
	w.audit("cards canary paused")
	w.open(w.attr(`[data-testid=cancel]`, "href"))
}

// Messages: composer tabs, the picker, a rejected review, confirm (with the
// admin's cURL), the send page queued, sending, sent, failed and unknown,
// drafts, history, and the preview after the session ended.
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
	w.type_(`[data-testid="picker-q"]`, "一年级")
	w.b.Run(chromedp.WaitVisible(`[data-testid="picker-next"]`, chromedp.ByQuery))
	w.audit("messages picker results")
	w.click(`[data-testid="picker-results"] li:nth-child(1) button`, `[data-testid="picker-chips"] li`)
	w.click(`[data-testid="picker-results"] li:nth-child(2) button`, `[data-testid^="picker-overlap-"]`)
	w.audit("messages picker overlap")
	w.click(`[data-testid="save-draft"]`, `[data-testid=flash]`)
	w.audit("messages draft saved")
	w.click(`[data-testid="review"]`, `[data-testid="request-json"]`)
	w.click(`[data-testid=curl-details] summary`, `[data-testid=curl]`)
	w.audit("messages confirm")
	// The platform takes its time: the page follows the send (htmx).
	w.b.Env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Latency: 5 * time.Second, Path: tze.PathSend, Times: 1})
	w.click(`[data-testid="send"]`, `[data-testid="detail-status"]`)
	w.sendStatus(store.SendSending)
	w.audit("messages sending")
	w.sendStatus(store.SendOK)
	w.audit("messages sent")
	w.b.Env.App.Sandbox.Faults.Clear()
	w.send("会议改期。", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100001", Message: "系统繁忙，请稍后再试", Path: tze.PathSend})
	w.sendStatus(store.SendFailed)
	w.audit("messages send refused")
	w.send("会议取消。", sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: tze.PathSend})
	w.sendStatus(store.SendUnknown)
	w.audit("messages send unknown")
	w.open("/messages/history")
	w.open(w.attr(`[data-testid=history-open]`, "href")) // the newest
	w.open(w.attr(`[data-testid=retry]`, "href"))
	w.open("/messages/drafts") // empty: sending used the draft up
	w.open("/messages/new")
	w.type_(`#f-content`, "草稿")
	w.click(`[data-testid="save-draft"]`, `[data-testid=flash]`)
	w.open("/messages/drafts")
	draft := w.attr(`[data-testid=draft-open]`, "href")
	w.open(draft)
	w.open(draft + "/delete")
	// A queue backed up: a send recorded as queued whose job has not started.
	q, _, err := w.b.Env.App.Store.QueueSend(w.t.Context(), store.MessageSend{BusiID: "a11y-queued", MsgType: "text", Title: "排队",
		Sender: "admin", Recipients: 1, Request: `{"msgtype":"text"}`}, store.AuditEntry{Actor: "admin", Action: "messages.send"},
		func(context.Context, *sql.Tx, int64, int) error { return nil })
	require.NoError(w.t, err)
	w.open("/messages/history/" + strconv.FormatInt(q.ID, 10))
	w.sendStatus(store.SendQueued)
	w.audit("messages queued")
	// The session ends while writing: the live preview says so; signing in
	// resumes the form (the resume page).
	w.open("/messages/new")
	w.type_(`#f-content`, "明天")
	u, err := w.b.Env.App.Store.UserByName(w.t.Context(), "admin")
	require.NoError(w.t, err)
	require.NoError(w.t, w.b.Env.App.Store.UpdateUser(w.t.Context(), u.ID, store.UserChange{EndSessions: true},
		store.AuditEntry{Action: "user.end_sessions"}))
	w.type_(`#f-content`, "开会")
	w.click(`#f-content`, `[data-testid=session-ended-continue]`)
	w.audit("messages session ended")
	w.click(`[data-testid=session-ended-continue]`, `#f-username`)
	w.type_(`#f-username`, "admin")
	w.type_(`#f-password`, auth.SandboxPassword)
	w.click(`[data-testid=login-submit]`, `[data-testid=resume-form] button[type=submit]`)
	w.audit("resume")
}

// send writes a text message to one account and sends it with the fault set
// on the platform (cleared once the send is out of the queue).
func (w *walker) send(text string, f sandbox.Fault) {
	w.t.Helper()
	w.open("/messages/new")
	w.type_(`#f-content`, text)
	w.type_(`#f-accountIds`, "u1001")
	w.click(`[data-testid="review"]`, `[data-testid="send"]`)
	w.b.Env.App.Sandbox.Faults.Set("tze", f)
	w.click(`[data-testid="send"]`, `[data-testid="detail-status"]`)
}

// sendStatus waits for the send page (htmx follows it) to show a status.
func (w *walker) sendStatus(status string) {
	w.t.Helper()
	want := i18n.Tr(i18n.Lang(w.lang), "messages.status."+status)
	w.poll(`(document.querySelector('[data-testid=detail-status]')||{textContent:''}).textContent.trim() === ` + jsString(want))
	if status != store.SendQueued && status != store.SendSending {
		w.b.Env.App.Sandbox.Faults.Clear()
		w.poll(`!document.querySelector('#send-status').hasAttribute('hx-get')`)
	}
}

// poll waits for a condition in the page, across the reload htmx asks for
// when a send or job finishes.
func (w *walker) poll(cond string) {
	w.t.Helper()
	w.b.until(cond)
}

// Channel codes: list, the filters opened, a rejected filter, the chips of
// the filters that apply and one removed, the QR view, an empty result.
func walkChannelCodes(w *walker) {
	w.open("/channel-codes")
	w.click(`[data-testid=cc-filter-toggle]`, `#f-staff`)
	w.audit("channel codes filters open")
	w.type_(`#f-staff`, "12, abc")
	w.click(`[data-testid=cc-apply]`, `[data-testid=err-staff]`)
	w.audit("channel codes rejected filter")
	w.open("/channel-codes?" + url.Values{"name": {"招生"}, "from": {"2025-01-01T00:00"}}.Encode())
	w.click(`[data-testid=cc-chip-remove-from]`, `[data-testid=cc-chips]:not(:has([data-testid=cc-chip-from]))`)
	w.audit("channel codes chip removed")
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
	w.open(user + "/disable")
	w.open(user + "/end-sessions")
	w.open("/admin/users?q=" + url.QueryEscape("con"))
	w.open("/admin/users?q=" + url.QueryEscape("没有这个人"))
	w.open("/audit")
	w.open("/audit?from=" + url.QueryEscape("not a date"))
	w.open("/status")
	w.open("/sandbox")
	w.open("/sandbox/cards")
}

// Schedule: a message and a push set for tomorrow, a time refused on the
// review page, /schedule, both change pages, a refused new time, a
// scheduled item's own page and a cancelled one.
func walkSchedule(w *walker) {
	tomorrow := time.Now().Add(24 * time.Hour).In(w.b.Env.App.Config.Location)
	at := func(t time.Time) string { return t.Format("2006-01-02T15:04") }
	w.open("/messages/new")
	w.type_(`#f-content`, "明天的通知")
	w.type_(`#f-accountIds`, "u1001")
	w.click(`[data-testid="review"]`, `[data-testid="send"]`)
	w.b.Run(chromedp.SetValue(`[data-testid="send-form"] input[name="send_at"]`, "2020-01-01T08:00", chromedp.ByQuery))
	w.submitUnchecked(`[data-testid="send"]`, `[data-testid="send-form"] .field-error`)
	w.audit("messages review past time")
	w.b.Run(chromedp.SetValue(`[data-testid="send-form"] input[name="send_at"]`, at(tomorrow), chromedp.ByQuery))
	w.click(`[data-testid="send"]`, `[data-testid="scheduled-for"]`)
	w.audit("scheduled send")
	w.open("/cards")
	w.open(w.attr(`a[data-testid^=edit-data-]`, "href"))
	w.b.Run(chromedp.SetValue(`#f-items-0-key`, "到校人数", chromedp.ByQuery), chromedp.SetValue(`#f-items-0-data`, "1024", chromedp.ByQuery))
	w.click(`[data-testid=next-targets]`, `[data-testid=targets-form]`)
	w.click(`[data-testid=target-accounts]`, `#f-account_ids`)
	w.b.Run(chromedp.SetValue(`#f-account_ids`, "stu0001", chromedp.ByQuery), chromedp.Click(`[data-testid=show-on-all]`, chromedp.ByQuery))
	w.click(`[data-testid=review]`, `[data-testid=confirm-summary]`)
	w.b.Run(chromedp.SetValue(`input[name="send_at"]`, at(tomorrow.Add(time.Hour)), chromedp.ByQuery))
	w.click(`[data-testid=push-now]`, `[data-testid="scheduled-for"]`)
	w.audit("scheduled push")
	w.open("/schedule")
	push := w.attr(`[data-testid^="scheduled-push-"] [data-testid="scheduled-change"]`, "href")
	send := w.attr(`[data-testid^="scheduled-send-"] [data-testid="scheduled-change"]`, "href")
	w.open(push)
	w.open(send)
	w.b.Run(chromedp.SetValue(`#f-new-send-at`, "2020-01-01T08:00", chromedp.ByQuery))
	w.click(`[data-testid="reschedule"]`, `[data-testid="reschedule-form"] .field-error`)
	w.audit("reschedule refused")
	w.click(`[data-testid="cancel-scheduled"]`, `[data-testid="cancelled-note"]`)
	w.audit("scheduled send cancelled")
}

// Approvals: a push waiting (the requester's job page and own request),
// the list and request as the other admin, a rejection without a reason,
// and the rejected push.
func walkApprovals(w *walker) {
	w.b.Env.AddUser(w.t, secondAdmin, auth.RoleAdmin, secondAdminPW)
	job := requestWidePush(w.b, w.lang == "en")
	w.audit("push awaiting approval")
	ids := make([]string, 51)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%d", 2000+i)
	}
	w.open("/messages/new")
	w.type_(`#f-content`, "全体通知")
	w.b.Run(chromedp.SetValue(`#f-accountIds`, strings.Join(ids, "\n"), chromedp.ByQuery))
	w.click(`[data-testid="review"]`, `[data-testid="send"]`)
	w.audit("message review, needs approval")
	w.click(`[data-testid="send"]`, `[data-testid="approval-state"]`)
	w.audit("message awaiting approval")
	w.open("/cards/feeds/new")
	fillFeed(w.b, "今日出勤", freezeFeed(w.b))
	w.click(`[data-testid=feed-save]`, `[data-testid=approval-state]`)
	w.audit("feed awaiting approval")
	feedID, err := strconv.ParseInt(strings.TrimPrefix(w.b.Location(), "/cards/feeds/"), 10, 64)
	require.NoError(w.t, err)
	feedReq, err := w.b.Env.App.Store.LatestApproval(w.t.Context(), store.ApprovalFeed, feedID)
	require.NoError(w.t, err)
	w.open("/approvals")
	request := w.attr(`[data-testid=approvals-pending] [data-testid=approval-open]`, "href")
	w.open(request)
	w.b.logout()
	w.b.loginAs(secondAdmin, secondAdminPW)
	w.open("/approvals")
	w.open("/approvals/" + strconv.FormatInt(feedReq.ID, 10))
	w.open(request)
	w.submitUnchecked(`[data-testid=reject]`, `[data-testid=reject-form] .field-error`)
	w.audit("reject without a reason")
	w.type_(`[data-testid=reject-form] textarea`, "名单有误")
	w.click(`[data-testid=reject]`, `[data-testid=approval-state]`)
	w.audit("push rejected")
	w.open(job)
	w.open("/")
}

// Feeds: none yet, the form refused (a host not allowed), a feed with a
// pushed run and an unchanged one, its job page, its edit page, a run that
// fails, the list.
func walkFeeds(w *walker) {
	src := freezeFeed(w.b)
	w.open("/cards/feeds")
	w.open("/cards/feeds/new")
	fillFeed(w.b, "今日出勤", "http://data.example.invalid/a.json")
	w.click(`[data-testid=feed-save]`, `[data-testid=err-url]`)
	w.audit("feed refused")
	w.b.Run(chromedp.SetValue(`#f-url`, src, chromedp.ByQuery))
	w.click(`[data-testid=feed-save]`, `[data-testid=feed-summary]`)
	feed := w.b.Location()
	w.audit("feed created")
	submit(w.b, `[data-testid=run-now]`)
	w.poll(`document.querySelector('[data-testid=run]')?.dataset.status === 'pushed' && !document.querySelector('#feed-runs').hasAttribute('hx-trigger')`)
	w.audit("feed pushed")
	submit(w.b, `[data-testid=run-now]`)
	w.poll(`document.querySelector('[data-testid=run]')?.dataset.status === 'unchanged' && !document.querySelector('#feed-runs').hasAttribute('hx-trigger')`)
	w.audit("feed unchanged")
	w.open(w.attr(`[data-testid=run-job]`, "href"))
	w.open(feed + "/edit")
	w.open("/cards/feeds")
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
