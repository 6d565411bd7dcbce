// Package jobs is the console's one home for deferred work: every platform
// write (a card push call, a message send) is a River job, enqueued in the
// same transaction as the row the user sees, worked with River's retries and
// backoff on a queue per platform. One file per job kind:
//
//	card_call.go     one 橙讯 card-data call of a push (≤ 200 accounts)
//	message_send.go  one tze.cn message send
//	schedule.go      the start of a scheduled send or push, at its time
//	feed_run.go      one run of a card data feed, and the tick that starts scheduled runs
//
// and outcome.go says what a platform call's error means: applied, refused,
// never sent, or unknown.
//
// River is the engine, not the record: the job pages and the send history
// read the console's own rows (store), which the workers update.
//
// Backends: on the embedded SQLite file River runs on riversqlite, with a
// pool of one connection as its docs advise. On PostgreSQL the working client
// runs on riverpgxv5 (LISTEN/NOTIFY wakes a replica as soon as work is
// enqueued anywhere; leader election and the rescue of jobs a dead replica
// held), and inserts go through River's database/sql driver on the store's
// own pool, so they join the store's *sql.Tx.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/feeds"
	"github.com/orgconsole/console/internal/store"
)

// Queues: one per platform, so a slow platform never holds up another's work.
const (
	QueueChengxun = "chengxun"
	QueueTze      = "tze"
	QueueSchedule = "schedule" // starts of scheduled sends and pushes: quick, and never behind a platform's queue
	QueueFeeds    = "feeds"    // card data feeds: fetching their sources (their pushes are chengxun calls)
)

// Config tunes the queues.
type Config struct {
	DSN         string        // the store's: a SQLite file path or a postgres:// URL
	PushWorkers int           // concurrent 橙讯 calls on this replica (CONSOLE_PUSH_WORKERS)
	PushRate    float64       // 橙讯 calls per second, all replicas together (CONSOLE_PUSH_RATE; 0 = unlimited)
	SendWorkers int           // concurrent tze.cn sends on this replica
	CallTimeout time.Duration // the most one job's platform call may take (the upstream budget)
	ReplicaID   string        // names this process on the status page
	Log         *slog.Logger
	// PollInterval is how often a worker without notifications looks for
	// new work (SQLite, or a missed notification on PostgreSQL). It is also
	// how late a scheduled item may start: River makes a start job available
	// shortly before it is due, but no notification says the moment it is
	// (make bench: BenchmarkScheduleAccuracy).
	PollInterval time.Duration
	// RetryBackoff is the wait before a write's second attempt, doubled for
	// each further one (CONSOLE_RETRY_BACKOFF).
	RetryBackoff time.Duration
	// Location is the console's zone: feeds scheduled daily at HH:MM run then.
	Location *time.Location
}

// Queue enqueues and works the console's jobs.
type Queue struct {
	insert  *river.Client[*sql.Tx] // inserts in the store's transactions
	worker  runner                 // works the queues on this replica
	pgPool  *pgxpool.Pool          // PostgreSQL only
	sqlPool *sql.DB                // SQLite only: River's own single connection
	db      *sql.DB                // the store's pool, for counting jobs
	id      string
}

// runner is what a working River client of either transaction type does.
type runner interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// ReplicaID names this process: host name and pid.
func ReplicaID() string {
	h, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", h, os.Getpid())
}

// Platforms are the clients the workers call.
type Platforms struct {
	Chengxun cards.Pusher
	Tze      MessageSender
	Feeds    *feeds.Fetcher // card data feeds' sources (CONSOLE_FEED_HOSTS)
}

// workers registers every job kind's worker: the one list of deferred work.
func workers(st *store.Store, p Platforms, cfg Config, q *Queue) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &CardCallWorker{Store: st, Cards: p.Chengxun, Rate: cfg.PushRate})
	river.AddWorker(w, &MessageSendWorker{Store: st, Tze: p.Tze})
	river.AddWorker(w, &ScheduledStartWorker{Store: st, Queue: q, Log: cfg.Log})
	river.AddWorker(w, &FeedRunWorker{Store: st, Fetcher: p.Feeds, Enqueue: q.EnqueueCalls})
	river.AddWorker(w, &FeedTickWorker{Store: st, Loc: cfg.Location, Enqueue: q.EnqueueFeedRun})
	return w
}

// periodicJobs are the jobs River's leader inserts on a schedule.
func periodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(FeedTick), func() (river.JobArgs, *river.InsertOpts) { return FeedTickArgs{}, nil },
			&river.PeriodicJobOpts{ID: FeedTickArgs{}.Kind(), RunOnStart: true}),
	}
}

// New builds the queue over the store's database. Nothing is worked until
// Start.
func New(ctx context.Context, st *store.Store, p Platforms, cfg Config) (*Queue, error) {
	if cfg.PushWorkers < 1 {
		cfg.PushWorkers = 4
	}
	if cfg.SendWorkers < 1 {
		cfg.SendWorkers = 4
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 10 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = time.Second
	}
	if cfg.ReplicaID == "" {
		cfg.ReplicaID = ReplicaID()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	q := &Queue{id: sanitizeID(cfg.ReplicaID), db: st.DB()}
	rc := &river.Config{
		ID:           q.id,
		Logger:       cfg.Log.With("component", "jobs"),
		Workers:      workers(st, p, cfg, q),
		PeriodicJobs: periodicJobs(),
		Queues: map[string]river.QueueConfig{
			QueueChengxun: {MaxWorkers: cfg.PushWorkers},
			QueueTze:      {MaxWorkers: cfg.SendWorkers},
			QueueSchedule: {MaxWorkers: 2},
			QueueFeeds:    {MaxWorkers: 2},
		},
		// A job is one platform call: it may take the whole upstream budget
		// plus the bookkeeping and the rate limit's wait around it. A job
		// still held after that by a replica that died is handed to another
		// one (by the leader's rescuer, which looks every 30 s and at once
		// when it becomes leader).
		JobTimeout:           JobTimeout(cfg.CallTimeout),
		RescueStuckJobsAfter: RescueAfter(cfg.CallTimeout),
		FetchCooldown:        20 * time.Millisecond,
		FetchPollInterval:    cfg.PollInterval,
		MaxAttempts:          MaxAttempts,
		RetryPolicy:          retryPolicy{base: cfg.RetryBackoff},
		ErrorHandler:         &errorHandler{log: cfg.Log},
	}
	if st.Backend() == store.Postgres {
		pool, err := pgxpool.New(ctx, cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		w, err := river.NewClient(riverpgxv5.New(pool), rc)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("jobs: %w", err)
		}
		// The inserting client notifies the workers (LISTEN/NOTIFY) of every
		// insert: with River's default it stays silent for 100 ms after one,
		// and a send queued in that time waited for the next poll (up to 1 s).
		ins, err := river.NewClient(riverdatabasesql.New(st.DB()), &river.Config{Logger: rc.Logger, MaxAttempts: MaxAttempts,
			FetchCooldown: time.Millisecond, FetchPollInterval: rc.FetchPollInterval})
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("jobs: %w", err)
		}
		q.worker, q.insert, q.pgPool = w, ins, pool
		return q, nil
	}
	db, err := sql.Open("sqlite", store.SQLiteDSN(cfg.DSN))
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	db.SetMaxOpenConns(1)
	c, err := river.NewClient(riversqlite.New(db), rc)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	q.worker, q.insert, q.sqlPool = c, c, db
	return q, nil
}

// ID is this replica's name in River (the status page shows it on running jobs).
func (q *Queue) ID() string { return q.id }

// Enqueue inserts a job in the caller's transaction: it becomes visible to
// the workers only when that transaction commits, and never without it.
func (q *Queue) Enqueue(ctx context.Context, tx *sql.Tx, args river.JobArgs) error {
	_, err := q.insert.InsertTx(ctx, tx, args, nil)
	if err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueMany inserts several jobs in the caller's transaction.
func (q *Queue) EnqueueMany(ctx context.Context, tx *sql.Tx, args []river.JobArgs) error {
	if len(args) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		params[i] = river.InsertManyParams{Args: a}
	}
	if _, err := q.insert.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("jobs: enqueue %d %s: %w", len(args), args[0].Kind(), err)
	}
	return nil
}

// EnqueueCalls inserts the jobs of a push's calls in the caller's
// transaction (store.EnqueueCalls).
func (q *Queue) EnqueueCalls(ctx context.Context, tx *sql.Tx, jobID int64, calls []store.CallRef) error {
	args := make([]river.JobArgs, len(calls))
	for i, c := range calls {
		args[i] = CardCallArgs{JobID: jobID, Seq: c.Seq, Attempt: c.Attempts, Resumes: c.Resumes}
	}
	return q.EnqueueMany(ctx, tx, args)
}

// CancelCalls cancels the queue jobs of a push's calls in the caller's
// transaction (store.CancelCalls): the ones waiting never run; one already
// fetched (waiting for its rate slot, not claimed) has its context cancelled
// and ends without sending, since its call is cancelled.
func (q *Queue) CancelCalls(ctx context.Context, tx *sql.Tx, jobID int64, seqs []int) error {
	want := make(map[int]bool, len(seqs))
	for _, s := range seqs {
		want[s] = true
	}
	params := river.NewJobListParams().Kinds(CardCallArgs{}.Kind()).States(liveStates...).
		Where("CAST(args ->> 'job_id' AS BIGINT) = @job_id", river.NamedArgs{"job_id": jobID}).First(10000)
	for {
		res, err := q.insert.JobListTx(ctx, tx, params)
		if err != nil {
			return fmt.Errorf("jobs: list calls of push %d: %w", jobID, err)
		}
		for _, row := range res.Jobs {
			var a CardCallArgs
			if err := json.Unmarshal(row.EncodedArgs, &a); err != nil {
				return fmt.Errorf("jobs: job %d args: %w", row.ID, err)
			}
			if a.JobID != jobID || !want[a.Seq] {
				continue
			}
			if _, err := q.insert.JobCancelTx(ctx, tx, row.ID); err != nil {
				return fmt.Errorf("jobs: cancel job %d: %w", row.ID, err)
			}
		}
		if len(res.Jobs) < 10000 || res.LastCursor == nil {
			return nil
		}
		params = params.After(res.LastCursor)
	}
}

// Start works the queues until Stop.
func (q *Queue) Start(ctx context.Context) error { return q.worker.Start(ctx) }

// Stop lets the jobs in flight finish (up to ctx's deadline, then cancels
// them; a cancelled job is retried later, here or on another replica) and
// closes River's connections.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.worker.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = q.worker.StopAndCancel(context.WithoutCancel(ctx))
	}
	if q.pgPool != nil {
		q.pgPool.Close()
	}
	if q.sqlPool != nil {
		_ = q.sqlPool.Close()
	}
	return err
}

// JobTimeout is the most one job may take: the platform call's budget, and
// five seconds for the rows around it and the wait for a rate-limit slot.
func JobTimeout(callTimeout time.Duration) time.Duration { return callTimeout + 5*time.Second }

// RescueAfter is when a job a replica still holds counts as abandoned (the
// replica died): a little after JobTimeout, which a live replica enforces.
func RescueAfter(callTimeout time.Duration) time.Duration {
	return JobTimeout(callTimeout) + 5*time.Second
}

// MaxAttempts bounds River's retries of one job. Work a retry cannot help
// (the platform refused it, or resending could deliver twice) is not retried
// at all: the workers cancel it.
const MaxAttempts = 5

// retryPolicy backs off base, 2×, 4×, 8× (1 s, 2 s, 4 s, 8 s by default): a
// platform hiccup passes, and a push is not held up for River's default
// hours-long schedule.
type retryPolicy struct{ base time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	n := max(len(job.Errors), 1)
	return time.Now().Add(p.base << min(n-1, 6))
}

// errorHandler logs what River could not hand to a worker, and cancels a
// job whose arguments do not parse (written by another version, or damaged):
// trying it again cannot help, and River keeps the reason on the job.
type errorHandler struct{ log *slog.Logger }

func (h *errorHandler) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	if badArgs(err) {
		h.log.Error("job arguments do not parse: cancelled", "kind", job.Kind, "job", job.ID, "err", err)
		return &river.ErrorHandlerResult{SetCancelled: true}
	}
	h.log.Warn("job attempt failed", "kind", job.Kind, "job", job.ID, "attempt", job.Attempt, "err", err)
	return nil
}

// badArgs reports whether err is River's decoding of a job's arguments
// failing (the workers themselves decode no JSON).
func badArgs(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
}

func (h *errorHandler) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, trace string) *river.ErrorHandlerResult {
	h.log.Error("job panicked", "kind", job.Kind, "job", job.ID, "panic", panicVal)
	return nil
}

// sanitizeID keeps River's client id to the characters it allows.
func sanitizeID(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
