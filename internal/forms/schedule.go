package forms

import (
	"time"
)

// SendAtField is the optional start time of a send or push: a datetime-local
// input in the console's zone on the message review page, the card push
// confirmation page and the schedule page; empty means now.
const SendAtField = "send_at"

// MaxScheduleAhead is how far ahead a send or push may be scheduled: a
// year, so a mistyped year (2062 for 2026) is caught.
const MaxScheduleAhead = 366 * 24 * time.Hour

// Errors of send_at (translations in internal/i18n).
const (
	ErrSendAtInvalid = "schedule.err.invalid" // args: what was typed
	ErrSendAtPast    = "schedule.err.past"
	ErrSendAtTooFar  = "schedule.err.too_far"
)

// ParseSendAt reads a typed start time in loc (the console's zone; seconds
// optional). "" is now: the zero time. A time that does not parse, is not
// after now, or is more than MaxScheduleAhead away gets an error for field.
func ParseSendAt(errs Errors, field, v string, now time.Time, loc *time.Location) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := ParseWhen(v, loc)
	switch {
	case err != nil:
		errs.Add(field, ErrSendAtInvalid, TruncateUTF16(v, 30))
	case !t.After(now):
		errs.Add(field, ErrSendAtPast)
	case t.Sub(now) > MaxScheduleAhead:
		errs.Add(field, ErrSendAtTooFar)
	default:
		return t
	}
	return time.Time{}
}
