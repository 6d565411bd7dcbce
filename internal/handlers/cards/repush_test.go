package cards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/csvexport/csvtest"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
	"github.com/orgconsole/console/internal/store"
)

// accountsOf are the accounts of a job's calls with status, sorted.
func accountsOf(t *testing.T, env *apptest.Env, id int64, status string) []string {
	t.Helper()
	calls, err := env.App.Store.PushCalls(context.Background(), id, status)
	require.NoError(t, err)
	var out []string
	for _, c := range calls {
		out = append(out, c.AccountIDs...)
	}
	slices.Sort(out)
	return out
}

// auditOf is the newest audit entries of an action.
func auditOf(t *testing.T, env *apptest.Env, action string) []store.AuditEntry {
	t.Helper()
	e, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: action}, 0, 10)
	require.NoError(t, err)
	return e
}

var failedFile = regexp.MustCompile(`^attachment; filename="push-(\d+)-failed-\d{8}-\d{6}\.csv"$`)

// A push to accounts whose calls partly failed: the job page says how many
// accounts that is and offers them as a file (exactly the failed ones, the
// platform's answer formula-safe, audited) and as a new push, which lands on
// the confirmation with exactly those accounts and, pushed, is a new job
// whose calls carry exactly those accounts.
func TestFailedAccountsDownloadAndRepush(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	evil := `=HYPERLINK("http://evil.example","系统繁忙")`
	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "50000", Message: evil, Times: 2, Path: chengxun.PathBatchSetSameData})
	all := ids(600)
	_, j := confirmAndPush(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "enterprise_id", "ent-7",
		"account_ids", strings.Join(all, "\n")))
	require.Equal(t, store.PushFailed, j.Status)
	failed := accountsOf(t, env, j.ID, store.CallFailed)
	require.Len(t, failed, 400, "2 of the 3 calls failed")
	ok := accountsOf(t, env, j.ID, store.CallOK)

	page := b.Get(jobURL(j.ID))
	require.True(t, page.Has("[data-testid=repush]"))
	assert.Equal(t, "400 个账号的调用失败或结果未知。", page.Text("[data-testid=repush-count]"))
	href, _ := page.Doc.Find("[data-testid=failed-download]").Attr("href")
	assert.Equal(t, jobURL(j.ID)+"/failed.csv", href)

	// The file: exactly the failed accounts, each with its call's answer.
	dl := b.Get(href)
	require.Equal(t, http.StatusOK, dl.Status)
	assert.Equal(t, "text/csv; charset=utf-8", dl.Header.Get("Content-Type"))
	m := failedFile.FindStringSubmatch(dl.Header.Get("Content-Disposition"))
	require.NotNil(t, m, dl.Header.Get("Content-Disposition"))
	assert.Equal(t, strconv.FormatInt(j.ID, 10), m[1])
	rows := csvtest.Read(t, dl.Body)
	assert.Equal(t, []string{"account_id", "outcome", "upstream_code", "upstream_message"}, rows[0])
	var got []string
	for _, r := range rows[1:] {
		got = append(got, csvtest.ID(r[0]))
		assert.Equal(t, []string{"失败", "50000", "'" + evil}, r[1:], "the platform's message cannot run as a formula")
	}
	slices.Sort(got)
	assert.Equal(t, failed, got)
	for _, a := range ok {
		assert.NotContains(t, got, a)
	}
	e := auditOf(t, env, "cards.push.failed_export")
	require.Len(t, e, 1)
	assert.Equal(t, jobURL(j.ID)+"/failed.csv", e[0].Target)
	assert.Equal(t, store.OutcomeOK, e[0].Outcome)

	// In English: counted words, translated outcomes.
	b.PostForm("/lang", url.Values{"lang": {"en"}})
	assert.Equal(t, "400 accounts ended failed or with an unknown outcome.", b.Get(jobURL(j.ID)).Text("[data-testid=repush-count]"))
	assert.Equal(t, "Failed", csvtest.Read(t, b.Get(href).Body)[1][1])
	b.PostForm("/lang", url.Values{"lang": {"zh-CN"}})

	// The file uploads again as an account list.
	b.Get("/cards/editor?template=" + tplKeyData)
	again := confirmParts(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "enterprise_id", "ent-7"),
		part{"account_file", "failed.csv", dl.Body})
	require.Equal(t, http.StatusOK, again.Status, again.Text("[data-testid=err-account_file]"))
	assert.Equal(t, "400", again.Text("[data-testid=confirm-accounts]"))

	// Re-push: a new draft of the viewer, on its confirmation.
	conf := postAction(t, b, page, "repush-button")
	require.Contains(t, conf.Text("main"), fmt.Sprintf("任务 #%d", j.ID), "the flash names the job")
	assert.Equal(t, "400", conf.Text("[data-testid=confirm-accounts]"))
	assert.Equal(t, "2", conf.Text("[data-testid=confirm-calls]"))
	assert.Equal(t, "ent-7", conf.Text("[data-testid=confirm-summary] td.mono"))
	assert.Contains(t, conf.Text("[data-testid=first-call-json]"), `"人数"`, "the same card")
	assert.Contains(t, conf.Text("[data-testid=first-call-json]"), failed[0])
	e = auditOf(t, env, "cards.push.repush")
	require.Len(t, e, 1)
	assert.Equal(t, fmt.Sprintf("job %d", j.ID), e[0].Target)
	assert.Equal(t, "target=accounts accounts=400", e[0].Detail)
	draft := draftOf(t, conf)
	_, err := env.App.Store.PushDraft(t.Context(), draft, draftOwner(t, env))
	assert.NoError(t, err, "the draft is the viewer's own")
	targets := b.Get("/cards/targets?draft=" + draft)
	assert.Contains(t, targets.Text("[data-testid=account-file-loaded]"), "400", "the accounts are the draft's list, to be seen and removed there")

	before := len(env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData))
	env.App.Sandbox.Faults.Clear()
	push := b.PostForm("/cards/push", formOf(conf, "push-form"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	j2 := waitJob(t, env, jobIDOf(t, push.Location))
	assert.NotEqual(t, j.ID, j2.ID, "a new job")
	assert.Equal(t, store.PushDone, j2.Status)
	assert.Equal(t, 400, j2.TotalAccounts)
	reqs := env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData)[before:]
	require.Len(t, reqs, 2)
	var resent []string
	for _, r := range reqs {
		var body struct {
			IDs          []string `json:"account_id_list"`
			EnterpriseID string   `json:"enterprise_id"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.Body), &body))
		assert.Equal(t, "ent-7", body.EnterpriseID)
		resent = append(resent, body.IDs...)
	}
	slices.Sort(resent)
	assert.Equal(t, failed, resent, "exactly the failed accounts, each once")
	assert.Equal(t, http.StatusOK, b.Get(jobURL(j.ID)).Status, "the first job is as it was")
	assert.Equal(t, "2", b.Get(jobURL(j.ID)).Text("[data-testid=calls-failed]"))
}

// A different-data push whose canary call ended unknown: nothing is offered
// while it waits; once finished, its file has each account's own data in the
// upload's columns (and uploads again), and the re-push sends each account
// its own data.
func TestRepushDifferentDataKeepsEachAccountsData(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	var sb strings.Builder
	sb.WriteString("account_id,key1,data1,key2,data2\n")
	for i := range 250 {
		fmt.Fprintf(&sb, "d%03d,到校,%d,缺勤,%d\n", i, i, 250-i)
	}
	data := with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "enterprise_id", "ent-2", "target", "diff")
	conf := toConfirm(t, env, b, data, map[string][2]string{"diff_file": {"diff.csv", sb.String()}})
	require.Equal(t, http.StatusOK, conf.Status)
	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: chengxun.PathBatchSetDiffData})
	push := b.PostForm("/cards/push", with(formOf(conf, "push-form"), "canary", "1"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	id := jobIDOf(t, push.Location)
	require.Eventually(t, func() bool { return jobOf(t, env, id).State() == store.StatePaused }, 60*time.Second, 5*time.Millisecond)

	page := b.Get(jobURL(id))
	assert.Equal(t, 1, page.Doc.Find("[data-testid=failure]").Length(), "the canary call is unknown")
	assert.False(t, page.Has("[data-testid=repush]"), "not while the push is paused")
	assert.Equal(t, http.StatusNotFound, b.Get(jobURL(id)+"/failed.csv").Status)
	env.App.Sandbox.Faults.Clear()
	postAction(t, b, page, "resume")
	j := waitJob(t, env, id)
	require.Equal(t, store.OutcomeUnknown, j.Outcome)
	unknown := accountsOf(t, env, id, store.CallUnknown)
	require.Len(t, unknown, 200)

	page = b.Get(jobURL(id))
	assert.Equal(t, "200 个账号的调用失败或结果未知。", page.Text("[data-testid=repush-count]"))
	dl := b.Get(jobURL(id) + "/failed.csv")
	require.Equal(t, http.StatusOK, dl.Status)
	rows := csvtest.Read(t, dl.Body)
	assert.Equal(t, append([]string{"account_id", "outcome", "upstream_code", "upstream_message"}, forms.DiffHeader(forms.CardKeyData)[1:]...), rows[0])
	require.Len(t, rows, 201)
	for _, r := range rows[1:] {
		a := csvtest.ID(r[0])
		n, err := strconv.Atoi(strings.TrimPrefix(a, "d"))
		require.NoError(t, err)
		assert.Less(t, n, 200, "only the unknown call's accounts")
		assert.Equal(t, []string{"结果未知", "HTTP 500", "平台返回了 HTTP 错误。"}, r[1:4])
		assert.Equal(t, []string{"到校", strconv.Itoa(n), "", "", "缺勤", strconv.Itoa(250 - n), "", ""}, r[4:12], a)
	}

	// The file uploads again as a different-data file.
	b.Get("/cards/editor?template=" + tplKeyData)
	again := confirmParts(t, env, b, data, part{"diff_file", "failed.csv", dl.Body})
	require.Equal(t, http.StatusOK, again.Status, again.Text("[data-testid=err-diff_file]")+again.Text("[data-testid=csv-errors]"))
	assert.Equal(t, "200", again.Text("[data-testid=confirm-accounts]"))

	conf = postAction(t, b, page, "repush-button")
	assert.Equal(t, "200", conf.Text("[data-testid=confirm-accounts]"))
	assert.Equal(t, "1", conf.Text("[data-testid=confirm-calls]"))
	before := len(env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetDiffData))
	push = b.PostForm("/cards/push", formOf(conf, "push-form"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	assert.Equal(t, store.PushDone, waitJob(t, env, jobIDOf(t, push.Location)).Status)
	reqs := env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetDiffData)[before:]
	require.Len(t, reqs, 1)
	var body struct {
		Type    string `json:"type"`
		Entries []struct {
			AccountID string `json:"account_id"`
		} `json:"account_data_list"`
	}
	require.NoError(t, json.Unmarshal([]byte(reqs[0].Body), &body))
	var resent []string
	for _, e := range body.Entries {
		resent = append(resent, e.AccountID)
	}
	slices.Sort(resent)
	assert.Equal(t, unknown, resent)
	fk := env.App.Sandbox.Platform(fake.Name).(*fake.Fake)
	for _, a := range []string{"d000", "d123", "d199"} {
		got, ok := fk.AccountCard(a)
		require.True(t, ok, a)
		n, _ := strconv.Atoi(a[1:])
		assert.Equal(t, strconv.Itoa(n), got.KeyData[0].Data, "%s gets its own data", a)
		assert.Equal(t, strconv.Itoa(250-n), got.KeyData[1].Data)
	}
}

// A push that went through, or was cancelled, offers nothing; the routes
// answer 404 there, and they are admins' only.
func TestRepushOnlyForFinishedFailures(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	_, done := confirmAndPush(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "enterprise_id", "e1", "account_ids", "a1 a2"))
	require.Equal(t, store.PushDone, done.Status)
	p := b.Get(jobURL(done.ID))
	assert.False(t, p.Has("[data-testid=repush]"))
	assert.False(t, p.Has("[data-testid=failed-download]"))
	assert.Equal(t, http.StatusNotFound, b.Get(jobURL(done.ID)+"/failed.csv").Status)
	assert.Equal(t, http.StatusNotFound, b.PostForm(jobURL(done.ID)+"/repush", nil).Status)
	assert.Equal(t, http.StatusNotFound, b.Get("/cards/jobs/999/failed.csv").Status)

	// Cancelled after its canary call failed.
	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "50000", Message: "系统繁忙", Times: 1, Path: chengxun.PathBatchSetSameData})
	id, _ := startPush(t, env, b, 400, true, 0)
	require.Eventually(t, func() bool { return jobOf(t, env, id).State() == store.StatePaused }, 20*time.Second, 5*time.Millisecond)
	require.Equal(t, http.StatusSeeOther, b.PostForm(jobURL(id)+"/cancel", nil).Status)
	j := waitJob(t, env, id)
	require.Equal(t, store.OutcomeCancelled, j.Outcome)
	p = b.Get(jobURL(id))
	assert.Equal(t, 1, p.Doc.Find("[data-testid=failure]").Length())
	assert.False(t, p.Has("[data-testid=repush]"), "a cancelled push is not offered again")
	assert.Equal(t, http.StatusNotFound, b.Get(jobURL(id)+"/failed.csv").Status)
	assert.Equal(t, http.StatusNotFound, b.PostForm(jobURL(id)+"/repush", nil).Status)

	// An organisation push has no account list: its re-push goes to the same
	// organisation again, and there is no file.
	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "50000", Message: "系统繁忙", Path: chengxun.PathSetOrgData})
	_, org := confirmAndPush(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "21")), "target", "org", "enterprise_id", "ent-9"))
	require.Equal(t, store.PushFailed, org.Status)
	p = b.Get(jobURL(org.ID))
	assert.Equal(t, "推送到组织 ent-9 的调用失败或结果未知。", p.Text("[data-testid=repush-count]"))
	assert.False(t, p.Has("[data-testid=failed-download]"))
	assert.Equal(t, http.StatusNotFound, b.Get(jobURL(org.ID)+"/failed.csv").Status)
	conf := postAction(t, b, p, "repush-button")
	assert.Equal(t, "组织（组织级数据）", conf.Text("[data-testid=confirm-target]"))
	assert.Contains(t, conf.Text("[data-testid=first-call-json]"), `"ent-9"`)
	env.App.Sandbox.Faults.Clear()
	push := b.PostForm("/cards/push", formOf(conf, "push-form"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	assert.Equal(t, store.PushDone, waitJob(t, env, jobIDOf(t, push.Location)).Status)
	assert.Len(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathSetOrgData), 2, "the failed call and the new push's")

	// Content and support staff.
	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "50000", Message: "系统繁忙", Path: chengxun.PathBatchSetSameData})
	_, failed := confirmAndPush(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "enterprise_id", "e1", "account_ids", "a1"))
	require.Equal(t, store.PushFailed, failed.Status)
	assert.Equal(t, "1 account ended failed or with an unknown outcome.", func() string {
		b.PostForm("/lang", url.Values{"lang": {"en"}})
		defer b.PostForm("/lang", url.Values{"lang": {"zh-CN"}})
		return b.Get(jobURL(failed.ID)).Text("[data-testid=repush-count]")
	}())
	for _, role := range []auth.Role{auth.RoleContent, auth.RoleSupport} {
		o := env.As(t, role)
		assert.Equal(t, http.StatusForbidden, o.Get(jobURL(failed.ID)+"/failed.csv").Status, role)
		assert.Equal(t, http.StatusForbidden, o.PostForm(jobURL(failed.ID)+"/repush", nil).Status, role)
	}
	assert.Len(t, auditOf(t, env, "cards.push.repush"), 1, "the admin's organisation re-push only")
	for _, e := range auditOf(t, env, "cards.push.failed_export") {
		assert.Equal(t, "admin", e.Actor, "only the admin's 404s are recorded")
	}
}
