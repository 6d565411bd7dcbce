package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Scheduled sends and pushes (issue 11). A scheduled item's row is written
// as usual (a queued send, a queued push with its pending calls) with its
// send_at, and instead of its work one River job is enqueued in the same
// transaction: the start job, due at send_at. When it runs it starts the
// item (fired_at, and the item's own jobs, in one transaction); a console
// that was down at the time starts it on start, late. Cancelling and
// rescheduling change the row and cancel the start job in one transaction;
// a start job that is no longer the row's (start_job) does nothing, so an
// item starts once whatever the replicas and the timing.

// Schedule is when a send or push was set to start and when it did.
type Schedule struct {
	SendAt   time.Time // zero: at once
	FiredAt  time.Time // when a scheduled item started; zero until then
	StartJob int64     // the River job that starts it (internal/jobs)
}

// LateAfter is how long after its time a scheduled item may start before it
// counts as late: the start job is due at send_at and the queue looks for
// due jobs every second or so, so anything later means the console was down
// (or stuck) at the time.
const LateAfter = time.Minute

// Late is how long after its time the item started, when that is late
// (LateAfter); else 0.
func (s Schedule) Late() time.Duration {
	if s.SendAt.IsZero() || s.FiredAt.IsZero() {
		return 0
	}
	if d := s.FiredAt.Sub(s.SendAt); d >= LateAfter {
		return d
	}
	return 0
}

// waiting reports a scheduled item that has not started.
func (s Schedule) waiting() bool { return !s.SendAt.IsZero() && s.FiredAt.IsZero() }

// StateScheduled is the state the pages show for a send or push that waits
// for its time (its status is still queued).
const StateScheduled = "scheduled"

// SendCancelled is the status of a scheduled send cancelled before its
// time (a push cancelled: CallCancelled calls, OutcomeCancelled).
const SendCancelled = "cancelled"

// Kinds of scheduled items.
const (
	ItemSend = "send" // a message send (message_sends)
	ItemPush = "push" // a card push (card_push_jobs)
)

// Scheduler puts the job that starts a scheduled item at its time into the
// transaction that records the item, and cancels it again (internal/jobs).
type Scheduler interface {
	ScheduleStart(ctx context.Context, tx *sql.Tx, item string, id int64, at time.Time) (jobID int64, err error)
	CancelStart(ctx context.Context, tx *sql.Tx, jobID int64) error
}

// scheduled names each kind's table and the condition of a row that waits.
var scheduled = map[string]struct{ table, waiting string }{
	ItemSend: {"message_sends", "status = '" + SendQueued + "' AND send_at > 0 AND fired_at = 0"},
	ItemPush: {"card_push_jobs", "status = '" + PushQueued + "' AND send_at > 0 AND fired_at = 0"},
}

// ScheduledItem is one line of /schedule.
type ScheduledItem struct {
	Item   string // ItemSend or ItemPush
	ID     int64
	By     string // who scheduled it
	Title  string // the message's headline, the push's template name
	Kind   string // message type, card type
	Target string // push target (org, accounts, diff); "" for a send
	Count  int    // ids a send addresses; accounts a push covers (0 for an organisation)
	SendAt time.Time
	Ref    string // what the audit log calls it: the busiId, "job <id>"
}

// The columns of a ScheduledItem, per kind (UNION ALL keeps them aligned).
const (
	scheduledSendCols = `'` + ItemSend + `' AS item, id, sender, title, msg_type, '' AS target, recipients, send_at, busi_id FROM message_sends`
	scheduledPushCols = `'` + ItemPush + `' AS item, id, created_by, template_name, card_type, target, total_accounts, send_at, 'job ' || id FROM card_push_jobs`
)

func scanScheduled(row interface{ Scan(...any) error }) (ScheduledItem, error) {
	var it ScheduledItem
	var at int64
	err := row.Scan(&it.Item, &it.ID, &it.By, &it.Title, &it.Kind, &it.Target, &it.Count, &at, &it.Ref)
	if errors.Is(err, sql.ErrNoRows) {
		return ScheduledItem{}, ErrNotFound
	}
	if err != nil {
		return ScheduledItem{}, fmt.Errorf("store: scheduled item: %w", err)
	}
	it.SendAt = time.UnixMilli(at)
	return it, nil
}

// ListScheduled returns one page of what waits for its time, soonest first,
// and how many wait in all; withPushes false lists only message sends.
func (s *Store) ListScheduled(ctx context.Context, withPushes bool, offset, limit int) ([]ScheduledItem, int, error) {
	from := `SELECT ` + scheduledSendCols + ` WHERE ` + scheduled[ItemSend].waiting
	count := `SELECT (SELECT COUNT(*) FROM message_sends WHERE ` + scheduled[ItemSend].waiting + `)`
	if withPushes {
		from += ` UNION ALL SELECT ` + scheduledPushCols + ` WHERE ` + scheduled[ItemPush].waiting
		count += ` + (SELECT COUNT(*) FROM card_push_jobs WHERE ` + scheduled[ItemPush].waiting + `)`
	}
	var total int
	if err := s.db.QueryRowContext(ctx, count).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count scheduled: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT * FROM (`+from+`) AS waiting ORDER BY 8, 2 LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: scheduled: %w", err)
	}
	defer rows.Close()
	var out []ScheduledItem
	for rows.Next() {
		it, err := scanScheduled(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, it)
	}
	return out, total, rows.Err()
}

// ScheduledItemByID returns a send or push that waits for its time:
// ErrNotFound when there is no such item, ErrConflict when it is not (or no
// longer) waiting.
func (s *Store) ScheduledItemByID(ctx context.Context, item string, id int64) (ScheduledItem, error) {
	k, ok := scheduled[item]
	if !ok {
		return ScheduledItem{}, ErrNotFound
	}
	cols := scheduledSendCols
	if item == ItemPush {
		cols = scheduledPushCols
	}
	it, err := scanScheduled(s.db.QueryRowContext(ctx, `SELECT `+cols+` WHERE id = ? AND `+k.waiting, id))
	if errors.Is(err, ErrNotFound) {
		return ScheduledItem{}, s.whyNotWaiting(ctx, s.db, item, id)
	}
	return it, err
}

// whyNotWaiting tells an item that does not exist (ErrNotFound) from one
// that no longer waits (ErrConflict).
func (s *Store) whyNotWaiting(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, item string, id int64) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM `+scheduled[item].table+` WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: scheduled item: %w", err)
	}
	return ErrConflict
}

// ScheduleSend records a send of m.BusiID to start at m.SendAt, with its
// audit entry and its start job, in one transaction. Like QueueSend,
// created is false when the busiId is already in the history: nothing is
// scheduled and the first row is returned.
func (s *Store) ScheduleSend(ctx context.Context, m MessageSend, audit AuditEntry, sch Scheduler) (MessageSend, bool, error) {
	if m.SendAt.IsZero() {
		return MessageSend{}, false, errors.New("store: schedule send without a time")
	}
	var job int64
	out, created, err := s.recordSend(ctx, m, audit, func(tx Tx, id int64) (err error) {
		job, err = s.scheduleStart(ctx, tx, sch, ItemSend, id, m.SendAt)
		return err
	})
	if created {
		out.StartJob = job
	}
	return out, created, err
}

// SchedulePush stores a push (its job row, calls and audit entry, as
// CreatePushJob) to start at j.SendAt, with its start job instead of its
// calls' jobs.
func (s *Store) SchedulePush(ctx context.Context, j PushJob, calls []PushCall, audit AuditEntry, sch Scheduler) (PushJob, bool, error) {
	if j.SendAt.IsZero() {
		return PushJob{}, false, errors.New("store: schedule push without a time")
	}
	var job int64
	out, created, err := s.createPushJob(ctx, j, calls, audit, func(tx Tx, id int64, _ []CallRef) (err error) {
		job, err = s.scheduleStart(ctx, tx, sch, ItemPush, id, j.SendAt)
		return err
	})
	if created {
		out.StartJob = job
	}
	return out, created, err
}

// scheduleStart enqueues the start job of a row and records it on the row.
func (s *Store) scheduleStart(ctx context.Context, tx Tx, sch Scheduler, item string, id int64, at time.Time) (int64, error) {
	job, err := sch.ScheduleStart(ctx, tx.Tx, item, id, at)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+scheduled[item].table+` SET start_job = ? WHERE id = ?`, job, id); err != nil {
		return 0, fmt.Errorf("store: schedule %s %d: %w", item, id, err)
	}
	return job, nil
}

// StartScheduledSend starts a scheduled send for its start job startJob:
// it records when (fired_at) and enqueues the send's job in one
// transaction. started is false when the send does not wait for that job
// (cancelled, rescheduled, or started already): nothing is enqueued.
func (s *Store) StartScheduledSend(ctx context.Context, id, startJob int64, enqueue Enqueue) (started bool, err error) {
	err = s.inTx(ctx, func(tx Tx) error {
		var attempts int
		err := tx.QueryRowContext(ctx, `UPDATE message_sends SET fired_at = ? WHERE id = ? AND start_job = ? AND `+
			scheduled[ItemSend].waiting+` RETURNING attempts`, s.now().UnixMilli(), id, startJob).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: start scheduled send: %w", err)
		}
		started = true
		return enqueue(ctx, tx.Tx, id, attempts)
	})
	return started, err
}

// StartScheduledPush starts a scheduled push for its start job startJob:
// it records when (fired_at) and enqueues the jobs of its pending calls in
// one transaction. started is false when the push does not wait for that
// job (cancelled, rescheduled, or started already).
func (s *Store) StartScheduledPush(ctx context.Context, id, startJob int64, enqueue EnqueueCalls) (started bool, err error) {
	err = s.inTx(ctx, func(tx Tx) error {
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET fired_at = ?, updated_at = ? WHERE id = ? AND start_job = ? AND `+
			scheduled[ItemPush].waiting, now, now, id, startJob)
		if err != nil {
			return fmt.Errorf("store: start scheduled push: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		started = true
		refs, err := pendingCalls(ctx, tx, id)
		if err != nil {
			return err
		}
		return enqueue(ctx, tx.Tx, id, refs)
	})
	return started, err
}

// CancelScheduled cancels a send or push that waits for its time: the row
// (a push's calls too) becomes cancelled and its start job is cancelled, with
// the audit entry, in one transaction; a request for its approval still
// waiting is withdrawn. ErrNotFound: no such item;
// ErrConflict: it has started (or was cancelled) already.
func (s *Store) CancelScheduled(ctx context.Context, item string, id int64, audit AuditEntry, sch Scheduler) error {
	k, ok := scheduled[item]
	if !ok {
		return ErrNotFound
	}
	return s.inTx(ctx, func(tx Tx) error {
		now := s.now().UnixMilli()
		set := `status = '` + SendCancelled + `', finished_at = ?`
		args := []any{now}
		if item == ItemPush {
			set = `status = '` + PushDone + `', outcome = '` + OutcomeCancelled + `', finished_at = ?, updated_at = ?,
				cancelled_at = ?, cancelled_by = ?`
			args = append(args, now, now, audit.Actor)
		}
		var job int64
		err := tx.QueryRowContext(ctx, `UPDATE `+k.table+` SET `+set+` WHERE id = ? AND `+k.waiting+` RETURNING start_job`,
			append(args, id)...).Scan(&job)
		if errors.Is(err, sql.ErrNoRows) {
			return s.whyNotWaiting(ctx, tx, item, id)
		}
		if err != nil {
			return fmt.Errorf("store: cancel scheduled %s: %w", item, err)
		}
		if item == ItemPush {
			if _, err := tx.ExecContext(ctx, `UPDATE card_push_calls SET status = ?, updated_at = ? WHERE job_id = ? AND status = ?`,
				CallCancelled, now, id, CallPending); err != nil {
				return fmt.Errorf("store: cancel scheduled push calls: %w", err)
			}
		}
		if err := sch.CancelStart(ctx, tx.Tx, job); err != nil {
			return err
		}
		if err := withdrawApproval(ctx, tx, item, id, audit.Actor, now); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// Reschedule moves a send or push that waits for its time to at: the old
// start job is cancelled and a new one enqueued, with the audit entry, in
// one transaction. An item that needed approval needs it again for the new
// time: it gets a request instead of a start job (approving schedules it).
// ErrNotFound / ErrConflict as CancelScheduled.
func (s *Store) Reschedule(ctx context.Context, item string, id int64, at time.Time, audit AuditEntry, sch Scheduler) error {
	k, ok := scheduled[item]
	if !ok {
		return ErrNotFound
	}
	return s.inTx(ctx, func(tx Tx) error {
		var old int64
		var approval string
		err := tx.QueryRowContext(ctx, `UPDATE `+k.table+` SET send_at = ? WHERE id = ? AND `+k.waiting+` RETURNING start_job, approval`,
			at.UnixMilli(), id).Scan(&old, &approval)
		if errors.Is(err, sql.ErrNoRows) {
			return s.whyNotWaiting(ctx, tx, item, id)
		}
		if err != nil {
			return fmt.Errorf("store: reschedule %s: %w", item, err)
		}
		if err := sch.CancelStart(ctx, tx.Tx, old); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, audit); err != nil {
			return err
		}
		state, run, err := s.gate(ctx, tx, item, id, approval != "", audit)
		if err != nil {
			return err
		}
		if !run {
			_, err := tx.ExecContext(ctx, `UPDATE `+k.table+` SET approval = ?, start_job = 0 WHERE id = ?`, state, id)
			return err
		}
		_, err = s.scheduleStart(ctx, tx, sch, item, id, at)
		return err
	})
}

// msTime reads a stored unix-milliseconds time: 0 is "not set".
func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// timeMs is the stored form of t: 0 for the zero time.
func timeMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
