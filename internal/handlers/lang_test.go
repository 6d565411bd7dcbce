package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/handlers"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/sandbox"
	faketze "github.com/orgconsole/console/internal/sandbox/tze"
	"github.com/orgconsole/console/internal/store"
)

// TestEveryPageInBothLanguages renders every page of the route table and
// their main states (errors, failures, finished work) in Chinese and in
// English, and fails on what a reader would trip over: a raw message key or
// action code, English words in the Chinese interface, Chinese in the English
// one (outside data: names, ids, code, JSON), and "1 calls".
func TestEveryPageInBothLanguages(t *testing.T) {
	// apptest's upstream budget: a loaded machine fetches the 19,000-node org slowly.
	env := apptest.New(t, nil)
	ctx := t.Context()
	admin := env.As(t, auth.RoleAdmin)
	content := env.As(t, auth.RoleContent)

	// The states worth seeing: a push with a failed call, a sent and a failed
	// message, a draft, a last upstream error on the status page, a spare user.
	kd := url.Values{"template": {"ctpl1001"}, "template_name": {"校园数据看板"}, "type": {"KEYDATA"},
		"items.0.key": {"到校人数"}, "items.0.data": {"20"}, "target": {"accounts"}, "enterprise_id": {"e1"},
		"account_ids": {strings.Join(accountIDs(201), "\n")}}
	_, conf := cardWizard(t, admin, kd)
	require.Equal(t, http.StatusOK, conf.Status)
	cardDraft := hiddenFields(conf, "push-form").Get("draft")
	env.App.Sandbox.Faults.Set("chengxun", sandbox.Fault{Kind: sandbox.FaultHTTP500})
	push := admin.PostForm("/cards/push", hiddenFields(conf, "push-form"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	jobURL := push.Location
	jobID, err := strconv.ParseInt(strings.TrimPrefix(jobURL, "/cards/jobs/"), 10, 64)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		j, err := env.App.Store.PushJob(ctx, jobID)
		return err == nil && !j.Active()
	}, 30*time.Second, 20*time.Millisecond)
	env.App.Sandbox.Faults.Set("chengxun", sandbox.Fault{})
	pausedJob, canaryJob, cancelledJob := controlledPushes(t, env, admin, kd)

	sent := content.PostForm("/messages/send", url.Values{"type": {"text"}, "content": {"明天上午 9 点开会"}, "busiId": {"b1"}, "accountIds": {"u1001"}})
	require.Equal(t, http.StatusSeeOther, sent.Status)
	sendFails := func(busiID string) *apptest.Page {
		env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: tze.PathSend})
		defer env.App.Sandbox.Faults.Set("tze", sandbox.Fault{})
		p := content.PostForm("/messages/send", url.Values{"type": {"text"}, "content": {"第二条"}, "busiId": {busiID}, "accountIds": {"u1001"}})
		require.Equal(t, http.StatusSeeOther, p.Status)
		require.Eventually(t, func() bool {
			row, err := env.App.Store.MessageSendByBusiID(ctx, busiID)
			return err == nil && row.Status == store.SendUnknown
		}, 30*time.Second, 20*time.Millisecond, "a 5xx leaves a text message unknown")
		return content.Get(p.Location)
	}
	sendFails("b2")
	sends, _, err := env.App.Store.ListMessageSends(ctx, store.SendFilter{}, 0, 10)
	require.NoError(t, err)
	require.NotEmpty(t, sends)
	draft := content.PostForm("/messages/compose", url.Values{"op": {"save"}, "type": {"link"}, "title": {"草稿"}, "busiId": {"b3"}})
	require.Equal(t, http.StatusSeeOther, draft.Status)
	spare := createUser(t, env, "spare")
	me, err := env.App.Store.UserByName(ctx, "admin")
	require.NoError(t, err)

	// Scheduled work: a send and a push waiting, a cancelled send, and a send
	// that started late (its time moved back: the console "was down").
	later := time.Now().Add(24 * time.Hour).In(env.App.Config.Location).Format("2006-01-02T15:04")
	scheduledSend := content.PostForm("/messages/send", url.Values{"type": {"text"}, "content": {"明天的通知"}, "busiId": {"b5"}, "accountIds": {"u1001"}, "send_at": {later}})
	require.Equal(t, http.StatusSeeOther, scheduledSend.Status)
	cancelled := content.PostForm("/messages/send", url.Values{"type": {"text"}, "content": {"取消的通知"}, "busiId": {"b6"}, "accountIds": {"u1001"}, "send_at": {later}})
	require.Equal(t, http.StatusSeeOther, cancelled.Status)
	sendID := func(p *apptest.Page) string { return strings.TrimPrefix(p.Location, "/messages/history/") }
	require.Equal(t, http.StatusSeeOther, content.PostForm("/schedule/sends/"+sendID(cancelled)+"/cancel", nil).Status)
	_, err = env.App.Store.DB().ExecContext(ctx, `UPDATE message_sends SET send_at = ?, fired_at = ? WHERE busi_id = 'b1'`,
		time.Now().Add(-time.Hour).UnixMilli(), time.Now().Add(-59*time.Minute).UnixMilli())
	require.NoError(t, err)
	_, conf2 := cardWizard(t, admin, kd)
	scheduledPush := admin.PostForm("/cards/push", withVals(hiddenFields(conf2, "push-form"), "send_at", later))
	require.Equal(t, http.StatusSeeOther, scheduledPush.Status)

	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope})
	admin.PostForm("/status/probe", url.Values{"platform": {"tze"}})
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{})

	// The organisation pages read the whole tree through the org cache; on a
	// loaded machine a cold fetch can outlast the short upstream budget this
	// test uses (so that a hung send fails fast), so the cache is filled first.
	require.Eventually(t, func() bool { return admin.Get("/org").Status == http.StatusOK }, 30*time.Second, 100*time.Millisecond)
	// Four eyes: a second admin's push waits for admin's decision; a
	// content user's wide message was rejected with a reason.
	admin2 := env.SecondAdmin(t, "admin2")
	wide := withVals(kd, "account_ids", strings.Join(accountIDs(1001), "\n"))
	_, wideConf := cardWizard(t, admin2, wide)
	require.Equal(t, http.StatusOK, wideConf.Status)
	waiting := admin2.PostForm("/cards/push", hiddenFields(wideConf, "push-form"))
	require.Equal(t, http.StatusSeeOther, waiting.Status)
	waitingJob, err := strconv.ParseInt(strings.TrimPrefix(waiting.Location, "/cards/jobs/"), 10, 64)
	require.NoError(t, err)
	pending, err := env.App.Store.LatestApproval(ctx, store.ApprovalPush, waitingJob)
	require.NoError(t, err)
	approvalURL := "/approvals/" + strconv.FormatInt(pending.ID, 10)
	manyUsers := url.Values{"type": {"text"}, "content": {"全体通知"}, "busiId": {"b51"}, "accountIds": {strings.Join(accountIDs(51), "\n")}}
	wideSend := content.PostForm("/messages/send", manyUsers)
	require.Equal(t, http.StatusSeeOther, wideSend.Status)
	wideRow, err := env.App.Store.MessageSendByBusiID(ctx, "b51")
	require.NoError(t, err)
	toReject, err := env.App.Store.LatestApproval(ctx, store.ApprovalSend, wideRow.ID)
	require.NoError(t, err)
	_, err = env.App.Store.RejectRequest(ctx, toReject.ID, "名单有误", store.AuditEntry{Actor: "admin"})
	require.NoError(t, err)
	// A card data feed with a run of every outcome, paused after failing.
	feedURL := feedWithEveryRun(t, env, admin)

	// The users' display names are data ("演示管理员"), shown inside sentences too.
	users, err := env.App.Store.ListUsers(ctx)
	require.NoError(t, err)
	var names []string
	for _, u := range users {
		names = append(names, u.DisplayName)
	}
	names = append(names, "Attendance") // the feed's name

	ids := map[string]string{
		"/cards/templates/:id/edit":     "/cards/templates/ctpl1001/edit",
		"/cards/templates/:id/delete":   "/cards/templates/ctpl1001/delete",
		"/cards/jobs/:id":               jobURL,
		"/messages/drafts/:id":          draft.Location,
		"/messages/drafts/:id/delete":   draft.Location + "/delete",
		"/messages/history/:id":         "/messages/history/" + strconv.FormatInt(sends[0].ID, 10),
		"/messages/history/:id/retry":   "/messages/history/" + strconv.FormatInt(sends[0].ID, 10) + "/retry",
		"/org/node/:id":                 "/org/node/" + faketze.SeedSchoolID,
		"/admin/users/:id":              "/admin/users/" + strconv.FormatInt(spare, 10),
		"/admin/users/:id/password":     "/admin/users/" + strconv.FormatInt(spare, 10) + "/password",
		"/admin/users/:id/disable":      "/admin/users/" + strconv.FormatInt(spare, 10) + "/disable",
		"/admin/users/:id/end-sessions": "/admin/users/" + strconv.FormatInt(spare, 10) + "/end-sessions",
		"/schedule/sends/:id":           "/schedule/sends/" + sendID(scheduledSend),
		"/schedule/pushes/:id":          "/schedule/pushes/" + strings.TrimPrefix(scheduledPush.Location, "/cards/jobs/"),
		"/approvals/:id":                approvalURL,
		"/cards/jobs/:id/cancel":        pausedJob + "/cancel",
		"/cards/feeds/:id":              feedURL,
		"/cards/feeds/:id/edit":         feedURL + "/edit",
	}
	// Pages of the push wizard open on a draft.
	queries := map[string]string{"/cards/targets": "?draft=" + cardDraft, "/cards/confirm": "?draft=" + cardDraft}
	notPages := map[string]bool{"/static/*": true, "/cards/upload-templates/:file": true, "/healthz": true, "/readyz": true, "/resume/:id": true, "/messages/swatch.svg": true,
		"/channel-codes/export.csv": true, "/channel-codes/qr/:file": true, "/org/export.csv": true, "/audit/export.csv": true,
		"/cards/jobs/:id/failed.csv": true} // a download, not a page

	for _, lang := range i18n.Langs {
		admin.PostForm("/lang", url.Values{"lang": {string(lang)}})
		content.PostForm("/lang", url.Values{"lang": {string(lang)}})
		admin2.PostForm("/lang", url.Values{"lang": {string(lang)}})
		pages := map[string]*apptest.Page{}
		for _, rt := range env.App.Echo.Routes() {
			if rt.Method != http.MethodGet || notPages[rt.Path] || !(rt.Name == handlers.PolicyPublic || strings.HasPrefix(rt.Name, "roles:")) {
				continue
			}
			path := rt.Path
			if strings.Contains(path, ":") {
				var ok bool
				path, ok = ids[rt.Path]
				require.True(t, ok, "%s: give the walk an id to open it with", rt.Path)
			}
			pages["GET "+path] = admin.Get(path + queries[path])
		}
		pages["sign-in"], pages["sign-in failed"] = signInPages(env, t, lang)
		pages["content dashboard"] = content.Get("/")
		pages["drafts"] = content.Get("/messages/drafts")
		pages["message review"] = content.PostForm("/messages/compose", url.Values{"op": {"review"}, "type": {"text"}, "content": {"内容"}, "busiId": {"b4"}, "accountIds": {"u1001"}})
		pages["message review, admin"] = admin.PostForm("/messages/compose", url.Values{"op": {"review"}, "type": {"text"}, "content": {"内容"}, "busiId": {"b5"}, "accountIds": {"u1001"}})
		pages["message errors"] = content.PostForm("/messages/compose", url.Values{"op": {"review"}, "type": {"oa"}, "bgColor": {"zz"}, "busiId": {""}})
		failed := sendFails("b2-" + string(lang))
		pages["message failed"] = failed
		pages["card targets"], pages["card confirm"] = cardWizard(t, admin, kd)
		_, pages["card confirm, one call"] = cardWizard(t, admin, withVals(kd, "account_ids", "t00001"))
		_, pages["card errors"] = cardWizard(t, admin, withVals(kd, "enterprise_id", "", "account_ids", "a b!"))
		pages["job paused"], pages["job canary"], pages["job cancelled"] = admin.Get(pausedJob), admin.Get(canaryJob), admin.Get(cancelledJob)
		repush := admin.PostForm(jobURL+"/repush", nil) // the failed push's unknown accounts, as a new push
		require.Equal(t, http.StatusSeeOther, repush.Status)
		pages["card re-push confirmation"] = admin.Follow(repush)
		pages["audit of pausing"] = admin.Get("/audit?action=cards.push")
		pages["audit filtered"] = admin.Get("/audit?action=cards.push.create")
		pages["audit bad filter"] = admin.Get("/audit?from=2026-13-01T00:00")
		pages["history filtered"] = admin.Get("/messages/history?type=text&from=2020-01-01")
		pages["channel codes filtered"] = admin.Get("/channel-codes?name=%E6%8B%9B%E7%94%9F&from=2025-01-01T00%3A00")
		pages["channel codes bad"] = admin.Get("/channel-codes?staff=x1&from=2026-13-01")
		pages["org search"] = admin.Get("/org/search?q=%E7%8F%AD")
		pages["org unknown"] = admin.Get("/org?org=x404")
		pages["sandbox card"] = admin.Get("/sandbox/cards?account=t00001&enterprise=e1")
		pages["users search"] = admin.Get("/admin/users?q=spa")
		pages["users none found"] = admin.Get("/admin/users?q=" + url.QueryEscape("王五")) // the query is data: Chinese in both
		pages["end own sessions"] = admin.Get("/admin/users/" + strconv.FormatInt(me.ID, 10) + "/end-sessions")
		pages["schedule, content"] = content.Get("/schedule")
		pages["scheduled send"] = content.Get(scheduledSend.Location)
		pages["cancelled send"] = content.Get(cancelled.Location)
		pages["late send"] = content.Get("/messages/history/" + strconv.FormatInt(sends[len(sends)-1].ID, 10))
		pages["scheduled push"] = admin.Get(scheduledPush.Location)
		pages["reschedule error"] = content.PostForm("/schedule/sends/"+sendID(scheduledSend)+"/reschedule", url.Values{"send_at": {"2020-01-01T08:00"}})
		reviewed := content.PostForm("/messages/compose", url.Values{"op": {"review"}, "type": {"text"}, "content": {"内容"}, "busiId": {"b7"}, "accountIds": {"u1001"}})
		pages["message review, bad time"] = content.PostForm("/messages/send", withVals(hiddenFields(reviewed, "send-form"), "send_at", "x"))
		_, pconf := cardWizard(t, admin, kd)
		pages["card confirm, bad time"] = admin.PostForm("/cards/push", withVals(hiddenFields(pconf, "push-form"), "send_at", "2020-01-01T08:00"))
		pages["new user errors"] = admin.PostForm("/admin/users", url.Values{"username": {"x"}, "password": {"short"}, "role": {"admin"}})
		_, pages["card confirm, needs approval"] = cardWizard(t, admin, wide)
		pages["message review, needs approval"] = content.PostForm("/messages/compose", withVals(manyUsers, "op", "review", "busiId", "b-review"))
		pages["job awaiting approval"] = admin.Get(waiting.Location)
		pages["job awaiting approval, requester"] = admin2.Get(waiting.Location)
		pages["approval, requester"] = admin2.Get(approvalURL)
		pages["approval, requester refused"] = admin2.PostForm(approvalURL+"/approve", url.Values{"fingerprint": {"x"}})
		admin.Get(approvalURL)
		pages["approval reject without reason"] = admin.PostForm(approvalURL+"/reject", url.Values{"reason": {" "}})
		pages["message rejected"] = content.Get("/messages/history/" + strconv.FormatInt(wideRow.ID, 10))
		pages["dashboard with requests"] = admin2.Get("/")
		admin2.Get("/cards/feeds/new")
		waitingFeed := admin2.PostForm("/cards/feeds", url.Values{"name": {"0730"}, "template": {"ctpl1001"}, "target": {"org"},
			"enterprise_id": {"e1"}, "url": {env.App.Sandbox.BaseURL("feeds") + "/attendance.json"}, "schedule": {"daily"}, "daily_at": {"07:30"}, "enabled": {"true"}})
		require.Equal(t, http.StatusSeeOther, waitingFeed.Status, waitingFeed.Text(".field-error"))
		pages["feed awaiting approval"] = admin2.Get(waitingFeed.Location)
		feedID, err := strconv.ParseInt(strings.TrimPrefix(waitingFeed.Location, "/cards/feeds/"), 10, 64)
		require.NoError(t, err)
		feedReq, err := env.App.Store.LatestApproval(ctx, store.ApprovalFeed, feedID)
		require.NoError(t, err)
		pages["approval of a feed"] = admin.Get("/approvals/" + strconv.FormatInt(feedReq.ID, 10))
		pages["approvals with a feed"] = admin.Get("/approvals")
		admin.Get("/cards/feeds/new")
		pages["feed errors"] = admin.PostForm("/cards/feeds", url.Values{"name": {"x"}, "url": {"https://evil.example/a.json"}, "target": {"accounts"},
			"account_ids": {"a b!"}, "schedule": {"every"}, "every_minutes": {"1"}})
		pages["feed errors, daily"] = admin.PostForm("/cards/feeds", url.Values{"schedule": {"daily"}, "daily_at": {"25:00"}, "target": {"diff"}})

		titles := make([]string, 0, len(pages))
		for n := range pages {
			titles = append(titles, n)
		}
		sort.Strings(titles)
		t.Logf("%s: %d pages and states", lang, len(titles))
		for _, name := range titles {
			p := pages[name]
			if name != "message failed" {
				assert.Less(t, p.Status, 500, "%s %s", lang, name)
			}
			for _, problem := range languageProblems(lang, p.Doc, names...) {
				t.Errorf("%s %s: %s", lang, name, problem)
			}
		}
	}
}

// languageProblems lists what is wrong with a page's words in lang.
func languageProblems(lang i18n.Lang, doc *goquery.Document, data ...string) []string {
	body := doc.Find("body").Clone()
	// Data, not interface: code and JSON, names and ids marked as data
	// (translate="no", .mono), what the user typed, the other language's
	// switch button.
	body.Find(`script, style, pre, code, kbd, samp, textarea, .mono, [translate="no"], [data-testid="lang-switch"]`).Remove()
	// A <noscript> holds markup the parser reads as text: read it as markup.
	body.Find("noscript").Each(func(_ int, s *goquery.Selection) { s.ReplaceWithHtml(s.Text()) })
	text := body.Text()
	for _, d := range append(data, upstream.Chengxun, upstream.SCRM, upstream.Tze) { // names, brands
		if d != "" {
			text = strings.ReplaceAll(text, d, " ")
		}
	}
	var out []string
	for _, tok := range dotted.FindAllString(text, -1) {
		if i18n.Has(i18n.ZH, tok) || i18n.Has(i18n.ZH, "audit.act."+tok) {
			out = append(out, fmt.Sprintf("raw key %q", tok))
		}
	}
	if i := strings.Index(text, "%!"); i >= 0 {
		out = append(out, "fmt error: "+excerpt(text, i))
	}
	switch lang {
	case i18n.ZH:
		// API paths shown beside their labels (oa.body.title) are code.
		text = dotted.ReplaceAllString(text, " ")
		for _, loc := range latinWord.FindAllStringIndex(text, -1) {
			if w := text[loc[0]:loc[1]]; !zhAllowed[w] && !strings.ContainsAny(w, "0123456789_") && !camel.MatchString(w) {
				out = append(out, fmt.Sprintf("English %q in %q", w, excerpt(text, loc[0])))
			}
		}
	case i18n.EN:
		// The interface's Chinese (catalog text), not names from the data.
		for _, loc := range chinese.FindAllStringIndex(text, -1) {
			if run := text[loc[0]:loc[1]]; zhFragments.MatchString(run) {
				out = append(out, fmt.Sprintf("Chinese %q (%q) in %q", run, zhFragments.FindString(run), excerpt(text, loc[0])))
			}
		}
		for _, loc := range onePlural.FindAllStringIndex(text, -1) {
			out = append(out, fmt.Sprintf("wrong plural %q", strings.TrimSpace(text[loc[0]:loc[1]])))
		}
	}
	return out
}

var (
	dotted      = regexp.MustCompile(`[a-z][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+)+\b`)
	latinWord   = regexp.MustCompile(`[A-Za-z][A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*`)
	camel       = regexp.MustCompile(`^[a-z]+[A-Z]`) // busiId, pcUrl: the platform's field names
	chinese     = regexp.MustCompile(`[\p{Han}，。：；（）！？]+`)
	onePlural   = regexp.MustCompile(`(?:^|[^\d.,])1 (?:` + strings.Join(pluralNouns(), "|") + `)\b`)
	zhFragments = catalogFragments()
)

// zhAllowed are the Latin words the Chinese interface uses on purpose.
var zhAllowed = setOf(
	// Formats, protocols and abbreviations Chinese readers use as they are.
	"ID", "IP", "UTC", "CSV", "TXT", "XLSX", "GBK", "PNG", "JSON", "HTTP", "URL", "PC", "OA", "MB", "MiB", "ms", "ARGB", "QR",
	// The platforms' card types and the message types with their wire names (文本 text).
	"KEYDATA", "LIST", "IMAGE", "WEBVIEW", "msgtype", "text", "link", "oa", "title",
	// Demo accounts and their password, as the sign-in hint says to type them; the system actor.
	"admin", "content", "support", "sandbox", "spare", "system",
	// Product names: the databases the store runs on, the job queue.
	"SQLite", "PostgreSQL", "River",
)

func setOf(ws ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// catalogFragments matches the Chinese of the zh catalog (runs of three or
// more Han characters): finding one on an English page means interface text
// in the wrong language, where names from the data would not match. Chinese
// hard-coded outside the catalogs is caught by i18n's TestNoChineseOutsideCatalogs.
func catalogFragments() *regexp.Regexp {
	han := regexp.MustCompile(`\p{Han}{3,}`)
	seen := map[string]bool{}
	for _, k := range i18n.Keys(i18n.ZH) {
		if strings.HasSuffix(k, "placeholder") {
			continue // example data ("三年级（2）班"), as the seeded names are
		}
		for _, f := range han.FindAllString(i18n.Tr(i18n.ZH, k), -1) {
			seen[regexp.QuoteMeta(f)] = true
		}
	}
	fs := make([]string, 0, len(seen))
	for f := range seen {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	return regexp.MustCompile(strings.Join(fs, "|"))
}

// pluralNouns are the English plural forms the catalogs agree with counts.
func pluralNouns() []string {
	seen := map[string]bool{}
	for _, m := range i18n.CountedEN() {
		for _, w := range m.Words {
			seen[w.Other] = true
		}
	}
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, regexp.QuoteMeta(w))
	}
	sort.Strings(out)
	return out
}

func excerpt(s string, at int) string {
	r := []rune(s[:at])
	from := max(0, len(r)-20)
	rest := []rune(s[at:])
	return strings.Join(strings.Fields(string(r[from:])+string(rest[:min(len(rest), 30)])), " ")
}

func accountIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%05d", i)
	}
	return out
}

func withVals(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// cardWizard walks the card push wizard: the card fields of v with the
// editor's "next", then the targets page's form with the rest of v. It
// returns the targets page and the page its post lands on (the confirmation
// when everything is valid).
func cardWizard(t *testing.T, b *apptest.Browser, v url.Values) (targets, landed *apptest.Page) {
	t.Helper()
	card, rest := url.Values{}, url.Values{}
	for k, vs := range v {
		if k == "template" || k == "type" || strings.HasPrefix(k, "items.") {
			card[k] = vs
		} else {
			rest[k] = vs
		}
	}
	next := b.PostForm("/cards/targets", card)
	require.Equal(t, http.StatusSeeOther, next.Status, next.Text(".field-error")+next.Text("main"))
	targets = b.Follow(next)
	form := hiddenFields(targets, "targets-form")
	for k, vs := range rest {
		form[k] = vs
	}
	landed = b.PostForm("/cards/confirm", form)
	if landed.Status == http.StatusSeeOther {
		landed = b.Follow(landed)
	}
	return targets, landed
}

// hiddenFields are a form's hidden inputs, as a browser posts them.
func hiddenFields(p *apptest.Page, testID string) url.Values {
	v := url.Values{}
	p.Doc.Find(`[data-testid="` + testID + `"] input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		v.Add(name, val)
	})
	return v
}

// signInPages are the sign-in page and a failed sign-in, in lang.
func signInPages(env *apptest.Env, t *testing.T, lang i18n.Lang) (*apptest.Page, *apptest.Page) {
	b := env.Anonymous(t)
	b.Get("/login")
	b.PostForm("/lang", url.Values{"lang": {string(lang)}})
	return b.Get("/login"), b.PostForm("/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}})
}

func createUser(t *testing.T, env *apptest.Env, name string) int64 {
	hash, err := auth.NewHasher(256, 0).Hash(t.Context(), "spare-password")
	require.NoError(t, err)
	u, err := env.App.Store.CreateUser(t.Context(), store.User{Username: name, Role: auth.RoleSupport, PasswordHash: hash},
		store.AuditEntry{Action: "user.create", Target: name})
	require.NoError(t, err)
	return u.ID
}

// feedWithEveryRun creates a card data feed against the sandbox's source and
// runs it to every outcome: pushed, unchanged, failed (an HTML error page),
// invalid (broken JSON), and failed again, which pauses it. It returns the
// feed's page.
func feedWithEveryRun(t *testing.T, env *apptest.Env, admin *apptest.Browser) string {
	t.Helper()
	admin.Get("/cards/feeds/new")
	p := admin.PostForm("/cards/feeds", url.Values{"name": {"Attendance"}, "template": {"ctpl1001"}, "target": {"org"}, "enterprise_id": {"e1"},
		"url": {env.App.Sandbox.BaseURL("feeds") + "/attendance.json"}, "schedule": {"every"}, "every_minutes": {"5"}, "enabled": {"true"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Text(".field-error"))
	page := p.Location
	id, err := strconv.ParseInt(strings.TrimPrefix(page, "/cards/feeds/"), 10, 64)
	require.NoError(t, err)
	// An organisation feed's settings wait for another admin: approved here.
	req, err := env.App.Store.LatestApproval(t.Context(), store.ApprovalFeed, id)
	require.NoError(t, err)
	fp, err := env.App.Store.Fingerprint(t.Context(), store.ApprovalFeed, id)
	require.NoError(t, err)
	_, err = env.App.Store.ApproveRequest(t.Context(), req.ID, fp, store.AuditEntry{Actor: "admin2"}, store.ApprovalQueue{})
	require.NoError(t, err)
	for _, fault := range []sandbox.FaultKind{sandbox.FaultNone, sandbox.FaultNone, sandbox.FaultHTTP500, sandbox.FaultMalformed, sandbox.FaultHTTP500} {
		env.App.Sandbox.Faults.Set("feeds", sandbox.Fault{Kind: fault})
		admin.Get(page)
		require.Equal(t, http.StatusSeeOther, admin.PostForm(page+"/run", nil).Status)
		require.Eventually(t, func() bool {
			runs, _, err := env.App.Store.FeedRuns(t.Context(), id, 0, 1)
			return err == nil && len(runs) == 1 && runs[0].Finished()
		}, 30*time.Second, 10*time.Millisecond)
	}
	env.App.Sandbox.Faults.Set("feeds", sandbox.Fault{})
	f, err := env.App.Store.Feed(t.Context(), id)
	require.NoError(t, err)
	require.True(t, f.Paused(), "three failing runs in a row")
	return page
}
