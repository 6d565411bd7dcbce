package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func approvalQueue(calls *callQueue, sends *countingEnqueue) ApprovalQueue {
	return ApprovalQueue{Calls: calls.enqueue, Send: sends.enqueue}
}

func TestAPushWaitingForApprovalIsEnqueuedOnlyWhenApproved(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		q, sends := &callQueue{}, &countingEnqueue{}
		j, calls := sampleJob("k-approve")
		j.Approval = ApprovalPending
		job, created, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Actor: "amy", Action: "cards.push.create"}, q.enqueue)
		require.NoError(t, err)
		require.True(t, created)
		assert.Empty(t, q.refs, "nothing is enqueued before the approval")
		assert.Equal(t, PushQueued, job.Status)
		assert.Equal(t, StateAwaitingApproval, job.State())
		stored, err := s.PushJob(ctx, job.ID)
		require.NoError(t, err)
		assert.Equal(t, ApprovalPending, stored.Approval)

		a, err := s.LatestApproval(ctx, ApprovalPush, job.ID)
		require.NoError(t, err)
		assert.Equal(t, ApprovalPending, a.State)
		assert.Equal(t, "amy", a.RequestedBy)
		assert.Equal(t, 3, a.Size, "the list shows the item's accounts")
		n, err := s.PendingApprovalsFor(ctx, "amy")
		require.NoError(t, err)
		assert.Zero(t, n, "the requester cannot decide it")
		n, err = s.PendingApprovalsFor(ctx, "bob")
		require.NoError(t, err)
		assert.Equal(t, 1, n)

		fp, err := s.Fingerprint(ctx, ApprovalPush, job.ID)
		require.NoError(t, err)
		assert.Equal(t, a.Fingerprint, fp, "the request holds the fingerprint of what is stored")

		_, err = s.ApproveRequest(ctx, a.ID, fp, AuditEntry{Actor: "amy"}, approvalQueue(q, sends))
		assert.ErrorIs(t, err, ErrSelfApproval)
		_, err = s.ApproveRequest(ctx, a.ID, "0000", AuditEntry{Actor: "bob"}, approvalQueue(q, sends))
		assert.ErrorIs(t, err, ErrChanged, "an approval is for what the approver saw")
		assert.Empty(t, q.refs)

		got, err := s.ApproveRequest(ctx, a.ID, fp, AuditEntry{Actor: "bob"}, approvalQueue(q, sends))
		require.NoError(t, err)
		assert.Equal(t, ApprovalApproved, got.State)
		assert.Equal(t, "bob", got.DecidedBy)
		assert.Equal(t, []CallRef{{Seq: 0}, {Seq: 1}}, q.refs, "approving enqueues every call")
		job, err = s.PushJob(ctx, job.ID)
		require.NoError(t, err)
		assert.Equal(t, ApprovalApproved, job.Approval)
		assert.Equal(t, PushQueued, job.State())

		_, err = s.ApproveRequest(ctx, a.ID, fp, AuditEntry{Actor: "carl"}, approvalQueue(q, sends))
		assert.ErrorIs(t, err, ErrConflict, "decided once")
		_, err = s.RejectRequest(ctx, a.ID, "late", AuditEntry{Actor: "carl"})
		assert.ErrorIs(t, err, ErrConflict)
		assert.Len(t, q.refs, 2)

		// A retry of the approved content runs without asking again.
		_, err = s.RecordPushCall(ctx, CallOutcome{JobID: job.ID, Seq: 0, Status: CallOK, Code: "0"})
		require.NoError(t, err)
		_, err = s.RecordPushCall(ctx, CallOutcome{JobID: job.ID, Seq: 1, Status: CallFailed, Code: "500"})
		require.NoError(t, err)
		n, err = s.RetryFailedPushCalls(ctx, job.ID, AuditEntry{Actor: "amy", Action: "cards.push.retry"}, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Len(t, q.refs, 3)

		entries, _, err := s.ListAudit(ctx, AuditFilter{Action: "approvals.request"}, 0, 10)
		require.NoError(t, err)
		require.Len(t, entries, 1)
		assert.Equal(t, "job 1", entries[0].Target)
		entries, _, err = s.ListAudit(ctx, AuditFilter{Action: "approvals.approve"}, 0, 10)
		require.NoError(t, err)
		require.Len(t, entries, 2, "the approval and the requester's refused attempt")
		assert.Equal(t, []string{"bob", OutcomeOK}, []string{entries[0].Actor, entries[0].Outcome})
		assert.Equal(t, "job 1", entries[0].Target)
		assert.Equal(t, []string{"amy", OutcomeDenied}, []string{entries[1].Actor, entries[1].Outcome})
	})
}

func TestARejectedPushEndsAndIsNeverSent(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		q := &callQueue{}
		j, calls := sampleJob("k-reject")
		j.Approval = ApprovalPending
		job, _, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Actor: "amy", Action: "cards.push.create"}, q.enqueue)
		require.NoError(t, err)
		a, err := s.LatestApproval(ctx, ApprovalPush, job.ID)
		require.NoError(t, err)
		_, err = s.RejectRequest(ctx, a.ID, "wrong school", AuditEntry{Actor: "amy"})
		assert.ErrorIs(t, err, ErrSelfApproval)

		got, err := s.RejectRequest(ctx, a.ID, "wrong school", AuditEntry{Actor: "bob"})
		require.NoError(t, err)
		assert.Equal(t, ApprovalRejected, got.State)
		assert.Equal(t, "wrong school", got.Reason)
		job, err = s.PushJob(ctx, job.ID)
		require.NoError(t, err)
		assert.False(t, job.Active())
		assert.Equal(t, OutcomeRejected, job.State())
		_, err = s.RetryFailedPushCalls(ctx, job.ID, AuditEntry{Actor: "amy", Action: "cards.push.retry"}, q.enqueue)
		assert.ErrorIs(t, err, ErrConflict, "a rejected push cannot be resent")
		assert.Empty(t, q.refs)
		entries, _, err := s.ListAudit(ctx, AuditFilter{Action: "approvals.reject"}, 0, 10)
		require.NoError(t, err)
		require.Len(t, entries, 2, "the rejection and the requester's refused attempt")
		assert.Contains(t, entries[0].Detail, "reason=wrong school")
		assert.Equal(t, OutcomeDenied, entries[1].Outcome)
	})
}

func TestASendResentWithOtherContentNeedsApprovalAgain(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		q := &countingEnqueue{}
		m := sendRow("b-approve")
		m.Approval = ApprovalPending
		row, created, err := s.QueueSend(ctx, m, AuditEntry{Actor: "amy", Action: "messages.send"}, q.enqueue)
		require.NoError(t, err)
		require.True(t, created)
		assert.Zero(t, q.jobs, "nothing is enqueued before the approval")
		assert.Equal(t, StateAwaitingApproval, row.State())
		_, ok, err := s.ClaimSend(ctx, row.ID)
		require.NoError(t, err)
		assert.False(t, ok, "no job can claim a send waiting for approval")

		a, err := s.LatestApproval(ctx, ApprovalSend, row.ID)
		require.NoError(t, err)
		assert.Equal(t, "t", a.Title)
		fp, err := s.Fingerprint(ctx, ApprovalSend, row.ID)
		require.NoError(t, err)
		_, err = s.ApproveRequest(ctx, a.ID, fp, AuditEntry{Actor: "bob"}, ApprovalQueue{Send: q.enqueue})
		require.NoError(t, err)
		assert.Equal(t, 1, q.jobs)
		_, ok, err = s.ClaimSend(ctx, row.ID)
		require.NoError(t, err)
		require.True(t, ok)
		_, err = s.FinishSend(ctx, row.ID, SendOutcome{Status: SendFailed}, AuditEntry{Action: "messages.send"})
		require.NoError(t, err)

		// The same content again: approved already.
		again, err := s.RequeueSend(ctx, row.ID, m, AuditEntry{Actor: "amy", Action: "messages.send.retry"}, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, 2, q.jobs)
		assert.Equal(t, ApprovalApproved, again.Approval)
		_, ok, err = s.ClaimSend(ctx, row.ID)
		require.NoError(t, err)
		require.True(t, ok)
		_, err = s.FinishSend(ctx, row.ID, SendOutcome{Status: SendUnknown}, AuditEntry{Action: "messages.send"})
		require.NoError(t, err)

		// Other content: a new request, and nothing enqueued.
		edited := m
		edited.Request = `{"msgtype":"oa","other":true}`
		again, err = s.RequeueSend(ctx, row.ID, edited, AuditEntry{Actor: "amy", Action: "messages.send.retry"}, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, 2, q.jobs, "edited after the approval: not sent")
		assert.Equal(t, StateAwaitingApproval, again.State())
		next, err := s.LatestApproval(ctx, ApprovalSend, row.ID)
		require.NoError(t, err)
		assert.NotEqual(t, a.ID, next.ID)
		assert.Equal(t, ApprovalPending, next.State)

		got, err := s.RejectRequest(ctx, next.ID, "not this", AuditEntry{Actor: "bob"})
		require.NoError(t, err)
		assert.Equal(t, ApprovalRejected, got.State)
		row, err = s.MessageSendByID(ctx, row.ID)
		require.NoError(t, err)
		assert.Equal(t, OutcomeRejected, row.State())
		_, err = s.RequeueSend(ctx, row.ID, edited, AuditEntry{Actor: "amy", Action: "messages.send.retry"}, q.enqueue)
		assert.ErrorIs(t, err, ErrConflict, "a rejected send is not sent again")

		mine, total, err := s.ListApprovals(ctx, ApprovalFilter{RequestedBy: "amy"}, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, 2, total)
		assert.Equal(t, []string{ApprovalRejected, ApprovalApproved}, []string{mine[0].State, mine[1].State}, "newest first")
		pending, _, err := s.ListApprovals(ctx, ApprovalFilter{State: ApprovalPending}, 0, 10)
		require.NoError(t, err)
		assert.Empty(t, pending)
	})
}

func TestASendNeedingNoApprovalIsEnqueuedAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		q := &countingEnqueue{}
		row, _, err := s.QueueSend(ctx, sendRow("b-free"), AuditEntry{Actor: "amy", Action: "messages.send"}, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, 1, q.jobs)
		assert.Equal(t, "", row.Approval)
		_, err = s.LatestApproval(ctx, ApprovalSend, row.ID)
		assert.ErrorIs(t, err, ErrNotFound)
	})
}

// A scheduled push that needs approval gets neither its start job nor its
// calls before the approval; approving schedules its start at its time;
// moving it after that asks again; cancelling withdraws the request.
func TestAScheduledPushWaitsForApprovalThenForItsTime(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		q, sends, sch := &callQueue{}, &countingEnqueue{}, &fakeScheduler{}
		j, calls := sampleJob("k-scheduled-approval")
		j.Approval = ApprovalPending
		j.SendAt = time.UnixMilli(time.Now().Add(2 * time.Hour).UnixMilli())
		job, created, err := s.SchedulePush(ctx, j, calls, AuditEntry{Actor: "amy", Action: "cards.push.schedule"}, sch)
		require.NoError(t, err)
		require.True(t, created)
		assert.Zero(t, sch.next, "no start job before the approval")
		assert.Empty(t, q.refs)
		assert.Equal(t, StateAwaitingApproval, job.State())

		a, err := s.LatestApproval(ctx, ApprovalPush, job.ID)
		require.NoError(t, err)
		fp, err := s.Fingerprint(ctx, ApprovalPush, job.ID)
		require.NoError(t, err)
		aq := ApprovalQueue{Calls: q.enqueue, Send: sends.enqueue, Start: sch}
		_, err = s.ApproveRequest(ctx, a.ID, fp, AuditEntry{Actor: "bob"}, aq)
		require.NoError(t, err)
		assert.Empty(t, q.refs, "approved, but its time has not come: no calls yet")
		require.Equal(t, int64(1), sch.next, "its start job")
		assert.True(t, j.SendAt.Equal(sch.at[1]), "at its time")
		job, err = s.PushJob(ctx, job.ID)
		require.NoError(t, err)
		assert.Equal(t, StateScheduled, job.State())
		assert.Equal(t, int64(1), job.StartJob)

		// Moved after the approval: the old start job is cancelled and the
		// new time needs approval again.
		later := j.SendAt.Add(time.Hour)
		require.NoError(t, s.Reschedule(ctx, ItemPush, job.ID, later, AuditEntry{Actor: "amy", Action: "cards.push.reschedule"}, sch))
		assert.Equal(t, []int64{1}, sch.cancelled)
		assert.Equal(t, int64(1), sch.next, "no new start job before the new approval")
		job, err = s.PushJob(ctx, job.ID)
		require.NoError(t, err)
		assert.Equal(t, StateAwaitingApproval, job.State())
		again, err := s.LatestApproval(ctx, ApprovalPush, job.ID)
		require.NoError(t, err)
		assert.NotEqual(t, a.ID, again.ID)
		assert.Equal(t, ApprovalPending, again.State)
		newFP, err := s.Fingerprint(ctx, ApprovalPush, job.ID)
		require.NoError(t, err)
		assert.NotEqual(t, fp, newFP, "the start time is part of what is approved")
		_, err = s.ApproveRequest(ctx, again.ID, fp, AuditEntry{Actor: "bob"}, aq)
		assert.ErrorIs(t, err, ErrChanged, "the old approval's content is not what waits now")

		// Cancelled while the request waits: the request is withdrawn.
		require.NoError(t, s.CancelScheduled(ctx, ItemPush, job.ID, AuditEntry{Actor: "amy", Action: "cards.push.cancel"}, sch))
		withdrawn, err := s.LatestApproval(ctx, ApprovalPush, job.ID)
		require.NoError(t, err)
		assert.Equal(t, ApprovalWithdrawn, withdrawn.State)
		n, err := s.PendingApprovalsFor(ctx, "bob")
		require.NoError(t, err)
		assert.Zero(t, n, "nothing left for bob to decide")
		job, err = s.PushJob(ctx, job.ID)
		require.NoError(t, err)
		assert.Equal(t, OutcomeCancelled, job.State())
		assert.Empty(t, q.refs, "never sent")
	})
}

// A scheduled send approved after its time starts at once (and shows late).
func TestAScheduledSendApprovedAfterItsTimeStartsAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		q, sch := &countingEnqueue{}, &fakeScheduler{}
		m := sendRow("b-late-approval")
		m.Approval = ApprovalPending
		m.SendAt = time.UnixMilli(time.Now().Add(time.Hour).UnixMilli())
		row, _, err := s.ScheduleSend(ctx, m, AuditEntry{Actor: "amy", Action: "messages.send.schedule"}, sch)
		require.NoError(t, err)
		assert.Zero(t, sch.next)
		a, err := s.LatestApproval(ctx, ApprovalSend, row.ID)
		require.NoError(t, err)
		fp, err := s.Fingerprint(ctx, ApprovalSend, row.ID)
		require.NoError(t, err)
		s.SetClock(func() time.Time { return time.Now().Add(3 * time.Hour) }) // bob decides after the time
		_, err = s.ApproveRequest(ctx, a.ID, fp, AuditEntry{Actor: "bob"}, ApprovalQueue{Send: q.enqueue, Start: sch})
		require.NoError(t, err)
		require.Equal(t, int64(1), sch.next)
		started, err := s.StartScheduledSend(ctx, row.ID, 1, q.enqueue)
		require.NoError(t, err)
		require.True(t, started)
		assert.Equal(t, 1, q.jobs)
		got, err := s.MessageSendByID(ctx, row.ID)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, got.Late(), 2*time.Hour, "marked late by the wait for the approval")
	})
}

// Cancelling a push that waits for approval withdraws its request.
func TestCancellingAPushWaitingForApprovalWithdrawsTheRequest(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		q := &callQueue{}
		j, calls := sampleJob("k-cancel-waiting")
		j.Approval = ApprovalPending
		job, _, err := s.CreatePushJob(ctx, j, calls, AuditEntry{Actor: "amy", Action: "cards.push.create"}, q.enqueue)
		require.NoError(t, err)
		_, err = s.CancelPushJob(ctx, job.ID, AuditEntry{Actor: "amy", Action: "cards.push.cancel"},
			func(context.Context, *sql.Tx, int64, []int) error { return nil })
		require.NoError(t, err)
		a, err := s.LatestApproval(ctx, ApprovalPush, job.ID)
		require.NoError(t, err)
		assert.Equal(t, ApprovalWithdrawn, a.State)
		n, err := s.PendingApprovalsFor(ctx, "bob")
		require.NoError(t, err)
		assert.Zero(t, n)
		job, err = s.PushJob(ctx, job.ID)
		require.NoError(t, err)
		assert.Equal(t, OutcomeCancelled, job.State())
		assert.Empty(t, q.refs, "never sent")
	})
}
