package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
)

// Checked is what a run found: the answer, and either the field errors of
// an invalid one or the push it makes and whether that differs from the
// last push.
type Checked struct {
	Fetched Fetched
	Errs    forms.Errors  // not OK: the answer is invalid, nothing is pushed
	Job     store.PushJob // the push (IdempotencyKey: the run's)
	Calls   []store.PushCall
	Hash    string // sha256 of the canonical card
	Changed bool   // Job's card differs from lastCard
}

// Check runs a feed up to the decision: fetch its URL, read the items,
// check them, build the push to the feed's target and compare its card
// (the canonical JSON a push job stores) with lastCard, the card of the
// last push that went well or may still ("" for none). key is the run's
// idempotency key: a run's job that runs twice makes one push. err is a
// *FetchError when nothing usable was fetched.
func Check(ctx context.Context, f *Fetcher, feed store.CardFeed, lastCard, key string) (Checked, error) {
	got, err := f.Fetch(ctx, feed.URL)
	out := Checked{Fetched: got}
	if err != nil {
		return out, err
	}
	card, errs := ParseItems(got.Body, feed.CardType)
	if !errs.OK() {
		out.Errs = errs
		return out, nil
	}
	p := cards.Plan{TemplateID: feed.TemplateID, TemplateName: feed.TemplateName, Target: feed.Target,
		EnterpriseID: feed.EnterpriseID, ShowOnAll: feed.ShowOnAll && feed.Target == forms.TargetAccounts,
		Card: card, AccountIDs: feed.AccountIDs}
	if out.Job, out.Calls, err = p.Job(key, "system"); err != nil {
		return out, err // a feed saved without its target's fields: not a fetch problem
	}
	sum := sha256.Sum256([]byte(out.Job.DataJSON))
	out.Hash = hex.EncodeToString(sum[:])
	out.Changed = out.Job.DataJSON != lastCard
	return out, nil
}

// Next is when the schedule runs feed after now: every N minutes keeps its
// cadence from the run that was due (a console that was down runs once,
// then on the cadence again), daily at HH:MM is the next such time in loc.
// Zero: the feed has no valid schedule.
func Next(feed store.CardFeed, now time.Time, loc *time.Location) time.Time {
	if feed.EveryMinutes > 0 {
		every := time.Duration(feed.EveryMinutes) * time.Minute
		due := feed.NextRunAt
		if due.IsZero() || due.After(now) {
			return now.Add(every)
		}
		return due.Add(every * (now.Sub(due)/every + 1))
	}
	at, err := time.ParseInLocation("15:04", feed.DailyAt, loc)
	if err != nil {
		return time.Time{}
	}
	n := now.In(loc)
	t := time.Date(n.Year(), n.Month(), n.Day(), at.Hour(), at.Minute(), 0, 0, loc)
	if !t.After(now) {
		t = time.Date(n.Year(), n.Month(), n.Day()+1, at.Hour(), at.Minute(), 0, 0, loc)
	}
	return t
}

// MaxErrorsKept is how many field errors an invalid run keeps to show.
const MaxErrorsKept = 20

// fieldError is one kept field error.
type fieldError struct {
	Field string `json:"field"`
	Key   string `json:"key"`
	Args  []any  `json:"args,omitempty"`
}

// FieldError is a kept field error, ready to translate.
type FieldError struct {
	Field string
	Msg   forms.Msg
}

// EncodeErrors keeps the first MaxErrorsKept errors, in the order of the
// items and their fields, as JSON for the run history.
func EncodeErrors(errs forms.Errors) string {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareFields)
	out := make([]fieldError, 0, min(len(keys), MaxErrorsKept))
	for _, k := range keys[:min(len(keys), MaxErrorsKept)] {
		out = append(out, fieldError{Field: k, Key: errs[k].Key, Args: errs[k].Args})
	}
	b, _ := json.Marshal(out) // strings and ints: cannot fail
	return string(b)
}

// DecodeErrors reads EncodeErrors' JSON (numbers come back as the ints the
// messages format).
func DecodeErrors(s string) []FieldError {
	if s == "" {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var in []fieldError
	if err := d.Decode(&in); err != nil {
		return nil
	}
	out := make([]FieldError, len(in))
	for i, e := range in {
		for j, a := range e.Args {
			if n, ok := a.(json.Number); ok {
				if v, err := n.Int64(); err == nil {
					e.Args[j] = int(v)
				}
			}
		}
		out[i] = FieldError{Field: e.Field, Msg: forms.Msg{Key: e.Key, Args: e.Args}}
	}
	return out
}

// compareFields orders "body", "items", "items.2.key", "items.10.data" as
// a reader expects: by item number, not as text.
func compareFields(a, b string) int {
	ia, oka := itemIndex(a)
	ib, okb := itemIndex(b)
	switch {
	case oka && okb && ia != ib:
		return ia - ib
	case oka != okb:
		if oka {
			return 1
		}
		return -1
	}
	return strings.Compare(a, b)
}

// Short is the first characters of a hash, as the run history shows it.
func Short(hash string) string { return hash[:min(len(hash), 12)] }
