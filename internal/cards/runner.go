package cards

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/store"
)

// Pusher is the part of the 橙讯 client a push needs.
type Pusher interface {
	SetOrgData(ctx context.Context, r chengxun.OrgDataRequest) error
	BatchSetSameData(ctx context.Context, r chengxun.SameDataRequest) error
	BatchSetDiffData(ctx context.Context, r chengxun.DiffDataRequest) error
}

// Options tune a Runner.
type Options struct {
	Workers int     // concurrent calls of one job (config.PushWorkers); default 4
	Rate    float64 // calls per second of one job (config.PushRate); 0 = unlimited
	Log     *slog.Logger
}

// ErrStopped is returned when the console is shutting down.
var ErrStopped = errors.New("cards: push runner stopped")

// Runner executes push jobs in goroutines it owns. Its context comes from the
// app: cancelling it (shutdown) stops every job, leaving unsent calls pending
// and the job interrupted, so nothing is silently dropped.
//
// Every call's outcome goes through one recorder goroutine, which commits
// what the workers finished together in one transaction and only then lets
// them go on. So at most Workers calls are ever sent without a stored
// outcome (as with each worker writing its own row), but the workers no
// longer queue on SQLite's write lock, whose busy handler sleeps 1, 2, 5,
// 10 … ms: that sleeping was most of the time a push spent beyond its calls.
type Runner struct {
	store    *store.Store
	client   Pusher
	opts     Options
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup // jobs
	outcomes chan outcome   // to the recorder
	recorded chan struct{}  // closed when the recorder has stored the last outcome
	close    sync.Once

	mu     sync.Mutex
	active map[int64]bool
}

// outcome is one attempt's result on its way to the store; the worker waits
// on stored before it takes the next call.
type outcome struct {
	store.CallOutcome
	stored chan<- error
}

// NewRunner returns a runner living as long as ctx (or until Close).
func NewRunner(ctx context.Context, st *store.Store, client Pusher, o Options) *Runner {
	if o.Workers < 1 {
		o.Workers = 4
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Runner{store: st, client: client, opts: o, ctx: ctx, cancel: cancel, active: map[int64]bool{},
		outcomes: make(chan outcome), recorded: make(chan struct{})}
	go r.record()
	return r
}

// Close stops every job and waits for the goroutines to finish. Outcomes of
// calls that completed are stored first. Calling it again does nothing.
func (r *Runner) Close() {
	r.close.Do(func() {
		r.mu.Lock()
		r.cancel() // under mu: Start adds no job after this
		r.mu.Unlock()
		r.wg.Wait()
		close(r.outcomes)
		<-r.recorded
	})
}

// maxBatch bounds one recorder transaction.
const maxBatch = 64

// record is the single writer of call outcomes: it takes what is waiting,
// stores it in one transaction and answers each worker. It keeps writing
// while the runner shuts down: an outcome already known is never dropped.
func (r *Runner) record() {
	defer close(r.recorded)
	ctx := context.WithoutCancel(r.ctx)
	batch := make([]outcome, 0, maxBatch)
	outs := make([]store.CallOutcome, 0, maxBatch)
	for o := range r.outcomes {
		batch = append(batch[:0], o)
	more:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-r.outcomes:
				if !ok {
					break more
				}
				batch = append(batch, o)
			default:
				break more
			}
		}
		outs = outs[:0]
		for _, o := range batch {
			outs = append(outs, o.CallOutcome)
		}
		err := r.store.RecordPushCalls(ctx, outs)
		for _, o := range batch {
			o.stored <- err
		}
	}
}

// Recover marks jobs a previous process left queued or running as
// interrupted (call at start-up, before serving). They wait for "resume".
func (r *Runner) Recover(ctx context.Context) ([]int64, error) {
	ids, err := r.store.InterruptPushJobs(ctx)
	if len(ids) > 0 {
		r.opts.Log.Warn("card pushes interrupted by a restart; resume them on their pages", "jobs", ids)
	}
	return ids, err
}

// Create stores the job of a confirmed plan under its idempotency key and
// starts it. A key seen before returns that job (created = false) and sends
// nothing.
func (r *Runner) Create(ctx context.Context, p Plan, key string, audit store.AuditEntry) (store.PushJob, bool, error) {
	j, calls, err := p.Job(key, audit.Actor)
	if err != nil {
		return store.PushJob{}, false, err
	}
	audit.Action = "cards.push.create"
	audit.Detail = fmt.Sprintf("template=%s type=%s target=%s enterprise=%s all=%t accounts=%d calls=%d",
		p.TemplateID, p.Type(), p.Target, p.EnterpriseID, p.ShowOnAll, p.Accounts(), len(calls))
	j, created, err := r.store.CreatePushJob(ctx, j, calls, audit)
	if err != nil || !created {
		return j, created, err
	}
	for i := range calls { // as stored: the runner need not read them back
		calls[i].JobID, calls[i].Seq, calls[i].Status = j.ID, i, store.CallPending
	}
	return j, true, r.start(j.ID, calls)
}

// Retry puts the job's failed calls back in the queue and runs them (new
// attempts, same job). It returns how many calls are resent.
func (r *Runner) Retry(ctx context.Context, id int64, audit store.AuditEntry) (int, error) {
	audit.Action = "cards.push.retry"
	n, err := r.store.RetryFailedPushCalls(ctx, id, audit)
	if err != nil {
		return 0, err
	}
	if j, err := r.store.PushJob(ctx, id); err == nil && j.Status == store.PushQueued {
		return n, r.Start(id)
	}
	return n, nil
}

// Start runs a queued or interrupted job's pending calls in the background.
// Starting a job that is already running here is a no-op; store.ErrConflict
// means the job is finished (use Retry) or run by another process.
func (r *Runner) Start(id int64) error { return r.start(id, nil) }

// start runs the job's pending calls: the given ones, or (nil) those stored.
func (r *Runner) start(id int64, pending []store.PushCall) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.active[id] {
		return nil
	}
	if r.ctx.Err() != nil {
		return ErrStopped
	}
	if err := r.store.StartPushJob(r.ctx, id); err != nil {
		return err
	}
	r.active[id] = true
	r.wg.Add(1)
	go r.run(id, pending)
	return nil
}

// Running reports whether this runner works on the job now.
func (r *Runner) Running(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active[id]
}

func (r *Runner) run(id int64, pending []store.PushCall) {
	defer r.wg.Done()
	defer func() {
		r.mu.Lock()
		delete(r.active, id)
		r.mu.Unlock()
	}()
	ctx := r.ctx
	if err := r.execute(ctx, id, pending); err != nil && ctx.Err() == nil {
		r.opts.Log.Error("card push", "job", id, "err", err)
	}
	// Finishing must be recorded even while shutting down.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.finish(fctx, id, ctx.Err() != nil); err != nil {
		r.opts.Log.Error("card push finish", "job", id, "err", err)
	}
}

// execute sends every pending call of the job through Workers goroutines
// behind one rate limiter; calls nil means the stored pending ones.
func (r *Runner) execute(ctx context.Context, id int64, calls []store.PushCall) error {
	j, err := r.store.PushJob(ctx, id)
	if err != nil {
		return err
	}
	if calls == nil {
		if calls, err = r.store.PushCalls(ctx, id, store.CallPending); err != nil {
			return err
		}
	}
	limit := rate.Inf
	if r.opts.Rate > 0 {
		limit = rate.Limit(r.opts.Rate)
	}
	lim := rate.NewLimiter(limit, 1)
	work := make(chan store.PushCall)
	var wg sync.WaitGroup
	for range min(r.opts.Workers, len(calls)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				if lim.Wait(ctx) != nil {
					continue // shutting down: the call stays pending
				}
				r.send(ctx, j, c)
			}
		}()
	}
feed:
	for _, c := range calls {
		select {
		case work <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return nil
}

// send makes one call and waits until its outcome is stored. A call that
// failed because of shutdown is left pending: whether the platform applied
// it is unknown, and sending the same data again on resume is harmless. One
// that succeeded is recorded even then.
func (r *Runner) send(ctx context.Context, j store.PushJob, c store.PushCall) {
	req, err := requestFor(j, c)
	if err == nil {
		switch b := req.body.(type) {
		case chengxun.OrgDataRequest:
			err = r.client.SetOrgData(ctx, b)
		case chengxun.SameDataRequest:
			err = r.client.BatchSetSameData(ctx, b)
		case chengxun.DiffDataRequest:
			err = r.client.BatchSetDiffData(ctx, b)
		}
	}
	if err != nil && ctx.Err() != nil {
		return
	}
	code, msg := "0", ""
	if err != nil {
		code, msg = "", err.Error()
		if e, ok := upstream.AsAPIError(err); ok {
			// Without an envelope the HTTP status stands for the code and
			// the kind for the message (the job page translates kinds).
			code, msg = e.Code, e.Message
			if code == "" && e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK {
				code = fmt.Sprintf("HTTP %d", e.HTTPStatus)
			}
			if msg == "" {
				msg = string(e.Kind)
			}
		}
	}
	stored := make(chan error, 1)
	r.outcomes <- outcome{store.CallOutcome{JobID: c.JobID, Seq: c.Seq, OK: err == nil, Code: code, Message: msg}, stored}
	if err := <-stored; err != nil {
		r.opts.Log.Error("card push: record call", "job", c.JobID, "seq", c.Seq, "err", err)
	}
}

// finish sets the final status from the calls' outcomes and audits it.
func (r *Runner) finish(ctx context.Context, id int64, stopped bool) error {
	p, err := r.store.PushProgress(ctx, id)
	if err != nil {
		return err
	}
	status, outcome := store.PushDone, store.OutcomeOK
	switch {
	case stopped && p.Pending > 0:
		status, outcome = store.PushInterrupted, store.OutcomeFailed
	case p.Failed > 0 || p.Pending > 0:
		status, outcome = store.PushFailed, store.OutcomeFailed
	}
	code := ""
	if p.Failed > 0 {
		if failed, err := r.store.PushCalls(ctx, id, store.CallFailed); err == nil && len(failed) > 0 {
			code = failed[0].UpstreamCode
		}
	}
	return r.store.FinishPushJob(ctx, id, status, store.AuditEntry{
		Actor: "system", Action: "cards.push.finish", Outcome: outcome, UpstreamCode: code,
		Detail: fmt.Sprintf("status=%s calls ok=%d failed=%d pending=%d accounts ok=%d failed=%d pending=%d",
			status, p.OK, p.Failed, p.Pending, p.AccountsOK, p.AccountsFailed, p.AccountsPending),
	})
}
