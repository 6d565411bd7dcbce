package replicas_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/pgtest"
	"github.com/orgconsole/console/internal/sandbox"
	"github.com/orgconsole/console/internal/store"
)

const (
	adminPassword = "a long admin password"
	clerkPassword = "a long clerk password"
)

// What the test's replicas run with: a short upstream budget, so a job the
// killed replica held is rescued soon (jobs.RescueAfter: 2 s + 10 s).
var replicaEnv = []string{
	"CONSOLE_UPSTREAM_TIMEOUT=2s",
	"CONSOLE_PUSH_WORKERS=4",
	"CONSOLE_PUSH_RATE=" + strconv.Itoa(pushRate),
	"CONSOLE_RETRY_BACKOFF=100ms",
}

const (
	pushRate = 10 // 橙讯 calls per second, both replicas together
	accounts = 10000
	calls    = accounts / 200
	latency  = 100 * time.Millisecond
)

// Two console processes in live mode on one PostgreSQL database and one
// standalone sandbox: a session and the sign-in throttle are shared, a push
// of 10,000 accounts (100 ms per call) survives the SIGKILL of the replica
// leading the queue mid-way — the other finishes it, every account gets the
// card, a call is sent twice at most when it was in flight at the kill,
// nothing is left stuck — and the platform never sees more than
// CONSOLE_PUSH_RATE calls a second from both together.
func TestTwoReplicasShareSessionsThrottleAndFinishTheKilledOnesPush(t *testing.T) {
	c := newCluster(t, pgtest.URL(t))
	ctx := context.Background()
	require.Contains(t, c.run("", "migrate"), "database migrated")
	c.run(adminPassword+"\n", "user", "add", "ops", "-role", "admin", "-name", "值班管理员")
	c.run(clerkPassword+"\n", "user", "add", "clerk", "-role", "support")
	c.sb.latency(t, "chengxun", latency)
	st := c.openStore()

	a := c.serve("replica A", replicaEnv...)
	onA := a.env().Anonymous(t)
	onA.Login("ops", adminPassword)
	idA := onA.Get("/status").Text("[data-testid=replica]")
	require.NotEmpty(t, idA)
	// A leads the queue (River's leader rescues the jobs of dead replicas):
	// killing it shows that leadership moves on too.
	require.Eventually(t, func() bool {
		var leader string
		err := st.DB().QueryRowContext(ctx, `SELECT leader_id FROM river_leader`).Scan(&leader)
		return err == nil && leader == idA
	}, 20*time.Second, 50*time.Millisecond, "replica A leads")
	b := c.serve("replica B", replicaEnv...)

	// A cookie from A works on B, as behind a load balancer.
	onB := onA.On(b.env())
	p := onB.Get("/status")
	require.Equal(t, http.StatusOK, p.Status, "the session made on A is valid on B")
	assert.Contains(t, p.Text("[data-testid=nav]")+p.Body, "值班管理员")
	idB := p.Text("[data-testid=replica]")
	assert.NotEqual(t, idA, idB)
	assert.Equal(t, "PostgreSQL（可多副本）", p.Text("[data-testid=store-backend]"))
	assert.NotContains(t, p.Text("[data-testid=store-location]"), "password")

	// Failures on A count on B: five on each reach the limit of ten.
	for i := range auth.PairLimit {
		r := a
		if i%2 == 1 {
			r = b
		}
		require.Equal(t, http.StatusUnauthorized, signIn(t, r, "clerk", "wrong password "+strconv.Itoa(i)).Status)
	}
	p = signIn(t, b, "clerk", clerkPassword)
	assert.Equal(t, http.StatusTooManyRequests, p.Status, "the limit is the replicas' together")
	assert.Equal(t, "登录失败次数过多，请 15 分钟后再试。", p.Text("[data-testid=login-error]"))

	// Each replica checks its connection to 橙讯 (and so holds a token):
	// the calls below are then paced by the rate limit alone.
	for _, br := range []*apptest.Browser{onA, onB} {
		br.Get("/status")
		require.Equal(t, http.StatusOK, br.PostForm("/status/probe", url.Values{"platform": {"chengxun"}}).Status)
	}
	c.sb.reset(t)
	c.sb.latency(t, "chengxun", latency)

	// The push, started on A; A dies when two fifths of its calls went out.
	ids := accountIDs(accounts)
	jobID, _ := pushCard(t, onA, ids)
	require.Eventually(t, func() bool {
		return len(c.sb.requests(t, "chengxun", chengxun.PathBatchSetSameData)) >= calls*2/5
	}, 60*time.Second, 20*time.Millisecond)
	a.kill(t)
	killedAt := time.Now()

	// B's status page names the dead replica as the holder of its jobs.
	held := 0
	onB.Get("/status").Doc.Find("[data-testid=running-jobs] [data-testid=job-replica]").Each(func(_ int, s *goquery.Selection) {
		if s.Text() == idA {
			held++
		}
	})
	require.Positive(t, held, "A held calls when it died")

	var job store.PushJob
	require.Eventually(t, func() bool {
		var err error
		job, err = st.PushJob(ctx, jobID)
		require.NoError(t, err)
		return !job.Active()
	}, 90*time.Second, 50*time.Millisecond, "B finishes the push")
	t.Logf("push finished %s after the kill (A held %d calls)", time.Since(killedAt).Round(100*time.Millisecond), held)
	assert.Equal(t, store.PushDone, job.Status)
	p = onB.Get("/cards/jobs/" + strconv.FormatInt(jobID, 10))
	assert.Equal(t, strconv.Itoa(calls), p.Text("[data-testid=calls-ok]"), "the job page, on B, with the session made on A")
	assert.Equal(t, "0", p.Text("[data-testid=calls-pending]"))

	// Every account has the card; only calls in flight at the kill were sent twice.
	reqs := c.sb.requests(t, "chengxun", chengxun.PathBatchSetSameData)
	applied := map[string]bool{}
	for _, r := range reqs {
		var body struct {
			IDs []string `json:"account_id_list"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.Body), &body))
		var answer struct {
			ErrCode int `json:"err_code"`
		}
		if r.Status == http.StatusOK && json.Unmarshal([]byte(r.Response), &answer) == nil && answer.ErrCode == 0 {
			for _, id := range body.IDs {
				applied[id] = true
			}
		}
	}
	assert.Len(t, applied, accounts, "every account got the card")
	assert.LessOrEqual(t, len(reqs)-calls, held, "a call is sent again only when it was in flight at the kill")
	t.Logf("%d calls for %d, %d sent twice", len(reqs), calls, len(reqs)-calls)

	// Nothing stuck: every job of the queue completes (River records a
	// finished job's state a moment after the work itself).
	assert.Eventually(t, func() bool {
		var left int
		require.NoError(t, st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state <> 'completed'`).Scan(&left))
		return left == 0
	}, 5*time.Second, 20*time.Millisecond, "no job waits, runs or failed")

	// The platform never saw more than CONSOLE_PUSH_RATE calls a second from
	// both replicas: in any two seconds at most 2 × rate, give or take the
	// slot at each end that a busy machine sends a little late or early.
	inOne, inTwo := mostWithin(reqs, time.Second), mostWithin(reqs, 2*time.Second)
	t.Logf("CONSOLE_PUSH_RATE=%d: at most %d calls in one second, %d in two", pushRate, inOne, inTwo)
	assert.LessOrEqual(t, inTwo, 2*pushRate+2, "the rate limit holds for both replicas together")
}

// mostWithin is the most requests that arrived within any window of d.
func mostWithin(reqs []sandbox.Request, d time.Duration) int {
	at := make([]time.Time, len(reqs))
	for i, r := range reqs {
		at[i] = r.At
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	most := 0
	for i, j := 0, 0; i < len(at); i++ {
		for at[i].Sub(at[j]) >= d {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// signIn posts the sign-in form on a replica from a fresh browser.
func signIn(t testing.TB, r *replica, username, password string) *apptest.Page {
	t.Helper()
	br := r.env().Anonymous(t)
	br.Get("/login")
	return br.PostForm("/login", url.Values{"username": {username}, "password": {password}})
}
