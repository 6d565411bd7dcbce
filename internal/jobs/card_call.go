package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/store"
)

// CardCallArgs is the job of one 橙讯 card-data call of a push (≤ 200
// accounts): the push's rows (store.PushJob, store.PushCall) hold what to
// send.
type CardCallArgs struct {
	JobID   int64 `json:"job_id"`
	Seq     int   `json:"seq"`
	Attempt int   `json:"attempt"` // attempts the call had when queued: a retry is a new round
	// Resumes is the push's resume count when a parked call was queued
	// again: a new round too (store.ResumePushJob).
	Resumes int `json:"resumes,omitempty"`
}

func (CardCallArgs) Kind() string { return "card_call" }

// InsertOpts: the 橙讯 queue, one live job per call and round.
func (CardCallArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueChengxun, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}

// CardCallWorker makes a push's calls. Set-data calls overwrite what an
// account shows, so a call that never reached the platform, or whose answer
// was lost, is simply made again (River's backoff); only after the last
// attempt is it recorded as failed or unknown. Calls are paced by one rate
// limit that every replica shares (CONSOLE_PUSH_RATE); how many run at once
// on a replica is the queue's worker count (CONSOLE_PUSH_WORKERS).
//
// Each attempt is claimed in the store just before it is sent
// (store.ClaimPushCall): a paused push parks the call instead (its job ends;
// resume queues it again), a cancelled one cancels it. The claim is the one
// place that decides, in a transaction on the push's row, so pausing and
// cancelling are exact on any number of replicas.
type CardCallWorker struct {
	river.WorkerDefaults[CardCallArgs]
	Store *store.Store
	Cards cards.Pusher
	Rate  float64 // calls per second for all replicas together; 0 = unlimited
}

// rateLimitName is the shared rate limit of 橙讯 calls.
const rateLimitName = "chengxun"

func (w *CardCallWorker) Work(ctx context.Context, job *river.Job[CardCallArgs]) error {
	a := job.Args
	j, err := w.Store.PushJob(ctx, a.JobID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("push job %d no longer exists", a.JobID))
	}
	if err != nil {
		return err
	}
	call, err := w.Store.PushCall(ctx, a.JobID, a.Seq)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("push job %d has no call %d", a.JobID, a.Seq))
	}
	if err != nil {
		return err
	}
	if call.Status != store.CallPending || j.Approval == store.ApprovalPending {
		return nil // recorded already (a job attempt that ran twice), or not approved yet (approving enqueues it again)
	}
	if j.PausedAt.IsZero() && j.CancelledAt.IsZero() { // a call about to park takes no rate slot
		if err := w.pace(ctx); err != nil {
			return err
		}
	}
	claim, err := w.Store.ClaimPushCall(ctx, j.ID, call.Seq)
	if err != nil || claim != store.ClaimSend {
		return err // parked, cancelled or done: nothing to send
	}
	sendErr := cards.Send(ctx, w.Cards, j, call)
	out := Classify(sendErr)
	if (out == NotSent || out == Unknown) && job.Attempt < job.MaxAttempts {
		// Resending a set-data call is harmless; until then it is not in
		// flight (a pause or cancel meanwhile holds it).
		if err := w.Store.ReleasePushCall(context.WithoutCancel(ctx), j.ID, call.Seq); err != nil {
			return errors.Join(sendErr, err)
		}
		return sendErr
	}
	o := store.CallOutcome{JobID: j.ID, Seq: call.Seq, Status: store.CallOK, Code: "0"}
	switch out {
	case Refused, NotSent:
		o.Status = store.CallFailed
		o.Code, o.Message = failureCode(sendErr)
	case Unknown:
		o.Status = store.CallUnknown
		o.Code, o.Message = failureCode(sendErr)
	}
	_, err = w.Store.RecordPushCall(context.WithoutCancel(ctx), o)
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// pace waits for this call's slot of the shared rate limit.
func (w *CardCallWorker) pace(ctx context.Context) error {
	if w.Rate <= 0 {
		return nil
	}
	at, err := w.Store.TakeRateSlot(ctx, rateLimitName, time.Duration(float64(time.Second)/w.Rate))
	if err != nil {
		return err
	}
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
