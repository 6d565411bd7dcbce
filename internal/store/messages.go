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

// Send statuses of a message_sends row.
const (
	SendSending = "sending" // claimed, the upstream call is under way
	SendOK      = "ok"
	SendFailed  = "failed"
)

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
	Status          string // SendSending, SendOK, SendFailed
	UpstreamCode    string
	UpstreamMessage string
	MsgID           string
	Response        string // what the console received, as JSON
	Attempts        int
	StartedAt       time.Time
	FinishedAt      time.Time // zero while sending
}

const sendCols = `id, busi_id, msg_type, title, sender, recipients, request, form, status, upstream_code,
	upstream_message, msg_id, response, attempts, started_at, finished_at`

func scanSend(row interface{ Scan(...any) error }) (MessageSend, error) {
	var m MessageSend
	var started, finished int64
	err := row.Scan(&m.ID, &m.BusiID, &m.MsgType, &m.Title, &m.Sender, &m.Recipients, &m.Request, &m.Form, &m.Status,
		&m.UpstreamCode, &m.UpstreamMessage, &m.MsgID, &m.Response, &m.Attempts, &started, &finished)
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
	return m, nil
}

// BeginSend claims m.BusiID for one upstream call: it records the row with
// status "sending" and the audit entry in one transaction. claimed is false
// when the busiId is already sent or being sent: the caller must not call
// the upstream and shows the returned (first) row instead.
//
// A row that failed, or that is still "sending" but started before
// staleBefore (the console stopped mid-call), is claimed again: its values
// are replaced by m's and attempts goes up. Retrying the same busiId is what
// a user expects of "try again": the platform treats a repeated busiId as the
// same message, so a first attempt that did get through is not delivered twice.
func (s *Store) BeginSend(ctx context.Context, m MessageSend, staleBefore time.Time, audit AuditEntry) (MessageSend, bool, error) {
	st, err := s.prepared(ctx, insertSend, sendByBusiID, retrySend)
	if err != nil {
		return MessageSend{}, false, err
	}
	insert, byBusiID, retrySt := st[0], st[1], st[2]
	now := time.UnixMilli(s.now().UnixMilli()) // as stored
	var out MessageSend
	claimed := false
	err = s.inTx(ctx, func(tx Tx) error {
		var id int64
		err := tx.StmtContext(ctx, insert).QueryRowContext(ctx,
			m.BusiID, m.MsgType, m.Title, m.Sender, m.Recipients, m.Request, m.Form, SendSending, now.UnixMilli()).Scan(&id)
		switch {
		case err == nil:
			// The new row is m as inserted: no need to read it back.
			out = MessageSend{ID: id, BusiID: m.BusiID, MsgType: m.MsgType, Title: m.Title, Sender: m.Sender, Recipients: m.Recipients,
				Request: m.Request, Form: m.Form, Status: SendSending, Attempts: 1, StartedAt: now}
			claimed = true
			return s.appendAudit(ctx, tx, audit)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: begin send: %w", err)
		}
		prev, err := scanSend(tx.StmtContext(ctx, byBusiID).QueryRowContext(ctx, m.BusiID))
		if err != nil {
			return err
		}
		out = prev
		retry := prev.Status == SendFailed || prev.Status == SendSending && prev.StartedAt.Before(staleBefore)
		if !retry {
			return nil
		}
		again, err := scanSend(tx.StmtContext(ctx, retrySt).QueryRowContext(ctx,
			m.MsgType, m.Title, m.Sender, m.Recipients, m.Request, m.Form, SendSending, now.UnixMilli(), prev.ID,
			SendFailed, SendSending, staleBefore.UnixMilli()))
		if errors.Is(err, ErrNotFound) {
			return nil // another request claimed it first: show its row
		}
		if err != nil {
			return fmt.Errorf("store: retry send: %w", err)
		}
		out = again
		claimed = true
		return s.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return MessageSend{}, false, err
	}
	return out, claimed, nil
}

// SendOutcome is what the upstream call of a claimed send gave.
type SendOutcome struct {
	Status          string // SendOK or SendFailed
	UpstreamCode    string
	UpstreamMessage string
	MsgID           string
	Response        string
}

// FinishSend records the outcome of a claimed send and its audit entry.
func (s *Store) FinishSend(ctx context.Context, id int64, o SendOutcome, audit AuditEntry) (MessageSend, error) {
	if o.Status != SendOK && o.Status != SendFailed {
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

// The send path's statements. A send runs two short transactions around
// the platform call, on the user's time, and SQLite's parser is a good share
// of each: they go through the statement cache.
const (
	sendByID     = `SELECT ` + sendCols + ` FROM message_sends WHERE id = ?`
	sendByBusiID = `SELECT ` + sendCols + ` FROM message_sends WHERE busi_id = ?`
	// A taken busiId inserts nothing (no row returned) rather than failing:
	// on PostgreSQL a failed statement would abort the whole transaction.
	insertSend = `INSERT INTO message_sends (busi_id, msg_type, title, sender, recipients, request, form,
		status, attempts, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (busi_id) DO NOTHING RETURNING id`
	// The claim's condition is in the UPDATE itself, so two requests racing
	// for a failed or stale row cannot both win, on either backend.
	retrySend = `UPDATE message_sends SET msg_type = ?, title = ?, sender = ?, recipients = ?,
		request = ?, form = ?, status = ?, upstream_code = '', upstream_message = '', msg_id = '', response = '',
		attempts = attempts + 1, started_at = ?, finished_at = 0
		WHERE id = ? AND (status = ? OR status = ? AND started_at < ?) RETURNING ` + sendCols
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

// ListMessageSends returns one page of the history, newest first, and the
// number of matching rows.
func (s *Store) ListMessageSends(ctx context.Context, f SendFilter, offset, limit int) ([]MessageSend, int, error) {
	where, args := f.where()
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM message_sends`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count sends: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+sendCols+` FROM message_sends`+where+` ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`,
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
