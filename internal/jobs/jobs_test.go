package jobs_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/pgtest"
	"github.com/orgconsole/console/internal/store"
)

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
