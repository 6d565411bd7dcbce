package cards

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
	"github.com/orgconsole/console/internal/store"
)

// vmHWM is the process's peak resident set (kB), or -1 where /proc is missing.
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

// BenchmarkPush10k pushes the same KEYDATA card to 10,000 accounts (50 calls)
// through the real client and the sandbox, with 100 ms latency per call and 4
// workers. The ideal is ceil(50/4) × 100 ms = 1.3 s; "ratio" is wall/ideal
// (goal ≤ 1.2). Peak RSS (VmHWM) and the heap in use at the end are reported.
func BenchmarkPush10k(b *testing.B) {
	const (
		accounts = 10000
		workers  = 4
		latency  = 100 * time.Millisecond
	)
	r := newRig(b)
	r.srv.Faults.Set(fake.Name, sandbox.Fault{Latency: latency})
	run := NewRunner(context.Background(), r.st, r.client, Options{Workers: workers})
	defer run.Close()
	ids := accountIDs(accounts)
	card := keyDataCard(b)
	calls := (accounts + 199) / 200
	ideal := time.Duration(math.Ceil(float64(calls)/workers)) * latency
	// Warm the token and the connections outside the measurement.
	j, _, err := run.Create(context.Background(), Plan{Target: forms.TargetAccounts, ShowOnAll: true, Card: card, AccountIDs: ids[:1]}, "warm", store.AuditEntry{})
	if err != nil {
		b.Fatal(err)
	}
	waitDone(b, r.st, j.ID)

	var peakHeap atomic.Uint64
	var total time.Duration
	var seq int
	b.ResetTimer()
	for b.Loop() {
		seq++
		stop := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peakHeap.Load() {
					peakHeap.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		start := time.Now()
		j, _, err := run.Create(context.Background(), Plan{Target: forms.TargetAccounts, ShowOnAll: true, Card: card, AccountIDs: ids},
			fmt.Sprintf("bench-%d", seq), store.AuditEntry{})
		if err != nil {
			b.Fatal(err)
		}
		j = waitDone(b, r.st, j.ID)
		total += time.Since(start)
		close(stop)
		if j.Status != store.PushDone {
			b.Fatalf("job %s", j.Status)
		}
	}
	wall := total / time.Duration(seq)
	b.ReportMetric(wall.Seconds(), "wall-s/push")
	b.ReportMetric(float64(wall)/float64(ideal), "ratio")
	b.ReportMetric(float64(peakHeap.Load())/(1<<20), "peak-heap-MiB")
	if hwm := vmHWM(); hwm > 0 {
		b.ReportMetric(float64(hwm)/1024, "VmHWM-MiB")
	}
}
