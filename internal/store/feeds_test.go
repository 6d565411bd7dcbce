package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runQueue stands in for the job queue: it records the run jobs that
// committed with their rows.
type runQueue struct {
	mu   sync.Mutex
	runs []int64
}

func (q *runQueue) enqueue(ctx context.Context, tx *sql.Tx, runID int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.runs = append(q.runs, runID)
	return nil
}

func sampleFeed() CardFeed {
	return CardFeed{Name: "出勤", TemplateID: "ctpl1001", TemplateName: "校园数据看板", CardType: "KEYDATA", Target: "accounts",
		EnterpriseID: "e1", ShowOnAll: true, AccountIDs: []string{"a1", "a2"}, URL: "https://data.example/a.json", EveryMinutes: 5,
		Enabled: true, CreatedBy: "admin"}
}

func TestFeedsRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		in := sampleFeed()
		in.NextRunAt = time.UnixMilli(time.Now().Add(5 * time.Minute).UnixMilli())
		f, err := s.CreateFeed(ctx, in, AuditEntry{Actor: "admin", Action: "cards.feed.create"})
		require.NoError(t, err)
		got, err := s.Feed(ctx, f.ID)
		require.NoError(t, err)
		assert.Equal(t, in.AccountIDs, got.AccountIDs)
		assert.True(t, got.ShowOnAll)
		assert.True(t, got.Enabled)
		assert.True(t, in.NextRunAt.Equal(got.NextRunAt))
		assert.True(t, got.Scheduled())

		got.Name, got.AccountIDs, got.Enabled, got.DailyAt, got.EveryMinutes = "改名", nil, false, "07:30", 0
		require.NoError(t, s.UpdateFeed(ctx, got, AuditEntry{Actor: "admin", Action: "cards.feed.update"}))
		again, err := s.Feed(ctx, f.ID)
		require.NoError(t, err)
		assert.Equal(t, "改名", again.Name)
		assert.Empty(t, again.AccountIDs)
		assert.Equal(t, "07:30", again.DailyAt)
		assert.False(t, again.Scheduled())

		_, err = s.Feed(ctx, 9999)
		assert.ErrorIs(t, err, ErrNotFound)
		assert.ErrorIs(t, s.UpdateFeed(ctx, CardFeed{ID: 9999, Target: "org"}, AuditEntry{}), ErrNotFound)
		entries, _, err := s.ListAudit(ctx, AuditFilter{}, 0, 10)
		require.NoError(t, err)
		require.Len(t, entries, 2)
		assert.Equal(t, feedTarget(f.ID), entries[0].Target)
	})
}

// One run at a time: "run now" while a run is queued is refused, and runs
// go through queued → running → an outcome once.
func TestFeedRunLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		f, err := s.CreateFeed(ctx, sampleFeed(), AuditEntry{Action: "cards.feed.create"})
		require.NoError(t, err)
		q := &runQueue{}
		run, err := s.QueueFeedRun(ctx, f.ID, "admin", AuditEntry{Actor: "admin", Action: "cards.feed.run"}, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, []int64{run.ID}, q.runs, "the job commits with its run")
		_, err = s.QueueFeedRun(ctx, f.ID, "admin", AuditEntry{Action: "cards.feed.run"}, q.enqueue)
		assert.ErrorIs(t, err, ErrConflict, "a run is queued already")
		_, err = s.QueueFeedRun(ctx, 9999, "admin", AuditEntry{Action: "cards.feed.run"}, q.enqueue)
		assert.ErrorIs(t, err, ErrNotFound)

		started, feed, err := s.StartFeedRun(ctx, run.ID)
		require.NoError(t, err)
		assert.Equal(t, FeedRunRunning, started.Status)
		assert.Equal(t, f.ID, feed.ID)
		_, _, err = s.StartFeedRun(ctx, run.ID) // the job ran again
		require.NoError(t, err)

		started.Status, started.HTTPStatus, started.Bytes, started.Hash, started.PushJobID = FeedRunPushed, 200, 321, "abc", 77
		paused, err := s.FinishFeedRun(ctx, started)
		require.NoError(t, err)
		assert.False(t, paused)
		_, err = s.FinishFeedRun(ctx, started)
		assert.ErrorIs(t, err, ErrConflict, "recorded once")
		_, _, err = s.StartFeedRun(ctx, run.ID)
		assert.ErrorIs(t, err, ErrConflict)
		done, err := s.FeedRun(ctx, run.ID)
		require.NoError(t, err)
		assert.Equal(t, FeedRunPushed, done.Status)
		assert.Equal(t, int64(321), done.Bytes)
		assert.False(t, done.FinishedAt.IsZero())
		byJob, err := s.FeedRunOfJob(ctx, 77)
		require.NoError(t, err)
		assert.Equal(t, run.ID, byJob.ID)
		f, err = s.Feed(ctx, f.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(77), f.LastPushJobID)

		// Saving the feed forgets the last push: the next run pushes to the target as it now is.
		require.NoError(t, s.UpdateFeed(ctx, f, AuditEntry{Action: "cards.feed.update"}))
		f, err = s.Feed(ctx, f.ID)
		require.NoError(t, err)
		assert.Zero(t, f.LastPushJobID)

		_, err = s.QueueFeedRun(ctx, f.ID, "admin", AuditEntry{Action: "cards.feed.run"}, q.enqueue)
		require.NoError(t, err, "the next run may start")
	})
}

// Three failed or invalid runs in a row pause the feed, audited once; a
// good run clears the count and the pause.
func TestFeedPausesAfterFailuresInARow(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		f, err := s.CreateFeed(ctx, sampleFeed(), AuditEntry{Action: "cards.feed.create"})
		require.NoError(t, err)
		q := &runQueue{}
		finish := func(status string) bool {
			run, err := s.QueueFeedRun(ctx, f.ID, "admin", AuditEntry{Action: "cards.feed.run"}, q.enqueue)
			require.NoError(t, err)
			run, _, err = s.StartFeedRun(ctx, run.ID)
			require.NoError(t, err)
			run.Status = status
			paused, err := s.FinishFeedRun(ctx, run)
			require.NoError(t, err)
			return paused
		}
		assert.False(t, finish(FeedRunFailed))
		assert.False(t, finish(FeedRunUnchanged), "a good run in between")
		assert.False(t, finish(FeedRunFailed))
		assert.False(t, finish(FeedRunInvalid))
		assert.True(t, finish(FeedRunFailed), "the third in a row pauses")
		assert.False(t, finish(FeedRunFailed), "paused once")
		got, err := s.Feed(ctx, f.ID)
		require.NoError(t, err)
		assert.True(t, got.Paused())
		assert.Equal(t, 4, got.Failures)
		paused, err := s.PausedFeeds(ctx)
		require.NoError(t, err)
		require.Len(t, paused, 1)
		assert.Equal(t, FeedRunFailed, paused[0].Last.Status)
		entries, total, err := s.ListAudit(ctx, AuditFilter{Action: "cards.feed.pause"}, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, 1, total)
		assert.Equal(t, "system", entries[0].Actor)

		require.NoError(t, s.ResumeFeed(ctx, f.ID, time.Now().Add(time.Minute), AuditEntry{Action: "cards.feed.resume"}))
		got, err = s.Feed(ctx, f.ID)
		require.NoError(t, err)
		assert.False(t, got.Paused())
		assert.Zero(t, got.Failures)
		paused, err = s.PausedFeeds(ctx)
		require.NoError(t, err)
		assert.Empty(t, paused)
	})
}

// Due feeds are claimed once, however many schedulers look at the same
// moment; disabled, paused and not yet due ones are left alone, and a feed
// whose run is still under way only moves on.
func TestClaimDueFeedsOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		now := time.UnixMilli(time.Now().UnixMilli())
		s.SetClock(func() time.Time { return now })
		mk := func(name string, enabled bool, next time.Time) CardFeed {
			f := sampleFeed()
			f.Name, f.Enabled, f.NextRunAt = name, enabled, next
			f, err := s.CreateFeed(ctx, f, AuditEntry{Action: "cards.feed.create"})
			require.NoError(t, err)
			return f
		}
		due := mk("due", true, now.Add(-time.Minute))
		dueToo := mk("due too", true, now)
		mk("later", true, now.Add(time.Minute))
		mk("off", false, now.Add(-time.Minute))
		mk("never", true, time.Time{})
		q := &runQueue{}
		next := func(f CardFeed, at time.Time) time.Time { return at.Add(5 * time.Minute) }

		var started atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := s.ClaimDueFeeds(ctx, next, q.enqueue)
				require.NoError(t, err)
				started.Add(int64(n))
			}()
		}
		wg.Wait()
		assert.Equal(t, int64(2), started.Load(), "each due feed once")
		assert.Len(t, q.runs, 2)
		for _, id := range []int64{due.ID, dueToo.ID} {
			f, err := s.Feed(ctx, id)
			require.NoError(t, err)
			assert.True(t, now.Add(5*time.Minute).Equal(f.NextRunAt))
			runs, total, err := s.FeedRuns(ctx, id, 0, 10)
			require.NoError(t, err)
			require.Equal(t, 1, total)
			assert.Equal(t, FeedCauseSchedule, runs[0].Cause)
		}

		// Due again while its run still waits: the schedule moves on, no
		// second run (only "later", due by now, starts).
		now = now.Add(6 * time.Minute)
		n, err := s.ClaimDueFeeds(ctx, next, q.enqueue)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		f, err := s.Feed(ctx, due.ID)
		require.NoError(t, err)
		assert.True(t, now.Add(5*time.Minute).Equal(f.NextRunAt))
		_, total, err := s.FeedRuns(ctx, due.ID, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, 1, total)
	})
}

// The sandbox's demo feed is one row whatever the number of starts; a later
// start only follows the sandbox's address.
func TestEnsureDemoFeedOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		f := sampleFeed()
		first, created, err := s.EnsureDemoFeed(ctx, "demo", f, AuditEntry{Actor: "system", Action: "cards.feed.create"})
		require.NoError(t, err)
		assert.True(t, created)
		first.Name = "管理员改过的名字"
		require.NoError(t, s.UpdateFeed(ctx, first, AuditEntry{Action: "cards.feed.update"}))
		f.URL = "http://127.0.0.1:4567/feeds/attendance.json"
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, created, err := s.EnsureDemoFeed(ctx, "demo", f, AuditEntry{Actor: "system", Action: "cards.feed.create"})
				require.NoError(t, err)
				assert.False(t, created)
				assert.Equal(t, first.ID, got.ID)
			}()
		}
		wg.Wait()
		list, err := s.ListFeeds(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, f.URL, list[0].Feed.URL)
		assert.Equal(t, "管理员改过的名字", list[0].Feed.Name, "what an admin changed stays")
	})
}

// A feed keeps its newest FeedRunsKept runs.
func TestFeedRunsAreBounded(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	f, err := s.CreateFeed(ctx, sampleFeed(), AuditEntry{Action: "cards.feed.create"})
	require.NoError(t, err)
	q := &runQueue{}
	for range FeedRunsKept + 5 {
		run, err := s.QueueFeedRun(ctx, f.ID, "admin", AuditEntry{Action: "cards.feed.run"}, q.enqueue)
		require.NoError(t, err)
		run, _, err = s.StartFeedRun(ctx, run.ID)
		require.NoError(t, err)
		run.Status = FeedRunUnchanged
		_, err = s.FinishFeedRun(ctx, run)
		require.NoError(t, err)
	}
	runs, total, err := s.FeedRuns(ctx, f.ID, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, FeedRunsKept, total)
	assert.Equal(t, q.runs[len(q.runs)-1], runs[0].ID, "the newest stay")
}

// A feed saved with ApprovalPending is not run — by "run now" or the
// schedule — until another admin approves its settings; a rejected one
// stays stopped; saving it again asks again.
func TestAFeedWaitingForApprovalDoesNotRun(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		enqueue := func(context.Context, *sql.Tx, int64) error { return nil }
		in := sampleFeed()
		in.Approval, in.NextRunAt = ApprovalPending, time.Now().Add(-time.Minute)
		f, err := s.CreateFeed(ctx, in, AuditEntry{Actor: "amy", Action: "cards.feed.create"})
		require.NoError(t, err)
		assert.Equal(t, ApprovalPending, f.Approval)
		assert.False(t, f.Scheduled())
		_, err = s.QueueFeedRun(ctx, f.ID, "amy", AuditEntry{Actor: "amy", Action: "cards.feed.run"}, enqueue)
		assert.ErrorIs(t, err, ErrAwaitingApproval)
		next := func(CardFeed, time.Time) time.Time { return time.Now().Add(time.Hour) }
		n, err := s.ClaimDueFeeds(ctx, next, enqueue)
		require.NoError(t, err)
		assert.Zero(t, n, "due, but not approved")

		a, err := s.LatestApproval(ctx, ApprovalFeed, f.ID)
		require.NoError(t, err)
		assert.Equal(t, "出勤", a.Title, "the list names the feed")
		fp, err := s.Fingerprint(ctx, ApprovalFeed, f.ID)
		require.NoError(t, err)
		_, err = s.ApproveRequest(ctx, a.ID, fp, AuditEntry{Actor: "amy"}, ApprovalQueue{})
		assert.ErrorIs(t, err, ErrSelfApproval)
		_, err = s.ApproveRequest(ctx, a.ID, fp, AuditEntry{Actor: "bob"}, ApprovalQueue{})
		require.NoError(t, err)
		n, err = s.ClaimDueFeeds(ctx, next, enqueue)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "approved: the schedule runs it")

		// Saved again with another source: a new request, and it stops.
		f, err = s.Feed(ctx, f.ID)
		require.NoError(t, err)
		f.URL, f.Approval = "http://other.example/a.json", ApprovalPending
		require.NoError(t, s.UpdateFeed(ctx, f, AuditEntry{Actor: "amy", Action: "cards.feed.update"}))
		f, err = s.Feed(ctx, f.ID)
		require.NoError(t, err)
		assert.Equal(t, ApprovalPending, f.Approval)
		again, err := s.LatestApproval(ctx, ApprovalFeed, f.ID)
		require.NoError(t, err)
		_, err = s.RejectRequest(ctx, again.ID, "来源不对", AuditEntry{Actor: "bob"})
		require.NoError(t, err)
		f, err = s.Feed(ctx, f.ID)
		require.NoError(t, err)
		assert.Equal(t, ApprovalRejected, f.Approval)
		_, err = s.QueueFeedRun(ctx, f.ID, "amy", AuditEntry{Actor: "amy", Action: "cards.feed.run"}, enqueue)
		assert.ErrorIs(t, err, ErrAwaitingApproval, "a rejected feed does not run")
	})
}
