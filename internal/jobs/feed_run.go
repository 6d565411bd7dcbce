package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/orgconsole/console/internal/feeds"
	"github.com/orgconsole/console/internal/store"
)

// FeedRunArgs is the job of one run of a card data feed: the run's row
// (store.FeedRun) says which feed, its outcome is recorded there.
type FeedRunArgs struct {
	RunID int64 `json:"run_id"`
}

func (FeedRunArgs) Kind() string { return "feed_run" }

// InsertOpts: the feeds queue (a slow source never holds up platform
// calls), one live job per run.
func (FeedRunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFeeds, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}

// EnqueueFeedRun inserts a run's job in the caller's transaction
// (store.EnqueueFeedRun).
func (q *Queue) EnqueueFeedRun(ctx context.Context, tx *sql.Tx, runID int64) error {
	return q.Enqueue(ctx, tx, FeedRunArgs{RunID: runID})
}

// FeedRunWorker runs a feed once: fetch, check, and push only when the data
// differs from the last push that went well (or may still: one queued or
// running). A fetch that fails or an answer that breaks the card's limits
// is recorded as the run's outcome, not retried: the schedule's next run is
// the retry, and three such runs in a row pause the feed. The push goes
// through the same path as the wizard's (store.CreatePushJob with the
// card-call jobs), keyed by the run, so a run whose job runs twice pushes
// once.
type FeedRunWorker struct {
	river.WorkerDefaults[FeedRunArgs]
	Store   *store.Store
	Fetcher *feeds.Fetcher
	Enqueue store.EnqueueCalls
}

func (w *FeedRunWorker) Work(ctx context.Context, job *river.Job[FeedRunArgs]) error {
	run, feed, err := w.Store.StartFeedRun(ctx, job.Args.RunID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return river.JobCancel(fmt.Errorf("feed run %d no longer exists", job.Args.RunID))
	case errors.Is(err, store.ErrConflict):
		return nil // recorded already
	case err != nil:
		return err
	}
	last, err := w.lastCard(ctx, feed)
	if err != nil {
		return err
	}
	key := "feed-run-" + strconv.FormatInt(run.ID, 10)
	ck, err := feeds.Check(ctx, w.Fetcher, feed, last, key)
	run.HTTPStatus, run.Bytes, run.Fetch, run.Hash = ck.Fetched.Status, int64(len(ck.Fetched.Body)), ck.Fetched.Duration, ck.Hash
	var fe *feeds.FetchError
	switch {
	case errors.As(err, &fe):
		run.Status, run.Reason, run.ReasonArg = store.FeedRunFailed, string(fe.Kind), fe.Detail
	case err != nil:
		return err
	case !ck.Errs.OK():
		run.Status, run.ErrorsJSON, run.ErrorCount = store.FeedRunInvalid, feeds.EncodeErrors(ck.Errs), len(ck.Errs)
	case !ck.Changed:
		run.Status = store.FeedRunUnchanged
	default:
		audit := store.AuditEntry{Actor: "system", Action: "cards.feed.push",
			Detail: fmt.Sprintf("feed=%d run=%d template=%s type=%s target=%s enterprise=%s accounts=%d calls=%d",
				feed.ID, run.ID, feed.TemplateID, feed.CardType, feed.Target, feed.EnterpriseID, ck.Job.TotalAccounts, len(ck.Calls))}
		pj, _, err := w.Store.CreatePushJob(ctx, ck.Job, ck.Calls, audit, w.Enqueue)
		if err != nil {
			return err
		}
		run.Status, run.PushJobID = store.FeedRunPushed, pj.ID
	}
	_, err = w.Store.FinishFeedRun(context.WithoutCancel(ctx), run)
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// lastCard is the card of the feed's last push while that push went well
// or is still under way; "" when a failed or unknown push (or none) leaves
// the data to be sent again.
func (w *FeedRunWorker) lastCard(ctx context.Context, feed store.CardFeed) (string, error) {
	if feed.LastPushJobID == 0 {
		return "", nil
	}
	j, err := w.Store.PushJob(ctx, feed.LastPushJobID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if j.Active() || j.State() == store.PushDone {
		return j.DataJSON, nil
	}
	return "", nil
}

// FeedTickArgs is the periodic job that starts the feeds' scheduled runs.
type FeedTickArgs struct{}

func (FeedTickArgs) Kind() string { return "feed_tick" }

// InsertOpts: at most one tick waits at a time.
func (FeedTickArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFeeds, UniqueOpts: river.UniqueOpts{ByState: liveStates}}
}

// FeedTick is how often the scheduler looks for due feeds: a run starts at
// most this late (schedules are in whole minutes).
const FeedTick = time.Minute

// FeedTickWorker starts the runs that are due. River's leader inserts the
// tick, and each run is claimed in the transaction that enqueues it
// (store.ClaimDueFeeds), so a due run starts once across replicas.
type FeedTickWorker struct {
	river.WorkerDefaults[FeedTickArgs]
	Store   *store.Store
	Loc     *time.Location
	Enqueue store.EnqueueFeedRun
}

func (w *FeedTickWorker) Work(ctx context.Context, job *river.Job[FeedTickArgs]) error {
	_, err := w.Store.ClaimDueFeeds(ctx, func(f store.CardFeed, now time.Time) time.Time {
		return feeds.Next(f, now, w.Loc)
	}, w.Enqueue)
	return err
}
