package store

import (
	"context"
	"database/sql"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeScheduler stands in for the job queue's start jobs: it hands out job
// ids and records which were cancelled.
type fakeScheduler struct {
	next      int64
	at        map[int64]time.Time
	cancelled []int64
}

func (f *fakeScheduler) ScheduleStart(ctx context.Context, tx *sql.Tx, item string, id int64, at time.Time) (int64, error) {
	f.next++
	if f.at == nil {
		f.at = map[int64]time.Time{}
	}
	f.at[f.next] = at
	return f.next, nil
}

func (f *fakeScheduler) CancelStart(ctx context.Context, tx *sql.Tx, jobID int64) error {
	f.cancelled = append(f.cancelled, jobID)
	return nil
}

func TestScheduledSendStartsOnceForItsJob(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		sch := &fakeScheduler{}
		at := time.UnixMilli(time.Now().Add(time.Hour).UnixMilli())
		m := sendRow("b-s1")
		m.SendAt = at
		row, created, err := s.ScheduleSend(ctx, m, AuditEntry{Actor: "amy", Action: "messages.send.schedule", Outcome: StateScheduled}, sch)
		require.NoError(t, err)
		require.True(t, created)
		assert.Equal(t, int64(1), row.StartJob)
		got, err := s.MessageSendByID(ctx, row.ID)
		require.NoError(t, err)
		assert.Equal(t, StateScheduled, got.State(), "queued, waiting for its time")
		assert.True(t, at.Equal(got.SendAt))
		assert.True(t, got.FiredAt.IsZero())

		// A double submit schedules nothing more.
		_, created, err = s.ScheduleSend(ctx, m, AuditEntry{Action: "messages.send.schedule"}, sch)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, int64(1), sch.next)

		items, total, err := s.ListScheduled(ctx, false, 0, 10)
		require.NoError(t, err)
		require.Equal(t, 1, total)
		assert.Equal(t, ScheduledItem{Item: ItemSend, ID: row.ID, By: "amy", Title: "t", Kind: "oa", Count: 2, SendAt: at, Ref: "b-s1"}, items[0])

		// Rescheduling cancels the first start job and makes a second.
		later := at.Add(time.Hour)
		require.NoError(t, s.Reschedule(ctx, ItemSend, row.ID, later, AuditEntry{Actor: "amy", Action: "messages.send.reschedule"}, sch))
		assert.Equal(t, []int64{1}, sch.cancelled)
		got, err = s.MessageSendByID(ctx, row.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(2), got.StartJob)
		assert.True(t, later.Equal(got.SendAt))

		// The old job does nothing; the row's job starts it, once.
		q := &countingEnqueue{}
		started, err := s.StartScheduledSend(ctx, row.ID, 1, q.enqueue)
		require.NoError(t, err)
		assert.False(t, started, "the rescheduled-away job starts nothing")
		started, err = s.StartScheduledSend(ctx, row.ID, 2, q.enqueue)
		require.NoError(t, err)
		assert.True(t, started)
		started, err = s.StartScheduledSend(ctx, row.ID, 2, q.enqueue)
		require.NoError(t, err)
		assert.False(t, started, "a start job that runs twice starts once")
		assert.Equal(t, 1, q.jobs)
		got, err = s.MessageSendByID(ctx, row.ID)
		require.NoError(t, err)
		assert.Equal(t, SendQueued, got.State(), "started: an ordinary queued send")
		assert.False(t, got.FiredAt.IsZero())

		// Started: no longer on the schedule, and neither cancelled nor moved.
		_, total, err = s.ListScheduled(ctx, true, 0, 10)
		require.NoError(t, err)
		assert.Zero(t, total)
		assert.ErrorIs(t, s.CancelScheduled(ctx, ItemSend, row.ID, AuditEntry{Action: "messages.send.cancel"}, sch), ErrConflict)
		assert.ErrorIs(t, s.Reschedule(ctx, ItemSend, row.ID, later, AuditEntry{Action: "messages.send.reschedule"}, sch), ErrConflict)
		_, err = s.ScheduledItemByID(ctx, ItemSend, row.ID)
		assert.ErrorIs(t, err, ErrConflict)
		_, err = s.ScheduledItemByID(ctx, ItemSend, row.ID+100)
		assert.ErrorIs(t, err, ErrNotFound)
		assert.ErrorIs(t, s.CancelScheduled(ctx, ItemSend, row.ID+100, AuditEntry{Action: "messages.send.cancel"}, sch), ErrNotFound)
	})
}

func TestCancelledScheduledSendNeverStarts(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		sch := &fakeScheduler{}
		m := sendRow("b-s2")
		m.SendAt = time.Now().Add(time.Minute)
		row, _, err := s.ScheduleSend(ctx, m, AuditEntry{Action: "messages.send.schedule"}, sch)
		require.NoError(t, err)
		require.NoError(t, s.CancelScheduled(ctx, ItemSend, row.ID, AuditEntry{Actor: "amy", Action: "messages.send.cancel", Outcome: SendCancelled}, sch))
		assert.Equal(t, []int64{row.StartJob}, sch.cancelled, "its start job is cancelled with it")
		got, err := s.MessageSendByID(ctx, row.ID)
		require.NoError(t, err)
		assert.Equal(t, SendCancelled, got.State())
		q := &countingEnqueue{}
		started, err := s.StartScheduledSend(ctx, row.ID, row.StartJob, q.enqueue)
		require.NoError(t, err)
		assert.False(t, started)
		assert.Zero(t, q.jobs)
		entries, _, err := s.ListAudit(ctx, AuditFilter{Action: "messages.send.cancel"}, 0, 10)
		require.NoError(t, err)
		require.Len(t, entries, 1)
		assert.Equal(t, "amy", entries[0].Actor, "the cancel is audited in its transaction")
	})
}

func TestScheduledPushStartsItsCallsOrIsCancelledWithThem(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s := openCardsStore(t)
		sch := &fakeScheduler{}
		at := time.UnixMilli(time.Now().Add(2 * time.Hour).UnixMilli())
		j, calls := sampleJob("k-s1")
		j.SendAt = at
		job, created, err := s.SchedulePush(ctx, j, calls, AuditEntry{Actor: "admin", Action: "cards.push.schedule"}, sch)
		require.NoError(t, err)
		require.True(t, created)
		got, err := s.PushJob(ctx, job.ID)
		require.NoError(t, err)
		assert.Equal(t, StateScheduled, got.State())
		assert.True(t, got.Active(), "it will run: not retryable")

		// Sends first, then pushes; only admins' list has the push.
		m := sendRow("b-s3")
		m.SendAt = at.Add(-time.Hour)
		_, _, err = s.ScheduleSend(ctx, m, AuditEntry{Action: "messages.send.schedule"}, sch)
		require.NoError(t, err)
		items, total, err := s.ListScheduled(ctx, true, 0, 10)
		require.NoError(t, err)
		require.Equal(t, 2, total)
		assert.Equal(t, []string{ItemSend, ItemPush}, []string{items[0].Item, items[1].Item}, "soonest first")
		assert.Equal(t, ScheduledItem{Item: ItemPush, ID: job.ID, By: "admin", Kind: "KEYDATA", Target: "accounts", Count: 3, SendAt: at,
			Ref: "job " + strconv.FormatInt(job.ID, 10)}, items[1])
		_, total, err = s.ListScheduled(ctx, false, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, 1, total)

		q := &callQueue{}
		started, err := s.StartScheduledPush(ctx, job.ID, got.StartJob, q.enqueue)
		require.NoError(t, err)
		assert.True(t, started)
		assert.Equal(t, []CallRef{{Seq: 0}, {Seq: 1}}, q.refs, "every call is queued when it starts")
		started, err = s.StartScheduledPush(ctx, job.ID, got.StartJob, q.enqueue)
		require.NoError(t, err)
		assert.False(t, started)
		assert.Len(t, q.refs, 2)

		// A second scheduled push, cancelled: its calls are cancelled, never sent.
		j2, calls2 := sampleJob("k-s2")
		j2.SendAt = at
		job2, _, err := s.SchedulePush(ctx, j2, calls2, AuditEntry{Action: "cards.push.schedule"}, sch)
		require.NoError(t, err)
		require.NoError(t, s.CancelScheduled(ctx, ItemPush, job2.ID, AuditEntry{Actor: "admin", Action: "cards.push.cancel"}, sch))
		got, err = s.PushJob(ctx, job2.ID)
		require.NoError(t, err)
		assert.Equal(t, OutcomeCancelled, got.State())
		assert.False(t, got.Active())
		p, err := s.PushProgress(ctx, job2.ID)
		require.NoError(t, err)
		assert.Equal(t, PushProgress{Cancelled: 2, AccountsCancelled: 3}, p)
		_, err = s.RetryFailedPushCalls(ctx, job2.ID, AuditEntry{Action: "cards.push.retry"}, q.enqueue)
		assert.ErrorIs(t, err, ErrConflict, "a cancelled push is not resent")
		started, err = s.StartScheduledPush(ctx, job2.ID, job2.StartJob, q.enqueue)
		require.NoError(t, err)
		assert.False(t, started)
		assert.Len(t, q.refs, 2)
	})
}

func TestLateIsADelayOfAMinuteOrMore(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	assert.Zero(t, Schedule{}.Late())
	assert.Zero(t, Schedule{SendAt: at}.Late(), "not started")
	assert.Zero(t, Schedule{SendAt: at, FiredAt: at.Add(900 * time.Millisecond)}.Late())
	assert.Equal(t, 7*time.Minute, Schedule{SendAt: at, FiredAt: at.Add(7 * time.Minute)}.Late())
}
