package jobs_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/pgtest"
	sbfeeds "github.com/orgconsole/console/internal/sandbox/feeds"
	"github.com/orgconsole/console/internal/store"
)

// A feed's run is a job on PostgreSQL too: run now fetches the sandbox's
// source, pushes through the card-call jobs, and a second run finds nothing
// new.
func TestFeedRunsOnPostgres(t *testing.T) {
	// One admin: an organisation feed needs no second one here.
	env := apptest.New(t, map[string]string{"CONSOLE_DATABASE_URL": pgtest.URL(t), "CONSOLE_APPROVAL_ACCOUNTS": "0"})
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	env.App.Sandbox.Platform(sbfeeds.Name).(*sbfeeds.Fake).SetClock(func() time.Time { return at })
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/feeds/new")
	p := b.PostForm("/cards/feeds", url.Values{"name": {"出勤"}, "template": {"ctpl1001"}, "target": {"org"}, "enterprise_id": {"e1"},
		"url": {env.App.Sandbox.BaseURL(sbfeeds.Name) + sbfeeds.PathAttendance}, "schedule": {"every"}, "every_minutes": {"5"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Text(".field-error"))
	id, err := strconv.ParseInt(strings.TrimPrefix(p.Location, "/cards/feeds/"), 10, 64)
	require.NoError(t, err)
	run := func() store.FeedRun {
		b.Get(p.Location)
		require.Equal(t, http.StatusSeeOther, b.PostForm(p.Location+"/run", nil).Status)
		var r store.FeedRun
		require.Eventually(t, func() bool {
			runs, _, err := env.App.Store.FeedRuns(t.Context(), id, 0, 1)
			if err != nil || len(runs) == 0 {
				return false
			}
			r = runs[0]
			return r.Finished()
		}, 20*time.Second, 10*time.Millisecond)
		return r
	}
	first := run()
	require.Equal(t, store.FeedRunPushed, first.Status, first.Reason)
	require.Eventually(t, func() bool {
		j, err := env.App.Store.PushJob(t.Context(), first.PushJobID)
		return err == nil && j.State() == store.PushDone
	}, 20*time.Second, 10*time.Millisecond)
	assert.Equal(t, store.FeedRunUnchanged, run().Status)
}
