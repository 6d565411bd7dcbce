package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID           int64
	At           time.Time
	Actor        string // username, or "-" for anonymous
	Action       string // e.g. "login", "user.create", "cards.push"
	Target       string // what the action was on
	Detail       string // short human-readable detail, never a secret
	Outcome      string // "ok", "failed", "denied" …
	UpstreamCode string // the platform's code for upstream writes
	IP           string
}

// Audit outcomes.
const (
	OutcomeOK      = "ok"
	OutcomeFailed  = "failed"
	OutcomeUnknown = "unknown" // the platform may or may not have applied it
)

const auditInsert = `INSERT INTO audit_log (at, actor, action, target, detail, outcome, upstream_code, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func (s *Store) appendAudit(ctx context.Context, tx Tx, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeOK
	}
	if e.Actor == "" {
		e.Actor = "-"
	}
	// Prepared once at Open: preparing here, inside the transaction, would
	// wait for a second pool connection while holding SQLite's write lock.
	_, err := tx.StmtContext(ctx, s.auditInsert).ExecContext(ctx,
		e.At.UnixMilli(), e.Actor, e.Action, e.Target, e.Detail, e.Outcome, e.UpstreamCode, e.IP)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// Audit appends an entry on its own (for events that change nothing else,
// such as a failed sign-in or an upstream write whose result is the record).
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return s.inTx(ctx, func(tx Tx) error { return s.appendAudit(ctx, tx, e) })
}

// AuditFilter narrows the audit page.
type AuditFilter struct {
	Actor  string
	Action string // prefix match: "user" finds user.create, user.disable …
	From   time.Time
	To     time.Time // exclusive
}

func (f AuditFilter) where() (string, []any) {
	var conds []string
	var args []any
	if f.Actor != "" {
		conds = append(conds, "actor = ?")
		args = append(args, f.Actor)
	}
	if f.Action != "" {
		conds = append(conds, "action LIKE ? ESCAPE '\\'")
		args = append(args, escapeLike(f.Action)+"%")
	}
	if !f.From.IsZero() {
		conds = append(conds, "at >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		conds = append(conds, "at < ?")
		args = append(args, f.To.UnixMilli())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListAudit returns one page of entries, newest first, and the total count.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter, offset, limit int) ([]AuditEntry, int, error) {
	where, args := f.where()
	var total int
	if err := s.queryRow(ctx, "SELECT COUNT(*) FROM audit_log"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count audit: %w", err)
	}
	var out []AuditEntry
	err := s.eachAudit(ctx, where+" ORDER BY id DESC LIMIT ? OFFSET ?", append(args, limit, offset), func(e AuditEntry) error {
		out = append(out, e)
		return nil
	})
	return out, total, err
}

// EachAudit streams every matching entry, newest first (CSV export).
func (s *Store) EachAudit(ctx context.Context, f AuditFilter, fn func(AuditEntry) error) error {
	where, args := f.where()
	return s.eachAudit(ctx, where+" ORDER BY id DESC", args, fn)
}

func (s *Store) eachAudit(ctx context.Context, tail string, args []any, fn func(AuditEntry) error) error {
	rows, err := s.query(ctx, `SELECT id, at, actor, action, target, detail, outcome, upstream_code, ip FROM audit_log`+tail, args...)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.Outcome, &e.UpstreamCode, &e.IP); err != nil {
			return err
		}
		e.At = time.UnixMilli(at)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditActions lists the distinct actions recorded (for the filter's choices).
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	rows, err := s.query(ctx, `SELECT DISTINCT action FROM audit_log ORDER BY action`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
