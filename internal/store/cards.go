package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Push job statuses. A job is queued when created, running once a worker
// took its first call, done when every call succeeded, and failed when some
// call failed or has an unknown outcome (the job page says which).
// Interrupted is only found on jobs of consoles before the job queue; they
// are retried like failed ones.
const (
	PushQueued      = "queued"
	PushRunning     = "running"
	PushDone        = "done"
	PushFailed      = "failed"
	PushInterrupted = "interrupted"
)

// Push call statuses. Unknown: the request went out and no usable answer
// came back after every attempt (set-data calls overwrite, so the console
// tries again while it may; then it says it does not know).
const (
	CallPending = "pending"
	CallOK      = "ok"
	CallFailed  = "failed"
	CallUnknown = "unknown"
	// CallCancelled: the push was cancelled before this call was sent; it
	// never will be.
	CallCancelled = "cancelled"
)

// CallRef names one attempt round of a call for its job (internal/jobs):
// a retried call is a new round, so it is enqueued anew.
type CallRef struct {
	Seq      int
	Attempts int // attempts made before this round
	Resumes  int // the push's resumes when queued: a resumed call is a new round too
}

// EnqueueCalls adds the jobs of a push's calls to the transaction that
// records them (internal/jobs).
type EnqueueCalls func(ctx context.Context, tx *sql.Tx, jobID int64, calls []CallRef) error

// PushJob is one confirmed card push.
type PushJob struct {
	ID             int64
	IdempotencyKey string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FinishedAt     time.Time // zero while not finished
	TemplateID     string
	TemplateName   string
	CardType       string
	Target         string // org, accounts, diff (forms.Target*)
	EnterpriseID   string
	ShowOnAll      bool
	DataJSON       string // the card for org/accounts targets
	TotalAccounts  int
	TotalCalls     int
	Status         string
	Outcome        string // a finished job: PushDone, OutcomePartial, OutcomeAllFailed, OutcomeUnknown, OutcomeCancelled or OutcomeRejected
	Schedule              // a scheduled push: when it was set to start, and when it did
	// Approval is the state of the job's latest approval request ("" = none
	// needed). Create a job with ApprovalPending to have it wait for another
	// admin: it is stored queued and nothing is enqueued until approved.
	Approval string
	// Pausing, cancelling and canaries (pushcontrol.go).
	PausedAt    time.Time // zero unless paused: no new call starts
	PausedBy    string
	PauseReason string    // PauseAdmin or PauseCanary
	CancelledAt time.Time // zero unless cancelled: what is left is never sent
	CancelledBy string
	Canary      int // CanaryNone, CanaryWaiting or CanaryAnswered
	Resumes     int // how often it was resumed (the round of its resumed calls' jobs)
}

// Outcomes of finished pushes, besides PushDone and OutcomeUnknown.
const (
	OutcomePartial   = "failed"     // some calls failed
	OutcomeAllFailed = "failed_all" // every call failed
	OutcomeRejected  = "rejected"   // another admin turned the push down: nothing was sent
)

// StateAwaitingApproval is the State of a job (or send) waiting for another
// admin's approval.
const StateAwaitingApproval = "awaiting_approval"

// State names what a job is now for the pages: its outcome once finished,
// else cancelling or paused, else its status.
func (j PushJob) State() string {
	switch {
	case j.Approval == ApprovalPending:
		return StateAwaitingApproval
	case j.Status == PushQueued && j.waiting():
		return StateScheduled
	case j.Outcome != "" && !j.Active():
		return j.Outcome
	case j.Active() && !j.CancelledAt.IsZero():
		return StateCancelling
	case j.Active() && !j.PausedAt.IsZero():
		return StatePaused
	}
	return j.Status
}

// Active reports whether a runner is (or will be) working on the job.
func (j PushJob) Active() bool { return j.Status == PushQueued || j.Status == PushRunning }

// PushCall is one upstream call of a job.
type PushCall struct {
	JobID        int64
	Seq          int
	AccountIDs   []string
	Payload      string // diff target: the call's per-account data (JSON)
	Status       string
	UpstreamCode string
	Message      string
	Attempts     int
	UpdatedAt    time.Time
}

// PushProgress counts a job's calls and the accounts they cover.
type PushProgress struct {
	Pending, OK, Failed, Unknown, Cancelled                                         int // calls
	AccountsPending, AccountsOK, AccountsFailed, AccountsUnknown, AccountsCancelled int
	InFlight                                                                        int // pending calls being sent now
}

// Calls is the number of calls counted.
func (p PushProgress) Calls() int { return p.Pending + p.OK + p.Failed + p.Unknown + p.Cancelled }

// Finished is the number of calls with an outcome (cancelled ones included).
func (p PushProgress) Finished() int { return p.Calls() - p.Pending }

const pushJobCols = `id, idempotency_key, created_by, created_at, updated_at, finished_at, template_id, template_name,
	card_type, target, enterprise_id, show_on_all, data_json, total_accounts, total_calls, status, outcome,
	send_at, fired_at, start_job, approval, paused_at, paused_by, pause_reason, cancelled_at, cancelled_by, canary, resumes`

func scanPushJob(row interface{ Scan(...any) error }) (PushJob, error) {
	var j PushJob
	var created, updated, finished, sendAt, firedAt, paused, cancelled int64
	err := row.Scan(&j.ID, &j.IdempotencyKey, &j.CreatedBy, &created, &updated, &finished, &j.TemplateID, &j.TemplateName,
		&j.CardType, &j.Target, &j.EnterpriseID, &j.ShowOnAll, &j.DataJSON, &j.TotalAccounts, &j.TotalCalls, &j.Status, &j.Outcome,
		&sendAt, &firedAt, &j.StartJob, &j.Approval, &paused, &j.PausedBy, &j.PauseReason, &cancelled, &j.CancelledBy, &j.Canary, &j.Resumes)
	if errors.Is(err, sql.ErrNoRows) {
		return PushJob{}, ErrNotFound
	}
	if err != nil {
		return PushJob{}, fmt.Errorf("store: push job: %w", err)
	}
	j.CreatedAt, j.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	j.FinishedAt, j.PausedAt, j.CancelledAt = msTime(finished), msTime(paused), msTime(cancelled)
	j.SendAt, j.FiredAt = msTime(sendAt), msTime(firedAt)
	return j, nil
}

// CreatePushJob stores a job with its calls and the audit entry, atomically.
// When a job with the same idempotency key exists, nothing is written and
// that job is returned with created = false: a double submit never pushes twice.
// A job created with Approval ApprovalPending gets an approval request
// instead of its queue jobs (ApproveRequest enqueues them).
// A job with Canary set (and more than one call) queues only its first call;
// the others wait, parked, until an admin continues it (pushcontrol.go).
func (s *Store) CreatePushJob(ctx context.Context, j PushJob, calls []PushCall, audit AuditEntry, enqueue EnqueueCalls) (PushJob, bool, error) {
	j.SendAt = time.Time{}
	return s.createPushJob(ctx, j, calls, audit, func(tx Tx, id int64, refs []CallRef) error { return enqueue(ctx, tx.Tx, id, refs) })
}

// createPushJob stores a job with its calls and audit entry, and then (in
// the same transaction) whatever starts it: its calls' jobs, or its start
// job when it is scheduled (SchedulePush).
func (s *Store) createPushJob(ctx context.Context, j PushJob, calls []PushCall, audit AuditEntry, then func(tx Tx, id int64, refs []CallRef) error) (PushJob, bool, error) {
	if j.IdempotencyKey == "" {
		return PushJob{}, false, errors.New("store: push job without idempotency key")
	}
	now := s.now()
	j.CreatedAt, j.UpdatedAt, j.Status, j.TotalCalls = now, now, PushQueued, len(calls)
	if j.Canary != CanaryNone {
		j.Canary = CanaryNone
		if len(calls) > 1 {
			j.Canary = CanaryWaiting
		}
	}
	err := s.inTx(ctx, func(tx Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO card_push_jobs (idempotency_key, created_by, created_at, updated_at,
			template_id, template_name, card_type, target, enterprise_id, show_on_all, data_json, total_accounts, total_calls, status, send_at, canary)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			j.IdempotencyKey, j.CreatedBy, now.UnixMilli(), now.UnixMilli(), j.TemplateID, j.TemplateName, j.CardType, j.Target,
			j.EnterpriseID, j.ShowOnAll, j.DataJSON, j.TotalAccounts, j.TotalCalls, j.Status, timeMs(j.SendAt), j.Canary).Scan(&j.ID)
		if err != nil {
			if isUnique(err) {
				return ErrConflict
			}
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO card_push_calls (job_id, seq, account_ids, accounts, payload, status, updated_at, parked)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		var refs []CallRef
		for i, c := range calls {
			ids, err := json.Marshal(nonNil(c.AccountIDs))
			if err != nil {
				return err
			}
			parked := 0
			if j.Canary == CanaryWaiting && i > 0 {
				parked = 1 // behind the canary: no queue job yet
			}
			if _, err := stmt.ExecContext(ctx, j.ID, i, string(ids), len(c.AccountIDs), c.Payload, CallPending, now.UnixMilli(), parked); err != nil {
				return err
			}
			if parked == 0 {
				refs = append(refs, CallRef{Seq: i})
			}
		}
		audit.Target = fmt.Sprintf("job %d", j.ID)
		if err := s.appendAudit(ctx, tx, audit); err != nil {
			return err
		}
		state, run, err := s.gate(ctx, tx, ApprovalPush, j.ID, j.Approval != "", audit)
		if err != nil {
			return err
		}
		if j.Approval = state; !run {
			_, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET approval = ? WHERE id = ?`, state, j.ID)
			return err
		}
		return then(tx, j.ID, refs)
	})
	if errors.Is(err, ErrConflict) {
		existing, err := s.PushJobByKey(ctx, j.IdempotencyKey)
		return existing, false, err
	}
	if err != nil {
		return PushJob{}, false, fmt.Errorf("store: create push job: %w", err)
	}
	return j, true, nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// PushJob finds a job by id.
func (s *Store) PushJob(ctx context.Context, id int64) (PushJob, error) {
	return scanPushJob(s.db.QueryRowContext(ctx, `SELECT `+pushJobCols+` FROM card_push_jobs WHERE id = ?`, id))
}

// PushJobByKey finds a job by its idempotency key.
func (s *Store) PushJobByKey(ctx context.Context, key string) (PushJob, error) {
	return scanPushJob(s.db.QueryRowContext(ctx, `SELECT `+pushJobCols+` FROM card_push_jobs WHERE idempotency_key = ?`, key))
}

// ListPushJobs returns one page of jobs, newest first, and the total count.
func (s *Store) ListPushJobs(ctx context.Context, offset, limit int) ([]PushJob, int, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM card_push_jobs`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count push jobs: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+pushJobCols+` FROM card_push_jobs ORDER BY id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: push jobs: %w", err)
	}
	defer rows.Close()
	var out []PushJob
	for rows.Next() {
		j, err := scanPushJob(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, j)
	}
	return out, total, rows.Err()
}

// PushProgress counts the job's calls and accounts by status.
func (s *Store) PushProgress(ctx context.Context, jobID int64) (PushProgress, error) {
	p, err := countCalls(ctx, s.db, jobID)
	if err != nil {
		return PushProgress{}, fmt.Errorf("store: push progress: %w", err)
	}
	return p, nil
}

// countCalls counts a job's calls by status, in a transaction or not.
func countCalls(ctx context.Context, q interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}, jobID int64) (PushProgress, error) {
	rows, err := q.QueryContext(ctx, `SELECT status, CASE WHEN in_flight > 0 THEN 1 ELSE 0 END, COUNT(*), COALESCE(SUM(accounts), 0)
		FROM card_push_calls WHERE job_id = ? GROUP BY status, CASE WHEN in_flight > 0 THEN 1 ELSE 0 END`, jobID)
	if err != nil {
		return PushProgress{}, err
	}
	defer rows.Close()
	var p PushProgress
	for rows.Next() {
		var status string
		var inFlight, n, accounts int
		if err := rows.Scan(&status, &inFlight, &n, &accounts); err != nil {
			return PushProgress{}, err
		}
		switch status {
		case CallPending:
			p.Pending, p.AccountsPending = p.Pending+n, p.AccountsPending+accounts
			if inFlight == 1 {
				p.InFlight = n
			}
		case CallOK:
			p.OK, p.AccountsOK = p.OK+n, p.AccountsOK+accounts
		case CallFailed:
			p.Failed, p.AccountsFailed = p.Failed+n, p.AccountsFailed+accounts
		case CallUnknown:
			p.Unknown, p.AccountsUnknown = p.Unknown+n, p.AccountsUnknown+accounts
		case CallCancelled:
			p.Cancelled, p.AccountsCancelled = p.Cancelled+n, p.AccountsCancelled+accounts
		}
	}
	return p, rows.Err()
}

// PushCalls returns the job's calls in order; status "" means all of them.
func (s *Store) PushCalls(ctx context.Context, jobID int64, status string) ([]PushCall, error) {
	if status == "" {
		return s.pushCalls(ctx, `job_id = ?`, jobID)
	}
	return s.pushCalls(ctx, `job_id = ? AND status = ?`, jobID, status)
}

func (s *Store) pushCalls(ctx context.Context, where string, args ...any) ([]PushCall, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT job_id, seq, account_ids, payload, status, upstream_code, message, attempts, updated_at
		FROM card_push_calls WHERE `+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: push calls: %w", err)
	}
	defer rows.Close()
	var out []PushCall
	for rows.Next() {
		var c PushCall
		var ids string
		var updated int64
		if err := rows.Scan(&c.JobID, &c.Seq, &ids, &c.Payload, &c.Status, &c.UpstreamCode, &c.Message, &c.Attempts, &updated); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(ids), &c.AccountIDs); err != nil {
			return nil, fmt.Errorf("store: push call %d/%d ids: %w", c.JobID, c.Seq, err)
		}
		c.UpdatedAt = time.UnixMilli(updated)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FirstPushCall returns the job's first call (for showing its body).
func (s *Store) FirstPushCall(ctx context.Context, jobID int64) (PushCall, error) {
	calls, err := s.PushCalls(ctx, jobID, "")
	if err != nil {
		return PushCall{}, err
	}
	if len(calls) == 0 {
		return PushCall{}, ErrNotFound
	}
	return calls[0], nil
}

// PushCall returns one call of a job.
func (s *Store) PushCall(ctx context.Context, jobID int64, seq int) (PushCall, error) {
	calls, err := s.pushCalls(ctx, `job_id = ? AND seq = ?`, jobID, seq)
	if err != nil {
		return PushCall{}, err
	}
	if len(calls) == 0 {
		return PushCall{}, ErrNotFound
	}
	return calls[0], nil
}

// CallOutcome is the result of a call: CallOK, CallFailed or CallUnknown.
type CallOutcome struct {
	JobID   int64
	Seq     int
	Status  string
	Code    string // upstream code ("0" on success)
	Message string
}

// RecordPushCall stores a pending call's outcome. When it was the job's last
// pending call, the job is finished in the same transaction (done, or failed
// when a call failed or is unknown) with its audit entry; finished reports
// that. The job row is locked first, so two calls ending at once cannot
// both miss (or both take) the finish. A call no longer pending is left as
// it is (ErrConflict): a job attempt that ran twice records once.
func (s *Store) RecordPushCall(ctx context.Context, o CallOutcome) (finished bool, err error) {
	if o.Status != CallOK && o.Status != CallFailed && o.Status != CallUnknown {
		return false, fmt.Errorf("store: record push call: status %q", o.Status)
	}
	err = s.inTx(ctx, func(tx Tx) error {
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET updated_at = ? WHERE id = ?`, now, o.JobID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		res, err = tx.ExecContext(ctx, `UPDATE card_push_calls SET status = ?, upstream_code = ?, message = ?, attempts = attempts + 1, updated_at = ?, in_flight = 0
			WHERE job_id = ? AND seq = ? AND status = ?`, o.Status, o.Code, o.Message, now, o.JobID, o.Seq, CallPending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		if finished, err = s.finishIfDone(ctx, tx, o.JobID); err != nil || finished || o.Seq != 0 {
			return err
		}
		return s.canaryAnswered(ctx, tx, o)
	})
	if err != nil {
		return false, fmt.Errorf("store: record push call: %w", err)
	}
	return finished, nil
}

// finishIfDone sets the final status of a job without pending calls: done,
// failed (some calls failed or are unknown) or, once cancelled, cancelled
// whatever its calls came to.
func (s *Store) finishIfDone(ctx context.Context, tx Tx, id int64) (bool, error) {
	p, err := countCalls(ctx, tx, id)
	if err != nil || p.Pending > 0 {
		return false, err
	}
	var cancelled int64
	if err := tx.QueryRowContext(ctx, `SELECT cancelled_at FROM card_push_jobs WHERE id = ?`, id).Scan(&cancelled); err != nil {
		return false, err
	}
	code := ""
	status, result, outcome := PushDone, PushDone, OutcomeOK
	switch {
	case cancelled != 0:
		status, result, outcome = PushDone, OutcomeCancelled, OutcomeCancelled
	case p.Failed > 0:
		status, result, outcome = PushFailed, OutcomePartial, OutcomeFailed
		if p.OK == 0 && p.Unknown == 0 {
			result = OutcomeAllFailed
		}
		_ = tx.QueryRowContext(ctx, `SELECT upstream_code FROM card_push_calls WHERE job_id = ? AND status = ? ORDER BY seq LIMIT 1`, id, CallFailed).Scan(&code)
	case p.Unknown > 0:
		status, result, outcome = PushFailed, OutcomeUnknown, OutcomeUnknown
	}
	now := s.now().UnixMilli()
	res, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET status = ?, outcome = ?, updated_at = ?, finished_at = ?, paused_at = 0 WHERE id = ? AND status IN (?, ?)`,
		status, result, now, now, id, PushQueued, PushRunning)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // finished already
	}
	return true, s.appendAudit(ctx, tx, AuditEntry{Actor: "system", Action: "cards.push.finish", Target: fmt.Sprintf("job %d", id),
		Outcome: outcome, UpstreamCode: code,
		Detail: fmt.Sprintf("status=%s calls ok=%d failed=%d unknown=%d cancelled=%d accounts ok=%d failed=%d unknown=%d cancelled=%d",
			status, p.OK, p.Failed, p.Unknown, p.Cancelled, p.AccountsOK, p.AccountsFailed, p.AccountsUnknown, p.AccountsCancelled)})
}

// RetryFailedPushCalls puts a finished job's failed and unknown calls (and
// any left pending) back in the queue, with their jobs, in one transaction.
// It returns how many calls are resent; ErrConflict when the job is still
// active, was cancelled (a cancelled push stays cancelled) or was rejected.
// A job that needed approval is resent only while its content is what was
// approved; otherwise it asks again (and waits).
func (s *Store) RetryFailedPushCalls(ctx context.Context, id int64, audit AuditEntry, enqueue EnqueueCalls) (int, error) {
	var refs []CallRef
	err := s.inTx(ctx, func(tx Tx) error {
		now := s.now().UnixMilli()
		// A cancelled push stays cancelled and a rejected one is never sent.
		var approval string
		err := tx.QueryRowContext(ctx, `UPDATE card_push_jobs SET status = ?, outcome = '', updated_at = ?, finished_at = 0
			WHERE id = ? AND status NOT IN (?, ?) AND cancelled_at = 0 AND approval <> ? RETURNING approval`,
			PushQueued, now, id, PushQueued, PushRunning, ApprovalRejected).Scan(&approval)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := scanPushJob(tx.QueryRowContext(ctx, `SELECT `+pushJobCols+` FROM card_push_jobs WHERE id = ?`, id)); err != nil {
				return err
			}
			return ErrConflict
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE card_push_calls SET status = ?, updated_at = ? WHERE job_id = ? AND status IN (?, ?)`,
			CallPending, now, id, CallFailed, CallUnknown); err != nil {
			return err
		}
		if refs, err = pendingCalls(ctx, tx, id); err != nil {
			return err
		}
		if len(refs) == 0 {
			_, err := s.finishIfDone(ctx, tx, id) // nothing to resend: back to its outcome
			return err
		}
		if audit.Target == "" {
			audit.Target = fmt.Sprintf("job %d", id)
		}
		audit.Detail = strings.TrimSpace(audit.Detail + fmt.Sprintf(" calls=%d", len(refs)))
		if err := s.appendAudit(ctx, tx, audit); err != nil {
			return err
		}
		state, run, err := s.gate(ctx, tx, ApprovalPush, id, approval != "", audit)
		if err != nil {
			return err
		}
		if !run {
			_, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET approval = ? WHERE id = ?`, state, id)
			return err
		}
		return enqueue(ctx, tx.Tx, id, refs)
	})
	if err != nil {
		return 0, err
	}
	return len(refs), nil
}
