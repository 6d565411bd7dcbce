package store

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openCardsStore(t *testing.T) *Store {
	t.Helper()
	return openTest(t)
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
		// Ten concurrent submits of one confirmation: one job, one audit entry.
		var wg sync.WaitGroup
		ids := make([]int64, 10)
		created := make([]bool, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, c, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Actor: "admin", Action: "cards.push.create"})
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

func TestPushJobLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openCardsStore(t)
		ctx := context.Background()
		j, calls := sampleJob("k2")
		j, _, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Action: "cards.push.create"})
		require.NoError(t, err)

		p, err := s.PushProgress(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, PushProgress{Pending: 2, AccountsPending: 3}, p)

		require.NoError(t, s.StartPushJob(ctx, j.ID))
		assert.ErrorIs(t, s.StartPushJob(ctx, j.ID), ErrConflict, "a running job cannot be started twice")
		require.NoError(t, s.RecordPushCall(ctx, j.ID, 0, true, "0", ""))
		require.NoError(t, s.RecordPushCall(ctx, j.ID, 1, false, "40038", "data too long"))
		assert.ErrorIs(t, s.RecordPushCall(ctx, j.ID, 7, true, "", ""), ErrNotFound)
		require.NoError(t, s.FinishPushJob(ctx, j.ID, PushFailed, AuditEntry{Action: "cards.push.finish", Outcome: OutcomeFailed}))

		failed, err := s.PushCalls(ctx, j.ID, CallFailed)
		require.NoError(t, err)
		require.Len(t, failed, 1)
		assert.Equal(t, []string{"c"}, failed[0].AccountIDs)
		assert.Equal(t, "40038", failed[0].UpstreamCode)
		assert.Equal(t, 1, failed[0].Attempts)

		n, err := s.RetryFailedPushCalls(ctx, j.ID, AuditEntry{Action: "cards.push.retry"})
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		got, err := s.PushJob(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, PushQueued, got.Status)
		_, err = s.RetryFailedPushCalls(ctx, j.ID, AuditEntry{Action: "cards.push.retry"})
		assert.ErrorIs(t, err, ErrConflict, "no retry while queued")

		// A restart while queued/running leaves it interrupted with its pending call.
		ids, err := s.InterruptPushJobs(ctx)
		require.NoError(t, err)
		assert.Equal(t, []int64{j.ID}, ids)
		got, _ = s.PushJob(ctx, j.ID)
		assert.Equal(t, PushInterrupted, got.Status)
		p, _ = s.PushProgress(ctx, j.ID)
		assert.Equal(t, 1, p.Pending)
		assert.Equal(t, 1, p.OK)
		require.NoError(t, s.StartPushJob(ctx, j.ID), "an interrupted job resumes")

		_, err = s.PushJob(ctx, 999)
		assert.ErrorIs(t, err, ErrNotFound)
		_, err = s.PushJobByKey(ctx, "nope")
		assert.ErrorIs(t, err, ErrNotFound)
	})
}

func TestRecordPushCallsInOneTransaction(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openCardsStore(t)
		ctx := context.Background()
		j, calls := sampleJob("k3")
		j, _, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Action: "cards.push.create"})
		require.NoError(t, err)

		// An outcome for a call that does not exist does not lose the others.
		err = s.RecordPushCalls(ctx, []CallOutcome{
			{JobID: j.ID, Seq: 0, OK: true, Code: "0"},
			{JobID: j.ID, Seq: 9, OK: true},
			{JobID: j.ID, Seq: 1, Code: "40031", Message: "account_id_list[0] invalid"},
		})
		assert.ErrorIs(t, err, ErrNotFound)
		got, err := s.PushCalls(ctx, j.ID, "")
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, []string{CallOK, CallFailed}, []string{got[0].Status, got[1].Status})
		assert.Equal(t, "40031", got[1].UpstreamCode)
		assert.Equal(t, "account_id_list[0] invalid", got[1].Message)
		assert.Equal(t, []int{1, 1}, []int{got[0].Attempts, got[1].Attempts})
	})
}

func TestRetryAlsoResendsCallsLeftPending(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openCardsStore(t)
		ctx := context.Background()
		j, calls := sampleJob("k4")
		j, _, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Action: "cards.push.create"})
		require.NoError(t, err)
		require.NoError(t, s.StartPushJob(ctx, j.ID))
		require.NoError(t, s.RecordPushCall(ctx, j.ID, 0, true, "0", ""))
		// Call 1's outcome was never stored (say the disk was full): the job ends failed with it pending.
		require.NoError(t, s.FinishPushJob(ctx, j.ID, PushFailed, AuditEntry{Action: "cards.push.finish", Outcome: OutcomeFailed}))
		n, err := s.RetryFailedPushCalls(ctx, j.ID, AuditEntry{Action: "cards.push.retry"})
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		got, err := s.PushJob(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, PushQueued, got.Status)
	})
}
