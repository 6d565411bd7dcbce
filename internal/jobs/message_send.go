package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/store"
)

// MessageSendArgs is the job of one tze.cn message send: the send history
// row (store.MessageSend) holds the exact body to post.
type MessageSendArgs struct {
	SendID int64 `json:"send_id"`
	Round  int   `json:"round"` // 0, then one more for each "try again"
}

func (MessageSendArgs) Kind() string { return "message_send" }

// InsertOpts: the tze queue, and one live job per send and round, so
// nothing enqueues twice; a "try again" is the next round.
func (MessageSendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueTze, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
}

// EnqueueSend inserts the job of a send's round in the caller's
// transaction (store.Enqueue): the composer's send and resend, and an approval.
func (q *Queue) EnqueueSend(ctx context.Context, tx *sql.Tx, id int64, round int) error {
	return q.Enqueue(ctx, tx, MessageSendArgs{SendID: id, Round: round})
}

// liveStates are the states of a job that has not finished.
var liveStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// MessageSender is the part of the tze.cn client a send needs.
type MessageSender interface {
	SendBody(ctx context.Context, msgType string, body []byte) (tze.SendResult, error)
}

// MessageSendWorker delivers queued sends.
//
// Resending is safe for link and oa messages, which carry a busiId the
// platform dedupes on: a send that never reached the platform, or whose
// answer was lost, is tried again (River's backoff) and only after the last
// attempt recorded as unknown. A text message has no busiId, so an answer
// that was lost makes it unknown at once, and a job that finds its text send
// already under way (its worker died mid-call) does not send it again: the
// user decides on the send's page, after a "may be delivered twice" warning.
type MessageSendWorker struct {
	river.WorkerDefaults[MessageSendArgs]
	Store *store.Store
	Tze   MessageSender
}

func (w *MessageSendWorker) Work(ctx context.Context, job *river.Job[MessageSendArgs]) error {
	id := job.Args.SendID
	prev, err := w.Store.MessageSendByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("send %d no longer exists", id))
	}
	if err != nil {
		return err
	}
	resendable := prev.MsgType != "text"
	if prev.Status == store.SendSending && !resendable {
		return w.finish(ctx, prev, tze.SendResult{}, errInterrupted, Unknown)
	}
	m, claimed, err := w.Store.ClaimSend(ctx, id)
	if err != nil || !claimed {
		return err // finished already: nothing to do
	}
	res, sendErr := w.Tze.SendBody(ctx, m.MsgType, []byte(m.Request))
	out := Classify(sendErr)
	last := job.Attempt >= job.MaxAttempts
	switch {
	case out == NotSent && !last:
		if err := w.Store.ReleaseSend(context.WithoutCancel(ctx), id); err != nil {
			return err
		}
		return sendErr // River tries again after a backoff
	case out == Unknown && resendable && !last:
		return sendErr // the platform dedupes the busiId: resending is safe
	case out == NotSent:
		out = Refused // never reached the platform, and no attempts are left: failed
	}
	return w.finish(context.WithoutCancel(ctx), m, res, sendErr, out)
}

// errInterrupted stands for an attempt whose worker stopped mid-call.
var errInterrupted = errors.New("interrupted")

func (w *MessageSendWorker) finish(ctx context.Context, m store.MessageSend, res tze.SendResult, sendErr error, out Outcome) error {
	o := store.SendOutcome{Status: store.SendOK}
	r := sendResponse{Code: tze.CodeOK, MsgID: res.MsgID}
	audit := store.AuditEntry{Actor: m.Sender, Action: "messages.send", Target: m.BusiID, Outcome: store.OutcomeOK,
		Detail: fmt.Sprintf("type=%s recipients=%d attempt=%d", m.MsgType, m.Recipients, m.Attempts)}
	switch out {
	case Applied:
		o.UpstreamCode, o.MsgID = tze.CodeOK, res.MsgID
	default:
		o.Status, audit.Outcome = store.SendFailed, store.OutcomeFailed
		if out == Unknown {
			o.Status, audit.Outcome = store.SendUnknown, store.OutcomeUnknown
		}
		r = sendResponse{Kind: "interrupted"}
		if e, ok := upstream.AsAPIError(sendErr); ok {
			r = sendResponse{Code: e.Code, Message: e.Message, Kind: string(e.Kind), HTTPStatus: e.HTTPStatus}
		} else if !errors.Is(sendErr, errInterrupted) {
			r = sendResponse{Kind: "network"}
		}
		o.UpstreamCode, o.UpstreamMessage = failureCode(sendErr)
		if errors.Is(sendErr, errInterrupted) {
			o.UpstreamCode, o.UpstreamMessage = "", "interrupted"
		}
	}
	audit.UpstreamCode = o.UpstreamCode
	b, _ := json.MarshalIndent(r, "", "  ")
	o.Response = string(b)
	if m.Status != store.SendSending {
		// An interrupted text send is finished from the row as it was.
		if _, _, err := w.Store.ClaimSend(ctx, m.ID); err != nil {
			return err
		}
	}
	_, err := w.Store.FinishSend(ctx, m.ID, o, audit)
	if errors.Is(err, store.ErrNotFound) {
		return nil // finished meanwhile by another attempt
	}
	return err
}

// sendResponse is what the history keeps of the platform's answer.
type sendResponse struct {
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
	MsgID      string `json:"msgId,omitempty"`
	Kind       string `json:"kind,omitempty"` // failures: api, auth, timeout, network, http, malformed, interrupted
	HTTPStatus int    `json:"httpStatus,omitempty"`
}
