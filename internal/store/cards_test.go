package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openCardsStore(t *testing.T) *Store {
	t.Helper()
	return openTest(t)
}

// callQueue stands in for the job queue: it records the call jobs that
// committed with their rows.
type callQueue struct {
	mu   sync.Mutex
	refs []CallRef
}

func (q *callQueue) enqueue(ctx context.Context, tx *sql.Tx, jobID int64, calls []CallRef) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.refs = append(q.refs, calls...)
	return nil
}

func sampleJob(key string) (PushJob, []PushCall) {
	j := PushJob{IdempotencyKey: key, CreatedBy: "admin", CardType: "KEYDATA", Target: "accounts",
		EnterpriseID: "ent1", DataJSON: `{"type":"KEYDATA"}`, TotalAccounts: 3}
	calls := []PushCall{{AccountIDs: []string{"a", "b"}}, {AccountIDs: []string{"c"}}}
	return j, calls
}

func TestCreatePushJobIsIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openCardsStore(t)
		ctx := context.Background()
		j, calls := sampleJob("k1")
		q := &callQueue{}
		// Ten concurrent submits of one confirmation: one job, one audit entry.
		var wg sync.WaitGroup
		ids := make([]int64, 10)
		created := make([]bool, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, c, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Actor: "admin", Action: "cards.push.create"}, q.enqueue)
				require.NoError(t, err)
				ids[i], created[i] = got.ID, c
			}()
		}
		wg.Wait()
		n := 0
		for i := range 10 {
			assert.Equal(t, ids[0], ids[i])
			if created[i] {
				n++
			}
		}
		assert.Equal(t, 1, n)
		jobs, total, err := s.ListPushJobs(ctx, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, 1, total)
		assert.Equal(t, PushQueued, jobs[0].Status)
		assert.Equal(t, 2, jobs[0].TotalCalls)
		entries, _, err := s.ListAudit(ctx, AuditFilter{Action: "cards.push"}, 0, 10)
		require.NoError(t, err)
		assert.Len(t, entries, 1)
		assert.Equal(t, fmt.Sprintf("job %d", ids[0]), entries[0].Target)
	})
}

func TestPushCallsFinishTheJob(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openCardsStore(t)
		ctx := context.Background()
		q := &callQueue{}
		j, calls := sampleJob("k2")
		j, _, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Action: "cards.push.create"}, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, []CallRef{{Seq: 0}, {Seq: 1}}, q.refs, "one queue job per call, in the same transaction")

		claim, err := s.ClaimPushCall(ctx, j.ID, 0)
		require.NoError(t, err)
		assert.Equal(t, ClaimSend, claim)
		got, _ := s.PushJob(ctx, j.ID)
		assert.Equal(t, PushRunning, got.Status)
		done, err := s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: 0, Status: CallOK, Code: "0"})
		require.NoError(t, err)
		assert.False(t, done, "a call is still pending")
		_, err = s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: 0, Status: CallFailed})
		assert.ErrorIs(t, err, ErrConflict, "a recorded call is not recorded again")
		_, err = s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: 7, Status: CallOK})
		assert.ErrorIs(t, err, ErrConflict)
		done, err = s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: 1, Status: CallUnknown, Code: "HTTP 504", Message: "timeout"})
		require.NoError(t, err)
		assert.True(t, done, "the last call finishes the job")
		got, _ = s.PushJob(ctx, j.ID)
		assert.Equal(t, PushFailed, got.Status)
		assert.False(t, got.FinishedAt.IsZero())
		p, err := s.PushProgress(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, PushProgress{OK: 1, Unknown: 1, AccountsOK: 2, AccountsUnknown: 1}, p)
		entries, _, err := s.ListAudit(ctx, AuditFilter{Action: "cards.push.finish"}, 0, 10)
		require.NoError(t, err)
		require.Len(t, entries, 1)
		assert.Equal(t, OutcomeUnknown, entries[0].Outcome, "an unknown call is not called a failure")

		// Retry resends the unknown call only, as a new round.
		q.refs = nil
		n, err := s.RetryFailedPushCalls(ctx, j.ID, AuditEntry{Action: "cards.push.retry"}, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Equal(t, []CallRef{{Seq: 1, Attempts: 1}}, q.refs)
		got, _ = s.PushJob(ctx, j.ID)
		assert.Equal(t, PushQueued, got.Status)
		_, err = s.RetryFailedPushCalls(ctx, j.ID, AuditEntry{Action: "cards.push.retry"}, q.enqueue)
		assert.ErrorIs(t, err, ErrConflict, "not while it runs")
		done, err = s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: 1, Status: CallOK, Code: "0"})
		require.NoError(t, err)
		assert.True(t, done)
		got, _ = s.PushJob(ctx, j.ID)
		assert.Equal(t, PushDone, got.Status)
		_, err = s.RetryFailedPushCalls(ctx, 999, AuditEntry{Action: "cards.push.retry"}, q.enqueue)
		assert.ErrorIs(t, err, ErrNotFound)
	})
}

// Two calls ending at once: exactly one of them finishes the job, on both
// backends.
func TestLastCallsEndingAtOnceFinishOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openCardsStore(t)
		ctx := context.Background()
		j := PushJob{IdempotencyKey: "k3", CreatedBy: "admin", CardType: "KEYDATA", Target: "accounts", EnterpriseID: "e", DataJSON: "{}", TotalAccounts: 8}
		calls := make([]PushCall, 8)
		for i := range calls {
			calls[i] = PushCall{AccountIDs: []string{fmt.Sprint(i)}}
		}
		j, _, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Action: "cards.push.create"}, (&callQueue{}).enqueue)
		require.NoError(t, err)
		var wg sync.WaitGroup
		var mu sync.Mutex
		finishes := 0
		for i := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				done, err := s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: i, Status: CallOK, Code: "0"})
				assert.NoError(t, err)
				if done {
					mu.Lock()
					finishes++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, finishes)
		got, _ := s.PushJob(ctx, j.ID)
		assert.Equal(t, PushDone, got.Status)
	})
}

// The shared rate limit hands out one slot per interval, to every caller.
func TestRateSlotsAreShared(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openCardsStore(t)
		ctx := context.Background()
		t0 := time.UnixMilli(time.Now().UnixMilli())
		s.SetClock(func() time.Time { return t0 })
		var wg sync.WaitGroup
		slots := make([]time.Time, 20)
		for i := range slots {
			wg.Add(1)
			go func() {
				defer wg.Done()
				at, err := s.TakeRateSlot(ctx, "chengxun", 50*time.Millisecond)
				assert.NoError(t, err)
				slots[i] = at
			}()
		}
		wg.Wait()
		slices.SortFunc(slots, func(a, b time.Time) int { return a.Compare(b) })
		for i, at := range slots {
			assert.Equal(t, t0.Add(time.Duration(i)*50*time.Millisecond), at, "slot %d", i)
		}
		s.SetClock(func() time.Time { return t0.Add(time.Hour) })
		at, err := s.TakeRateSlot(ctx, "chengxun", 50*time.Millisecond)
		require.NoError(t, err)
		assert.Equal(t, t0.Add(time.Hour), at, "an idle limit starts again from now")
	})
}
