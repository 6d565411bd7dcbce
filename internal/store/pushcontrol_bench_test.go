package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
)

// BenchmarkPushCallBookkeeping is the store's share of one card call with
// its claim: the claim (a transaction on the push's row) before the call,
// the outcome after it — what pausing and cancelling exactly cost a call.
func BenchmarkPushCallBookkeeping(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("set CONSOLE_BENCH=1 (make bench)")
	}
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	b.ResetTimer()
	var j PushJob
	for i := range b.N {
		seq := i % 500 // pushes of the largest size, 500 calls
		if seq == 0 {
			b.StopTimer()
			j, _ = benchPush(b, s, fmt.Sprint("bench-calls-", i), 500)
			b.StartTimer()
		}
		if c, err := s.ClaimPushCall(ctx, j.ID, seq); err != nil || c != ClaimSend {
			b.Fatal(err, c)
		}
		if _, err := s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: seq, Status: CallOK, Code: "0"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCancelLargestPush cancels a push of 100,000 accounts (500 calls)
// with nothing sent yet: the store's transaction (the queue's share is
// River's, one cancel per job).
func BenchmarkCancelLargestPush(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("set CONSOLE_BENCH=1 (make bench)")
	}
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for i := range b.N {
		b.StopTimer()
		j, _ := benchPush(b, s, fmt.Sprint("bench-cancel-", i), 500)
		b.StartTimer()
		n, err := s.CancelPushJob(ctx, j.ID, AuditEntry{Actor: "li", Action: "cards.push.cancel"},
			func(context.Context, *sql.Tx, int64, []int) error { return nil })
		if err != nil || n != 500 {
			b.Fatal(err, n)
		}
	}
}

func benchPush(b *testing.B, s *Store, key string, n int) (PushJob, []PushCall) {
	b.Helper()
	calls := make([]PushCall, n)
	for i := range calls {
		ids := make([]string, 200)
		for k := range ids {
			ids[k] = fmt.Sprintf("t%06d", i*200+k)
		}
		calls[i] = PushCall{AccountIDs: ids}
	}
	j, _, err := s.CreatePushJob(context.Background(), PushJob{IdempotencyKey: key, CreatedBy: "li", CardType: "KEYDATA", Target: "accounts",
		DataJSON: "{}", TotalAccounts: n * 200}, calls, AuditEntry{Action: "cards.push.create"},
		func(context.Context, *sql.Tx, int64, []CallRef) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	return j, calls
}
