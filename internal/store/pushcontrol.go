package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Pausing, resuming, cancelling and canary pushes (issue 11).
//
// Every call is claimed just before it is sent (ClaimPushCall), in a
// transaction that first locks its push's row — as pausing, resuming,
// cancelling and recording an outcome do. So on every backend and across
// replicas each of them sees exactly which calls are in flight:
//   - pause marks the push; a call claimed before it goes out and finishes,
//     every later claim parks its call (pending, no queue job) instead;
//   - resume clears the mark and queues the parked calls again, as a new
//     round (CallRef.Resumes), so a queue job still finishing its park can
//     never swallow the new one as a duplicate;
//   - cancel cancels every pending call not in flight, with its queue job,
//     in its transaction; calls in flight finish and keep their outcome, and
//     the push ends cancelled when the last of them is recorded.
//
// No call is ever sent without a claim, and a claim is refused once the push
// is paused or cancelled: nothing is sent twice or after a cancel.

// States of a running push besides its status (PushJob.State), and the
// outcome of a cancelled one.
const (
	StatePaused      = "paused"
	StateCancelling  = "cancelling" // cancelled; calls in flight are finishing
	OutcomeCancelled = "cancelled"
)

// Why a push is paused.
const (
	PauseAdmin  = "admin"  // an admin paused it
	PauseCanary = "canary" // its canary call has its answer: an admin continues or cancels
)

// Canary states of a push (PushJob.Canary).
const (
	CanaryNone     = 0
	CanaryWaiting  = 1 // the first call goes alone; the others are parked
	CanaryAnswered = 2 // the first call has its outcome; the push paused then
)

// CancelCalls cancels the queue jobs of a push's calls in the transaction
// that cancels the calls (internal/jobs).
type CancelCalls func(ctx context.Context, tx *sql.Tx, jobID int64, seqs []int) error

// Claim is what a call's queue job does after ClaimPushCall.
type Claim int

const (
	ClaimSend      Claim = iota // the call is in flight: send it
	ClaimParked                 // the push is paused: the call waits, without a queue job, for resume
	ClaimCancelled              // the push was cancelled: the call is cancelled, never sent
	ClaimDone                   // the call has its outcome already
)

// lockPushJob locks a push's row for the rest of the transaction (an UPDATE
// locks on both backends) and reads it.
func (s *Store) lockPushJob(ctx context.Context, tx Tx, id int64) (PushJob, error) {
	res, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET updated_at = ? WHERE id = ?`, s.now().UnixMilli(), id)
	if err != nil {
		return PushJob{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return PushJob{}, ErrNotFound
	}
	return scanPushJob(tx.QueryRowContext(ctx, `SELECT `+pushJobCols+` FROM card_push_jobs WHERE id = ?`, id))
}

// ClaimPushCall decides, just before a call is sent, whether it may be: a
// pending call of a push neither paused nor cancelled is marked in flight
// (and the push running). Otherwise the call is parked (paused, or behind its
// push's canary call) or cancelled, and the caller does not send it.
func (s *Store) ClaimPushCall(ctx context.Context, jobID int64, seq int) (Claim, error) {
	var claim Claim
	err := s.inTx(ctx, func(tx Tx) error {
		j, err := s.lockPushJob(ctx, tx, jobID)
		if err != nil {
			return err
		}
		var status string
		err = tx.QueryRowContext(ctx, `SELECT status FROM card_push_calls WHERE job_id = ? AND seq = ?`, jobID, seq).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if status != CallPending {
			claim = ClaimDone
			return nil
		}
		now := s.now().UnixMilli()
		const call = ` WHERE job_id = ? AND seq = ? AND status = ?`
		switch {
		case !j.CancelledAt.IsZero():
			claim = ClaimCancelled
			if _, err := tx.ExecContext(ctx, `UPDATE card_push_calls SET status = ?, in_flight = 0, parked = 0, updated_at = ?`+call,
				CallCancelled, now, jobID, seq, CallPending); err != nil {
				return err
			}
			_, err := s.finishIfDone(ctx, tx, jobID)
			return err
		case !j.PausedAt.IsZero() || (j.Canary == CanaryWaiting && seq != 0):
			claim = ClaimParked
			_, err := tx.ExecContext(ctx, `UPDATE card_push_calls SET parked = 1, in_flight = 0`+call, jobID, seq, CallPending)
			return err
		}
		claim = ClaimSend
		if _, err := tx.ExecContext(ctx, `UPDATE card_push_calls SET in_flight = ?, parked = 0`+call, now, jobID, seq, CallPending); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE card_push_jobs SET status = ? WHERE id = ? AND status = ?`, PushRunning, jobID, PushQueued)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: claim push call: %w", err)
	}
	return claim, nil
}

// ReleasePushCall ends a claim without an outcome: the attempt will be made
// again (and claimed again), so the call is not in flight meanwhile.
func (s *Store) ReleasePushCall(ctx context.Context, jobID int64, seq int) error {
	_, err := s.db.ExecContext(ctx, `UPDATE card_push_calls SET in_flight = 0 WHERE job_id = ? AND seq = ? AND status = ?`, jobID, seq, CallPending)
	if err != nil {
		return fmt.Errorf("store: release push call: %w", err)
	}
	return nil
}

// conflictOrNotFound is the error of a conditional update of push id that
// changed nothing: ErrNotFound when there is no such push, else ErrConflict.
func (s *Store) conflictOrNotFound(ctx context.Context, tx Tx, id int64) error {
	if _, err := scanPushJob(tx.QueryRowContext(ctx, `SELECT `+pushJobCols+` FROM card_push_jobs WHERE id = ?`, id)); err != nil {
		return err
	}
	return ErrConflict
}

// PausePushJob pauses a running push: no new call starts; calls in flight
// finish. ErrConflict when it is finished, cancelled, paused already, or
// its canary call is under way (it pauses by itself after that call).
func (s *Store) PausePushJob(ctx context.Context, id int64, audit AuditEntry) error {
	err := s.inTx(ctx, func(tx Tx) error {
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET paused_at = ?, paused_by = ?, pause_reason = ?, updated_at = ?
			WHERE id = ? AND status IN (?, ?) AND paused_at = 0 AND cancelled_at = 0 AND canary <> ?`,
			now, audit.Actor, PauseAdmin, now, id, PushQueued, PushRunning, CanaryWaiting)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.conflictOrNotFound(ctx, tx, id)
		}
		p, err := countCalls(ctx, tx, id)
		if err != nil {
			return err
		}
		audit.Target = fmt.Sprintf("job %d", id)
		audit.Detail = fmt.Sprintf("calls pending=%d in_flight=%d", p.Pending-p.InFlight, p.InFlight)
		return s.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return fmt.Errorf("store: pause push job: %w", err)
	}
	return nil
}

// ResumePushJob continues a paused push (after an admin's pause or its
// canary call): its parked calls are queued again, as a new round, with
// their jobs in the same transaction. It returns how many were queued;
// ErrConflict when the push is not paused.
func (s *Store) ResumePushJob(ctx context.Context, id int64, audit AuditEntry, enqueue EnqueueCalls) (int, error) {
	var refs []CallRef
	err := s.inTx(ctx, func(tx Tx) error {
		j, err := s.lockPushJob(ctx, tx, id)
		if err != nil {
			return err
		}
		if j.PausedAt.IsZero() || !j.CancelledAt.IsZero() || !j.Active() {
			return ErrConflict
		}
		j.Resumes++
		if _, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET paused_at = 0, paused_by = '', pause_reason = '', resumes = ? WHERE id = ?`,
			j.Resumes, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `UPDATE card_push_calls SET parked = 0 WHERE job_id = ? AND status = ? AND parked = 1 RETURNING seq, attempts`,
			id, CallPending)
		if err != nil {
			return err
		}
		for rows.Next() {
			r := CallRef{Resumes: j.Resumes}
			if err := rows.Scan(&r.Seq, &r.Attempts); err != nil {
				rows.Close()
				return err
			}
			refs = append(refs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(refs) > 0 {
			if err := enqueue(ctx, tx.Tx, id, refs); err != nil {
				return err
			}
		}
		audit.Target = fmt.Sprintf("job %d", id)
		audit.Detail = fmt.Sprintf("after=%s calls=%d", j.PauseReason, len(refs))
		return s.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return 0, fmt.Errorf("store: resume push job: %w", err)
	}
	return len(refs), nil
}

// CancelPushJob cancels a push that has not finished: every pending call not
// in flight is cancelled with its queue job (cancel), in one transaction, and
// is never sent; calls in flight finish and keep their outcome, and the last
// of them finishes the push as cancelled (at once when none is in flight).
// It returns how many calls were cancelled; ErrConflict when the push is
// finished or cancelled already.
func (s *Store) CancelPushJob(ctx context.Context, id int64, audit AuditEntry, cancel CancelCalls) (int, error) {
	var seqs []int
	err := s.inTx(ctx, func(tx Tx) error {
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET cancelled_at = ?, cancelled_by = ?, paused_at = 0, paused_by = '', pause_reason = '', updated_at = ?
			WHERE id = ? AND status IN (?, ?) AND cancelled_at = 0`,
			now, audit.Actor, now, id, PushQueued, PushRunning)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.conflictOrNotFound(ctx, tx, id)
		}
		rows, err := tx.QueryContext(ctx, `UPDATE card_push_calls SET status = ?, parked = 0, updated_at = ?
			WHERE job_id = ? AND status = ? AND in_flight = 0 RETURNING seq, accounts`, CallCancelled, now, id, CallPending)
		if err != nil {
			return err
		}
		accounts := 0
		for rows.Next() {
			var seq, n int
			if err := rows.Scan(&seq, &n); err != nil {
				rows.Close()
				return err
			}
			seqs, accounts = append(seqs, seq), accounts+n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(seqs) > 0 {
			if err := cancel(ctx, tx.Tx, id, seqs); err != nil {
				return err
			}
		}
		p, err := countCalls(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := withdrawApproval(ctx, tx, ApprovalPush, id, audit.Actor, now); err != nil {
			return err
		}
		audit.Target = fmt.Sprintf("job %d", id)
		audit.Detail = fmt.Sprintf("calls cancelled=%d accounts=%d in_flight=%d", len(seqs), accounts, p.InFlight)
		if err := s.appendAudit(ctx, tx, audit); err != nil {
			return err
		}
		_, err = s.finishIfDone(ctx, tx, id)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: cancel push job: %w", err)
	}
	return len(seqs), nil
}

// canaryAnswered pauses a canary push once its first call has its outcome
// (o), unless it was cancelled meanwhile; it runs in RecordPushCall's
// transaction, which holds the push's row.
func (s *Store) canaryAnswered(ctx context.Context, tx Tx, o CallOutcome) error {
	var canary int
	var cancelled int64
	if err := tx.QueryRowContext(ctx, `SELECT canary, cancelled_at FROM card_push_jobs WHERE id = ?`, o.JobID).Scan(&canary, &cancelled); err != nil {
		return err
	}
	if canary != CanaryWaiting {
		return nil
	}
	if cancelled != 0 {
		_, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET canary = ? WHERE id = ?`, CanaryAnswered, o.JobID)
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET canary = ?, paused_at = ?, paused_by = '', pause_reason = ? WHERE id = ?`,
		CanaryAnswered, s.now().UnixMilli(), PauseCanary, o.JobID); err != nil {
		return err
	}
	outcome := OutcomeOK
	switch o.Status {
	case CallFailed:
		outcome = OutcomeFailed
	case CallUnknown:
		outcome = OutcomeUnknown
	}
	code := o.Code
	if o.Status == CallOK {
		code = ""
	}
	return s.appendAudit(ctx, tx, AuditEntry{Actor: "system", Action: "cards.push.canary", Target: fmt.Sprintf("job %d", o.JobID),
		Outcome: outcome, UpstreamCode: code, Detail: "call=1 status=" + o.Status + " paused until an admin continues or cancels"})
}
