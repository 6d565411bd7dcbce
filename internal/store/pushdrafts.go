package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Limits of card push drafts. A draft holds what one user typed and uploaded
// on the way to a push (card, targets, the parsed upload), so its owner,
// size, lifetime and count are decided here, once.
const (
	PushDraftMaxAge   = 24 * time.Hour // after the last change; then gone and purged
	PushDraftMaxBytes = 32 << 20       // of stored payload (items, lists, rows)
	PushDraftsPerUser = 20             // newest kept per user; older ones are dropped
)

// PushDraft is the card push wizard's state, owned by one user. The handler
// encodes Items and DiffRows; the store keeps them as they are.
type PushDraft struct {
	ID             string
	OwnerID        int64
	TemplateID     string
	TemplateName   string
	CardType       string
	Items          string // the editor's items as typed (JSON)
	Target         string // "", org, accounts, diff
	EnterpriseID   string
	ShowOnAll      bool
	AccountText    string // pasted account ids, as typed
	AccountFile    string // name of the uploaded id list ("" = none)
	AccountFileIDs string // its valid ids, one per line
	DiffFile       string // name of the uploaded different-data CSV ("" = none)
	DiffRows       []byte // its parsed rows
	DiffCount      int
	Revision       int64 // counts the changes: what a confirmation showed is this revision
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (d PushDraft) size() int {
	return len(d.Items) + len(d.AccountText) + len(d.AccountFileIDs) + len(d.DiffRows)
}

const pushDraftCols = `id, owner_id, template_id, template_name, card_type, items, target, enterprise_id, show_on_all,
	account_text, account_file, account_file_ids, diff_file, diff_rows, diff_count, revision, created_at, updated_at`

// CreatePushDraft stores a new draft for d.OwnerID with a fresh random id and
// drops that owner's drafts beyond PushDraftsPerUser. A draft over
// PushDraftMaxBytes is ErrTooLarge.
func (s *Store) CreatePushDraft(ctx context.Context, d PushDraft) (PushDraft, error) {
	if d.size() > PushDraftMaxBytes {
		return PushDraft{}, ErrTooLarge
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	d.ID = hex.EncodeToString(b)
	now := s.now()
	d.CreatedAt, d.UpdatedAt, d.Revision = now, now, 0
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO card_push_drafts (`+pushDraftCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
			d.ID, d.OwnerID, d.TemplateID, d.TemplateName, d.CardType, d.Items, d.Target, d.EnterpriseID, d.ShowOnAll,
			d.AccountText, d.AccountFile, d.AccountFileIDs, d.DiffFile, nonNilBytes(d.DiffRows), d.DiffCount,
			now.UnixMilli(), now.UnixMilli()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM card_push_drafts WHERE owner_id = ? AND id NOT IN (
				SELECT id FROM card_push_drafts WHERE owner_id = ? ORDER BY updated_at DESC, id LIMIT ?)`,
			d.OwnerID, d.OwnerID, PushDraftsPerUser)
		return err
	})
	if err != nil {
		return PushDraft{}, fmt.Errorf("store: create push draft: %w", err)
	}
	return d, nil
}

// PushDraft returns ownerID's draft id, changed within PushDraftMaxAge.
// Another user's draft, an expired or unknown one is ErrNotFound.
func (s *Store) PushDraft(ctx context.Context, id string, ownerID int64) (PushDraft, error) {
	var d PushDraft
	var created, updated int64
	err := s.db.QueryRowContext(ctx, `SELECT `+pushDraftCols+` FROM card_push_drafts WHERE id = ? AND owner_id = ? AND updated_at >= ?`,
		id, ownerID, s.now().Add(-PushDraftMaxAge).UnixMilli()).Scan(&d.ID, &d.OwnerID, &d.TemplateID, &d.TemplateName, &d.CardType,
		&d.Items, &d.Target, &d.EnterpriseID, &d.ShowOnAll, &d.AccountText, &d.AccountFile, &d.AccountFileIDs, &d.DiffFile,
		&d.DiffRows, &d.DiffCount, &d.Revision, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return PushDraft{}, ErrNotFound
	}
	if err != nil {
		return PushDraft{}, fmt.Errorf("store: push draft: %w", err)
	}
	d.CreatedAt, d.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return d, nil
}

// UpdatePushDraft saves every field of d (its ID and OwnerID identify it),
// counts a new revision and restarts its lifetime. Another user's, an expired or unknown draft is
// ErrNotFound and stays as it was; a draft over PushDraftMaxBytes is ErrTooLarge.
func (s *Store) UpdatePushDraft(ctx context.Context, d PushDraft) error {
	if d.size() > PushDraftMaxBytes {
		return ErrTooLarge
	}
	now := s.now()
	res, err := s.db.ExecContext(ctx, `UPDATE card_push_drafts SET template_id = ?, template_name = ?, card_type = ?, items = ?,
			target = ?, enterprise_id = ?, show_on_all = ?, account_text = ?, account_file = ?, account_file_ids = ?,
			diff_file = ?, diff_rows = ?, diff_count = ?, revision = revision + 1, updated_at = ?
		WHERE id = ? AND owner_id = ? AND updated_at >= ?`,
		d.TemplateID, d.TemplateName, d.CardType, d.Items, d.Target, d.EnterpriseID, d.ShowOnAll, d.AccountText,
		d.AccountFile, d.AccountFileIDs, d.DiffFile, nonNilBytes(d.DiffRows), d.DiffCount, now.UnixMilli(),
		d.ID, d.OwnerID, now.Add(-PushDraftMaxAge).UnixMilli())
	if err != nil {
		return fmt.Errorf("store: update push draft: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: update push draft: %w", err)
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// PurgePushDrafts drops drafts last changed before a time.
func (s *Store) PurgePushDrafts(ctx context.Context, before time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM card_push_drafts WHERE updated_at < ?`, before.UnixMilli())
	return err
}

// LatestPushJob is the newest job of a template to a target that carries one
// card for all (org and accounts targets), for "start from the last push".
func (s *Store) LatestPushJob(ctx context.Context, templateID, target string) (PushJob, error) {
	return scanPushJob(s.db.QueryRowContext(ctx, `SELECT `+pushJobCols+` FROM card_push_jobs
		WHERE template_id = ? AND target = ? AND data_json <> '' ORDER BY id DESC LIMIT 1`, templateID, target))
}

// nonNilBytes stores an empty value, not NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
