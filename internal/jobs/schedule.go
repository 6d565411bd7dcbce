package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/orgconsole/console/internal/store"
)

// ScheduledStartArgs is the job that starts a scheduled send or push at its
// time (store.ScheduleSend, store.SchedulePush): River holds it until its
// ScheduledAt and hands it to one worker on one replica. Starting enqueues
// the item's own jobs (a message send, a push's calls) in the transaction
// that marks the row started, and only while the row still names this job:
// a cancelled, rescheduled or already started item is left alone.
type ScheduledStartArgs struct {
	Item string `json:"item"` // store.ItemSend or store.ItemPush
	ID   int64  `json:"id"`
}

func (ScheduledStartArgs) Kind() string { return "scheduled_start" }

// InsertOpts: the schedule queue, so a start is not held up behind a big
// push's calls or a slow platform. Not unique: every (re)schedule is a new
// job, and the row's start_job says which one counts.
func (ScheduledStartArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSchedule}
}

// ScheduleStart enqueues the start job of a scheduled item in the caller's
// transaction (store.Scheduler).
func (q *Queue) ScheduleStart(ctx context.Context, tx *sql.Tx, item string, id int64, at time.Time) (int64, error) {
	res, err := q.insert.InsertTx(ctx, tx, ScheduledStartArgs{Item: item, ID: id}, &river.InsertOpts{ScheduledAt: at})
	if err != nil {
		return 0, fmt.Errorf("jobs: schedule %s %d: %w", item, id, err)
	}
	return res.Job.ID, nil
}

// CancelStart cancels a start job in the caller's transaction
// (store.Scheduler). A job River no longer has (finished and cleaned up) is
// no matter: the row decides whether anything starts.
func (q *Queue) CancelStart(ctx context.Context, tx *sql.Tx, jobID int64) error {
	if jobID == 0 {
		return nil
	}
	if _, err := q.insert.JobCancelTx(ctx, tx, jobID); err != nil && !errors.Is(err, river.ErrNotFound) {
		return fmt.Errorf("jobs: cancel start job %d: %w", jobID, err)
	}
	return nil
}

// ScheduledStartWorker starts scheduled items when their time comes (or,
// after the console was down at that time, as soon as it runs again: the
// row's fired_at then shows how late).
type ScheduledStartWorker struct {
	river.WorkerDefaults[ScheduledStartArgs]
	Store *store.Store
	Queue *Queue // enqueues the item's own jobs
	Log   *slog.Logger
}

func (w *ScheduledStartWorker) Work(ctx context.Context, job *river.Job[ScheduledStartArgs]) error {
	a := job.Args
	var started bool
	var err error
	switch a.Item {
	case store.ItemSend:
		started, err = w.Store.StartScheduledSend(ctx, a.ID, job.ID, func(ctx context.Context, tx *sql.Tx, id int64, round int) error {
			return w.Queue.Enqueue(ctx, tx, MessageSendArgs{SendID: id, Round: round})
		})
	case store.ItemPush:
		started, err = w.Store.StartScheduledPush(ctx, a.ID, job.ID, w.Queue.EnqueueCalls)
	default:
		return river.JobCancel(fmt.Errorf("unknown scheduled item %q", a.Item))
	}
	if err == nil && started && w.Log != nil {
		w.Log.Info("scheduled item started", "item", a.Item, "id", a.ID, "late", time.Since(job.ScheduledAt).Round(time.Millisecond))
	}
	return err
}
