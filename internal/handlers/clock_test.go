package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/store"
)

// One instant reads the same everywhere the console shows, exports, names a
// file after or takes a time: the push's job page, the card's LIST time (typed
// in the same zone), the send history, the audit page and its CSV — in
// Beijing time by default and in UTC when configured. (Before, the job page
// showed the host's zone: 07:36 where the card said 15:36.)
func TestOneClockForEveryTime(t *testing.T) {
	// A fixed instant for every record (the store's clock); near now, so
	// sessions stay fresh.
	at := time.Now().Truncate(time.Minute)
	for _, c := range []struct{ zone, note string }{
		{"", "时间均为北京时间（UTC+8）"},
		{"UTC", "时间均为UTC"},
	} {
		t.Run("zone="+c.zone, func(t *testing.T) {
			loc := locOf(t, c.zone)
			typed := at.In(loc).Format("2006-01-02T15:04")
			shown := at.In(loc).Format("2006-01-02 15:04:05")
			if c.zone == "" {
				_, off := at.In(loc).Zone()
				require.Equal(t, 8*3600, off, "Beijing time by default")
			}
			env := apptest.New(t, map[string]string{"CONSOLE_TIMEZONE": c.zone})
			env.App.Store.SetClock(func() time.Time { return at })
			admin := env.As(t, auth.RoleAdmin)

			// A LIST card whose row time is typed as the instant, in the console's zone.
			next := admin.PostForm("/cards/targets", url.Values{"template": {"ctpl1002"}, "type": {"LIST"},
				"items.0.text": {"家长会"}, "items.0.when": {typed}})
			require.Equal(t, http.StatusSeeOther, next.Status, next.Text(".field-error"))
			targets := hiddenFields(admin.Follow(next), "targets-form")
			targets.Set("target", "accounts")
			targets.Set("enterprise_id", "e1")
			targets.Set("account_ids", "t00001")
			review := admin.PostForm("/cards/confirm", targets)
			require.Equal(t, http.StatusSeeOther, review.Status, review.Text(".field-error"))
			conf := admin.Follow(review)
			require.Equal(t, http.StatusOK, conf.Status)
			assert.Contains(t, conf.Text(`[data-testid="request-json"], pre`), strconv.FormatInt(at.UnixMilli(), 10),
				"the typed time is this instant on the wire")
			push := admin.PostForm("/cards/push", hiddenFields(conf, "push-form"))
			require.Equal(t, http.StatusSeeOther, push.Status)
			id, err := strconv.ParseInt(strings.TrimPrefix(push.Location, "/cards/jobs/"), 10, 64)
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				j, err := env.App.Store.PushJob(t.Context(), id)
				return err == nil && j.Status == store.PushDone
			}, 30*time.Second, 20*time.Millisecond)

			job := admin.Get(push.Location)
			assert.Contains(t, times(job), shown, "job page")
			assert.Equal(t, c.note, job.Text(`[data-testid="tz-note"]`), "the zone is said once, in the footer")
			card := admin.Get("/sandbox/cards?account=t00001&enterprise=e1")
			assert.Contains(t, card.Text(`[data-testid="sandbox-card"]`), shown[:16], "the card's LIST time")

			sent := admin.PostForm("/messages/send", url.Values{"type": {"text"}, "content": {"开会"}, "busiId": {"clock-1"}, "accountIds": {"u1001"}})
			require.Equal(t, http.StatusSeeOther, sent.Status)
			assert.Contains(t, times(admin.Get("/messages/history")), shown, "send history")
			assert.Contains(t, times(admin.Follow(sent)), shown, "send detail")
			assert.Contains(t, times(admin.Get("/audit")), shown, "audit page")

			// Typed filters are read in the same zone: the minute of the instant holds it.
			day := typed[:10]
			assert.Equal(t, 1, admin.Get("/messages/history?from="+day+"&to="+day).Doc.Find(`[data-testid="history-row"]`).Length())
			in := admin.Get("/audit?action=cards.push.create&from=" + url.QueryEscape(typed) + "&to=" + url.QueryEscape(typed))
			assert.Equal(t, 1, in.Doc.Find(`[data-testid="audit-row"]`).Length(), "from = to = the minute of the push")
			before := at.Add(-time.Minute).In(locOf(t, c.zone)).Format("2006-01-02T15:04")
			out := admin.Get("/audit?action=cards.push.create&to=" + url.QueryEscape(before))
			assert.Equal(t, 0, out.Doc.Find(`[data-testid="audit-row"]`).Length(), "the minute before")

			csv := admin.Get("/audit/export.csv?action=cards.push.create")
			require.Equal(t, http.StatusOK, csv.Status)
			name := regexp.MustCompile(`audit-(\d{8}-\d{6})\.csv`).FindStringSubmatch(csv.Header.Get("Content-Disposition"))
			require.Len(t, name, 2)
			named, err := time.ParseInLocation("20060102-150405", name[1], loc)
			require.NoError(t, err)
			assert.WithinDuration(t, time.Now(), named, time.Minute, "the file is named after now in the same zone")
			assert.Contains(t, csv.Body, ","+shown+",admin,cards.push.create,", "the export")
		})
	}
}

// times are the texts of a page's <time> elements.
func times(p *apptest.Page) []string {
	var out []string
	p.Doc.Find("time").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
	return out
}

func locOf(t *testing.T, zone string) *time.Location {
	if zone == "" {
		zone = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(zone)
	require.NoError(t, err)
	return loc
}
