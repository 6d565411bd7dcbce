package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Draft is a saved, unsent message of one user.
type Draft struct {
	ID        int64
	OwnerID   int64
	MsgType   string // text, link or oa
	Title     string // for the list
	Form      string // the composer's values, url-encoded
	CreatedAt time.Time
	UpdatedAt time.Time
}

const draftCols = `id, owner_id, msg_type, title, form, created_at, updated_at`

func scanDraft(row interface{ Scan(...any) error }) (Draft, error) {
	var d Draft
	var created, updated int64
	err := row.Scan(&d.ID, &d.OwnerID, &d.MsgType, &d.Title, &d.Form, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, ErrNotFound
	}
	if err != nil {
		return Draft{}, fmt.Errorf("store: draft: %w", err)
	}
	d.CreatedAt, d.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return d, nil
}

// SaveDraft inserts d (ID 0) or updates the owner's draft d.ID; updating a
// draft that is not the owner's is ErrNotFound.
func (s *Store) SaveDraft(ctx context.Context, d Draft) (Draft, error) {
	now := s.now()
	d.UpdatedAt = now
	if d.ID == 0 {
		if err := s.db.QueryRowContext(ctx, `INSERT INTO drafts (owner_id, msg_type, title, form, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, d.OwnerID, d.MsgType, d.Title, d.Form, now.UnixMilli(), now.UnixMilli()).Scan(&d.ID); err != nil {
			return Draft{}, fmt.Errorf("store: save draft: %w", err)
		}
		d.CreatedAt = now
		return d, nil
	}
	res, err := s.db.ExecContext(ctx, `UPDATE drafts SET msg_type = ?, title = ?, form = ?, updated_at = ?
		WHERE id = ? AND owner_id = ?`, d.MsgType, d.Title, d.Form, now.UnixMilli(), d.ID, d.OwnerID)
	if err != nil {
		return Draft{}, fmt.Errorf("store: save draft: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Draft{}, ErrNotFound
	}
	return s.DraftByID(ctx, d.OwnerID, d.ID)
}

// DraftByID returns the owner's draft.
func (s *Store) DraftByID(ctx context.Context, ownerID, id int64) (Draft, error) {
	return scanDraft(s.db.QueryRowContext(ctx, `SELECT `+draftCols+` FROM drafts WHERE id = ? AND owner_id = ?`, id, ownerID))
}

// ListDrafts returns the owner's drafts, most recently saved first.
func (s *Store) ListDrafts(ctx context.Context, ownerID int64) ([]Draft, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+draftCols+` FROM drafts WHERE owner_id = ? ORDER BY updated_at DESC, id DESC`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("store: drafts: %w", err)
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteDraft removes the owner's draft (ErrNotFound when there is none).
func (s *Store) DeleteDraft(ctx context.Context, ownerID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM drafts WHERE id = ? AND owner_id = ?`, id, ownerID)
	if err != nil {
		return fmt.Errorf("store: delete draft: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Send statuses of a message_sends row. A send is queued with its job,
// sending while a worker calls the platform, and then ok, failed (the
// platform refused it, or it never reached the platform) or unknown (the
// request went out but no usable answer came back: it may have been
// delivered).
const (
	SendQueued  = "queued"
	SendSending = "sending"
	SendOK      = "ok"
	SendFailed  = "failed"
	SendUnknown = "unknown"
)

// Enqueue adds the job that does the work to the transaction that records it
// (internal/jobs): the row and its job commit together or not at all. round
// tells the queuings of one row apart (a "try again" is a new round, even
// while the job of the previous one is still being wound up).
type Enqueue func(ctx context.Context, tx *sql.Tx, id int64, round int) error

// MessageSend is one row of the send history: one busiId.
type MessageSend struct {
	ID              int64
	BusiID          string
	MsgType         string
	Title           string
	Sender          string // username
	Recipients      int    // ids addressed (accounts + org nodes)
	Request         string // the exact JSON body posted
	Form            string // the composer's values, url-encoded
	Status          string // SendQueued … SendUnknown
	UpstreamCode    string
	UpstreamMessage string
	MsgID           string
	Response        string // what the console received, as JSON
	Attempts        int
	StartedAt       time.Time
	FinishedAt      time.Time // zero while queued or sending
	Schedule                  // a scheduled send: when it was set to start, and when it did
	// Approval is the state of the send's latest approval request ("" =
	// none needed). Queue (or requeue) it with ApprovalPending to have it
	// wait for an admin: nothing is enqueued until approved.
	Approval string
}

// State is what the pages show: the status, that the send waits for an
// approval or was rejected, or that it waits for its time.
func (m MessageSend) State() string {
	switch m.Approval {
	case ApprovalPending:
		return StateAwaitingApproval
	case ApprovalRejected:
		return OutcomeRejected
	}
	if m.Status == SendQueued && m.waiting() {
		return StateScheduled
	}
	return m.Status
}

const sendCols = `id, busi_id, msg_type, title, sender, recipients, request, form, status, upstream_code,
	upstream_message, msg_id, response, attempts, started_at, finished_at, send_at, fired_at, start_job, approval`

func scanSend(row interface{ Scan(...any) error }) (MessageSend, error) {
	var m MessageSend
	var started, finished, sendAt, firedAt int64
	err := row.Scan(&m.ID, &m.BusiID, &m.MsgType, &m.Title, &m.Sender, &m.Recipients, &m.Request, &m.Form, &m.Status,
		&m.UpstreamCode, &m.UpstreamMessage, &m.MsgID, &m.Response, &m.Attempts, &started, &finished, &sendAt, &firedAt, &m.StartJob, &m.Approval)
	if errors.Is(err, sql.ErrNoRows) {
		return MessageSend{}, ErrNotFound
	}
	if err != nil {
		return MessageSend{}, fmt.Errorf("store: message send: %w", err)
	}
	m.StartedAt = time.UnixMilli(started)
	if finished != 0 {
		m.FinishedAt = time.UnixMilli(finished)
	}
	m.SendAt, m.FiredAt = msTime(sendAt), msTime(firedAt)
	return m, nil
}

// QueueSend records a send of m.BusiID as queued, with its audit entry and
// its job, in one transaction. created is false when the busiId is already
// in the history: nothing is queued and the first row is returned, so a
// double submit or a second tab never sends twice. With m.Approval
// ApprovalPending the send gets an approval request instead of its job.
func (s *Store) QueueSend(ctx context.Context, m MessageSend, audit AuditEntry, enqueue Enqueue) (MessageSend, bool, error) {
	m.SendAt = time.Time{}
	return s.recordSend(ctx, m, audit, func(tx Tx, id int64) error { return enqueue(ctx, tx.Tx, id, 0) })
}

// recordSend inserts a queued send with its audit entry, and then (in the
// same transaction) whatever starts it: its job, or its start job when it is
// scheduled (ScheduleSend).
func (s *Store) recordSend(ctx context.Context, m MessageSend, audit AuditEntry, then func(tx Tx, id int64) error) (MessageSend, bool, error) {
	st, err := s.prepared(ctx, insertSend)
	if err != nil {
		return MessageSend{}, false, err
	}
	now := time.UnixMilli(s.now().UnixMilli()) // as stored
	out := MessageSend{BusiID: m.BusiID, MsgType: m.MsgType, Title: m.Title, Sender: m.Sender, Recipients: m.Recipients,
		Request: m.Request, Form: m.Form, Status: SendQueued, StartedAt: now, Schedule: Schedule{SendAt: m.SendAt}}
	created := false
	err = s.inTx(ctx, func(tx Tx) error {
		err := tx.StmtContext(ctx, st[0]).QueryRowContext(ctx,
			m.BusiID, m.MsgType, m.Title, m.Sender, m.Recipients, m.Request, m.Form, SendQueued, now.UnixMilli(), timeMs(m.SendAt)).Scan(&out.ID)
		if errors.Is(err, sql.ErrNoRows) {
			out, err = scanSend(tx.QueryRowContext(ctx, sendByBusiID, m.BusiID))
			return err
		}
		if err != nil {
			return fmt.Errorf("store: queue send: %w", err)
		}
		created = true
		if err := s.appendAudit(ctx, tx, audit); err != nil {
			return err
		}
		return s.queueGated(ctx, tx, &out, m.Approval != "", audit, func(tx Tx) error { return then(tx, out.ID) })
	})
	if err != nil {
		return MessageSend{}, false, err
	}
	return out, created, nil
}

// RequeueSend queues a failed or unknown send again with m's content (the
// same busiId, possibly edited in the composer; a new job). ErrConflict: the
// send is not failed or unknown (any more), or was rejected. A send that
// needs approval (m.Approval ApprovalPending) is enqueued only when that
// content was approved; otherwise it asks again and waits.
func (s *Store) RequeueSend(ctx context.Context, id int64, m MessageSend, audit AuditEntry, enqueue Enqueue) (MessageSend, error) {
	var out MessageSend
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		out, err = scanSend(tx.QueryRowContext(ctx, `UPDATE message_sends SET status = ?, msg_type = ?, title = ?, sender = ?,
			recipients = ?, request = ?, form = ?, upstream_code = '', upstream_message = '', msg_id = '', response = '',
			started_at = ?, finished_at = 0 WHERE id = ? AND status IN (?, ?) AND approval <> ? RETURNING `+sendCols,
			SendQueued, m.MsgType, m.Title, m.Sender, m.Recipients, m.Request, m.Form, s.now().UnixMilli(), id, SendFailed, SendUnknown, ApprovalRejected))
		if errors.Is(err, ErrNotFound) {
			if _, err := scanSend(tx.QueryRowContext(ctx, sendByID, id)); err != nil {
				return err
			}
			return ErrConflict
		}
		if err != nil {
			return fmt.Errorf("store: requeue send: %w", err)
		}
		if err := s.appendAudit(ctx, tx, audit); err != nil {
			return err
		}
		return s.queueGated(ctx, tx, &out, m.Approval != "", audit, func(tx Tx) error { return enqueue(ctx, tx.Tx, out.ID, out.Attempts) })
	})
	return out, err
}

// queueGated enqueues a queued send's job, or files its approval request
// when it needs one not granted for this content (gate).
func (s *Store) queueGated(ctx context.Context, tx Tx, m *MessageSend, needs bool, audit AuditEntry, then func(tx Tx) error) error {
	state, run, err := s.gate(ctx, tx, ApprovalSend, m.ID, needs, audit)
	if err != nil {
		return err
	}
	if state != m.Approval {
		if _, err := tx.ExecContext(ctx, `UPDATE message_sends SET approval = ? WHERE id = ?`, state, m.ID); err != nil {
			return err
		}
		m.Approval = state
	}
	if !run {
		return nil
	}
	return then(tx)
}

// ClaimSend marks a queued send as sending for one attempt of its job and
// returns it. A send left "sending" by a worker that died is claimed again
// (its job was rescued). claimed is false when the send is already finished.
func (s *Store) ClaimSend(ctx context.Context, id int64) (MessageSend, bool, error) {
	st, err := s.prepared(ctx, claimSend)
	if err != nil {
		return MessageSend{}, false, err
	}
	m, err := scanSend(st[0].QueryRowContext(ctx, SendSending, s.now().UnixMilli(), id, SendQueued, SendSending, ApprovalPending))
	if errors.Is(err, ErrNotFound) {
		m, err = s.MessageSendByID(ctx, id)
		return m, false, err
	}
	return m, err == nil, err
}

// ReleaseSend puts a send whose attempt never reached the platform back in
// the queue state, for its job's next attempt.
func (s *Store) ReleaseSend(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE message_sends SET status = ? WHERE id = ? AND status = ?`, SendQueued, id, SendSending)
	if err != nil {
		return fmt.Errorf("store: release send: %w", err)
	}
	return nil
}

// SendOutcome is what the upstream call of a claimed send gave.
type SendOutcome struct {
	Status          string // SendOK, SendFailed or SendUnknown
	UpstreamCode    string
	UpstreamMessage string
	MsgID           string
	Response        string
}

// FinishSend records the outcome of a claimed send and its audit entry.
func (s *Store) FinishSend(ctx context.Context, id int64, o SendOutcome, audit AuditEntry) (MessageSend, error) {
	if o.Status != SendOK && o.Status != SendFailed && o.Status != SendUnknown {
		return MessageSend{}, fmt.Errorf("store: finish send: status %q", o.Status)
	}
	st, err := s.prepared(ctx, finishSend)
	if err != nil {
		return MessageSend{}, err
	}
	var out MessageSend
	err = s.inTx(ctx, func(tx Tx) error {
		// No row: not a claimed send (unknown id, or already finished).
		out, err = scanSend(tx.StmtContext(ctx, st[0]).QueryRowContext(ctx,
			o.Status, o.UpstreamCode, o.UpstreamMessage, o.MsgID, o.Response, s.now().UnixMilli(), id, SendSending))
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit)
	})
	return out, err
}

// The send path's statements, through the statement cache: SQLite's parser
// is a good share of each short transaction.
const (
	sendByID     = `SELECT ` + sendCols + ` FROM message_sends WHERE id = ?`
	sendByBusiID = `SELECT ` + sendCols + ` FROM message_sends WHERE busi_id = ?`
	// A taken busiId inserts nothing (no row returned) rather than failing:
	// on PostgreSQL a failed statement would abort the whole transaction.
	insertSend = `INSERT INTO message_sends (busi_id, msg_type, title, sender, recipients, request, form,
		status, attempts, started_at, send_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (busi_id) DO NOTHING RETURNING id`
	// A send waiting for approval is never claimed, whatever job asks.
	claimSend = `UPDATE message_sends SET status = ?, attempts = attempts + 1, started_at = ?
		WHERE id = ? AND status IN (?, ?) AND approval <> ? RETURNING ` + sendCols
	finishSend = `UPDATE message_sends SET status = ?, upstream_code = ?, upstream_message = ?,
		msg_id = ?, response = ?, finished_at = ? WHERE id = ? AND status = ? RETURNING ` + sendCols
)

// prepared fetches cached statements before a transaction opens: preparing
// one inside it would wait for a second connection (a single-connection
// database has none). tx.StmtContext then reuses each on the tx's connection.
func (s *Store) prepared(ctx context.Context, qs ...string) ([]*sql.Stmt, error) {
	out := make([]*sql.Stmt, len(qs))
	for i, q := range qs {
		st, err := s.stmt(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("store: prepare: %w", err)
		}
		out[i] = st
	}
	return out, nil
}

// MessageSendByID returns one row of the send history.
func (s *Store) MessageSendByID(ctx context.Context, id int64) (MessageSend, error) {
	return scanSend(s.queryRow(ctx, sendByID, id))
}

// MessageSendByBusiID returns the send of a busiId.
func (s *Store) MessageSendByBusiID(ctx context.Context, busiID string) (MessageSend, error) {
	return scanSend(s.queryRow(ctx, sendByBusiID, busiID))
}

// SendFilter narrows the send history.
type SendFilter struct {
	MsgType string
	Sender  string
	From    time.Time // inclusive
	To      time.Time // exclusive
}

func (f SendFilter) where() (string, []any) {
	var conds []string
	var args []any
	if f.MsgType != "" {
		conds = append(conds, "msg_type = ?")
		args = append(args, f.MsgType)
	}
	if f.Sender != "" {
		conds = append(conds, "sender = ?")
		args = append(args, f.Sender)
	}
	if !f.From.IsZero() {
		conds = append(conds, "started_at >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		conds = append(conds, "started_at < ?")
		args = append(args, f.To.UnixMilli())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListMessageSends returns one page of the history, newest first (in the
// order they were submitted: a send's start time moves when a worker claims
// it or it is retried), and the
// number of matching rows.
func (s *Store) ListMessageSends(ctx context.Context, f SendFilter, offset, limit int) ([]MessageSend, int, error) {
	where, args := f.where()
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM message_sends`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count sends: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+sendCols+` FROM message_sends`+where+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: sends: %w", err)
	}
	defer rows.Close()
	var out []MessageSend
	for rows.Next() {
		m, err := scanSend(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, total, rows.Err()
}

// MessageSenders lists everyone who has sent a message (the history filter's choices).
func (s *Store) MessageSenders(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT sender FROM message_sends ORDER BY sender`)
	if err != nil {
		return nil, fmt.Errorf("store: senders: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
