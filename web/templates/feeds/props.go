// Package feeds holds the card data feed pages: the list, the feed form, a
// feed with its runs.
package feeds

import (
	"context"
	"strconv"
	"time"

	"github.com/orgconsole/console/internal/clients/chengxun"
	cardfeeds "github.com/orgconsole/console/internal/feeds"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/web/templates/components"
)

// ListProps is the list of feeds.
type ListProps struct {
	Feeds []store.FeedSummary
	Hosts cardfeeds.Hosts // where feeds may fetch from
}

// FormProps is the form of a new feed (FeedID 0) or of an existing one.
type FormProps struct {
	FeedID    int64
	Form      forms.FeedForm
	Errs      forms.Errors
	Templates []chengxun.Template // the KEYDATA and LIST templates the platform lists
	ListErr   error               // the template list could not be read
	BadIDs    forms.BadIDs
	Hosts     cardfeeds.Hosts
	// ApprovalAbove is CONSOLE_APPROVAL_ACCOUNTS: a feed to an organisation
	// or to more accounts waits for another admin (0 = never).
	ApprovalAbove int
}

// FeedProps is one feed's page (and its runs, the live fragment).
type FeedProps struct {
	Feed     store.CardFeed
	Approval *store.Approval // the latest request about its settings, if they needed one
	Runs     []store.FeedRun
	Active   bool // a run is queued or running: the runs follow it
	Pager    components.PagerProps
}

func feedURL(id int64) string { return "/cards/feeds/" + strconv.FormatInt(id, 10) }

func jobURL(id int64) string { return "/cards/jobs/" + strconv.FormatInt(id, 10) }

func itoa(n int) string { return strconv.Itoa(n) }

func id(n int64) string { return strconv.FormatInt(n, 10) }

// scheduleText says when a feed runs.
func scheduleText(ctx context.Context, f store.CardFeed) string {
	if f.EveryMinutes > 0 {
		return i18n.T(ctx, "cards.feed.schedule.every_n", f.EveryMinutes)
	}
	return i18n.T(ctx, "cards.feed.schedule.daily_at", f.DailyAt)
}

// stateKey names a feed's state: waiting for (or refused) approval of its
// settings, paused after failures, off, or on.
func stateKey(f store.CardFeed) string {
	switch {
	case f.Approval == store.ApprovalPending:
		return "approvals.state.pending"
	case f.Approval == store.ApprovalRejected:
		return "approvals.state.rejected"
	case f.Paused():
		return "cards.feed.state.paused"
	case !f.Enabled:
		return "cards.feed.state.off"
	}
	return "cards.feed.state.on"
}

func stateClass(f store.CardFeed) string {
	switch {
	case f.Approval == store.ApprovalPending:
		return "badge warn"
	case f.Approval == store.ApprovalRejected, f.Paused():
		return "badge err"
	case !f.Enabled:
		return "badge"
	}
	return "badge ok"
}

// runClass colours a run's status.
func runClass(status string) string {
	switch status {
	case store.FeedRunPushed:
		return "badge ok"
	case store.FeedRunInvalid, store.FeedRunFailed:
		return "badge err"
	}
	return "badge"
}

func errorsOf(r store.FeedRun) []cardfeeds.FieldError { return cardfeeds.DecodeErrors(r.ErrorsJSON) }

func ms(d time.Duration) int { return int(d.Milliseconds()) }

func checkedTemplate(t chengxun.Template, current string) bool { return t.ID == current }

func shortHash(h string) string { return cardfeeds.Short(h) }

// Examples of a feed's answer (README "Card data feeds"), one per card type.
const (
	ExampleKeyData = `{"items": [
  {"key": "Attendance", "data": "96.5%", "jump_url": "https://example.edu/attendance"},
  {"key": "Present", "data": "1241"}
]}`
	ExampleList = `{"items": [
  {"text": "Sports day moved to Friday", "timestamp": 1743465600000, "jump_url": "https://example.edu/news/42"}
]}`
)
