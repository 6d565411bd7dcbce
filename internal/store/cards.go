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

// Push job statuses. A job is queued when created, running while a runner
// owns it, done when every call succeeded, failed when some call failed, and
// interrupted when the console stopped while it ran (its pending calls wait
// for "resume").
const (
	PushQueued      = "queued"
	PushRunning     = "running"
	PushDone        = "done"
	PushFailed      = "failed"
	PushInterrupted = "interrupted"
)

// Push call statuses.
const (
	CallPending = "pending"
	CallOK      = "ok"
	CallFailed  = "failed"
)

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
	Pending, OK, Failed                         int // calls
	AccountsPending, AccountsOK, AccountsFailed int
}

// Calls is the number of calls counted.
func (p PushProgress) Calls() int { return p.Pending + p.OK + p.Failed }

const pushJobCols = `id, idempotency_key, created_by, created_at, updated_at, finished_at, template_id, template_name,
	card_type, target, enterprise_id, show_on_all, data_json, total_accounts, total_calls, status`

func scanPushJob(row interface{ Scan(...any) error }) (PushJob, error) {
	var j PushJob
	var created, updated, finished int64
	err := row.Scan(&j.ID, &j.IdempotencyKey, &j.CreatedBy, &created, &updated, &finished, &j.TemplateID, &j.TemplateName,
		&j.CardType, &j.Target, &j.EnterpriseID, &j.ShowOnAll, &j.DataJSON, &j.TotalAccounts, &j.TotalCalls, &j.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return PushJob{}, ErrNotFound
	}
	if err != nil {
		return PushJob{}, fmt.Errorf("store: push job: %w", err)
	}
	j.CreatedAt, j.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	if finished != 0 {
		j.FinishedAt = time.UnixMilli(finished)
	}
	return j, nil
}

// CreatePushJob stores a job with its calls and the audit entry, atomically.
// When a job with the same idempotency key exists, nothing is written and
// that job is returned with created = false: a double submit never pushes twice.
func (s *Store) CreatePushJob(ctx context.Context, j PushJob, calls []PushCall, audit AuditEntry) (PushJob, bool, error) {
	if j.IdempotencyKey == "" {
		return PushJob{}, false, errors.New("store: push job without idempotency key")
	}
	now := s.now()
	j.CreatedAt, j.UpdatedAt, j.Status, j.TotalCalls = now, now, PushQueued, len(calls)
	err := s.inTx(ctx, func(tx Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO card_push_jobs (idempotency_key, created_by, created_at, updated_at,
			template_id, template_name, card_type, target, enterprise_id, show_on_all, data_json, total_accounts, total_calls, status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			j.IdempotencyKey, j.CreatedBy, now.UnixMilli(), now.UnixMilli(), j.TemplateID, j.TemplateName, j.CardType, j.Target,
			j.EnterpriseID, j.ShowOnAll, j.DataJSON, j.TotalAccounts, j.TotalCalls, j.Status).Scan(&j.ID)
		if err != nil {
			if isUnique(err) {
				return ErrConflict
			}
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO card_push_calls (job_id, seq, account_ids, accounts, payload, status, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, c := range calls {
			ids, err := json.Marshal(nonNil(c.AccountIDs))
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, j.ID, i, string(ids), len(c.AccountIDs), c.Payload, CallPending, now.UnixMilli()); err != nil {
				return err
			}
		}
		audit.Target = fmt.Sprintf("job %d", j.ID)
		return s.appendAudit(ctx, tx, audit)
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
	rows, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*), COALESCE(SUM(accounts), 0) FROM card_push_calls WHERE job_id = ? GROUP BY status`, jobID)
	if err != nil {
		return PushProgress{}, fmt.Errorf("store: push progress: %w", err)
	}
	defer rows.Close()
	var p PushProgress
	for rows.Next() {
		var status string
		var n, accounts int
		if err := rows.Scan(&status, &n, &accounts); err != nil {
			return PushProgress{}, err
		}
		switch status {
		case CallPending:
			p.Pending, p.AccountsPending = n, accounts
		case CallOK:
			p.OK, p.AccountsOK = n, accounts
		case CallFailed:
			p.Failed, p.AccountsFailed = n, accounts
		}
	}
	return p, rows.Err()
}

// PushCalls returns the job's calls in order; status "" means all of them.
func (s *Store) PushCalls(ctx context.Context, jobID int64, status string) ([]PushCall, error) {
	q := `SELECT job_id, seq, account_ids, payload, status, upstream_code, message, attempts, updated_at FROM card_push_calls WHERE job_id = ?`
	args := []any{jobID}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY seq`, args...)
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

// CallOutcome is the result of one attempt of a call.
type CallOutcome struct {
	JobID   int64
	Seq     int
	OK      bool
	Code    string // upstream code ("0" on success)
	Message string
}

// RecordPushCall stores the outcome of one attempt of a call.
func (s *Store) RecordPushCall(ctx context.Context, jobID int64, seq int, ok bool, code, message string) error {
	return s.RecordPushCalls(ctx, []CallOutcome{{JobID: jobID, Seq: seq, OK: ok, Code: code, Message: message}})
}

// RecordPushCalls stores several outcomes in one transaction: the push
// runner's single writer commits what its workers finished together, so
// they never wait on each other's SQLite write lock. Outcomes of existing
// calls are kept even when one names a call that does not exist
// (ErrNotFound is returned after the commit).
func (s *Store) RecordPushCalls(ctx context.Context, outs []CallOutcome) error {
	missing := 0
	err := s.inTx(ctx, func(tx Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE card_push_calls SET status = ?, upstream_code = ?, message = ?, attempts = attempts + 1, updated_at = ?
			WHERE job_id = ? AND seq = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		now := s.now().UnixMilli()
		for _, o := range outs {
			status := CallOK
			if !o.OK {
				status = CallFailed
			}
			res, err := stmt.ExecContext(ctx, status, o.Code, o.Message, now, o.JobID, o.Seq)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				missing++
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record push calls: %w", err)
	}
	if missing > 0 {
		return fmt.Errorf("store: record push calls: %d calls: %w", missing, ErrNotFound)
	}
	return nil
}

// StartPushJob moves a queued or interrupted job to running. It returns
// ErrConflict when the job is in any other state (someone else runs it, or
// it has finished).
func (s *Store) StartPushJob(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE card_push_jobs SET status = ?, updated_at = ?, finished_at = 0
		WHERE id = ? AND status IN (?, ?)`, PushRunning, s.now().UnixMilli(), id, PushQueued, PushInterrupted)
	if err != nil {
		return fmt.Errorf("store: start push job: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.PushJob(ctx, id); err != nil {
			return err
		}
		return ErrConflict
	}
	return nil
}

// FinishPushJob sets a running job's final status (done, failed or
// interrupted) and appends the audit entry, atomically.
func (s *Store) FinishPushJob(ctx context.Context, id int64, status string, audit AuditEntry) error {
	now := s.now().UnixMilli()
	finished := now
	if status == PushInterrupted {
		finished = 0
	}
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET status = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
			status, now, finished, id); err != nil {
			return fmt.Errorf("store: finish push job: %w", err)
		}
		if audit.Target == "" {
			audit.Target = fmt.Sprintf("job %d", id)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// RetryFailedPushCalls puts a finished job's failed calls back to pending
// and the job back in the queue. It returns how many calls will be resent
// (failed ones and any left pending); ErrConflict when the job is still active.
func (s *Store) RetryFailedPushCalls(ctx context.Context, id int64, audit AuditEntry) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM card_push_jobs WHERE id = ?`, id).Scan(&status); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if status == PushQueued || status == PushRunning {
			return ErrConflict
		}
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE card_push_calls SET status = ?, updated_at = ? WHERE job_id = ? AND status = ?`,
			CallPending, now, id, CallFailed)
		if err != nil {
			return err
		}
		if _, err := res.RowsAffected(); err != nil {
			return err
		}
		// A call whose outcome could not be stored is still pending in a
		// finished job: it is resent too, so nothing stays stranded.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM card_push_calls WHERE job_id = ? AND status = ?`, id, CallPending).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET status = ?, updated_at = ? WHERE id = ?`, PushQueued, now, id); err != nil {
			return err
		}
		if audit.Target == "" {
			audit.Target = fmt.Sprintf("job %d", id)
		}
		audit.Detail = strings.TrimSpace(audit.Detail + fmt.Sprintf(" calls=%d", n))
		return s.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// InterruptPushJobs marks every queued or running job interrupted (at start-up:
// no runner owns them any more). Their pending calls stay pending for
// "resume"; nothing is dropped. It returns the ids it marked.
func (s *Store) InterruptPushJobs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM card_push_jobs WHERE status IN (?, ?) ORDER BY id`, PushQueued, PushRunning)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := s.now().UnixMilli()
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE card_push_jobs SET status = ?, updated_at = ? WHERE id = ?`, PushInterrupted, now, id); err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, AuditEntry{Actor: "system", Action: "cards.push.interrupt", Target: fmt.Sprintf("job %d", id),
				Detail: "console restarted while the push ran; pending calls kept for resume", Outcome: OutcomeFailed}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: interrupt push jobs: %w", err)
	}
	return ids, nil
}
