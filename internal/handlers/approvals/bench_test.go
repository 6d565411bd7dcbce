package approvals_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/pgtest"
	"github.com/orgconsole/console/internal/store"
)

// BenchmarkApprovalToFirstCall is the wait an approver sees between
// "approve" and the platform's first call of a 1,500-account push: the POST
// (approval and its 8 queue jobs in one transaction) and the queue picking
// the jobs up. Each iteration approves 5 pushes; it reports the p50 and the
// worst of them, and of the POST alone. On SQLite, and on PostgreSQL when
// one is configured (scripts/with-postgres).
func BenchmarkApprovalToFirstCall(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("set CONSOLE_BENCH=1 (make bench)")
	}
	b.Run("sqlite", func(b *testing.B) { benchApproval(b, nil) })
	if pgtest.Available() {
		b.Run("postgres", func(b *testing.B) { benchApproval(b, map[string]string{"CONSOLE_DATABASE_URL": pgtest.URL(b)}) })
	}
}

func benchApproval(b *testing.B, vars map[string]string) {
	env := apptest.New(b, apptestMerge(vars, map[string]string{"CONSOLE_PUSH_RATE": "0"}))
	requester := env.As(b, auth.RoleAdmin)
	approver := env.SecondAdmin(b, "bob")
	var total, post []time.Duration
	for b.Loop() {
		for range 5 {
			id, _ := push(b, requester, toAccounts(1500))
			req := latest(b, env, store.ApprovalPush, id)
			page := approver.Get(approvalURL(req))
			before := len(cardCalls(env))
			form := hidden(page, "approve-form")
			start := time.Now()
			approver.PostForm(approvalURL(req)+"/approve", form)
			post = append(post, time.Since(start))
			for len(cardCalls(env)) == before {
				time.Sleep(time.Millisecond)
			}
			total = append(total, time.Since(start))
			waitJob(b, env, id)
		}
	}
	slices.Sort(total)
	slices.Sort(post)
	b.ReportMetric(float64(total[len(total)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(total[len(total)-1].Milliseconds()), "max-ms")
	b.ReportMetric(float64(post[len(post)/2].Milliseconds()), "post-p50-ms")
}

func apptestMerge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
