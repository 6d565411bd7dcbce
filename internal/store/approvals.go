package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Four eyes (issue 11). A push or a send that needs another admin's approval
// is stored as usual (queued) with an approval request, and nothing is
// enqueued: approving enqueues its jobs in the same transaction. The request
// carries a fingerprint of exactly what will be sent; the approval is granted
// for the fingerprint the approver saw, and anything enqueued later (a retry,
// a resend with other content) runs only while the content still has that
// fingerprint — otherwise it asks for approval again (gate).

// Approval kinds: what a request is about.
const (
	ApprovalPush = "push" // a card_push_jobs row
	ApprovalSend = "send" // a message_sends row
	ApprovalFeed = "feed" // a card_feeds row: its settings, under which every run pushes
)

// Approval states, also kept on the item (PushJob.Approval,
// MessageSend.Approval; "" there: no approval needed).
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	// ApprovalWithdrawn: the item was cancelled while its request waited
	// (a request only; never an item's state).
	ApprovalWithdrawn = "withdrawn"
)

// ErrSelfApproval: the requester tried to decide their own request.
var ErrSelfApproval = errors.New("store: a request cannot be decided by its requester")

// ErrChanged: what would be sent is no longer what the approver was shown.
var ErrChanged = errors.New("store: the request changed since it was shown")

// OutcomeDenied is the audit outcome of a decision the store refused: the
// requester's own.
const OutcomeDenied = "denied"

// Approval is one request for another admin's approval.
type Approval struct {
	ID          int64
	Kind        string // ApprovalPush or ApprovalSend
	RefID       int64  // the job or send
	RequestedBy string // username
	RequestedAt time.Time
	State       string
	DecidedBy   string
	DecidedAt   time.Time // zero while pending
	Reason      string    // a rejection's
	Fingerprint string    // of the content requested, then of the content approved

	// From the item, for the lists.
	Title string // the push's template name, the message's headline
	Size  int    // accounts pushed to, or ids addressed
}

// ApprovalQueue enqueues an approved item's jobs in the approval's transaction.
type ApprovalQueue struct {
	Calls EnqueueCalls
	Send  Enqueue
	Start Scheduler // an approved item with a start time: its start job
}

// Approvals join their item for the title and size the lists show.
const approvalCols = `a.id, a.kind, a.ref_id, a.requested_by, a.requested_at, a.state, a.decided_by, a.decided_at, a.reason, a.fingerprint,
	COALESCE(j.template_name, m.title, f.name, ''), COALESCE(j.total_accounts, m.recipients, 0)`

const approvalFrom = ` FROM approvals a
	LEFT JOIN card_push_jobs j ON a.kind = 'push' AND j.id = a.ref_id
	LEFT JOIN message_sends m ON a.kind = 'send' AND m.id = a.ref_id
	LEFT JOIN card_feeds f ON a.kind = 'feed' AND f.id = a.ref_id`

func scanApproval(row interface{ Scan(...any) error }) (Approval, error) {
	var a Approval
	var requested, decided int64
	err := row.Scan(&a.ID, &a.Kind, &a.RefID, &a.RequestedBy, &requested, &a.State, &a.DecidedBy, &decided, &a.Reason, &a.Fingerprint,
		&a.Title, &a.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return Approval{}, ErrNotFound
	}
	if err != nil {
		return Approval{}, fmt.Errorf("store: approval: %w", err)
	}
	a.RequestedAt = time.UnixMilli(requested)
	if decided != 0 {
		a.DecidedAt = time.UnixMilli(decided)
	}
	return a, nil
}

// Approval finds a request by id.
func (s *Store) Approval(ctx context.Context, id int64) (Approval, error) {
	return scanApproval(s.db.QueryRowContext(ctx, `SELECT `+approvalCols+approvalFrom+` WHERE a.id = ?`, id))
}

// LatestApproval is the newest request about an item (ErrNotFound: none).
func (s *Store) LatestApproval(ctx context.Context, kind string, refID int64) (Approval, error) {
	return scanApproval(s.db.QueryRowContext(ctx, `SELECT `+approvalCols+approvalFrom+`
		WHERE a.kind = ? AND a.ref_id = ? ORDER BY a.id DESC LIMIT 1`, kind, refID))
}

// ApprovalFilter narrows ListApprovals; empty fields match everything.
type ApprovalFilter struct {
	State       string
	Decided     bool // approved or rejected
	RequestedBy string
}

// ListApprovals returns one page of requests, newest first, and the count.
func (s *Store) ListApprovals(ctx context.Context, f ApprovalFilter, offset, limit int) ([]Approval, int, error) {
	var conds []string
	var args []any
	if f.State != "" {
		conds, args = append(conds, "a.state = ?"), append(args, f.State)
	}
	if f.Decided {
		conds, args = append(conds, "a.state <> ?"), append(args, ApprovalPending)
	}
	if f.RequestedBy != "" {
		conds, args = append(conds, "a.requested_by = ?"), append(args, f.RequestedBy)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM approvals a`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count approvals: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+approvalCols+approvalFrom+where+` ORDER BY a.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: approvals: %w", err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// PendingApprovalsFor counts the requests waiting that user may decide
// (everyone's but their own): the navigation's count.
func (s *Store) PendingApprovalsFor(ctx context.Context, username string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM approvals WHERE state = ? AND requested_by <> ?`, ApprovalPending, username).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count pending approvals: %w", err)
	}
	return n, nil
}

// querier reads inside or outside a transaction.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// Fingerprint is the hash of what the item of a request would send now:
// the approval page shows it and posts it back with the decision.
func (s *Store) Fingerprint(ctx context.Context, kind string, refID int64) (string, error) {
	return fingerprint(ctx, s.db, kind, refID)
}

// fingerprint hashes an item's content as stored: for a push, its card,
// target and every call's accounts and data; for a send, its type and the
// exact body posted; for both, the time it is scheduled for, so moving it
// needs approval again.
func fingerprint(ctx context.Context, q querier, kind string, refID int64) (string, error) {
	h := sha256.New()
	enc := json.NewEncoder(h)
	switch kind {
	case ApprovalPush:
		var tpl, typ, target, ent, data string
		var all bool
		var sendAt int64
		err := q.QueryRowContext(ctx, `SELECT template_id, card_type, target, enterprise_id, show_on_all, data_json, send_at
			FROM card_push_jobs WHERE id = ?`, refID).Scan(&tpl, &typ, &target, &ent, &all, &data, &sendAt)
		if errors.Is(err, sql.ErrNoRows) {
			return "", ErrNotFound
		}
		if err != nil {
			return "", fmt.Errorf("store: fingerprint: %w", err)
		}
		_ = enc.Encode([]any{kind, tpl, typ, target, ent, all, data, sendAt})
		rows, err := q.QueryContext(ctx, `SELECT seq, account_ids, payload FROM card_push_calls WHERE job_id = ? ORDER BY seq`, refID)
		if err != nil {
			return "", fmt.Errorf("store: fingerprint: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var seq int
			var ids, payload string
			if err := rows.Scan(&seq, &ids, &payload); err != nil {
				return "", err
			}
			_ = enc.Encode([]any{seq, ids, payload})
		}
		if err := rows.Err(); err != nil {
			return "", err
		}
	case ApprovalFeed:
		var tpl, target, ent, ids, url string
		var all bool
		err := q.QueryRowContext(ctx, `SELECT template_id, target, enterprise_id, show_on_all, account_ids, url FROM card_feeds WHERE id = ?`,
			refID).Scan(&tpl, &target, &ent, &all, &ids, &url)
		if errors.Is(err, sql.ErrNoRows) {
			return "", ErrNotFound
		}
		if err != nil {
			return "", fmt.Errorf("store: fingerprint: %w", err)
		}
		_ = enc.Encode([]any{kind, tpl, target, ent, all, ids, url})
	case ApprovalSend:
		var typ, body string
		var sendAt int64
		err := q.QueryRowContext(ctx, `SELECT msg_type, request, send_at FROM message_sends WHERE id = ?`, refID).Scan(&typ, &body, &sendAt)
		if errors.Is(err, sql.ErrNoRows) {
			return "", ErrNotFound
		}
		if err != nil {
			return "", fmt.Errorf("store: fingerprint: %w", err)
		}
		_ = enc.Encode([]any{kind, typ, body, sendAt})
	default:
		return "", fmt.Errorf("store: fingerprint: kind %q", kind)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// approvalTarget names an item in the audit log, as its own entries do.
func approvalTarget(kind string, refID int64) string {
	switch kind {
	case ApprovalPush:
		return fmt.Sprintf("job %d", refID)
	case ApprovalFeed:
		return feedTarget(refID)
	}
	return fmt.Sprintf("send %d", refID)
}

// gate decides, inside the transaction that is about to enqueue an item's
// work, whether it may: when it needs no approval, or when its latest
// request was approved for exactly the content it has now. Otherwise a new
// request is filed (pending, audited as asked by by.Actor) and run is false.
// It returns the item's approval state to store.
func (s *Store) gate(ctx context.Context, tx Tx, kind string, refID int64, needs bool, by AuditEntry) (state string, run bool, err error) {
	if !needs {
		return "", true, nil
	}
	fp, err := fingerprint(ctx, tx, kind, refID)
	if err != nil {
		return "", false, err
	}
	var latest, approvedFP string
	err = tx.QueryRowContext(ctx, `SELECT state, fingerprint FROM approvals WHERE kind = ? AND ref_id = ? ORDER BY id DESC LIMIT 1`,
		kind, refID).Scan(&latest, &approvedFP)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return "", false, err
	case latest == ApprovalApproved && approvedFP == fp:
		return ApprovalApproved, true, nil
	case latest == ApprovalPending:
		return ApprovalPending, false, nil // asked already
	}
	now := s.now().UnixMilli()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO approvals (kind, ref_id, requested_by, requested_at, state, fingerprint)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, kind, refID, by.Actor, now, ApprovalPending, fp).Scan(&id); err != nil {
		return "", false, fmt.Errorf("store: request approval: %w", err)
	}
	err = s.appendAudit(ctx, tx, AuditEntry{Actor: by.Actor, Action: "approvals.request", Target: approvalTarget(kind, refID),
		Outcome: ApprovalPending, IP: by.IP, Detail: fmt.Sprintf("approval=%d fingerprint=%s", id, fp[:12])})
	return ApprovalPending, false, err
}

// ApproveRequest grants a pending request for the content with fingerprint
// fp (what the approver was shown) and enqueues the item's work in the same
// transaction. ErrSelfApproval: audit.Actor asked for it; ErrChanged: the
// item no longer has fingerprint fp; ErrConflict: decided already.
func (s *Store) ApproveRequest(ctx context.Context, id int64, fp string, audit AuditEntry, q ApprovalQueue) (Approval, error) {
	err := s.inTx(ctx, func(tx Tx) error {
		a, err := s.pendingFor(ctx, tx, id, audit.Actor)
		if err != nil {
			return err
		}
		current, err := fingerprint(ctx, tx, a.Kind, a.RefID)
		if err != nil {
			return err
		}
		if fp != current {
			return ErrChanged
		}
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, fingerprint = ?
			WHERE id = ? AND state = ?`, ApprovalApproved, audit.Actor, now, fp, id, ApprovalPending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		if err := s.release(ctx, tx, a, now, q); err != nil {
			return err
		}
		audit.Action, audit.Target = "approvals.approve", approvalTarget(a.Kind, a.RefID)
		audit.Detail = strings.TrimSpace(fmt.Sprintf("approval=%d requested_by=%s fingerprint=%s %s", id, a.RequestedBy, fp[:12], audit.Detail))
		return s.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return Approval{}, s.denied(ctx, id, "approvals.approve", audit, fmt.Errorf("store: approve: %w", err))
	}
	return s.Approval(ctx, id)
}

// denied audits a refused self-decision; err passes through.
func (s *Store) denied(ctx context.Context, id int64, action string, audit AuditEntry, err error) error {
	if !errors.Is(err, ErrSelfApproval) {
		return err
	}
	e := AuditEntry{Actor: audit.Actor, Action: action, Target: fmt.Sprintf("approval %d", id), Outcome: OutcomeDenied,
		IP: audit.IP, Detail: "own request"}
	if aerr := s.Audit(ctx, e); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

// release marks an approved item and enqueues its work: its calls' or
// send's jobs, or, when it was scheduled and has not started, its start job
// (at its time; at once, and late, when approval came after it).
func (s *Store) release(ctx context.Context, tx Tx, a Approval, now int64, q ApprovalQueue) error {
	switch a.Kind {
	case ApprovalFeed:
		// Its settings are cleared: the schedule runs it from now on.
		res, err := tx.ExecContext(ctx, `UPDATE card_feeds SET approval = ?, updated_at = ? WHERE id = ?`, ApprovalApproved, now, a.RefID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		return nil
	case ApprovalPush:
		var sendAt, firedAt int64
		err := tx.QueryRowContext(ctx, `UPDATE card_push_jobs SET approval = ?, updated_at = ? WHERE id = ? AND status = ?
			RETURNING send_at, fired_at`, ApprovalApproved, now, a.RefID, PushQueued).Scan(&sendAt, &firedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrConflict
		}
		if err != nil {
			return err
		}
		if sendAt != 0 && firedAt == 0 {
			_, err := s.scheduleStart(ctx, tx, q.Start, ItemPush, a.RefID, time.UnixMilli(sendAt))
			return err
		}
		refs, err := pendingCalls(ctx, tx, a.RefID)
		if err != nil || len(refs) == 0 {
			return err
		}
		return q.Calls(ctx, tx.Tx, a.RefID, refs)
	default:
		var attempts int
		var sendAt, firedAt int64
		err := tx.QueryRowContext(ctx, `UPDATE message_sends SET approval = ? WHERE id = ? AND status = ?
			RETURNING attempts, send_at, fired_at`, ApprovalApproved, a.RefID, SendQueued).Scan(&attempts, &sendAt, &firedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrConflict
		}
		if err != nil {
			return err
		}
		if sendAt != 0 && firedAt == 0 {
			_, err := s.scheduleStart(ctx, tx, q.Start, ItemSend, a.RefID, time.UnixMilli(sendAt))
			return err
		}
		return q.Send(ctx, tx.Tx, a.RefID, attempts)
	}
}

// withdrawApproval ends the request still waiting for a decision about an
// item that was cancelled (kind is ApprovalPush or ApprovalSend, the same
// names as ItemPush and ItemSend): nobody is asked to decide it any more.
func withdrawApproval(ctx context.Context, tx Tx, kind string, refID int64, actor string, now int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?
		WHERE kind = ? AND ref_id = ? AND state = ?`, ApprovalWithdrawn, actor, now, kind, refID, ApprovalPending); err != nil {
		return fmt.Errorf("store: withdraw approval: %w", err)
	}
	table := "message_sends"
	if kind == ApprovalPush {
		table = "card_push_jobs"
	}
	_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET approval = '' WHERE id = ? AND approval = ?`, refID, ApprovalPending)
	return err
}

// pendingCalls are a job's calls still to make, as queue rounds (not those
// parked behind a canary).
func pendingCalls(ctx context.Context, tx Tx, jobID int64) ([]CallRef, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, attempts FROM card_push_calls WHERE job_id = ? AND status = ? AND parked = 0 ORDER BY seq`, jobID, CallPending)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var refs []CallRef
	for rows.Next() {
		var r CallRef
		if err := rows.Scan(&r.Seq, &r.Attempts); err != nil {
			return nil, err
		}
		refs = append(refs, r)
	}
	return refs, rows.Err()
}

// RejectRequest turns a pending request down with a reason: the item ends
// (a push job failed with outcome rejected, a send failed) and is never
// sent; it cannot be retried. Errors as ApproveRequest.
func (s *Store) RejectRequest(ctx context.Context, id int64, reason string, audit AuditEntry) (Approval, error) {
	err := s.inTx(ctx, func(tx Tx) error {
		a, err := s.pendingFor(ctx, tx, id, audit.Actor)
		if err != nil {
			return err
		}
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, reason = ?
			WHERE id = ? AND state = ?`, ApprovalRejected, audit.Actor, now, reason, id, ApprovalPending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		switch a.Kind {
		case ApprovalPush:
			_, err = tx.ExecContext(ctx, `UPDATE card_push_jobs SET approval = ?, status = ?, outcome = ?, updated_at = ?, finished_at = ?
				WHERE id = ?`, ApprovalRejected, PushFailed, OutcomeRejected, now, now, a.RefID)
		case ApprovalFeed:
			// The feed stays, and does not run; saving it again asks again.
			_, err = tx.ExecContext(ctx, `UPDATE card_feeds SET approval = ?, updated_at = ? WHERE id = ?`, ApprovalRejected, now, a.RefID)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE message_sends SET approval = ?, status = ?, finished_at = ? WHERE id = ?`,
				ApprovalRejected, SendFailed, now, a.RefID)
		}
		if err != nil {
			return err
		}
		audit.Action, audit.Target = "approvals.reject", approvalTarget(a.Kind, a.RefID)
		audit.Detail = fmt.Sprintf("approval=%d requested_by=%s reason=%s", id, a.RequestedBy, reason)
		return s.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return Approval{}, s.denied(ctx, id, "approvals.reject", audit, fmt.Errorf("store: reject: %w", err))
	}
	return s.Approval(ctx, id)
}

// pendingFor reads a request in the transaction for deciding by username.
func (s *Store) pendingFor(ctx context.Context, tx Tx, id int64, username string) (Approval, error) {
	a, err := scanApproval(tx.QueryRowContext(ctx, `SELECT `+approvalCols+approvalFrom+` WHERE a.id = ?`, id))
	switch {
	case err != nil:
		return a, err
	case a.RequestedBy == username:
		return a, ErrSelfApproval
	case a.State != ApprovalPending:
		return a, ErrConflict
	}
	return a, nil
}
