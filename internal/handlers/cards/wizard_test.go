package cards_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
	"github.com/orgconsole/console/internal/store"
)

// inputsOf is what a browser sends for a form as it stands (no submit
// button, no file): hidden and typed inputs, checked boxes and radios, textareas.
func inputsOf(p *apptest.Page, testID string) url.Values {
	v := url.Values{}
	form := p.Doc.Find(`[data-testid="` + testID + `"]`)
	form.Find("input").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		typ, _ := s.Attr("type")
		_, checked := s.Attr("checked")
		switch {
		case name == "", typ == "file", typ == "submit":
		case (typ == "checkbox" || typ == "radio") && !checked:
		default:
			v.Add(name, s.AttrOr("value", ""))
		}
	})
	form.Find("textarea").Each(func(_ int, s *goquery.Selection) { v.Add(s.AttrOr("name", ""), s.Text()) })
	return v
}

func names(v url.Values) []string {
	out := make([]string, 0, len(v))
	for k := range v {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Every step posts the draft id and its own fields; the data of the steps
// before never travels back and forth, and the platform receives exactly
// the JSON the confirmation showed.
func TestWizardFormsCarryTheDraftNotTheData(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplList)
	row := map[string]string{"text": "期中考试安排已发布", "when": "2025-04-01T08:00", "jump_url": "https://school.example/exam"}
	targets := toTargets(t, b, card(tplList, "LIST", row))
	id := draftOf(t, targets)
	assert.Equal(t, []string{"_csrf", "draft", "fields"}, names(formOf(targets, "targets-form")), "no hidden card fields")
	assert.Zero(t, targets.Doc.Find(`[data-testid=targets-form] [name^="items."]`).Length())
	assert.Equal(t, "期中考试安排已发布", targets.Text("[data-testid=preview-text]"), "the preview comes from the draft")

	// Back to the editor with what was typed on the targets page: both are kept.
	back := b.PostForm("/cards/confirm", with(formOf(targets, "targets-form"), "target", "accounts", "enterprise_id", "ent-1",
		"account_ids", "a1\na2", "back", "1"))
	require.Equal(t, http.StatusSeeOther, back.Status)
	assert.Equal(t, "/cards/editor?draft="+id, back.Location)
	ed := b.Follow(back)
	assert.Equal(t, id, ed.Val("[data-testid=editor-form] input[name=draft]"))
	assert.Equal(t, "2025-04-01T08:00", ed.Val("[name='items.0.when']"))
	next := b.PostForm("/cards/targets", with(inputsOf(ed, "editor-form"), "items.0.text", "期中考试时间调整"))
	require.Equal(t, http.StatusSeeOther, next.Status)
	assert.Equal(t, "/cards/targets?draft="+id, next.Location, "the same draft")
	targets = b.Follow(next)
	assert.Equal(t, "a1\na2", targets.Text("textarea[name=account_ids]"))
	assert.Equal(t, "ent-1", targets.Val("input[name=enterprise_id]"))

	review := b.PostForm("/cards/confirm", inputsOf(targets, "targets-form"))
	require.Equal(t, http.StatusSeeOther, review.Status)
	conf := b.Follow(review)
	require.Equal(t, http.StatusOK, conf.Status)
	push := formOf(conf, "push-form")
	assert.Equal(t, []string{"_csrf", "draft", "key", "version"}, names(push), "the push posts the draft, not the plan")
	assert.Equal(t, id, push.Get("draft"))
	assert.Equal(t, "/cards/targets?draft="+id, conf.Doc.Find("[data-testid=back-targets]").AttrOr("href", ""))
	shown := conf.Text("[data-testid=first-call-json]")

	p := b.PostForm("/cards/push", push)
	require.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, store.PushDone, waitJob(t, env, jobIDOf(t, p.Location)).Status)
	reqs := env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData)
	require.Len(t, reqs, 1)
	assert.JSONEq(t, shown, reqs[0].Body, "the platform received exactly what the confirmation showed")
	assert.Contains(t, reqs[0].Body, "期中考试时间调整")
}

// A failed step comes back with its errors and everything typed; a good
// upload stays in the draft and is not asked for again; a push of a draft
// changed since its confirmation (another tab) is confirmed again.
func TestWizardFailuresKeepEverything(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)

	// Editor: an invalid card, before and after there is a draft.
	long := strings.Repeat("键", 21)
	p := b.PostForm("/cards/targets", card(tplKeyData, "KEYDATA", tile(long, "20"), tile("请假", "3")))
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid='err-items.0.key']"))
	assert.Equal(t, long, p.Val("[name='items.0.key']"))
	assert.Equal(t, "请假", p.Val("[name='items.1.key']"))
	targets := toTargets(t, b, card(tplKeyData, "KEYDATA", tile("人数", "20")))
	id := draftOf(t, targets)
	p = b.PostForm("/cards/targets", with(card(tplKeyData, "KEYDATA", tile(long, "20")), "draft", id))
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Equal(t, id, p.Val("[data-testid=editor-form] input[name=draft]"), "the draft id stays")
	assert.Equal(t, long, p.Val("[name='items.0.key']"))
	assert.Equal(t, "人数", b.Get("/cards/targets?draft="+id).Text("[data-testid=preview-key]"), "the draft keeps the last valid card")

	// Targets: a good uploaded list, a bad pasted id and no enterprise.
	form := formOf(targets, "targets-form")
	p = multipartPost(t, env, b, "/cards/confirm", with(form, "target", "accounts", "account_ids", "p1\nbad id!"),
		map[string][2]string{"account_file": {"ids.csv", "account_id\nc1\nc2\n"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid=err-enterprise_id]"))
	assert.True(t, p.Has("[data-testid=bad-ids]"))
	assert.Equal(t, "p1\nbad id!", p.Text("textarea[name=account_ids]"))
	assert.Contains(t, p.Text("[data-testid=account-file-loaded]"), "ids.csv：2 个账号")
	p = b.PostForm("/cards/confirm", with(formOf(p, "targets-form"), "target", "accounts", "enterprise_id", "e1", "account_ids", "p1"))
	require.Equal(t, http.StatusSeeOther, p.Status, "fixed without uploading again")
	assert.Equal(t, "3", b.Follow(p).Text("[data-testid=confirm-accounts]"))

	// Different data: a bad file changes nothing; a good one survives a failed review.
	diff := with(form, "target", "diff", "fields", "diff")
	p = multipartPost(t, env, b, "/cards/confirm", diff, map[string][2]string{"diff_file": {"bad.csv", "account_id,key1,data1\ns1,,1\n"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid=csv-error]"))
	assert.False(t, p.Has("[data-testid=diff-loaded]"))
	p = multipartPost(t, env, b, "/cards/confirm", with(diff, "enterprise_id", ""),
		map[string][2]string{"diff_file": {"good.csv", "account_id,key1,data1\ns1,到校,1\ns2,到校,2\ns3,到校,3\n"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid=err-enterprise_id]"))
	assert.Contains(t, p.Text("[data-testid=diff-loaded]"), "good.csv")
	assert.Contains(t, p.Text("[data-testid=diff-loaded]"), "3")
	p = b.PostForm("/cards/confirm", with(diff, "enterprise_id", "e1"))
	require.Equal(t, http.StatusSeeOther, p.Status)
	conf := b.Follow(p)
	assert.Equal(t, "3", conf.Text("[data-testid=confirm-accounts]"))

	// Another tab changes the draft after this confirmation was shown.
	push := formOf(conf, "push-form")
	require.Equal(t, http.StatusSeeOther, b.PostForm("/cards/confirm", with(diff, "enterprise_id", "e2")).Status)
	p = b.PostForm("/cards/push", push)
	require.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/cards/confirm?draft="+id, p.Location)
	again := b.Follow(p)
	assert.Contains(t, again.Text("[data-testid=flash]"), "确认页显示后草稿又被修改过")
	assert.Contains(t, again.Text("[data-testid=first-call-json]"), `"e2"`)
	assert.Empty(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetDiffData), "nothing pushed")
	assert.Equal(t, http.StatusBadRequest, b.PostForm("/cards/push", with(formOf(again, "push-form"), "key", "x")).Status)
}

// A draft is its owner's: another admin gets 404 on every step, changes
// nothing and pushes nothing.
func TestDraftBelongsToItsOwner(t *testing.T) {
	env := newEnv(t)
	owner := env.As(t, auth.RoleAdmin)
	owner.Get("/cards/editor?template=" + tplKeyData)
	conf := toConfirm(t, env, owner, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "enterprise_id", "e1", "account_ids", "owner.only"), nil)
	require.Equal(t, http.StatusOK, conf.Status)
	push := formOf(conf, "push-form")
	id := push.Get("draft")

	hash, err := auth.NewHasher(256, 0).Hash(t.Context(), "another-admin")
	require.NoError(t, err)
	_, err = env.App.Store.CreateUser(t.Context(), store.User{Username: "li", Role: auth.RoleAdmin, PasswordHash: hash},
		store.AuditEntry{Action: "user.create", Target: "li"})
	require.NoError(t, err)
	other := env.Anonymous(t)
	other.Login("li", "another-admin")
	other.Get("/cards/editor?template=" + tplKeyData)
	for _, path := range []string{"/cards/editor?draft=" + id, "/cards/targets?draft=" + id, "/cards/confirm?draft=" + id} {
		p := other.Get(path)
		assert.Equal(t, http.StatusNotFound, p.Status, path)
		assert.True(t, p.Has("[data-testid=draft-gone]"), path)
		assert.NotContains(t, p.Body, "owner.only", path)
	}
	posts := map[string]url.Values{
		"/cards/targets": with(card(tplKeyData, "KEYDATA", tile("人数", "99")), "draft", id),
		"/cards/confirm": {"draft": {id}, "target": {"accounts"}, "fields": {"accounts"}, "enterprise_id": {"evil"}, "account_ids": {"x1"}},
		"/cards/push":    with(push, "_csrf", other.CSRF()),
		"/cards/last":    {"draft": {id}, "target": {"accounts"}},
	}
	for path, vals := range posts {
		assert.Equal(t, http.StatusNotFound, other.PostForm(path, vals).Status, path)
	}
	assert.Empty(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), "nothing pushed")
	_, total, err := env.App.Store.ListPushJobs(t.Context(), 0, 10)
	require.NoError(t, err)
	assert.Zero(t, total)

	// The owner's draft is as they left it, and pushes.
	p := owner.PostForm("/cards/push", push)
	require.Equal(t, http.StatusSeeOther, p.Status, "unchanged: the confirmation still holds")
	waitJob(t, env, jobIDOf(t, p.Location))
	reqs := env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData)
	require.Len(t, reqs, 1)
	assert.JSONEq(t, conf.Text("[data-testid=first-call-json]"), reqs[0].Body)
}

// A 10 MB different-data CSV crosses the wire once: the confirmation and the
// push post a few dozen bytes, and every row reaches the platform.
func TestTenMegabyteCSVIsUploadedOnce(t *testing.T) {
	// Each call carries 200 rows of four 270-character links (~230 kB):
	// give a slow (race-instrumented) sandbox time to answer.
	env := apptest.New(t, map[string]string{"CONSOLE_PUSH_RATE": "0", "CONSOLE_UPSTREAM_TIMEOUT": "60s", "CONSOLE_APPROVAL_ACCOUNTS": "0"})
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	targets := toTargets(t, b, card(tplKeyData, "KEYDATA", tile("人数", "20")))
	id := draftOf(t, targets)

	csv, rows := bigDiffCSV()
	require.Greater(t, len(csv), 9_990_000)

	start := time.Now()
	p := multipartPost(t, env, b, "/cards/confirm", with(formOf(targets, "targets-form"), "target", "diff", "fields", "diff", "show_on_all_enterprise", "true"),
		map[string][2]string{"diff_file": {"big.csv", csv}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Text("[data-testid=csv-errors]"))
	upload := time.Since(start)
	d, err := env.App.Store.PushDraft(t.Context(), id, draftOwner(t, env))
	require.NoError(t, err)
	t.Logf("%d rows, %d bytes of CSV kept as %d bytes; upload step %v", rows, len(csv), len(d.DiffRows), upload)
	assert.Less(t, len(d.DiffRows), len(csv)/2, "the draft keeps the rows compactly")

	conf := b.Follow(p)
	require.Equal(t, http.StatusOK, conf.Status)
	assert.Equal(t, fmt.Sprint(rows), conf.Text("[data-testid=confirm-accounts]"))
	calls := (rows + 199) / 200
	assert.Equal(t, fmt.Sprint(calls), conf.Text("[data-testid=confirm-calls]"))
	push := formOf(conf, "push-form")
	assert.Less(t, len(push.Encode()), 200, "the push carries no CSV")
	pp := b.PostForm("/cards/push", push)
	require.Equal(t, http.StatusSeeOther, pp.Status)
	j := waitJob(t, env, jobIDOf(t, pp.Location))
	if !assert.Equal(t, store.PushDone, j.Status) {
		failed, err := env.App.Store.PushCalls(t.Context(), j.ID, store.CallFailed)
		require.NoError(t, err)
		t.Logf("first failure: %+v", failed[0].Message)
	}
	assert.Len(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetDiffData), calls)
	got, ok := env.App.Sandbox.Platform(fake.Name).(*fake.Fake).AccountCard(fmt.Sprintf("s%06d", rows-1))
	require.True(t, ok)
	assert.Equal(t, fmt.Sprint((rows-1)%1000), got.KeyData[0].Data)
}

// bigDiffCSV is a KEYDATA different-data CSV just under 10 MB (the upload
// limit is 10 MiB): four tiles with 270-character links per account.
func bigDiffCSV() (string, int) {
	var sb strings.Builder
	sb.WriteString("account_id,key1,data1,jump_url1,key2,data2,jump_url2,key3,data3,jump_url3,key4,data4,jump_url4\n")
	link := "https://school.example/" + strings.Repeat("p", 250)
	rows := 0
	for sb.Len() < 10_000_000-1200 {
		fmt.Fprintf(&sb, "s%06d,到校,%d,%s,缺勤,%d,%s,请假,%d,%s,迟到,%d,%s\n", rows, rows%1000, link, rows%7, link, rows%3, link, rows%5, link)
		rows++
	}
	return sb.String(), rows
}

func draftOwner(t *testing.T, env *apptest.Env) int64 {
	t.Helper()
	u, err := env.App.Store.UserByName(t.Context(), "admin")
	require.NoError(t, err)
	return u.ID
}

// A draft lasts a day after its last change; then its pages say it is gone,
// and the housekeeping purges it.
func TestDraftExpires(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	id := draftOf(t, toTargets(t, b, card(tplKeyData, "KEYDATA", tile("人数", "20"))))
	db := env.App.Store.DB()
	age := func(d time.Duration) {
		_, err := db.Exec(`UPDATE card_push_drafts SET updated_at = ? WHERE id = ?`, time.Now().Add(-d).UnixMilli(), id)
		require.NoError(t, err)
	}
	age(store.PushDraftMaxAge - time.Minute)
	assert.Equal(t, http.StatusOK, b.Get("/cards/targets?draft="+id).Status, "a day minus a minute: still there")
	age(store.PushDraftMaxAge + time.Minute)
	p := b.Get("/cards/targets?draft=" + id)
	assert.Equal(t, http.StatusNotFound, p.Status)
	assert.Contains(t, p.Text("[data-testid=draft-gone]"), "24 小时")
	assert.Equal(t, http.StatusNotFound, b.PostForm("/cards/confirm", url.Values{"draft": {id}, "target": {"org"}}).Status, "nor can it be revived")

	// The housekeeping's purge (internal/app) drops it, and only it.
	fresh := draftOf(t, toTargets(t, b, card(tplKeyData, "KEYDATA", tile("人数", "21"))))
	require.NoError(t, env.App.Store.PurgePushDrafts(t.Context(), time.Now().Add(-store.PushDraftMaxAge)))
	var left []string
	rows, err := db.Query(`SELECT id FROM card_push_drafts`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		left = append(left, s)
	}
	assert.Equal(t, []string{fresh}, left)
}

// The editor can start from the card last pushed from its template to a
// target: its items, target, enterprise and show-on-all.
func TestEditorStartsFromTheLastPush(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	p := b.Get("/cards/editor?template=" + tplList)
	assert.False(t, p.Has("[data-testid=last-push-form]"), "nothing pushed yet")
	row := map[string]string{"text": "期中考试安排已发布", "when": "2025-04-01T08:00", "jump_url": "https://school.example/exam"}
	confirmAndPush(t, env, b, with(card(tplList, "LIST", row, map[string]string{"text": "运动会改到周五"}),
		"target", "accounts", "enterprise_id", "ent-9", "account_ids", "a1"))

	p = b.Get("/cards/editor?template=" + tplList)
	require.True(t, p.Has("[data-testid=last-push-accounts]"))
	assert.False(t, p.Has("[data-testid=last-push-org]"), "never pushed to an organisation")
	assert.False(t, b.Get("/cards/editor?template="+tplKeyData).Has("[data-testid=last-push-form]"), "per template")
	last := b.PostForm("/cards/last", with(formOf(p, "last-push-form"), "target", "accounts"))
	require.Equal(t, http.StatusSeeOther, last.Status)
	require.True(t, strings.HasPrefix(last.Location, "/cards/editor?draft="))
	ed := b.Follow(last)
	assert.Contains(t, ed.Text("[data-testid=flash]"), "已填入任务")
	assert.Equal(t, "期中考试安排已发布", ed.Val("[name='items.0.text']"))
	assert.Equal(t, "2025-04-01T08:00", ed.Val("[name='items.0.when']"), "the time as it was typed, in Beijing time")
	assert.Equal(t, "https://school.example/exam", ed.Val("[name='items.0.jump_url']"))
	assert.Equal(t, "运动会改到周五", ed.Val("[name='items.1.text']"))
	assert.Equal(t, "运动会改到周五", ed.Doc.Find("[data-testid=preview-text]").Eq(1).Text())
	targets := b.Follow(b.PostForm("/cards/targets", inputsOf(ed, "editor-form")))
	assert.Equal(t, "accounts", targets.Doc.Find("input[name=target][checked]").AttrOr("value", ""))
	assert.Equal(t, "ent-9", targets.Val("input[name=enterprise_id]"))

	c := env.As(t, auth.RoleContent)
	assert.False(t, c.Get("/cards/editor?template="+tplList).Has("[data-testid=last-push-form]"), "the job data is the admins'")
}

// The targets page shows only the chosen target's fields. JS off, the choice
// is a submit; with htmx it swaps the form. Nothing typed for another target
// is lost by switching.
func TestTargetsShowOnlyTheChosenTarget(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	p := toTargets(t, b, card(tplKeyData, "KEYDATA", tile("人数", "20")))
	id := draftOf(t, p)
	fields := func(p *apptest.Page) []string {
		var out []string
		p.Doc.Find("#target-fields [name]").Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("name", "")) })
		slices.Sort(out)
		return slices.Compact(out)
	}
	assert.Equal(t, []string{"account_file", "account_ids", "enterprise_id", "fields", "show_on_all_enterprise"}, fields(p), "accounts by default")
	assert.Equal(t, "multipart/form-data", p.Doc.Find("#targets-form").AttrOr("enctype", ""))
	// (The parser reads <noscript> as text, as a browser with JS does.)
	assert.Contains(t, p.Doc.Find("[data-testid=target-choice] noscript").Text(), `name="choose"`, "JS off: the choice is a submit")

	// JS off: choose the organisation with ids typed.
	choose := b.PostForm("/cards/confirm", with(formOf(p, "targets-form"), "target", "org", "account_ids", "k1\nk2", "choose", "1"))
	require.Equal(t, http.StatusSeeOther, choose.Status)
	assert.Equal(t, "/cards/targets?draft="+id, choose.Location)
	p = b.Follow(choose)
	assert.Equal(t, []string{"enterprise_id", "fields"}, fields(p))
	assert.Empty(t, p.Doc.Find("#targets-form").AttrOr("enctype", ""), "no file field: a plain form")

	// htmx: a change of the choice answers with the form for that target.
	h := b.HTMX(http.MethodPost, "/cards/confirm", with(formOf(p, "targets-form"), "target", "diff", "enterprise_id", "e5", "choose", "1"))
	require.Equal(t, http.StatusOK, h.Status)
	assert.Equal(t, []string{"diff_file", "enterprise_id", "fields", "show_on_all_enterprise"}, fields(h))
	assert.Equal(t, "e5", h.Val("input[name=enterprise_id]"))

	p = b.Follow(b.PostForm("/cards/confirm", with(formOf(h, "targets-form"), "target", "accounts", "enterprise_id", "e5", "choose", "1")))
	assert.Equal(t, "k1\nk2", p.Text("textarea[name=account_ids]"), "typed before switching, kept")
	assert.Equal(t, "e5", p.Val("input[name=enterprise_id]"))
}

// The session ends while the targets page is open: the review (a plain POST
// of the draft id and the organisation's fields) is kept, and after signing
// in again the wizard goes on where it was — the draft id is enough.
func TestWizardSurvivesAnEndedSession(t *testing.T) {
	env := newEnv(t)
	tab := env.As(t, auth.RoleAdmin)
	tab.Get("/cards/editor?template=" + tplKeyData)
	p := toTargets(t, tab, card(tplKeyData, "KEYDATA", tile("人数", "20")))
	id := draftOf(t, p)
	p = tab.Follow(tab.PostForm("/cards/confirm", with(formOf(p, "targets-form"), "target", "org", "choose", "1")))

	other := env.As(t, auth.RoleAdmin)
	other.Get("/account/sessions")
	require.Equal(t, http.StatusSeeOther, other.PostForm("/account/sessions/end-others", nil).Status)

	r := tab.PostForm("/cards/confirm", with(formOf(p, "targets-form"), "target", "org", "enterprise_id", "school-3"))
	require.Equal(t, http.StatusSeeOther, r.Status)
	require.True(t, strings.HasPrefix(r.Location, "/login"), r.Location)
	login := tab.Follow(r)
	require.NotEmpty(t, login.Val("input[name=resume]"), "the form was kept")
	r = tab.PostForm("/login", url.Values{"username": {"admin"}, "password": {auth.SandboxPassword},
		"next": {login.Val("input[name=next]")}, "resume": {login.Val("input[name=resume]")}})
	resume := tab.Follow(r)
	require.Equal(t, http.StatusOK, resume.Status)
	r = tab.PostForm("/cards/confirm", inputsOf(resume, "resume-form"))
	require.Equal(t, http.StatusSeeOther, r.Status)
	assert.Equal(t, "/cards/confirm?draft="+id, r.Location)
	conf := tab.Follow(r)
	assert.Contains(t, conf.Text("[data-testid=first-call-json]"), `"school-3"`)
	assert.Contains(t, conf.Text("[data-testid=first-call-json]"), `"人数"`)
}
