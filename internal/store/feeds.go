package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CardFeed is a card data feed: a URL answering a card's items as JSON,
// fetched on a schedule and pushed to the feed's target when they changed
// (internal/feeds; runs are the feed_run jobs of internal/jobs).
type CardFeed struct {
	ID           int64
	Name         string
	TemplateID   string
	TemplateName string
	CardType     string // KEYDATA or LIST (the template's)
	Target       string // forms.TargetOrg or TargetAccounts
	EnterpriseID string
	ShowOnAll    bool
	AccountIDs   []string // accounts target: valid, distinct
	URL          string
	EveryMinutes int    // every N minutes, or 0 and DailyAt
	DailyAt      string // "HH:MM" in the console's zone
	Enabled      bool   // the admin's on/off
	PausedAt     time.Time
	Failures     int       // failed or invalid runs in a row
	NextRunAt    time.Time // zero: not scheduled
	// LastPushJobID is the push of the data last sent since the feed was
	// last saved: a run whose data equals it pushes nothing.
	LastPushJobID int64
	// Approval is the state of the feed's settings under four eyes ("" =
	// none needed): a feed that needs another admin's approval (save it
	// with ApprovalPending) does not run until its settings are approved.
	Approval  string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Paused reports whether the feed stopped after failing runs.
func (f CardFeed) Paused() bool { return !f.PausedAt.IsZero() }

// Scheduled reports whether the schedule runs the feed.
func (f CardFeed) Scheduled() bool { return f.Enabled && !f.Paused() && f.Cleared() }

// Cleared reports whether the feed may run as far as four eyes go: it needs
// no approval, or its settings were approved.
func (f CardFeed) Cleared() bool { return f.Approval == "" || f.Approval == ApprovalApproved }

// ErrAwaitingApproval: the feed's settings wait for (or were refused)
// another admin's approval, so it does not run.
var ErrAwaitingApproval = errors.New("store: the feed's settings are not approved")

// feedCleared is the condition of a feed that may run (Cleared).
const feedCleared = `approval IN ('', '` + ApprovalApproved + `')`

// FeedPauseAfter is how many failed or invalid runs in a row pause a feed.
const FeedPauseAfter = 3

// FeedRunsKept is how many runs a feed keeps; older ones are deleted as new
// ones finish (a feed every 5 minutes makes 288 a day).
const FeedRunsKept = 200

// What started a run.
const (
	FeedCauseSchedule = "schedule"
	FeedCauseManual   = "manual"
)

// Feed run statuses: queued and running, then what the run came to.
const (
	FeedRunQueued    = "queued"
	FeedRunRunning   = "running"
	FeedRunUnchanged = "unchanged" // the data equals the last push: nothing sent
	FeedRunPushed    = "pushed"    // a push job was created (PushJobID)
	FeedRunInvalid   = "invalid"   // the answer broke the card's limits (Errors)
	FeedRunFailed    = "failed"    // nothing usable was fetched (Reason)
)

// feedRunStale is how long a queued or running run holds off others: a
// run's job that could never finish (its worker kept failing on the
// database) must not stop the feed for good.
const feedRunStale = 15 * time.Minute

// FeedRun is one run of a feed.
type FeedRun struct {
	ID         int64
	FeedID     int64
	Cause      string // FeedCauseSchedule or FeedCauseManual
	Actor      string // who pressed "run now"
	Status     string
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	HTTPStatus int
	Bytes      int64 // of the answer read
	Fetch      time.Duration
	Hash       string // sha256 of the canonical card fetched
	PushJobID  int64
	Reason     string // failed: the kind of failure (feeds.FailKind)
	ReasonArg  string // its detail: a host, a status, a content type
	ErrorsJSON string // invalid: the field errors (internal/feeds encodes them)
	ErrorCount int
}

// Finished reports whether the run came to an outcome.
func (r FeedRun) Finished() bool { return r.Status != FeedRunQueued && r.Status != FeedRunRunning }

// EnqueueFeedRun adds a run's job to the transaction that records the run
// (internal/jobs).
type EnqueueFeedRun func(ctx context.Context, tx *sql.Tx, runID int64) error

const feedCols = `id, name, template_id, template_name, card_type, target, enterprise_id, show_on_all, account_ids, url,
	every_minutes, daily_at, enabled, paused_at, failures, next_run_at, last_push_job_id, approval, created_by, created_at, updated_at`

func scanFeed(row interface{ Scan(...any) error }) (CardFeed, error) {
	var f CardFeed
	var ids string
	var paused, next, created, updated int64
	err := row.Scan(&f.ID, &f.Name, &f.TemplateID, &f.TemplateName, &f.CardType, &f.Target, &f.EnterpriseID, &f.ShowOnAll, &ids, &f.URL,
		&f.EveryMinutes, &f.DailyAt, &f.Enabled, &paused, &f.Failures, &next, &f.LastPushJobID, &f.Approval, &f.CreatedBy, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return CardFeed{}, ErrNotFound
	}
	if err != nil {
		return CardFeed{}, fmt.Errorf("store: card feed: %w", err)
	}
	if ids != "" {
		f.AccountIDs = strings.Split(ids, "\n")
	}
	f.PausedAt, f.NextRunAt = msTime(paused), msTime(next)
	f.CreatedAt, f.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return f, nil
}

// CreateFeed stores a new feed and its audit entry (Target set to the feed).
// A feed with Approval ApprovalPending gets a request for another admin's
// approval of its settings, and runs only once they are approved.
func (s *Store) CreateFeed(ctx context.Context, f CardFeed, audit AuditEntry) (CardFeed, error) {
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		f, err = s.insertFeed(ctx, tx, f, nil)
		if err != nil {
			return err
		}
		audit.Target = feedTarget(f.ID)
		if err := s.appendAudit(ctx, tx, audit); err != nil {
			return err
		}
		f.Approval, err = s.gateFeed(ctx, tx, f.ID, f.Approval != "", audit)
		return err
	})
	if err != nil {
		return CardFeed{}, fmt.Errorf("store: create feed: %w", err)
	}
	return f, nil
}

func feedTarget(id int64) string { return fmt.Sprintf("feed %d", id) }

// insertFeed inserts f (demoKey names the sandbox's demo feed, else nil).
func (s *Store) insertFeed(ctx context.Context, tx Tx, f CardFeed, demoKey *string) (CardFeed, error) {
	now := s.now()
	f.CreatedAt, f.UpdatedAt = now, now
	err := tx.QueryRowContext(ctx, `INSERT INTO card_feeds (name, template_id, template_name, card_type, target, enterprise_id,
		show_on_all, account_ids, url, every_minutes, daily_at, enabled, next_run_at, demo_key, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.Name, f.TemplateID, f.TemplateName, f.CardType, f.Target, f.EnterpriseID, f.ShowOnAll, strings.Join(f.AccountIDs, "\n"),
		f.URL, f.EveryMinutes, f.DailyAt, f.Enabled, timeMs(f.NextRunAt), demoKey, f.CreatedBy, now.UnixMilli(), now.UnixMilli()).Scan(&f.ID)
	return f, err
}

// UpdateFeed saves an edited feed: its settings and next run. Saving is
// the admin's answer to whatever went wrong, so it also clears a pause and
// the failure count, and forgets the last push (the next run pushes, to
// the target as it now is).
func (s *Store) UpdateFeed(ctx context.Context, f CardFeed, audit AuditEntry) error {
	err := s.inTx(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE card_feeds SET name = ?, template_id = ?, template_name = ?, card_type = ?, target = ?,
			enterprise_id = ?, show_on_all = ?, account_ids = ?, url = ?, every_minutes = ?, daily_at = ?, enabled = ?, next_run_at = ?,
			paused_at = 0, failures = 0, last_push_job_id = 0, updated_at = ? WHERE id = ?`,
			f.Name, f.TemplateID, f.TemplateName, f.CardType, f.Target, f.EnterpriseID, f.ShowOnAll, strings.Join(f.AccountIDs, "\n"),
			f.URL, f.EveryMinutes, f.DailyAt, f.Enabled, timeMs(f.NextRunAt), s.now().UnixMilli(), f.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		audit.Target = feedTarget(f.ID)
		if err := s.appendAudit(ctx, tx, audit); err != nil {
			return err
		}
		_, err = s.gateFeed(ctx, tx, f.ID, f.Approval != "", audit)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: update feed: %w", err)
	}
	return nil
}

// gateFeed records whether a feed's settings as now stored may run: none
// needed, approved as they are, or a request filed (pending).
func (s *Store) gateFeed(ctx context.Context, tx Tx, id int64, needs bool, audit AuditEntry) (string, error) {
	state, _, err := s.gate(ctx, tx, ApprovalFeed, id, needs, audit)
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `UPDATE card_feeds SET approval = ? WHERE id = ?`, state, id)
	return state, err
}

// EnsureDemoFeed configures the sandbox's demo feed once: the first call
// stores f under key, later ones only point it at url (the sandbox listens
// on a new port at each start) — whatever else an admin changed stays.
func (s *Store) EnsureDemoFeed(ctx context.Context, key string, f CardFeed, audit AuditEntry) (CardFeed, bool, error) {
	created := false
	err := s.inTx(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE card_feeds SET url = ? WHERE demo_key = ?`, f.URL, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		// Two replicas starting at once: ON CONFLICT keeps one row, and the
		// one that lost inserts nothing.
		var id int64
		now := s.now()
		err = tx.QueryRowContext(ctx, `INSERT INTO card_feeds (name, template_id, template_name, card_type, target, enterprise_id,
			show_on_all, account_ids, url, every_minutes, daily_at, enabled, next_run_at, demo_key, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (demo_key) DO NOTHING RETURNING id`,
			f.Name, f.TemplateID, f.TemplateName, f.CardType, f.Target, f.EnterpriseID, f.ShowOnAll, strings.Join(f.AccountIDs, "\n"),
			f.URL, f.EveryMinutes, f.DailyAt, f.Enabled, timeMs(f.NextRunAt), key, f.CreatedBy, now.UnixMilli(), now.UnixMilli()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		created = true
		audit.Target = feedTarget(id)
		return s.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return CardFeed{}, false, fmt.Errorf("store: demo feed: %w", err)
	}
	feed, err := scanFeed(s.db.QueryRowContext(ctx, `SELECT `+feedCols+` FROM card_feeds WHERE demo_key = ?`, key))
	return feed, created, err
}

// Feed finds a feed by id.
func (s *Store) Feed(ctx context.Context, id int64) (CardFeed, error) {
	return scanFeed(s.db.QueryRowContext(ctx, `SELECT `+feedCols+` FROM card_feeds WHERE id = ?`, id))
}

// FeedSummary is a feed with its latest run (zero when it never ran).
type FeedSummary struct {
	Feed CardFeed
	Last FeedRun
}

// ListFeeds returns every feed, newest first, with its latest run.
func (s *Store) ListFeeds(ctx context.Context) ([]FeedSummary, error) {
	return s.feedSummaries(ctx, `TRUE`)
}

// PausedFeeds returns the feeds paused after failing runs, with their latest
// run (the dashboard flags them).
func (s *Store) PausedFeeds(ctx context.Context) ([]FeedSummary, error) {
	return s.feedSummaries(ctx, `f.paused_at <> 0`)
}

func (s *Store) feedSummaries(ctx context.Context, where string) ([]FeedSummary, error) {
	cols := "f." + strings.ReplaceAll(feedCols, ", ", ", f.")
	rows, err := s.db.QueryContext(ctx, `SELECT `+cols+`, COALESCE(r.id, 0) FROM card_feeds f
		LEFT JOIN card_feed_runs r ON r.id = (SELECT MAX(id) FROM card_feed_runs WHERE feed_id = f.id)
		WHERE `+where+` ORDER BY f.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: feeds: %w", err)
	}
	var out []FeedSummary
	var last []int64
	for rows.Next() {
		var runID int64
		var sum FeedSummary
		sum.Feed, err = scanFeed(scanWith(rows, &runID))
		if err != nil {
			rows.Close()
			return nil, err
		}
		out, last = append(out, sum), append(last, runID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, id := range last {
		if id == 0 {
			continue
		}
		if out[i].Last, err = s.FeedRun(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanWithExtra scans a row whose leading columns a scan function reads and
// whose trailing ones go into extra.
type scanWithExtra struct {
	rows  *sql.Rows
	extra []any
}

func scanWith(rows *sql.Rows, extra ...any) scanWithExtra { return scanWithExtra{rows, extra} }

func (s scanWithExtra) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra...)...) }

// ResumeFeed clears a feed's pause and failure count (the admin fixed the
// source), with its audit entry; next is its next scheduled run.
func (s *Store) ResumeFeed(ctx context.Context, id int64, next time.Time, audit AuditEntry) error {
	err := s.inTx(ctx, func(tx Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE card_feeds SET paused_at = 0, failures = 0, next_run_at = ?, updated_at = ? WHERE id = ?`,
			timeMs(next), s.now().UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		audit.Target = feedTarget(id)
		return s.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return fmt.Errorf("store: resume feed: %w", err)
	}
	return nil
}

// QueueFeedRun records a run of the feed and enqueues its job, in one
// transaction ("run now"; audit names who). ErrConflict: a run of the
// feed is queued or running already; ErrNotFound: no such feed.
func (s *Store) QueueFeedRun(ctx context.Context, feedID int64, actor string, audit AuditEntry, enqueue EnqueueFeedRun) (FeedRun, error) {
	var run FeedRun
	err := s.inTx(ctx, func(tx Tx) error {
		// Locks the feed row (PostgreSQL), so two clicks cannot both find no
		// active run; SQLite's write transaction is exclusive already.
		res, err := tx.ExecContext(ctx, `UPDATE card_feeds SET updated_at = updated_at WHERE id = ?`, feedID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		var cleared bool
		if err := tx.QueryRowContext(ctx, `SELECT `+feedCleared+` FROM card_feeds WHERE id = ?`, feedID).Scan(&cleared); err != nil {
			return err
		}
		if !cleared {
			return ErrAwaitingApproval
		}
		active, err := s.activeRun(ctx, tx, feedID)
		if err != nil {
			return err
		}
		if active {
			return ErrConflict
		}
		if run, err = s.insertRun(ctx, tx, feedID, FeedCauseManual, actor, enqueue); err != nil {
			return err
		}
		audit.Target = feedTarget(feedID)
		audit.Detail = strings.TrimSpace(audit.Detail + fmt.Sprintf(" run=%d", run.ID))
		return s.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return FeedRun{}, fmt.Errorf("store: queue feed run: %w", err)
	}
	return run, nil
}

// activeRun reports whether a run of the feed is queued or running (and not stale).
func (s *Store) activeRun(ctx context.Context, tx Tx, feedID int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM card_feed_runs WHERE feed_id = ? AND status IN (?, ?) AND created_at > ?`,
		feedID, FeedRunQueued, FeedRunRunning, s.now().Add(-feedRunStale).UnixMilli()).Scan(&n)
	return n > 0, err
}

func (s *Store) insertRun(ctx context.Context, tx Tx, feedID int64, cause, actor string, enqueue EnqueueFeedRun) (FeedRun, error) {
	r := FeedRun{FeedID: feedID, Cause: cause, Actor: actor, Status: FeedRunQueued, CreatedAt: s.now()}
	err := tx.QueryRowContext(ctx, `INSERT INTO card_feed_runs (feed_id, cause, actor, status, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		feedID, cause, actor, r.Status, r.CreatedAt.UnixMilli()).Scan(&r.ID)
	if err != nil {
		return FeedRun{}, err
	}
	return r, enqueue(ctx, tx.Tx, r.ID)
}

// ClaimDueFeeds starts the scheduled runs that are due: every enabled,
// unpaused feed whose next run is at or before now gets a run and its job,
// and its next run moves on to next(feed, now). Each feed is claimed by a
// conditional update of the next run it was read with, in the transaction
// that enqueues its job, so a run is started once however many schedulers
// look at the same moment. A feed whose previous run is still under way
// only moves on. It returns the runs started.
func (s *Store) ClaimDueFeeds(ctx context.Context, next func(f CardFeed, now time.Time) time.Time, enqueue EnqueueFeedRun) (int, error) {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT `+feedCols+` FROM card_feeds
		WHERE enabled = ? AND paused_at = 0 AND `+feedCleared+` AND next_run_at <> 0 AND next_run_at <= ? ORDER BY next_run_at`, true, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: due feeds: %w", err)
	}
	var due []CardFeed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	started := 0
	for _, f := range due {
		err := s.inTx(ctx, func(tx Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE card_feeds SET next_run_at = ? WHERE id = ? AND next_run_at = ? AND enabled = ? AND paused_at = 0 AND `+feedCleared,
				timeMs(next(f, now)), f.ID, timeMs(f.NextRunAt), true)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // claimed elsewhere, or changed since it was read
			}
			active, err := s.activeRun(ctx, tx, f.ID)
			if err != nil || active {
				return err
			}
			if _, err := s.insertRun(ctx, tx, f.ID, FeedCauseSchedule, "", enqueue); err != nil {
				return err
			}
			started++
			return nil
		})
		if err != nil {
			return started, fmt.Errorf("store: claim feed %d: %w", f.ID, err)
		}
	}
	return started, nil
}

const feedRunCols = `id, feed_id, cause, actor, status, created_at, started_at, finished_at, http_status, bytes, fetch_ms, hash,
	push_job_id, reason, reason_arg, errors, error_count`

func scanFeedRun(row interface{ Scan(...any) error }) (FeedRun, error) {
	var r FeedRun
	var created, started, finished, fetchMS int64
	err := row.Scan(&r.ID, &r.FeedID, &r.Cause, &r.Actor, &r.Status, &created, &started, &finished, &r.HTTPStatus, &r.Bytes, &fetchMS,
		&r.Hash, &r.PushJobID, &r.Reason, &r.ReasonArg, &r.ErrorsJSON, &r.ErrorCount)
	if errors.Is(err, sql.ErrNoRows) {
		return FeedRun{}, ErrNotFound
	}
	if err != nil {
		return FeedRun{}, fmt.Errorf("store: feed run: %w", err)
	}
	r.CreatedAt, r.StartedAt, r.FinishedAt = time.UnixMilli(created), msTime(started), msTime(finished)
	r.Fetch = time.Duration(fetchMS) * time.Millisecond
	return r, nil
}

// FeedRun finds a run by id.
func (s *Store) FeedRun(ctx context.Context, id int64) (FeedRun, error) {
	return scanFeedRun(s.db.QueryRowContext(ctx, `SELECT `+feedRunCols+` FROM card_feed_runs WHERE id = ?`, id))
}

// FeedRunOfJob finds the run that created a push job (ErrNotFound: the
// push was not a feed's).
func (s *Store) FeedRunOfJob(ctx context.Context, jobID int64) (FeedRun, error) {
	return scanFeedRun(s.db.QueryRowContext(ctx, `SELECT `+feedRunCols+` FROM card_feed_runs WHERE push_job_id = ? ORDER BY id LIMIT 1`, jobID))
}

// FeedRuns returns one page of a feed's runs, newest first, and their count.
func (s *Store) FeedRuns(ctx context.Context, feedID int64, offset, limit int) ([]FeedRun, int, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM card_feed_runs WHERE feed_id = ?`, feedID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count feed runs: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+feedRunCols+` FROM card_feed_runs WHERE feed_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`,
		feedID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: feed runs: %w", err)
	}
	defer rows.Close()
	var out []FeedRun
	for rows.Next() {
		r, err := scanFeedRun(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// StartFeedRun marks a queued run running and returns it with its feed. A
// run already running (its worker died and the job runs again) is
// returned as it is; a finished one is ErrConflict.
func (s *Store) StartFeedRun(ctx context.Context, runID int64) (FeedRun, CardFeed, error) {
	now := s.now().UnixMilli()
	if _, err := s.db.ExecContext(ctx, `UPDATE card_feed_runs SET status = ?, started_at = ? WHERE id = ? AND status = ?`,
		FeedRunRunning, now, runID, FeedRunQueued); err != nil {
		return FeedRun{}, CardFeed{}, fmt.Errorf("store: start feed run: %w", err)
	}
	r, err := s.FeedRun(ctx, runID)
	if err != nil {
		return FeedRun{}, CardFeed{}, err
	}
	if r.Finished() {
		return r, CardFeed{}, ErrConflict
	}
	f, err := s.Feed(ctx, r.FeedID)
	return r, f, err
}

// FinishFeedRun records what a running run came to (r.Status: unchanged,
// pushed, invalid or failed, with the fields that status fills) and keeps
// the feed's count of failures in a row: a pushed or unchanged run clears
// it (and a pause), the FeedPauseAfter-th failed or invalid one pauses the
// feed, audited. A pushed run becomes the feed's last push. Runs beyond
// FeedRunsKept are deleted. paused reports that this run paused the feed;
// ErrConflict: the run is not running.
func (s *Store) FinishFeedRun(ctx context.Context, r FeedRun) (paused bool, err error) {
	switch r.Status {
	case FeedRunUnchanged, FeedRunPushed, FeedRunInvalid, FeedRunFailed:
	default:
		return false, fmt.Errorf("store: finish feed run: status %q", r.Status)
	}
	err = s.inTx(ctx, func(tx Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE card_feed_runs SET status = ?, finished_at = ?, http_status = ?, bytes = ?, fetch_ms = ?,
			hash = ?, push_job_id = ?, reason = ?, reason_arg = ?, errors = ?, error_count = ? WHERE id = ? AND status = ?`,
			r.Status, now.UnixMilli(), r.HTTPStatus, r.Bytes, r.Fetch.Milliseconds(), r.Hash, r.PushJobID, r.Reason, r.ReasonArg,
			r.ErrorsJSON, r.ErrorCount, r.ID, FeedRunRunning)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		switch r.Status {
		case FeedRunPushed:
			_, err = tx.ExecContext(ctx, `UPDATE card_feeds SET failures = 0, paused_at = 0, last_push_job_id = ? WHERE id = ?`, r.PushJobID, r.FeedID)
		case FeedRunUnchanged:
			_, err = tx.ExecContext(ctx, `UPDATE card_feeds SET failures = 0, paused_at = 0 WHERE id = ?`, r.FeedID)
		default:
			var failures int
			var pausedAt int64
			if err = tx.QueryRowContext(ctx, `SELECT failures, paused_at FROM card_feeds WHERE id = ?`, r.FeedID).Scan(&failures, &pausedAt); err != nil {
				return err
			}
			failures++
			if paused = pausedAt == 0 && failures >= FeedPauseAfter; paused {
				pausedAt = now.UnixMilli()
			}
			if _, err = tx.ExecContext(ctx, `UPDATE card_feeds SET failures = ?, paused_at = ? WHERE id = ?`, failures, pausedAt, r.FeedID); err != nil {
				return err
			}
			if paused {
				err = s.appendAudit(ctx, tx, AuditEntry{Actor: "system", Action: "cards.feed.pause", Target: feedTarget(r.FeedID),
					Outcome: OutcomeFailed, Detail: fmt.Sprintf("run=%d failures=%d", r.ID, failures)})
			}
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM card_feed_runs WHERE feed_id = ? AND id <= (
			SELECT id FROM card_feed_runs WHERE feed_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, r.FeedID, r.FeedID, FeedRunsKept)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: finish feed run: %w", err)
	}
	return paused, nil
}
