package jobs_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/jobs"
	"github.com/orgconsole/console/internal/pgtest"
	"github.com/orgconsole/console/internal/store"
)

// eachBackend runs fn on a console over the embedded SQLite file and over
// PostgreSQL (skipped without one, see pgtest).
func eachBackend(t *testing.T, fn func(t *testing.T, env *apptest.Env)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, apptest.New(t, nil)) })
	t.Run("postgres", func(t *testing.T) {
		fn(t, apptest.New(t, map[string]string{"CONSOLE_DATABASE_URL": pgtest.URL(t)}))
	})
}

// garbledArgs is a job row written by another version of the console, or
// damaged: its arguments do not decode into the kind's type.
type garbledArgs struct{ kind, raw string }

func (a garbledArgs) Kind() string                 { return a.kind }
func (a garbledArgs) MarshalJSON() ([]byte, error) { return []byte(a.raw), nil }
func (a garbledArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueChengxun}
}

func TestJobWhoseArgumentsDoNotParseFailsOnceWithTheReason(t *testing.T) {
	eachBackend(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		tx, err := env.App.Store.DB().BeginTx(ctx, nil)
		require.NoError(t, err)
		require.NoError(t, env.App.Jobs.Enqueue(ctx, tx, garbledArgs{kind: "card_call", raw: `{"job_id": "seven", "seq": 0}`}))
		require.NoError(t, tx.Commit())

		var st jobs.Status
		require.Eventually(t, func() bool {
			st, err = env.App.Jobs.Status(ctx)
			require.NoError(t, err)
			return len(st.Failed) == 1 && st.Queues[0].Cancelled == 1
		}, 20*time.Second, 20*time.Millisecond, "the job is given up at once, not retried with backoff")
		f := st.Failed[0]
		assert.Equal(t, "cancelled", f.State)
		assert.Equal(t, 1, f.Attempt, "never tried again")
		assert.Contains(t, f.Reason, "cannot unmarshal")
		assert.Equal(t, 1, st.Queues[0].Cancelled)
		assert.Zero(t, st.Queues[0].Waiting+st.Queues[0].Retrying+st.Queues[0].Running)

		p := env.As(t, auth.RoleAdmin).Get("/status")
		assert.Contains(t, p.Text("[data-testid=failed-jobs] [data-testid=failed-reason]"), "cannot unmarshal", "ops see why")
		assert.Equal(t, "1", p.Text("[data-testid=queue-chengxun] [data-testid=cancelled]"))
		mig, err := env.App.Store.Migrations(ctx)
		require.NoError(t, err)
		assert.Contains(t, p.Text("[data-testid=store-migration]"), fmt.Sprint(mig.Latest))
		assert.NotEmpty(t, p.Text("[data-testid=store-location]"))
	})
}

// The same job code on both backends: a whole console on PostgreSQL sends a
// message and pushes cards through River (riverpgxv5 working, database/sql
// inserting in the store's transactions).
func TestJobsRunOnPostgres(t *testing.T) {
	env := apptest.New(t, map[string]string{"CONSOLE_DATABASE_URL": pgtest.URL(t)})
	require.Equal(t, store.Postgres, env.App.Store.Backend())
	b := env.As(t, auth.RoleContent)
	b.Get("/messages/new")
	v := url.Values{"type": {"text"}, "content": {"明天开会"}, "busiId": {"msg-pg-1"}, "accountIds": {"u1001"}, "bgColor": {"FFCC0000"}}
	start := time.Now()
	res := b.PostForm("/messages/send", v)
	require.Equal(t, 303, res.Status, res.Text(".field-error"))
	var row store.MessageSend
	require.Eventually(t, func() bool {
		var err error
		row, err = env.App.Store.MessageSendByBusiID(context.Background(), "msg-pg-1")
		return err == nil && row.Status == store.SendOK
	}, 20*time.Second, 10*time.Millisecond)
	t.Logf("click to sent on PostgreSQL: %v", time.Since(start))
	assert.Equal(t, 1, row.Attempts)
}
