package replicas_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/pgtest"
	"github.com/orgconsole/console/internal/store"
)

// The numbers of issue 10 (`make bench`): console processes in live mode
// against a standalone sandbox, on each backend.

func benchGate(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("seconds per run: set CONSOLE_BENCH=1 (make bench)")
	}
}

// eachBackend runs a benchmark on the embedded SQLite file and on PostgreSQL.
func eachBackend(b *testing.B, fn func(b *testing.B, dbURL string)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, "") })
	b.Run("postgres", func(b *testing.B) { fn(b, pgtest.URL(b)) })
}

// signedInAdmin signs in on r as the admin the CLI created.
func signedInAdmin(b *testing.B, r *replica) *apptest.Browser {
	br := r.env().Anonymous(b)
	br.Login("ops", adminPassword)
	return br
}

func waitPush(b *testing.B, st *store.Store, id int64) store.PushJob {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		j, err := st.PushJob(context.Background(), id)
		require.NoError(b, err)
		if !j.Active() {
			return j
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatalf("push %d still running", id)
	return store.PushJob{}
}

// benchPush times pushes of n accounts on the replicas (the first one
// pushes), each with the given workers, the platform answering every call
// after 100 ms and no rate limit: wall ÷ ideal, ideal being
// ceil(calls ÷ all workers) × 100 ms.
func benchPush(b *testing.B, dbURL string, n, replicas, workers int) {
	c := newCluster(b, dbURL)
	c.run(adminPassword+"\n", "user", "add", "ops", "-role", "admin")
	env := []string{fmt.Sprintf("CONSOLE_PUSH_WORKERS=%d", workers), "CONSOLE_PUSH_RATE=0"}
	var rs []*replica
	for i := range replicas {
		rs = append(rs, c.serve(fmt.Sprintf("replica %d", i+1), env...))
	}
	rss := rs[0].rssMiB(b) // before any page or job
	br := signedInAdmin(b, rs[0])
	st := c.openStore()
	ids := accountIDs(n)
	calls := (n + 199) / 200
	ideal := time.Duration(math.Ceil(float64(calls)/float64(replicas*workers))) * latency
	// Warm tokens and connections outside the measurement.
	for _, r := range rs {
		w := br.On(r.env())
		w.Get("/status")
		require.Equal(b, http.StatusOK, w.PostForm("/status/probe", url.Values{"platform": {"chengxun"}}).Status)
	}
	c.sb.latency(b, "chengxun", latency)
	var total time.Duration
	runs := 0
	b.ResetTimer()
	for b.Loop() {
		id, clicked := pushCard(b, br, ids)
		j := waitPush(b, st, id)
		total += time.Since(clicked)
		runs++
		require.Equal(b, store.PushDone, j.Status)
	}
	wall := total / time.Duration(runs)
	b.ReportMetric(wall.Seconds(), "wall-s/push")
	b.ReportMetric(ideal.Seconds(), "ideal-s")
	b.ReportMetric(float64(wall)/float64(ideal), "ratio")
	b.ReportMetric(rss, "MiB-RSS-after-start")
}

// BenchmarkPush10kOneReplica: 10,000 accounts (50 calls), 4 workers; ideal
// ceil(50/4) × 100 ms = 1.3 s, goal ratio ≤ 1.2. Also the replica's RSS
// after start in live mode.
func BenchmarkPush10kOneReplica(b *testing.B) {
	benchGate(b)
	eachBackend(b, func(b *testing.B, dbURL string) { benchPush(b, dbURL, 10000, 1, 4) })
}

// BenchmarkPush100kTwoReplicas: 100,000 accounts (500 calls) on two
// replicas × 4 workers; ideal ceil(500/8) × 100 ms = 6.3 s.
func BenchmarkPush100kTwoReplicas(b *testing.B) {
	benchGate(b)
	benchPush(b, pgtest.URL(b), 100000, 2, 4)
}

// BenchmarkClickToSent: from pressing "send" to the send being recorded as
// sent (the job worked, the platform answered), p50 and p99.
func BenchmarkClickToSent(b *testing.B) {
	benchGate(b)
	eachBackend(b, func(b *testing.B, dbURL string) {
		c := newCluster(b, dbURL)
		c.run(adminPassword+"\n", "user", "add", "ops", "-role", "admin")
		r := c.serve("replica")
		br := signedInAdmin(b, r)
		require.Equal(b, http.StatusOK, br.Get("/messages/new").Status)
		st := c.openStore()
		n := max(b.N, 40)
		d := make([]time.Duration, 0, n)
		send := func(i int) time.Duration {
			v := url.Values{"type": {"link"}, "title": {"春季运动会报名"}, "content": {"点击查看详情"},
				"pcUrl": {"https://example.edu/pc"}, "appUrl": {"https://example.edu/h5"},
				"busiId": {fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)}, "accountIds": {"u1001\nu1002"}}
			clicked := time.Now()
			p := br.PostForm("/messages/send", v)
			require.Equal(b, http.StatusSeeOther, p.Status, p.Body)
			var id int64
			_, err := fmt.Sscanf(p.Location, "/messages/history/%d", &id)
			require.NoError(b, err, p.Location)
			for {
				m, err := st.MessageSendByID(context.Background(), id)
				require.NoError(b, err)
				if m.Status != store.SendQueued && m.Status != store.SendSending {
					require.Equal(b, store.SendOK, m.Status)
					return time.Since(clicked)
				}
				require.Less(b, time.Since(clicked), time.Minute)
				time.Sleep(2 * time.Millisecond)
			}
		}
		send(-1) // token and statement caches
		b.ResetTimer()
		for i := range n {
			d = append(d, send(i))
		}
		b.StopTimer()
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
	})
}
