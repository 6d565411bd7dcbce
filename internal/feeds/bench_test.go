package feeds

import (
	"context"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgconsole/console/internal/forms"
	sbfeeds "github.com/orgconsole/console/internal/sandbox/feeds"
	"github.com/orgconsole/console/internal/store"
)

// BenchmarkFeedRunCost is the cost of one run of a KEYDATA feed before
// anything is written (issue 11's number): fetch the sandbox's attendance
// feed over loopback HTTP, read and check its four tiles against the
// editor's limits, build the push and compare it with the last one. It
// reports the mean and p99 per run and the share of the fetch.
func BenchmarkFeedRunCost(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("set CONSOLE_BENCH=1 (make bench)")
	}
	src := sbfeeds.New()
	at := time.Now()
	src.SetClock(func() time.Time { return at }) // the same numbers all along: every run compares and finds no change
	srv := httptest.NewServer(src)
	defer srv.Close()
	f := NewFetcher(Hosts{strings.TrimPrefix(srv.URL, "http://")}, 5*time.Second)
	feed := store.CardFeed{URL: srv.URL + sbfeeds.PathAttendance, CardType: forms.CardKeyData, Target: forms.TargetOrg, EnterpriseID: "e1"}
	ctx := context.Background()
	first, err := Check(ctx, f, feed, "", "warm")
	if err != nil || !first.Errs.OK() {
		b.Fatal(err, first.Errs)
	}
	const runs = 2000
	b.ResetTimer()
	for range b.N {
		total := make([]time.Duration, 0, runs)
		var fetch time.Duration
		for range runs {
			start := time.Now()
			ck, err := Check(ctx, f, feed, first.Job.DataJSON, "k")
			total = append(total, time.Since(start))
			fetch += ck.Fetched.Duration
			if err != nil || !ck.Errs.OK() || ck.Changed {
				b.Fatal(err, ck.Errs)
			}
		}
		slices.Sort(total)
		var sum time.Duration
		for _, d := range total {
			sum += d
		}
		b.ReportMetric(float64(sum.Microseconds())/runs, "µs/run")
		b.ReportMetric(float64(total[runs*99/100].Microseconds()), "p99-µs/run")
		b.ReportMetric(float64(fetch.Microseconds())/runs, "fetch-µs/run")
	}
}

// BenchmarkFeedCheckWithoutFetch is the validate + diff part alone.
func BenchmarkFeedCheckWithoutFetch(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("set CONSOLE_BENCH=1 (make bench)")
	}
	body := []byte(`{"items":[{"key":"今日出勤率","data":"96.3%"},{"key":"到校人数","data":"1239"},{"key":"请假人数","data":"31"},{"key":"迟到人数","data":"7"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		card, errs := ParseItems(body, forms.CardKeyData)
		if !errs.OK() {
			b.Fatal(errs)
		}
		p := planFor(card)
		if _, _, err := p.Job("k", "system"); err != nil {
			b.Fatal(err)
		}
	}
}
