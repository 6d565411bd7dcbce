package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cancelled records the calls whose queue jobs a cancel cancelled.
type cancelled struct {
	mu   sync.Mutex
	seqs []int
}

func (c *cancelled) cancel(ctx context.Context, tx *sql.Tx, jobID int64, seqs []int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seqs = append(c.seqs, seqs...)
	return nil
}

func pushOf(t *testing.T, s *Store, key string, n int, canary bool) (PushJob, *callQueue) {
	t.Helper()
	j := PushJob{IdempotencyKey: key, CreatedBy: "admin", CardType: "KEYDATA", Target: "accounts", EnterpriseID: "e", DataJSON: "{}", TotalAccounts: n}
	if canary {
		j.Canary = CanaryWaiting
	}
	calls := make([]PushCall, n)
	for i := range calls {
		calls[i] = PushCall{AccountIDs: []string{fmt.Sprint("a", i)}}
	}
	q := &callQueue{}
	j, _, err := s.CreatePushJob(context.Background(), j, calls, AuditEntry{Action: "cards.push.create"}, q.enqueue)
	require.NoError(t, err)
	return j, q
}

func claim(t *testing.T, s *Store, id int64, seq int) Claim {
	t.Helper()
	c, err := s.ClaimPushCall(context.Background(), id, seq)
	require.NoError(t, err)
	return c
}

func auditActions(t *testing.T, s *Store, action string) []AuditEntry {
	t.Helper()
	e, _, err := s.ListAudit(context.Background(), AuditFilter{Action: action}, 0, 50)
	require.NoError(t, err)
	return e
}

func TestPauseParksCallsAndResumeQueuesThemAgain(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		j, q := pushOf(t, s, "p1", 3, false)
		require.Len(t, q.refs, 3)

		assert.Equal(t, ClaimSend, claim(t, s, j.ID, 0), "call 0 goes out before the pause")
		require.NoError(t, s.PausePushJob(ctx, j.ID, AuditEntry{Actor: "li", Action: "cards.push.pause"}))
		got, _ := s.PushJob(ctx, j.ID)
		assert.Equal(t, StatePaused, got.State())
		assert.Equal(t, "li", got.PausedBy)
		assert.Equal(t, PauseAdmin, got.PauseReason)
		assert.ErrorIs(t, s.PausePushJob(ctx, j.ID, AuditEntry{Actor: "li"}), ErrConflict, "paused already")
		assert.ErrorIs(t, s.PausePushJob(ctx, 999, AuditEntry{Actor: "li"}), ErrNotFound)
		a := auditActions(t, s, "cards.push.pause")
		require.Len(t, a, 1)
		assert.Equal(t, "calls pending=2 in_flight=1", a[0].Detail)

		assert.Equal(t, ClaimParked, claim(t, s, j.ID, 1), "no new call while paused")
		p, err := s.PushProgress(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, p.InFlight)
		done, err := s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: 0, Status: CallOK, Code: "0"})
		require.NoError(t, err)
		assert.False(t, done, "the call in flight finishes; the push stays paused")
		got, _ = s.PushJob(ctx, j.ID)
		assert.Equal(t, StatePaused, got.State())

		q.refs = nil
		n, err := s.ResumePushJob(ctx, j.ID, AuditEntry{Actor: "li", Action: "cards.push.resume"}, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Equal(t, []CallRef{{Seq: 1, Resumes: 1}}, q.refs, "only the parked call, as a new round; call 2 still has its job")
		got, _ = s.PushJob(ctx, j.ID)
		assert.Equal(t, PushRunning, got.State())
		_, err = s.ResumePushJob(ctx, j.ID, AuditEntry{Actor: "li"}, q.enqueue)
		assert.ErrorIs(t, err, ErrConflict, "not paused")

		assert.Equal(t, ClaimSend, claim(t, s, j.ID, 1))
		assert.Equal(t, ClaimSend, claim(t, s, j.ID, 2))
		for _, seq := range []int{1, 2} {
			_, err := s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: seq, Status: CallOK, Code: "0"})
			require.NoError(t, err)
		}
		got, _ = s.PushJob(ctx, j.ID)
		assert.Equal(t, PushDone, got.State())
		assert.Equal(t, ClaimDone, claim(t, s, j.ID, 2), "a recorded call is not sent again")
		assert.ErrorIs(t, s.PausePushJob(ctx, j.ID, AuditEntry{Actor: "li"}), ErrConflict, "finished")
	})
}

func TestCancelLeavesCallsInFlightToFinish(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		j, q := pushOf(t, s, "c1", 4, false)
		assert.Equal(t, ClaimSend, claim(t, s, j.ID, 0))
		assert.Equal(t, ClaimSend, claim(t, s, j.ID, 1))
		require.NoError(t, s.ReleasePushCall(ctx, j.ID, 1)) // an attempt that will be retried
		c := &cancelled{}
		n, err := s.CancelPushJob(ctx, j.ID, AuditEntry{Actor: "li", Action: "cards.push.cancel"}, c.cancel)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		assert.Equal(t, []int{1, 2, 3}, c.seqs, "their queue jobs are cancelled in the same transaction")
		got, _ := s.PushJob(ctx, j.ID)
		assert.Equal(t, StateCancelling, got.State(), "call 0 is in flight")
		assert.Equal(t, "li", got.CancelledBy)
		p, err := s.PushProgress(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, PushProgress{Pending: 1, InFlight: 1, Cancelled: 3, AccountsPending: 1, AccountsCancelled: 3}, p)
		assert.Equal(t, ClaimDone, claim(t, s, j.ID, 1), "the retry of a cancelled call is not sent")
		_, err = s.CancelPushJob(ctx, j.ID, AuditEntry{Actor: "li"}, c.cancel)
		assert.ErrorIs(t, err, ErrConflict)
		_, err = s.ResumePushJob(ctx, j.ID, AuditEntry{Actor: "li"}, q.enqueue)
		assert.ErrorIs(t, err, ErrConflict)

		done, err := s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: 0, Status: CallOK, Code: "0"})
		require.NoError(t, err)
		assert.True(t, done, "the last call in flight ends the push")
		got, _ = s.PushJob(ctx, j.ID)
		assert.Equal(t, OutcomeCancelled, got.State())
		assert.False(t, got.FinishedAt.IsZero())
		fin := auditActions(t, s, "cards.push.finish")
		require.Len(t, fin, 1)
		assert.Equal(t, OutcomeCancelled, fin[0].Outcome)
		can := auditActions(t, s, "cards.push.cancel")
		require.Len(t, can, 1)
		assert.Equal(t, "calls cancelled=3 accounts=3 in_flight=1", can[0].Detail)
		_, err = s.RetryFailedPushCalls(ctx, j.ID, AuditEntry{Action: "cards.push.retry"}, q.enqueue)
		assert.ErrorIs(t, err, ErrConflict, "a cancelled push stays cancelled")
	})
}

func TestCancelWhilePausedEndsAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		j, _ := pushOf(t, s, "c2", 2, false)
		require.NoError(t, s.PausePushJob(ctx, j.ID, AuditEntry{Actor: "li"}))
		assert.Equal(t, ClaimParked, claim(t, s, j.ID, 0))
		c := &cancelled{}
		n, err := s.CancelPushJob(ctx, j.ID, AuditEntry{Actor: "li", Action: "cards.push.cancel"}, c.cancel)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		got, _ := s.PushJob(ctx, j.ID)
		assert.Equal(t, OutcomeCancelled, got.State(), "nothing in flight: finished by the cancel")
		assert.True(t, got.PausedAt.IsZero())
	})
}

func TestCanarySendsTheFirstCallThenPauses(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		j, q := pushOf(t, s, "k1", 3, true)
		assert.Equal(t, []CallRef{{Seq: 0}}, q.refs, "only the canary call is queued")
		assert.Equal(t, CanaryWaiting, j.Canary)
		assert.ErrorIs(t, s.PausePushJob(ctx, j.ID, AuditEntry{Actor: "li"}), ErrConflict, "the canary pauses by itself")
		assert.Equal(t, ClaimParked, claim(t, s, j.ID, 2), "nothing but the canary goes while it waits")
		assert.Equal(t, ClaimSend, claim(t, s, j.ID, 0))
		done, err := s.RecordPushCall(ctx, CallOutcome{JobID: j.ID, Seq: 0, Status: CallFailed, Code: "40001", Message: "bad"})
		require.NoError(t, err)
		assert.False(t, done)
		got, _ := s.PushJob(ctx, j.ID)
		assert.Equal(t, StatePaused, got.State())
		assert.Equal(t, PauseCanary, got.PauseReason)
		assert.Equal(t, CanaryAnswered, got.Canary)
		a := auditActions(t, s, "cards.push.canary")
		require.Len(t, a, 1)
		assert.Equal(t, OutcomeFailed, a[0].Outcome)
		assert.Equal(t, "40001", a[0].UpstreamCode)

		q.refs = nil
		n, err := s.ResumePushJob(ctx, j.ID, AuditEntry{Actor: "li", Action: "cards.push.resume"}, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		assert.Equal(t, []CallRef{{Seq: 1, Resumes: 1}, {Seq: 2, Resumes: 1}}, q.refs)
		assert.Equal(t, ClaimSend, claim(t, s, j.ID, 1))

		// A push of one call has nothing to hold back: no canary.
		one, q1 := pushOf(t, s, "k2", 1, true)
		assert.Equal(t, CanaryNone, one.Canary)
		assert.Equal(t, []CallRef{{Seq: 0}}, q1.refs)
	})
}

// Claims racing a pause or a cancel: each call is either claimed (and sent)
// or held (parked, cancelled), never both, on both backends.
func TestClaimsRacingPauseAndCancelAgree(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		for _, op := range []string{"pause", "cancel"} {
			const n = 24
			j, _ := pushOf(t, s, "race-"+op, n, false)
			claims := make([]Claim, n)
			c := &cancelled{}
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := s.ClaimPushCall(ctx, j.ID, i)
					assert.NoError(t, err)
					claims[i] = got
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if op == "pause" {
					err = s.PausePushJob(ctx, j.ID, AuditEntry{Actor: "li"})
				} else {
					_, err = s.CancelPushJob(ctx, j.ID, AuditEntry{Actor: "li"}, c.cancel)
				}
				assert.NoError(t, err)
			}()
			wg.Wait()
			calls, err := s.PushCalls(ctx, j.ID, "")
			require.NoError(t, err)
			cancelledSeq := map[int]bool{}
			for _, seq := range c.seqs {
				cancelledSeq[seq] = true
			}
			var inFlight []int
			for _, call := range calls {
				switch claims[call.Seq] {
				case ClaimSend:
					inFlight = append(inFlight, call.Seq)
					assert.Equal(t, CallPending, call.Status, "%s: a claimed call is not cancelled", op)
					assert.False(t, cancelledSeq[call.Seq], "%s: the queue job of a claimed call is not cancelled", op)
				case ClaimParked:
					assert.Equal(t, "pause", op)
				case ClaimCancelled, ClaimDone:
					assert.Equal(t, CallCancelled, call.Status)
				}
			}
			p, err := s.PushProgress(ctx, j.ID)
			require.NoError(t, err)
			assert.Equal(t, len(inFlight), p.InFlight, "%s: in flight are exactly the claimed calls", op)
			if op == "cancel" {
				assert.Equal(t, n, p.InFlight+p.Cancelled)
			}
		}
	})
}
