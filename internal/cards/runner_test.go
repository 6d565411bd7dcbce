package cards

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
	"github.com/orgconsole/console/internal/store"
)

type rig struct {
	st     *store.Store
	srv    *sandbox.Server
	fake   *fake.Fake
	client *chengxun.Client
}

func newRig(tb testing.TB) *rig {
	tb.Helper()
	f := fake.New(sandbox.NewTokens(time.Hour), fake.Options{})
	s := sandbox.New(nil)
	s.Add(f)
	require.NoError(tb, s.Start("127.0.0.1:0"))
	tb.Cleanup(func() { _ = s.Close() })
	base := s.BaseURL(fake.Name)
	src := upstream.NewCachedToken(chengxun.TokenFetcher(base+chengxun.DefaultTokenPath, fake.SandboxAppKey, fake.SandboxAppSecret, nil), time.Minute)
	c := chengxun.New(upstream.Config{BaseURL: base, Tokens: src, Timeout: 5 * time.Second})
	st, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "c.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { st.Close() })
	return &rig{st: st, srv: s, fake: f, client: c}
}

func accountIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("u%05d", i)
	}
	return out
}

func keyDataCard(tb testing.TB) Card {
	c, err := CardFromItems(forms.CardKeyData, []forms.CardItemForm{{Key: "到校人数", Data: "1024"}}, time.UTC)
	require.NoError(tb, err)
	return c
}

// waitDone polls the store until the job has left queued/running.
func waitDone(tb testing.TB, st *store.Store, id int64) store.PushJob {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		j, err := st.PushJob(context.Background(), id)
		require.NoError(tb, err)
		if !j.Active() {
			return j
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("job %d did not finish", id)
	return store.PushJob{}
}

func TestPushInCallsOf200(t *testing.T) {
	for _, n := range []int{1, 200, 201, 450} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := newRig(t)
			run := NewRunner(context.Background(), r.st, r.client, Options{Workers: 4})
			defer run.Close()
			p := Plan{Target: forms.TargetAccounts, EnterpriseID: "ent1", Card: keyDataCard(t), AccountIDs: accountIDs(n)}
			j, created, err := run.Create(context.Background(), p, "key", store.AuditEntry{Actor: "admin"})
			require.NoError(t, err)
			require.True(t, created)
			j = waitDone(t, r.st, j.ID)
			assert.Equal(t, store.PushDone, j.Status)
			reqs := r.srv.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData)
			require.Len(t, reqs, (n+199)/200)
			seen := map[string]bool{}
			for _, q := range reqs {
				var body struct {
					IDs []string `json:"account_id_list"`
				}
				require.NoError(t, json.Unmarshal([]byte(q.Body), &body))
				assert.LessOrEqual(t, len(body.IDs), 200)
				for _, id := range body.IDs {
					assert.False(t, seen[id], "account %s sent twice", id)
					seen[id] = true
				}
			}
			assert.Len(t, seen, n)
			got, ok := r.fake.AccountCard(fmt.Sprintf("u%05d", n-1))
			require.True(t, ok)
			assert.Equal(t, "1024", got.KeyData[0].Data)
		})
	}
}

func TestShutdownLeavesCallsPendingAndResumable(t *testing.T) {
	r := newRig(t)
	r.srv.Faults.Set(fake.Name, sandbox.Fault{Latency: 200 * time.Millisecond})
	run := NewRunner(context.Background(), r.st, r.client, Options{Workers: 1})
	p := Plan{Target: forms.TargetAccounts, ShowOnAll: true, Card: keyDataCard(t), AccountIDs: accountIDs(1000)}
	j, _, err := run.Create(context.Background(), p, "k", store.AuditEntry{Actor: "admin"})
	require.NoError(t, err)
	// Stop once the first call is done.
	for {
		pr, err := r.st.PushProgress(context.Background(), j.ID)
		require.NoError(t, err)
		if pr.OK > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	run.Close()
	j, err = r.st.PushJob(context.Background(), j.ID)
	require.NoError(t, err)
	assert.Equal(t, store.PushInterrupted, j.Status)
	pr, _ := r.st.PushProgress(context.Background(), j.ID)
	assert.Positive(t, pr.Pending)
	assert.Zero(t, pr.Failed)

	r.srv.Faults.Clear()
	run2 := NewRunner(context.Background(), r.st, r.client, Options{Workers: 4})
	defer run2.Close()
	require.NoError(t, run2.Start(j.ID))
	j = waitDone(t, r.st, j.ID)
	assert.Equal(t, store.PushDone, j.Status)
	pr, _ = r.st.PushProgress(context.Background(), j.ID)
	assert.Equal(t, 5, pr.OK)
	assert.Equal(t, 1000, pr.AccountsOK)
}

func TestRetryResendsOnlyFailedCalls(t *testing.T) {
	r := newRig(t)
	run := NewRunner(context.Background(), r.st, r.client, Options{Workers: 1})
	defer run.Close()
	// The token fetch is the first call to the platform: fail the next two card calls only.
	r.srv.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "50000", Message: "系统繁忙", Times: 2, Path: chengxun.PathBatchSetSameData})
	p := Plan{Target: forms.TargetAccounts, EnterpriseID: "e", Card: keyDataCard(t), AccountIDs: accountIDs(1000)}
	j, _, err := run.Create(context.Background(), p, "k", store.AuditEntry{Actor: "admin"})
	require.NoError(t, err)
	j = waitDone(t, r.st, j.ID)
	assert.Equal(t, store.PushFailed, j.Status)
	failed, err := r.st.PushCalls(context.Background(), j.ID, store.CallFailed)
	require.NoError(t, err)
	require.Len(t, failed, 2)
	assert.Equal(t, "50000", failed[0].UpstreamCode)
	assert.Equal(t, "系统繁忙", failed[0].Message)
	before := len(r.srv.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData))
	assert.Equal(t, 5, before)

	n, err := run.Retry(context.Background(), j.ID, store.AuditEntry{Actor: "admin"})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	j = waitDone(t, r.st, j.ID)
	assert.Equal(t, store.PushDone, j.Status)
	after := r.srv.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData)
	require.Len(t, after, 7, "only the two failed calls are resent")
	calls, _ := r.st.PushCalls(context.Background(), j.ID, "")
	for _, c := range calls {
		want := 1
		if c.Seq == failed[0].Seq || c.Seq == failed[1].Seq {
			want = 2
		}
		assert.Equal(t, want, c.Attempts, "call %d", c.Seq)
	}
}

func TestOrgAndDiffTargets(t *testing.T) {
	r := newRig(t)
	run := NewRunner(context.Background(), r.st, r.client, Options{})
	defer run.Close()
	ctx := context.Background()
	j, _, err := run.Create(ctx, Plan{Target: forms.TargetOrg, EnterpriseID: "ent9", Card: keyDataCard(t)}, "org", store.AuditEntry{})
	require.NoError(t, err)
	assert.Equal(t, store.PushDone, waitDone(t, r.st, j.ID).Status)
	got, ok := r.fake.OrgCard("ent9")
	require.True(t, ok)
	assert.Equal(t, "到校人数", got.KeyData[0].Key)

	var entries []Entry
	for i, id := range accountIDs(250) {
		c, err := CardFromItems(forms.CardList, []forms.CardItemForm{{Text: fmt.Sprintf("通知 %d", i), When: "2025-04-01T08:00"}}, time.FixedZone("Beijing", 8*3600))
		require.NoError(t, err)
		entries = append(entries, Entry{AccountID: id, Card: c})
	}
	p := Plan{Target: forms.TargetDiff, ShowOnAll: true, Entries: entries}
	path, body, err := p.FirstCall()
	require.NoError(t, err)
	assert.Equal(t, chengxun.PathBatchSetDiffData, path)
	j, _, err = run.Create(ctx, p, "diff", store.AuditEntry{})
	require.NoError(t, err)
	assert.Equal(t, store.PushDone, waitDone(t, r.st, j.ID).Status)
	reqs := r.srv.Recorder.Requests(fake.Name, chengxun.PathBatchSetDiffData)
	require.Len(t, reqs, 2)
	first := reqs[0]
	if !strings.Contains(first.Body, `"u00000"`) {
		first = reqs[1] // calls run concurrently
	}
	assert.JSONEq(t, string(body), first.Body, "the confirmation shows the exact first body")
	c, ok := r.fake.AccountCard("u00249")
	require.True(t, ok)
	assert.Equal(t, "通知 249", c.List[0].Text)
	// 2025-04-01 08:00 in Shanghai, in epoch milliseconds.
	assert.Equal(t, int64(1743465600000), c.List[0].Timestamp)
}

func TestConcurrentJobsShareOneRecorder(t *testing.T) {
	r := newRig(t)
	r.srv.Faults.Set(fake.Name, sandbox.Fault{Latency: 20 * time.Millisecond})
	run := NewRunner(context.Background(), r.st, r.client, Options{Workers: 4})
	var jobs []store.PushJob
	for k := range 3 {
		p := Plan{Target: forms.TargetAccounts, ShowOnAll: true, Card: keyDataCard(t), AccountIDs: accountIDs(2000)}
		j, _, err := run.Create(context.Background(), p, fmt.Sprint("k", k), store.AuditEntry{Actor: "admin"})
		require.NoError(t, err)
		jobs = append(jobs, j)
	}
	for _, j := range jobs {
		assert.Equal(t, store.PushDone, waitDone(t, r.st, j.ID).Status)
		pr, err := r.st.PushProgress(context.Background(), j.ID)
		require.NoError(t, err)
		assert.Equal(t, store.PushProgress{OK: 10, AccountsOK: 2000}, pr, "every outcome stored")
	}
	run.Close()
	run.Close() // a second Close is harmless
	assert.ErrorIs(t, run.Start(jobs[0].ID), ErrStopped)
}
