package store

import (
	"context"
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

func TestBeginSendClaimsABusiIDOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		first, claimed, err := s.BeginSend(ctx, sendRow("b-1"), time.Time{}, AuditEntry{Actor: "amy", Action: "messages.send", Outcome: SendSending})
		require.NoError(t, err)
		require.True(t, claimed)
		assert.Equal(t, SendSending, first.Status)

		again, claimed, err := s.BeginSend(ctx, sendRow("b-1"), time.Time{}, AuditEntry{Actor: "amy", Action: "messages.send"})
		require.NoError(t, err)
		assert.False(t, claimed, "a busiId being sent is not sent again")
		assert.Equal(t, first.ID, again.ID)
		assert.Equal(t, again, first, "the claimed row is returned as stored (it is not read back)")

		done, err := s.FinishSend(ctx, first.ID, SendOutcome{Status: SendOK, UpstreamCode: "000000", MsgID: "880000001"},
			AuditEntry{Actor: "amy", Action: "messages.send", UpstreamCode: "000000"})
		require.NoError(t, err)
		assert.Equal(t, SendOK, done.Status)
		assert.False(t, done.FinishedAt.IsZero())

		_, err = s.FinishSend(ctx, first.ID, SendOutcome{Status: SendFailed}, AuditEntry{Action: "messages.send"})
		assert.ErrorIs(t, err, ErrNotFound, "a finished send is not finished twice")

		again, claimed, err = s.BeginSend(ctx, sendRow("b-1"), time.Now().Add(time.Hour), AuditEntry{Action: "messages.send"})
		require.NoError(t, err)
		assert.False(t, claimed, "a sent busiId is never claimed again")
		assert.Equal(t, "880000001", again.MsgID)

		entries, _, err := s.ListAudit(ctx, AuditFilter{Action: "messages.send"}, 0, 10)
		require.NoError(t, err)
		assert.Len(t, entries, 2, "begin and finish are audited; refused claims change nothing")
	})
}

func TestBeginSendRetriesAFailedBusiID(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		first, _, err := s.BeginSend(ctx, sendRow("b-2"), time.Time{}, AuditEntry{Action: "messages.send"})
		require.NoError(t, err)
		_, err = s.FinishSend(ctx, first.ID, SendOutcome{Status: SendFailed, UpstreamCode: "100001", UpstreamMessage: "失败"}, AuditEntry{Action: "messages.send"})
		require.NoError(t, err)

		edited := sendRow("b-2")
		edited.Title = "edited"
		retry, claimed, err := s.BeginSend(ctx, edited, time.Time{}, AuditEntry{Action: "messages.send"})
		require.NoError(t, err)
		require.True(t, claimed)
		assert.Equal(t, first.ID, retry.ID, "same row, same busiId")
		assert.Equal(t, 2, retry.Attempts)
		assert.Equal(t, "edited", retry.Title)
		assert.Equal(t, SendSending, retry.Status)
		assert.Empty(t, retry.UpstreamCode, "the old failure is cleared")
	})
}

func TestBeginSendTakesOverAStaleSending(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.Local)
		s.SetClock(func() time.Time { return t0 })
		_, _, err := s.BeginSend(ctx, sendRow("b-3"), time.Time{}, AuditEntry{Action: "messages.send"})
		require.NoError(t, err)
		s.SetClock(func() time.Time { return t0.Add(time.Hour) })
		_, claimed, err := s.BeginSend(ctx, sendRow("b-3"), t0.Add(30*time.Minute), AuditEntry{Action: "messages.send"})
		require.NoError(t, err)
		assert.True(t, claimed, "a send left 'sending' by a stopped console can be tried again")
	})
}

func TestBeginSendConcurrentOneWinner(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s, _, _ := openMessages(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, claimed, err := s.BeginSend(ctx, sendRow("b-4"), time.Time{}, AuditEntry{Action: "messages.send"})
				if !assert.NoError(t, err) {
					return
				}
				if claimed {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, wins)
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
			_, _, err := s.BeginSend(ctx, m, time.Time{}, AuditEntry{Action: "messages.send"})
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
