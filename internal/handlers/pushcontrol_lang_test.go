package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/sandbox"
	"github.com/orgconsole/console/internal/store"
)

// controlledPushes makes the states of pausing and cancelling for the
// language walk: a push an admin paused, one paused after its canary call,
// one cancelled. It returns their job pages.
func controlledPushes(t *testing.T, env *apptest.Env, admin *apptest.Browser, kd url.Values) (paused, canary, cancelled string) {
	t.Helper()
	push := func(canary bool, slow time.Duration) (string, int64) {
		_, conf := cardWizard(t, admin, withVals(kd, "account_ids", strings.Join(accountIDs(1000), "\n"))) // 5 calls, at the approval threshold
		require.Equal(t, http.StatusOK, conf.Status)
		form := hiddenFields(conf, "push-form")
		if canary {
			form.Set("canary", "1")
		}
		if slow > 0 { // every call of the platform is slow from now (the wizard's are done)
			env.App.Sandbox.Faults.Set("chengxun", sandbox.Fault{Latency: slow})
		}
		res := admin.PostForm("/cards/push", form)
		require.Equal(t, http.StatusSeeOther, res.Status)
		id, err := strconv.ParseInt(strings.TrimPrefix(res.Location, "/cards/jobs/"), 10, 64)
		require.NoError(t, err)
		return res.Location, id
	}
	state := func(id int64, want string) {
		require.Eventually(t, func() bool {
			j, err := env.App.Store.PushJob(t.Context(), id)
			return err == nil && j.State() == want
		}, 30*time.Second, 10*time.Millisecond, "job %d %s", id, want)
	}
	// Paused by an admin while slow calls are in flight: more calls than workers are left.
	paused, id := push(false, time.Second)
	require.Equal(t, http.StatusSeeOther, admin.PostForm(paused+"/pause", nil).Status)
	env.App.Sandbox.Faults.Set("chengxun", sandbox.Fault{})
	state(id, store.StatePaused)

	canary, id = push(true, 0)
	state(id, store.StatePaused)

	cancelled, id = push(true, 0)
	state(id, store.StatePaused)
	require.Equal(t, http.StatusSeeOther, admin.PostForm(cancelled+"/cancel", nil).Status)
	state(id, store.OutcomeCancelled)
	return paused, canary, cancelled
}
