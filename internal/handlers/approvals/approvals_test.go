package approvals_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/sandbox"
	fakecx "github.com/orgconsole/console/internal/sandbox/chengxun"
	faketze "github.com/orgconsole/console/internal/sandbox/tze"
	"github.com/orgconsole/console/internal/store"
)

const tplKeyData = "ctpl1001" // seeded by the sandbox

func ids(n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%05d", i)
	}
	return strings.Join(out, "\n")
}

// hidden are the hidden inputs of the form with data-testid testID.
func hidden(p *apptest.Page, testID string) url.Values {
	v := url.Values{}
	p.Doc.Find(`[data-testid="` + testID + `"] input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		v.Add(name, val)
	})
	return v
}

// confirmPush walks the card wizard to the confirmation page of a KEYDATA
// card pushed to target with the given target fields.
func confirmPush(t testing.TB, b *apptest.Browser, target url.Values) *apptest.Page {
	t.Helper()
	b.Get("/cards/editor?template=" + tplKeyData)
	next := b.PostForm("/cards/targets", url.Values{"template": {tplKeyData}, "type": {"KEYDATA"},
		"items.0.key": {"到校人数"}, "items.0.data": {"1024"}})
	require.Equal(t, http.StatusSeeOther, next.Status)
	targets := b.Follow(next)
	form := hidden(targets, "targets-form")
	for k, v := range target {
		form[k] = v
	}
	conf := b.PostForm("/cards/confirm", form)
	require.Equal(t, http.StatusSeeOther, conf.Status, conf.Text(".field-error"))
	p := b.Follow(conf)
	require.Equal(t, http.StatusOK, p.Status)
	return p
}

func toAccounts(n int) url.Values {
	return url.Values{"target": {"accounts"}, "enterprise_id": {"school-1"}, "account_ids": {ids(n)}}
}

// push confirms and pushes; it returns the job's id.
func push(t testing.TB, b *apptest.Browser, target url.Values) (int64, *apptest.Page) {
	t.Helper()
	conf := confirmPush(t, b, target)
	res := b.PostForm("/cards/push", hidden(conf, "push-form"))
	require.Equal(t, http.StatusSeeOther, res.Status)
	id, err := strconv.ParseInt(strings.TrimPrefix(res.Location, "/cards/jobs/"), 10, 64)
	require.NoError(t, err)
	return id, conf
}

// riverJobs counts the queue's jobs of a kind: none may exist before an approval.
func riverJobs(t testing.TB, env *apptest.Env, kind string) int {
	t.Helper()
	var n int
	require.NoError(t, env.App.Store.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = '`+kind+`'`).Scan(&n))
	return n
}

func cardCalls(env *apptest.Env) []sandbox.Request {
	return append(env.App.Sandbox.Recorder.Requests(fakecx.Name, chengxun.PathBatchSetSameData),
		env.App.Sandbox.Recorder.Requests(fakecx.Name, chengxun.PathSetOrgData)...)
}

func waitJob(t testing.TB, env *apptest.Env, id int64) store.PushJob {
	t.Helper()
	var j store.PushJob
	require.Eventually(t, func() bool {
		var err error
		j, err = env.App.Store.PushJob(context.Background(), id)
		return err == nil && !j.Active()
	}, 60*time.Second, 10*time.Millisecond, "job %d finished", id)
	return j
}

// quiet gives the queue a moment to (wrongly) run something.
func quiet() { time.Sleep(300 * time.Millisecond) }

func latest(t testing.TB, env *apptest.Env, kind string, ref int64) store.Approval {
	t.Helper()
	a, err := env.App.Store.LatestApproval(context.Background(), kind, ref)
	require.NoError(t, err)
	return a
}

func approvalURL(a store.Approval) string { return "/approvals/" + strconv.FormatInt(a.ID, 10) }

// The thresholds: 1000 accounts go at once, 1001 wait, an organisation always waits.
func TestPushApprovalThresholds(t *testing.T) {
	for _, c := range []struct {
		name   string
		target url.Values
		waits  bool
	}{
		{"1000 accounts", toAccounts(1000), false},
		{"1001 accounts", toAccounts(1001), true},
		{"organisation", url.Values{"target": {"org"}, "enterprise_id": {"school-1"}}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := apptest.New(t, nil)
			a := env.As(t, auth.RoleAdmin)
			conf := confirmPush(t, a, c.target)
			assert.Equal(t, c.waits, conf.Has("[data-testid=approval-note]"), "the confirmation says it will wait")
			id, _ := push(t, a, c.target)
			if !c.waits {
				assert.Equal(t, store.PushDone, waitJob(t, env, id).State())
				assert.NotEmpty(t, cardCalls(env))
				return
			}
			job := a.Get("/cards/jobs/" + strconv.FormatInt(id, 10))
			assert.Equal(t, store.ApprovalPending, job.Doc.Find("[data-testid=approval-state]").AttrOr("data-state", ""))
			assert.Contains(t, job.Text("[data-testid=job-status]"), "等待审批")
			assert.False(t, job.Has("#job-progress[hx-trigger]"), "nothing to follow while it waits")
			quiet()
			assert.Empty(t, cardCalls(env), "nothing reaches the platform before the approval")
			assert.Zero(t, riverJobs(t, env, "card_call"), "and nothing is enqueued")

			b := env.SecondAdmin(t, "bob")
			req := latest(t, env, store.ApprovalPush, id)
			page := b.Get(approvalURL(req))
			require.Equal(t, http.StatusOK, page.Status)
			shown := page.Text("[data-testid=approval-first-call]")
			res := b.PostForm(approvalURL(req)+"/approve", hidden(page, "approve-form"))
			require.Equal(t, http.StatusSeeOther, res.Status)
			assert.Equal(t, "/cards/jobs/"+strconv.FormatInt(id, 10), res.Location)
			assert.Equal(t, store.PushDone, waitJob(t, env, id).State())
			var first string
			for _, c := range cardCalls(env) { // calls run at once: find the first one
				if strings.Contains(c.Body, `"t00000"`) || !strings.Contains(c.Body, "account_id_list") {
					first = c.Body
				}
			}
			assert.JSONEq(t, shown, first, "the approver saw the exact first call")
			done := a.Get("/cards/jobs/" + strconv.FormatInt(id, 10))
			assert.Contains(t, done.Text("[data-testid=approval-decision]"), "由 bob 批准", "the requester sees who approved")
		})
	}
}

func sendVals(busi string, users int, orgs ...string) url.Values {
	v := url.Values{"type": {"text"}, "content": {"明天全校停课"}, "busiId": {busi}}
	list := make([]string, users)
	for i := range list {
		list[i] = fmt.Sprintf("u%04d", i)
	}
	v.Set("accountIds", strings.Join(list, "\n"))
	if len(orgs) > 0 {
		v["orgIds"] = orgs
	}
	return v
}

func sends(env *apptest.Env) []sandbox.Request {
	return env.App.Sandbox.Recorder.Requests("tze", tze.PathSend)
}

// 50 user ids go at once, 51 wait, any org node waits.
func TestSendApprovalThresholds(t *testing.T) {
	for _, c := range []struct {
		name  string
		vals  url.Values
		waits bool
	}{
		{"50 users", sendVals("b-50", 50), false},
		{"51 users", sendVals("b-51", 51), true},
		{"an org node", sendVals("b-org", 0, faketze.SeedSchoolID), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := apptest.New(t, nil)
			content := env.As(t, auth.RoleContent)
			content.Get("/messages/new")
			review := content.PostForm("/messages/compose", apptestWith(c.vals, "op", "review"))
			require.Equal(t, http.StatusOK, review.Status, review.Text(".field-error"))
			assert.Equal(t, c.waits, review.Has("[data-testid=approval-note]"))
			res := content.PostForm("/messages/send", c.vals)
			require.Equal(t, http.StatusSeeOther, res.Status)
			row, err := env.App.Store.MessageSendByBusiID(context.Background(), c.vals.Get("busiId"))
			require.NoError(t, err)
			if !c.waits {
				require.Eventually(t, func() bool { return len(sends(env)) == 1 }, 20*time.Second, 10*time.Millisecond)
				return
			}
			page := content.Follow(res)
			assert.Equal(t, "等待审批", page.Text("[data-testid=detail-status]"))
			assert.Contains(t, page.Text("[data-testid=approval-state]"), "等待另一位管理员审批")
			assert.False(t, page.Has("#send-status[hx-trigger]"))
			quiet()
			assert.Empty(t, sends(env), "nothing reaches the platform before the approval")
			assert.Zero(t, riverJobs(t, env, "message_send"))

			admin := env.As(t, auth.RoleAdmin)
			req := latest(t, env, store.ApprovalSend, row.ID)
			ap := admin.Get(approvalURL(req))
			assert.Equal(t, row.Request, ap.Text("[data-testid=approval-body]"), "the approver sees the exact body")
			admin.PostForm(approvalURL(req)+"/approve", hidden(ap, "approve-form"))
			require.Eventually(t, func() bool { return len(sends(env)) == 1 }, 20*time.Second, 10*time.Millisecond)
			assert.JSONEq(t, row.Request, sends(env)[0].Body, "exactly the approved body")
			dash := content.Get("/")
			assert.Equal(t, store.ApprovalApproved, dash.Doc.Find("[data-testid=dashboard-my-approvals] tr").AttrOr("data-state", ""),
				"the requester sees the decision on the dashboard")
		})
	}
}

func apptestWith(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// The requester cannot decide their own request, not even as an admin: no
// buttons, and a forged POST is refused and audited, nothing enqueued.
func TestOwnRequestCannotBeDecided(t *testing.T) {
	env := apptest.New(t, nil)
	a := env.As(t, auth.RoleAdmin)
	id, _ := push(t, a, toAccounts(1500))
	req := latest(t, env, store.ApprovalPush, id)
	page := a.Get(approvalURL(req))
	require.Equal(t, http.StatusOK, page.Status)
	assert.False(t, page.Has("[data-testid=approve]"), "no approve button for the requester")
	assert.False(t, page.Has("[data-testid=reject]"))
	assert.True(t, page.Has("[data-testid=approval-own]"))
	fp := page.Text("[data-testid=approval-fingerprint]")

	forged := a.PostForm(approvalURL(req)+"/approve", url.Values{"fingerprint": {fp}})
	assert.Equal(t, http.StatusForbidden, forged.Status)
	assert.Contains(t, forged.Text("[data-testid=error-page]"), "发起人不能审批自己的请求")
	forged = a.PostForm(approvalURL(req)+"/reject", url.Values{"reason": {"mine"}})
	assert.Equal(t, http.StatusForbidden, forged.Status)
	quiet()
	assert.Zero(t, riverJobs(t, env, "card_call"))
	assert.Empty(t, cardCalls(env))
	assert.Equal(t, store.ApprovalPending, latest(t, env, store.ApprovalPush, id).State)
	denied, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "approvals.approve"}, 0, 10)
	require.NoError(t, err)
	require.Len(t, denied, 1)
	assert.Equal(t, store.OutcomeDenied, denied[0].Outcome)
	assert.Equal(t, "admin", denied[0].Actor)

	// The count in the navigation is for the admins who may decide.
	assert.False(t, a.Get("/").Has("[data-testid=nav-approvals-count]"))
	b := env.SecondAdmin(t, "bob")
	assert.Equal(t, "1", b.Get("/").Text("[data-testid=nav-approvals-count]"))
	assert.Contains(t, b.Get("/approvals").Text("[data-testid=approvals-pending]"), "1,500")
	assert.False(t, env.As(t, auth.RoleContent).Get("/").Has("[data-testid=nav-approvals]"))
	assert.Equal(t, http.StatusForbidden, env.As(t, auth.RoleContent).Get(approvalURL(req)).Status)
}

// Rejecting needs a reason (kept as typed when too long); the requester sees
// who rejected it and why, and the push never runs, not even by "resend".
func TestRejectNeedsAReasonAndEndsThePush(t *testing.T) {
	env := apptest.New(t, nil)
	a := env.As(t, auth.RoleAdmin)
	id, _ := push(t, a, toAccounts(1500))
	req := latest(t, env, store.ApprovalPush, id)
	b := env.SecondAdmin(t, "bob")
	b.Get(approvalURL(req))

	p := b.PostForm(approvalURL(req)+"/reject", url.Values{"reason": {"  "}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Text("[data-testid=err-reason]"), "请填写驳回原因")
	long := strings.Repeat("名单", 251)
	p = b.PostForm(approvalURL(req)+"/reject", url.Values{"reason": {long}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Equal(t, long, p.Text("textarea[name=reason]"), "what was typed is kept")
	assert.Equal(t, store.ApprovalPending, latest(t, env, store.ApprovalPush, id).State)

	p = b.PostForm(approvalURL(req)+"/reject", url.Values{"reason": {"名单不是本校的"}})
	require.Equal(t, http.StatusSeeOther, p.Status)
	job := a.Get("/cards/jobs/" + strconv.FormatInt(id, 10))
	assert.Contains(t, job.Text("[data-testid=approval-decision]"), "被 bob 驳回：名单不是本校的")
	assert.Equal(t, "已驳回", job.Text("[data-testid=job-status]"))
	assert.False(t, job.Has("[data-testid=retry]"))
	a.PostForm("/cards/jobs/"+strconv.FormatInt(id, 10)+"/retry", nil)
	dash := a.Get("/")
	assert.Contains(t, dash.Text("[data-testid=dashboard-my-approvals]"), "被 bob 驳回：名单不是本校的")
	quiet()
	assert.Empty(t, cardCalls(env))
	assert.Zero(t, riverJobs(t, env, "card_call"))
	entries, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "approvals.reject"}, 0, 10)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Contains(t, entries[0].Detail, "名单不是本校的")
}

// A message sent again with other content after its approval waits for a
// new approval; the platform gets exactly each approved body, once.
func TestEditedAfterApprovalNeedsApprovalAgain(t *testing.T) {
	env := apptest.New(t, nil)
	content := env.As(t, auth.RoleContent)
	admin := env.As(t, auth.RoleAdmin)
	content.Get("/messages/new")
	v := sendVals("b-edit", 60)
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Path: tze.PathSend})
	require.Equal(t, http.StatusSeeOther, content.PostForm("/messages/send", v).Status)
	row, err := env.App.Store.MessageSendByBusiID(context.Background(), "b-edit")
	require.NoError(t, err)
	approve := func() {
		t.Helper()
		req := latest(t, env, store.ApprovalSend, row.ID)
		require.Equal(t, store.ApprovalPending, req.State)
		page := admin.Get(approvalURL(req))
		require.Equal(t, http.StatusSeeOther, admin.PostForm(approvalURL(req)+"/approve", hidden(page, "approve-form")).Status)
	}
	approve()
	require.Eventually(t, func() bool {
		r, _ := env.App.Store.MessageSendByID(context.Background(), row.ID)
		return r.Status == store.SendFailed
	}, 20*time.Second, 10*time.Millisecond, "the platform refused it")
	require.Len(t, sends(env), 1)
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{})

	// "Try again" with other content: it waits again.
	content.Get("/messages/history/" + strconv.FormatInt(row.ID, 10) + "/retry")
	edited := apptestWith(v, "content", "明天全校停课（更正：仅初三）")
	res := content.PostForm("/messages/send", edited)
	require.Equal(t, http.StatusSeeOther, res.Status)
	again := content.Follow(res)
	assert.Equal(t, "等待审批", again.Text("[data-testid=detail-status]"))
	quiet()
	require.Len(t, sends(env), 1, "edited after the approval: not sent")
	approve()
	require.Eventually(t, func() bool { return len(sends(env)) == 2 }, 20*time.Second, 10*time.Millisecond)
	var body struct {
		Text struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	require.NoError(t, json.Unmarshal([]byte(sends(env)[1].Body), &body))
	assert.Equal(t, "明天全校停课（更正：仅初三）", body.Text.Content)
}

// An approval is for what the approver saw: a stale page approves nothing.
func TestStaleApprovalPageApprovesNothing(t *testing.T) {
	env := apptest.New(t, nil)
	a := env.As(t, auth.RoleAdmin)
	id, _ := push(t, a, toAccounts(1001))
	req := latest(t, env, store.ApprovalPush, id)
	b := env.SecondAdmin(t, "bob")
	b.Get(approvalURL(req))
	res := b.PostForm(approvalURL(req)+"/approve", url.Values{"fingerprint": {strings.Repeat("0", 64)}})
	require.Equal(t, http.StatusSeeOther, res.Status)
	assert.Contains(t, b.Follow(res).Text("[data-testid=flash]"), "有变化")
	quiet()
	assert.Zero(t, riverJobs(t, env, "card_call"))
	assert.Equal(t, store.ApprovalPending, latest(t, env, store.ApprovalPush, id).State)
}

// A scheduled push that needs approval: the request names its time, and
// approving it schedules it — nothing is sent before that time.
func TestApprovingAScheduledPushKeepsItsTime(t *testing.T) {
	env := apptest.New(t, nil)
	admin := env.As(t, auth.RoleAdmin)
	conf := confirmPush(t, admin, toAccounts(1500))
	at := time.Now().Add(26 * time.Hour).In(env.App.Config.Location)
	form := hidden(conf, "push-form")
	form.Set("send_at", at.Format("2006-01-02T15:04"))
	res := admin.PostForm("/cards/push", form)
	require.Equal(t, http.StatusSeeOther, res.Status)
	id, err := strconv.ParseInt(strings.TrimPrefix(res.Location, "/cards/jobs/"), 10, 64)
	require.NoError(t, err)
	req := latest(t, env, store.ApprovalPush, id)
	bob := env.SecondAdmin(t, "bob")
	page := bob.Get(approvalURL(req))
	assert.Equal(t, at.Format("2006-01-02 15:04")+":00", page.Text("[data-testid=approval-runs]"), "the request says when it will run")
	ok := bob.PostForm(approvalURL(req)+"/approve", url.Values{"fingerprint": {page.Text("[data-testid=approval-fingerprint]")}})
	require.Equal(t, http.StatusSeeOther, ok.Status)
	j, err := env.App.Store.PushJob(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, store.StateScheduled, j.State(), "approved, it waits for its time")
	assert.NotZero(t, j.StartJob)
	quiet()
	assert.Empty(t, cardCalls(env), "nothing sent before its time")
	assert.Zero(t, riverJobs(t, env, "card_call"))
}
