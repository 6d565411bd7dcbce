package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
	sbtze "github.com/orgconsole/console/internal/sandbox/tze"
	"github.com/orgconsole/console/internal/store"
)

// In sandbox mode the demo feed is configured on start and runs at once (the
// scheduler's first tick): a newcomer finds it pushed today's attendance to
// the seeded bureau. A second start keeps the one feed and points it at the
// sandbox's new address; its runs and settings stay.
func TestSandboxConfiguresTheDemoFeedOnce(t *testing.T) {
	env := map[string]string{"CONSOLE_DATA_DIR": t.TempDir(), "CONSOLE_PASSWORD_MEMORY_KIB": "256", "CONSOLE_PUSH_RATE": "0"}
	a := buildApp(t, env)
	var feed store.FeedSummary
	require.Eventually(t, func() bool {
		list, err := a.Store.ListFeeds(t.Context())
		require.NoError(t, err)
		require.Len(t, list, 1)
		feed = list[0]
		return feed.Last.Status == store.FeedRunPushed
	}, 30*time.Second, 20*time.Millisecond, "the demo feed runs on start")
	assert.True(t, strings.HasPrefix(feed.Feed.URL, a.Sandbox.URL()+"/feeds/"), feed.Feed.URL)
	assert.Equal(t, store.FeedCauseSchedule, feed.Last.Cause)
	assert.Equal(t, 5, feed.Feed.EveryMinutes)
	assert.True(t, feed.Feed.Scheduled())
	assert.True(t, feed.Feed.NextRunAt.After(time.Now()), "the next run is on the schedule")
	cards := a.Sandbox.Platform(fake.Name).(*fake.Fake)
	require.Eventually(t, func() bool { _, ok := cards.OrgCard(sbtze.SeedBureauID); return ok }, 30*time.Second, 20*time.Millisecond)
	card, _ := cards.OrgCard(sbtze.SeedBureauID)
	require.NotEmpty(t, card.KeyData)
	assert.Equal(t, "今日出勤率", card.KeyData[0].Key)
	a.Close()

	b := buildApp(t, env)
	defer b.Close()
	list, err := b.Store.ListFeeds(t.Context())
	require.NoError(t, err)
	require.Len(t, list, 1, "configured once")
	assert.Equal(t, feed.Feed.ID, list[0].Feed.ID)
	assert.True(t, strings.HasPrefix(list[0].Feed.URL, b.Sandbox.URL()+"/feeds/"), "follows the sandbox's new address")
}
