// Package schedule holds the pages of scheduled sends and pushes (/schedule)
// and the pieces the message review, card confirmation and item pages share:
// the send_at field and the "scheduled for … / late by …" facts.
package schedule

import (
	"context"
	"strconv"
	"time"

	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/web/templates/components"
)

// ListProps is /schedule: what waits for its time, soonest first.
type ListProps struct {
	Items      []store.ScheduledItem
	WithPushes bool // the viewer sees card pushes too (admins)
	Pager      components.PagerProps
}

// ChangeProps is the page that reschedules or cancels one item.
type ChangeProps struct {
	Item   store.ScheduledItem
	SendAt string // the new time as typed
	Errs   forms.Errors
}

// FieldProps is the send_at field of a review or confirmation page.
type FieldProps struct {
	Value string // as typed
	Err   *forms.Msg
}

// FactsProps is what an item's page says about its schedule.
type FactsProps struct {
	Item     string // store.ItemSend or store.ItemPush
	ID       int64
	State    string // the item's State()
	Schedule store.Schedule
}

// ItemURL is the page of a scheduled item: the send's or the push job's.
func ItemURL(item string, id int64) string {
	if item == store.ItemPush {
		return "/cards/jobs/" + strconv.FormatInt(id, 10)
	}
	return "/messages/history/" + strconv.FormatInt(id, 10)
}

// ChangeURL is the reschedule-or-cancel page of a scheduled item.
func ChangeURL(item string, id int64) string {
	if item == store.ItemPush {
		return "/schedule/pushes/" + strconv.FormatInt(id, 10)
	}
	return "/schedule/sends/" + strconv.FormatInt(id, 10)
}

// lateMinutes is a late start's delay in whole minutes (at least 1).
func lateMinutes(d time.Duration) int { return max(1, int(d/time.Minute)) }

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// title is what a scheduled item shows as its name.
func title(ctx context.Context, it store.ScheduledItem) string {
	if it.Title == "" {
		return i18n.T(ctx, "messages.untitled")
	}
	return forms.TruncateUTF16(it.Title, 60)
}

// kind is the message type or the card type and target.
func kind(ctx context.Context, it store.ScheduledItem) string {
	if it.Item == store.ItemPush {
		return it.Kind + " · " + i18n.T(ctx, "cards.target."+it.Target)
	}
	return i18n.T(ctx, "messages.type."+it.Kind)
}

// count is whom an item goes to: ids a send addresses, accounts a push covers.
func count(ctx context.Context, it store.ScheduledItem) string {
	switch {
	case it.Item == store.ItemSend:
		return i18n.T(ctx, "schedule.count.recipients", it.Count)
	case it.Target == forms.TargetOrg:
		return i18n.T(ctx, "schedule.count.org")
	}
	return i18n.T(ctx, "schedule.count.accounts", it.Count)
}
