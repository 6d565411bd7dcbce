package forms

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Card data feed limits: the console's own (a feed is not a platform object).
var (
	FeedName = Text{Max: 50, Required: true, Doc: "console: a feed's name, shown in lists"}
	FeedURL  = Text{Max: 2048, Required: true, URL: true, Doc: "console: URLs up to 2048, http(s) only (product.md)"}
)

// Schedules of a feed.
const (
	ScheduleEvery = "every" // every N minutes
	ScheduleDaily = "daily" // daily at HH:MM in the console's zone
)

// Bounds of "every N minutes": a run a minute at most every 5 (a card
// shows a number, not a ticker), and at least once a day (longer: daily).
const (
	MinFeedEveryMinutes = 5
	MaxFeedEveryMinutes = 1440
)

// Message keys of the feed form (translations in internal/i18n/feeds.go).
const (
	ErrFeedHost     = "cards.feed.err.host"     // args: host
	ErrFeedEvery    = "cards.feed.err.every"    // args: min, max
	ErrFeedDailyAt  = "cards.feed.err.daily_at" //
	ErrFeedTemplate = "cards.feed.err.template" // not a KEYDATA or LIST template the platform lists
	ErrFeedTarget   = "cards.feed.err.target"   // a feed goes to an organisation or to listed accounts
	ErrFeedSchedule = "cards.feed.err.schedule" // neither every N minutes nor daily
)

// FeedForm is a card data feed's settings. Fields: name, template, url,
// target (org|accounts), enterprise_id, show_on_all_enterprise (checkbox),
// account_ids (textarea), schedule (every|daily), every_minutes, daily_at
// (HH:MM), enabled (checkbox).
type FeedForm struct {
	Name         string
	TemplateID   string
	URL          string
	Target       PushTargetForm
	Schedule     string
	EveryMinutes string // as typed
	DailyAt      string
	Enabled      bool
}

// ParseFeedForm reads the feed form.
func ParseFeedForm(v url.Values) FeedForm {
	checked := func(k string) bool {
		s := strings.ToLower(strings.TrimSpace(v.Get(k)))
		return s == "on" || s == "true" || s == "1"
	}
	return FeedForm{
		Name:       strings.TrimSpace(v.Get("name")),
		TemplateID: strings.TrimSpace(v.Get("template")),
		URL:        strings.TrimSpace(v.Get("url")),
		Target: PushTargetForm{Target: strings.TrimSpace(v.Get("target")), EnterpriseID: strings.TrimSpace(v.Get("enterprise_id")),
			ShowOnAllEnterprise: checked("show_on_all_enterprise"), AccountIDs: v.Get("account_ids")},
		Schedule:     strings.TrimSpace(v.Get("schedule")),
		EveryMinutes: strings.TrimSpace(v.Get("every_minutes")),
		DailyAt:      strings.TrimSpace(v.Get("daily_at")),
		Enabled:      checked("enabled"),
	}
}

// Every is the typed interval in minutes (0 when not a number).
func (f FeedForm) Every() int {
	n, _ := strconv.Atoi(f.EveryMinutes)
	return n
}

// Validate checks the form: the name, the URL (http(s), on a host allowed
// reports as fetchable), the template (known reports whether it is a
// KEYDATA or LIST template the platform lists), the target by the push
// rules (PushTargetForm; organisation or accounts only) and the schedule.
// accounts are the parsed ids of the accounts target; err is ctx's error
// when it ended while reading them.
func (f FeedForm) Validate(ctx context.Context, allowed func(*url.URL) bool, known func(templateID string) bool) (Errors, AccountList, error) {
	errs := Errors{}
	FeedName.Check(errs, "name", f.Name)
	if FeedURL.Check(errs, "url", f.URL) {
		if u, _ := url.Parse(f.URL); !allowed(u) {
			errs.Add("url", ErrFeedHost, u.Host)
		}
	}
	switch {
	case f.TemplateID == "":
		errs.Add("template", ErrRequired)
	case !known(f.TemplateID):
		errs.Add("template", ErrFeedTemplate)
	}
	var accounts AccountList
	switch f.Target.Target {
	case TargetOrg, TargetAccounts, "":
		if f.Target.Target == TargetAccounts {
			var err error
			if accounts, err = f.Target.Accounts(ctx); err != nil {
				return errs, accounts, err
			}
		}
		for k, m := range f.Target.Validate(accounts) {
			errs.Add(k, m.Key, m.Args...)
		}
	default:
		errs.Add("target", ErrFeedTarget)
	}
	switch f.Schedule {
	case ScheduleEvery:
		if n, err := strconv.Atoi(f.EveryMinutes); err != nil || n < MinFeedEveryMinutes || n > MaxFeedEveryMinutes {
			errs.Add("every_minutes", ErrFeedEvery, MinFeedEveryMinutes, MaxFeedEveryMinutes)
		}
	case ScheduleDaily:
		if _, err := time.Parse("15:04", f.DailyAt); err != nil {
			errs.Add("daily_at", ErrFeedDailyAt)
		}
	default:
		errs.Add("schedule", ErrFeedSchedule)
	}
	return errs, accounts, nil
}
