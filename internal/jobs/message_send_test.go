package jobs

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/store"
)

type countingSender struct {
	calls int
	err   error
}

func (s *countingSender) SendBody(ctx context.Context, msgType string, body []byte) (tze.SendResult, error) {
	s.calls++
	return tze.SendResult{MsgID: "m1"}, s.err
}

func job(a MessageSendArgs, attempt int) *river.Job[MessageSendArgs] {
	return &river.Job[MessageSendArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: MaxAttempts}, Args: a}
}

func queued(t *testing.T, st *store.Store, busi, typ string) store.MessageSend {
	t.Helper()
	m, _, err := st.QueueSend(context.Background(), store.MessageSend{BusiID: busi, MsgType: typ, Sender: "amy", Request: "{}", Form: "type=" + typ},
		store.AuditEntry{Action: "messages.send"}, func(context.Context, *sql.Tx, int64, int) error { return nil })
	require.NoError(t, err)
	return m
}

// A worker that finds its send already "sending" died mid-call: a text
// message (no busiId upstream) is then unknown and not sent again; an oa
// message is resent (the platform dedupes the busiId).
func TestSendInterruptedMidCall(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir()+"/c.db")
	require.NoError(t, err)
	defer st.Close()
	for _, typ := range []string{"text", "oa"} {
		m := queued(t, st, "b-"+typ, typ)
		_, _, err := st.ClaimSend(ctx, m.ID) // the attempt that was cut off
		require.NoError(t, err)
		s := &countingSender{}
		w := &MessageSendWorker{Store: st, Tze: s}
		require.NoError(t, w.Work(ctx, job(MessageSendArgs{SendID: m.ID}, 2)))
		got, err := st.MessageSendByID(ctx, m.ID)
		require.NoError(t, err)
		if typ == "text" {
			assert.Equal(t, 0, s.calls, "a text message of unknown outcome is not sent again")
			assert.Equal(t, store.SendUnknown, got.Status)
		} else {
			assert.Equal(t, 1, s.calls)
			assert.Equal(t, store.SendOK, got.Status)
		}
	}
}

func TestSendOutcomes(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir()+"/c.db")
	require.NoError(t, err)
	defer st.Close()
	refused := &upstream.APIError{Platform: "tze.cn", Kind: upstream.KindAPI, Code: "100001", Message: "失败"}
	timeout := &upstream.APIError{Platform: "tze.cn", Kind: upstream.KindTimeout}
	for _, c := range []struct {
		name, typ string
		err       error
		attempt   int
		retried   bool // the worker returns the error for River to try again
		status    string
	}{
		{"refused", "oa", refused, 1, false, store.SendFailed},
		{"unknown oa, attempts left", "oa", timeout, 1, true, store.SendSending},
		{"unknown oa, last attempt", "oa", timeout, MaxAttempts, false, store.SendUnknown},
		{"unknown text", "text", timeout, 1, false, store.SendUnknown},
		{"never sent, attempts left", "text", &net.OpError{Op: "dial", Err: errors.New("refused")}, 1, true, store.SendQueued},
		{"never sent, last attempt", "text", &net.OpError{Op: "dial", Err: errors.New("refused")}, MaxAttempts, false, store.SendFailed},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := queued(t, st, "b-"+c.name, c.typ)
			err := (&MessageSendWorker{Store: st, Tze: &countingSender{err: c.err}}).Work(ctx, job(MessageSendArgs{SendID: m.ID}, c.attempt))
			assert.Equal(t, c.retried, err != nil, "%v", err)
			got, err := st.MessageSendByID(ctx, m.ID)
			require.NoError(t, err)
			assert.Equal(t, c.status, got.Status)
		})
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want Outcome
	}{
		{nil, Applied},
		{&upstream.APIError{Kind: upstream.KindAPI}, Refused},
		{&upstream.APIError{Kind: upstream.KindAuth}, Refused},
		{&upstream.APIError{Kind: upstream.KindHTTP, HTTPStatus: 400}, Refused},
		{&upstream.APIError{Kind: upstream.KindHTTP, HTTPStatus: 408}, Unknown},
		{&upstream.APIError{Kind: upstream.KindHTTP, HTTPStatus: 502}, Unknown},
		{&upstream.APIError{Kind: upstream.KindTimeout}, Unknown},
		{&upstream.APIError{Kind: upstream.KindMalformed}, Unknown},
		{&upstream.APIError{Kind: upstream.KindNetwork, Err: &net.OpError{Op: "dial"}}, NotSent},
		{&upstream.APIError{Kind: upstream.KindNetwork, Err: &net.OpError{Op: "read"}}, Unknown},
		{context.Canceled, Unknown},
	} {
		assert.Equal(t, c.want, Classify(c.err), "%#v", c.err)
	}
}
