package forms

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// pasted is n distinct ids the way staff paste them from a spreadsheet:
// one per line, 11 characters each.
func pasted(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "stu%08d\n", i)
	}
	return b.String()
}

// BenchmarkParse100kPastedIDs: 100,000 pasted ids through each list parser
// (the quadratic scan took 18.5 s of CPU). make bench runs it once
// (-benchtime 1x), so it times ten parses itself and reports the median, the
// ids kept and the list's bound.
func BenchmarkParse100kPastedIDs(b *testing.B) {
	text := pasted(100_000)
	ctx := context.Background()
	run := func(b *testing.B, bound int, parse func() (kept int, over bool)) {
		var d []time.Duration
		var kept int
		var over bool
		for range max(b.N, 10) {
			t0 := time.Now()
			kept, over = parse()
			d = append(d, time.Since(t0))
		}
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2])/float64(time.Millisecond), "median-ms")
		b.ReportMetric(float64(kept), "ids-kept")
		b.ReportMetric(float64(bound), "max-ids")
		if over {
			b.ReportMetric(1, "refused")
		} else {
			b.ReportMetric(0, "refused")
		}
	}
	b.Run("push-accounts", func(b *testing.B) {
		run(b, MaxAccountsPerPush, func() (int, bool) {
			l, err := ParseAccountIDs(ctx, text)
			if err != nil || l.Bad.Count > 0 {
				b.Fatal(err, l.Bad)
			}
			return len(l.IDs), l.Over
		})
	})
	b.Run("push-accounts-csv", func(b *testing.B) {
		run(b, MaxAccountsPerPush, func() (int, bool) {
			l, err := ParseAccountIDsCSV(ctx, strings.NewReader(text))
			if err != nil {
				b.Fatal(err)
			}
			return len(l.IDs), l.Over
		})
	})
	b.Run("message-recipients", func(b *testing.B) {
		f := MessageForm{AccountIDs: text}
		run(b, MaxRecipientUserIDs, func() (int, bool) {
			u, err := f.UserIDs(ctx)
			if err != nil {
				b.Fatal(err)
			}
			return len(u.IDs), u.Over
		})
	})
}
