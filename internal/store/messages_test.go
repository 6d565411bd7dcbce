package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
)

func openMessages(t *testing.T) (*Store, User, User) {
	t.Helper()
	ctx := context.Background()
	s := openTest(t)
	a, err := s.CreateUser(ctx, User{Username: "amy", Role: auth.RoleContent, PasswordHash: "x"}, AuditEntry{Action: "user.create"})
	require.NoError(t, err)
	b, err := s.CreateUser(ctx, User{Username: "bob", Role: auth.RoleContent, PasswordHash: "x"}, AuditEntry{Action: "user.create"})
	require.NoError(t, err)
	return s, a, b
}

func TestDraftsAreTheOwners(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, amy, bob := openMessages(t)
		d, err := s.SaveDraft(ctx, Draft{OwnerID: amy.ID, MsgType: "oa", Title: "周会", Form: "type=oa&headText=%E5%91%A8%E4%BC%9A"})
		require.NoError(t, err)
		require.NotZero(t, d.ID)

		got, err := s.DraftByID(ctx, amy.ID, d.ID)
		require.NoError(t, err)
		assert.Equal(t, "type=oa&headText=%E5%91%A8%E4%BC%9A", got.Form)

		_, err = s.DraftByID(ctx, bob.ID, d.ID)
		assert.ErrorIs(t, err, ErrNotFound, "bob cannot open amy's draft")
		_, err = s.SaveDraft(ctx, Draft{ID: d.ID, OwnerID: bob.ID, Form: "x"})
		assert.ErrorIs(t, err, ErrNotFound, "bob cannot overwrite amy's draft")
		assert.ErrorIs(t, s.DeleteDraft(ctx, bob.ID, d.ID), ErrNotFound)

		d.Title, d.Form = "周会改", "type=text"
		_, err = s.SaveDraft(ctx, d)
		require.NoError(t, err)
		list, err := s.ListDrafts(ctx, amy.ID)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, "周会改", list[0].Title)
		list, err = s.ListDrafts(ctx, bob.ID)
		require.NoError(t, err)
		assert.Empty(t, list)

		require.NoError(t, s.DeleteDraft(ctx, amy.ID, d.ID))
		_, err = s.DraftByID(ctx, amy.ID, d.ID)
		assert.ErrorIs(t, err, ErrNotFound)
	})
}

func sendRow(busi string) MessageSend {
	return MessageSend{BusiID: busi, MsgType: "oa", Title: "t", Sender: "amy", Recipients: 2, Request: `{"msgtype":"oa"}`, Form: "type=oa"}
}

// countingEnqueue stands in for the job queue: it counts the jobs that
// committed with their rows (a rolled-back transaction's job is not counted).
type countingEnqueue struct {
	mu   sync.Mutex
	jobs int
	fail error
}

func (e *countingEnqueue) enqueue(ctx context.Context, tx *sql.Tx, id int64, round int) error {
	if e.fail != nil {
		return e.fail
	}
	e.mu.Lock()
	e.jobs++
	e.mu.Unlock()
	return nil
}

func TestQueueSendRecordsABusiIDOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		q := &countingEnqueue{}
		first, created, err := s.QueueSend(ctx, sendRow("b-1"), AuditEntry{Actor: "amy", Action: "messages.send", Outcome: SendQueued}, q.enqueue)
		require.NoError(t, err)
		require.True(t, created)
		assert.Equal(t, SendQueued, first.Status)
		assert.Equal(t, 1, q.jobs)

		again, created, err := s.QueueSend(ctx, sendRow("b-1"), AuditEntry{Actor: "amy", Action: "messages.send"}, q.enqueue)
		require.NoError(t, err)
		assert.False(t, created, "a busiId in the history is not queued again")
		assert.Equal(t, first.ID, again.ID)
		assert.Equal(t, 1, q.jobs, "and no second job")

		claimed, ok, err := s.ClaimSend(ctx, first.ID)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, SendSending, claimed.Status)
		assert.Equal(t, 1, claimed.Attempts)

		done, err := s.FinishSend(ctx, first.ID, SendOutcome{Status: SendOK, UpstreamCode: "000000", MsgID: "880000001"},
			AuditEntry{Actor: "amy", Action: "messages.send", UpstreamCode: "000000"})
		require.NoError(t, err)
		assert.Equal(t, SendOK, done.Status)
		assert.False(t, done.FinishedAt.IsZero())

		_, err = s.FinishSend(ctx, first.ID, SendOutcome{Status: SendFailed}, AuditEntry{Action: "messages.send"})
		assert.ErrorIs(t, err, ErrNotFound, "a finished send is not finished twice")
		_, ok, err = s.ClaimSend(ctx, first.ID)
		require.NoError(t, err)
		assert.False(t, ok, "a finished send is not claimed again (a job run twice sends once)")
		_, err = s.RequeueSend(ctx, first.ID, sendRow("x"), AuditEntry{Action: "messages.send.retry"}, q.enqueue)
		assert.ErrorIs(t, err, ErrConflict, "a delivered send is never queued again")

		entries, _, err := s.ListAudit(ctx, AuditFilter{Action: "messages.send"}, 0, 10)
		require.NoError(t, err)
		assert.Len(t, entries, 2, "queue and finish are audited; refused ones change nothing")
	})
}

func TestQueueSendRollsBackWithoutItsJob(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		_, _, err := s.QueueSend(ctx, sendRow("b-0"), AuditEntry{Action: "messages.send"}, (&countingEnqueue{fail: errors.New("queue down")}).enqueue)
		require.Error(t, err)
		_, err = s.MessageSendByBusiID(ctx, "b-0")
		assert.ErrorIs(t, err, ErrNotFound, "no row without its job")
	})
}

func TestRequeueAFailedOrUnknownSend(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		q := &countingEnqueue{}
		for _, status := range []string{SendFailed, SendUnknown} {
			first, _, err := s.QueueSend(ctx, sendRow("b-"+status), AuditEntry{Action: "messages.send"}, q.enqueue)
			require.NoError(t, err)
			_, _, err = s.ClaimSend(ctx, first.ID)
			require.NoError(t, err)
			_, err = s.FinishSend(ctx, first.ID, SendOutcome{Status: status, UpstreamCode: "100001", UpstreamMessage: "失败"}, AuditEntry{Action: "messages.send"})
			require.NoError(t, err)

			again, err := s.RequeueSend(ctx, first.ID, sendRow("x"), AuditEntry{Action: "messages.send.retry"}, q.enqueue)
			require.NoError(t, err)
			assert.Equal(t, first.ID, again.ID, "same row, same busiId")
			assert.Equal(t, SendQueued, again.Status)
			assert.Empty(t, again.UpstreamCode, "the old outcome is cleared")
			claimed, ok, err := s.ClaimSend(ctx, first.ID)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, 2, claimed.Attempts)
		}
		assert.Equal(t, 4, q.jobs)
	})
}

func TestQueueSendConcurrentOneWinner(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		q := &countingEnqueue{}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, created, err := s.QueueSend(ctx, sendRow("b-4"), AuditEntry{Action: "messages.send"}, q.enqueue)
				if !assert.NoError(t, err) {
					return
				}
				if created {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, wins)
		assert.Equal(t, 1, q.jobs)
	})
}

func TestListMessageSendsFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		day := time.Date(2026, 3, 1, 10, 0, 0, 0, time.Local)
		for i, spec := range []struct{ typ, sender string }{{"text", "amy"}, {"oa", "amy"}, {"oa", "bob"}, {"link", "bob"}} {
			s.SetClock(func() time.Time { return day.AddDate(0, 0, i) })
			m := sendRow("f-" + spec.typ + spec.sender)
			m.MsgType, m.Sender = spec.typ, spec.sender
			_, _, err := s.QueueSend(ctx, m, AuditEntry{Action: "messages.send"}, (&countingEnqueue{}).enqueue)
			require.NoError(t, err)
		}
		count := func(f SendFilter) int {
			_, n, err := s.ListMessageSends(ctx, f, 0, 10)
			require.NoError(t, err)
			return n
		}
		assert.Equal(t, 4, count(SendFilter{}))
		assert.Equal(t, 2, count(SendFilter{MsgType: "oa"}))
		assert.Equal(t, 1, count(SendFilter{MsgType: "oa", Sender: "bob"}))
		assert.Equal(t, 2, count(SendFilter{From: day.AddDate(0, 0, 1), To: day.AddDate(0, 0, 3)}))

		page, total, err := s.ListMessageSends(ctx, SendFilter{}, 1, 2)
		require.NoError(t, err)
		assert.Equal(t, 4, total)
		require.Len(t, page, 2)
		assert.Equal(t, "oa", page[0].MsgType, "newest first: page 2 starts with the third newest")

		senders, err := s.MessageSenders(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"amy", "bob"}, senders)

		_, err = s.MessageSendByID(ctx, 999)
		assert.True(t, errors.Is(err, ErrNotFound))
	})
}
