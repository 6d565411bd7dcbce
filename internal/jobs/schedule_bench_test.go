package jobs

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/pgtest"
	"github.com/orgconsole/console/internal/store"
)

// okSender accepts every send at once and counts them.
type okSender struct{ n atomic.Int64 }

func (s *okSender) SendBody(ctx context.Context, msgType string, body []byte) (tze.SendResult, error) {
	s.n.Add(1)
	return tze.SendResult{MsgID: "m"}, nil
}

// BenchmarkScheduleAccuracy: 100 sends scheduled 2–7 s ahead (spread over
// River's 5 s scheduler ticks); how long after its send_at each started
// (fired_at − send_at), p50 / p99 / max, on one replica (SQLite and
// PostgreSQL) and two (PostgreSQL), with the queues polling every 1 s (the
// console's PollInterval) and every 200 ms. Each send must reach the platform once.
func BenchmarkScheduleAccuracy(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("seconds per run: set CONSOLE_BENCH=1 (make bench)")
	}
	for _, backend := range []store.Backend{store.SQLite, store.Postgres} {
		for _, replicas := range []int{1, 2} {
			if backend == store.SQLite && replicas > 1 {
				continue // one process owns the embedded file
			}
			for _, poll := range []time.Duration{time.Second, 200 * time.Millisecond} {
				b.Run(fmt.Sprintf("%s/replicas=%d/poll=%s", backend, replicas, poll), func(b *testing.B) {
					dsn := b.TempDir() + "/c.db"
					if backend == store.Postgres {
						dsn = pgtest.URL(b)
					}
					for range b.N {
						scheduleAccuracy(b, dsn, replicas, poll)
					}
				})
			}
		}
	}
}

func scheduleAccuracy(b *testing.B, dsn string, replicas int, poll time.Duration) {
	ctx := context.Background()
	sender := &okSender{}
	var stores []*store.Store
	var queues []*Queue
	for i := range replicas {
		st, err := store.Open(ctx, dsn)
		require.NoError(b, err)
		q, err := New(ctx, st, Platforms{Tze: sender}, Config{DSN: dsn, ReplicaID: fmt.Sprintf("bench-%d", i),
			PollInterval: poll})
		require.NoError(b, err)
		require.NoError(b, q.Start(ctx))
		stores, queues = append(stores, st), append(queues, q)
	}
	defer func() {
		for i := range queues {
			stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_ = queues[i].Stop(stopCtx)
			cancel()
			_ = stores[i].Close()
		}
	}()
	// A console has been running for a while when its schedules come due:
	// a leader elected, River's scheduler ticking (every 5 s).
	time.Sleep(6 * time.Second)
	st := stores[0]
	const n = 100
	start := time.Now().Add(2 * time.Second)
	ids := make([]int64, n)
	run := time.Now().UnixNano()
	for i := range ids {
		m := store.MessageSend{BusiID: fmt.Sprintf("bench-%d-%d", run, i), MsgType: "oa", Sender: "bench", Recipients: 1,
			Request: "{}", Form: "type=oa", Schedule: store.Schedule{SendAt: start.Add(time.Duration(i) * 50 * time.Millisecond)}}
		row, _, err := st.ScheduleSend(ctx, m, store.AuditEntry{Action: "messages.send.schedule"}, queues[i%replicas])
		require.NoError(b, err)
		ids[i] = row.ID
	}
	b.ResetTimer()
	delays := make([]time.Duration, 0, n)
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range ids {
		for {
			m, err := st.MessageSendByID(ctx, id)
			require.NoError(b, err)
			if !m.FiredAt.IsZero() {
				delays = append(delays, m.FiredAt.Sub(m.SendAt))
				break
			}
			require.True(b, time.Now().Before(deadline), "send %d never started", id)
			time.Sleep(20 * time.Millisecond)
		}
	}
	require.Eventually(b, func() bool { return sender.n.Load() == n }, 20*time.Second, 20*time.Millisecond)
	time.Sleep(time.Second)
	require.Equal(b, int64(n), sender.n.Load(), "each send once")
	slices.Sort(delays)
	require.GreaterOrEqual(b, delays[0], time.Duration(0), "never early")
	b.ReportMetric(float64(delays[n/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(delays[n*99/100-1].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(delays[n-1].Milliseconds()), "max-ms")
}
