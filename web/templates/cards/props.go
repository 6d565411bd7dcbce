// Package cards holds the workbench card pages: templates, the KEYDATA/LIST
// editor with its phone preview, push targets, the confirmation, push jobs and
// the sandbox's "what an account sees now".
package cards

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	cardpush "github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	sbchengxun "github.com/orgconsole/console/internal/sandbox/chengxun"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/templates/components"
)

// TemplatesProps is the template list with the create form.
type TemplatesProps struct {
	Templates []chengxun.Template
	Malformed []chengxun.Template // list entries without a template_id: shown, never linked
	ListErr   error               // the list could not be read
	Form      forms.TemplateForm
	Errs      forms.Errors
	FormErr   error // the platform refused the create
}

// TemplateEditProps is the edit form of one template.
type TemplateEditProps struct {
	Template chengxun.Template
	Form     forms.TemplateForm
	Errs     forms.Errors
	Err      error
}

// TemplateDeleteProps is the delete confirmation.
type TemplateDeleteProps struct {
	Template chengxun.Template
	Err      error
}

// Draft is the card being edited. ID names the server-side push draft that
// holds it once the user went on to the targets ("" before): the pages post
// that id, never the data of the steps before.
type Draft struct {
	ID           string
	TemplateID   string
	TemplateName string
	Form         forms.CardDataForm
}

// LastPush is the newest push of the edited template to one target, which
// the editor can start from.
type LastPush struct {
	Target string // forms.TargetOrg or TargetAccounts
	JobID  int64
	At     time.Time
}

// EditorProps is the card data editor.
type EditorProps struct {
	Draft   Draft
	Errs    forms.Errors
	CanPush bool
	Err     error      // the template could not be loaded
	Last    []LastPush // pushes to start from (admins)
}

// PreviewProps is the phone preview of a card.
type PreviewProps struct {
	TemplateName string
	Form         forms.CardDataForm
}

// Upload is an uploaded file whose parsed result the draft keeps.
type Upload struct {
	Name  string
	Count int // valid account ids or rows
}

// TargetsProps is the push target form. It shows the fields of
// Target.Target only; the other targets' values stay in the draft.
type TargetsProps struct {
	Draft       Draft
	Target      forms.PushTargetForm
	AccountFile Upload // the uploaded id list ("" = none)
	DiffFile    Upload // the uploaded different-data CSV ("" = none)
	Errs        forms.Errors
	BadIDs      forms.BadIDs    // invalid ids in the pasted list (line numbers of the list)
	BadFileIDs  forms.BadIDs    // invalid ids in the uploaded list (line numbers of the file)
	CSVErrs     forms.CSVErrors // problems of the different-data file just uploaded
}

// ConfirmProps is the last page before a push.
type ConfirmProps struct {
	Draft     Draft
	Target    forms.PushTargetForm
	Accounts  int
	Calls     int
	Path      string // the first call's path
	FirstJSON string // the first call's exact body, indented
	// FirstExcerpt is FirstJSON with long arrays cut to their first items
	// (equal to FirstJSON when nothing was cut).
	FirstExcerpt string
	Preview      forms.CardDataForm
	PreviewNote  string // e.g. "account u001 (first row)" for different data
	Key          string // idempotency key of this confirmation
	Version      string // the draft's version shown: a push of a changed draft is refused
	Err          error
	SendAt       string       // the optional start time as typed (forms.SendAtField)
	Errs         forms.Errors // send_at's error
	ETA          cardpush.ETA // how long the push will take
	Workers      int          // what the estimate assumed (CONSOLE_PUSH_WORKERS, CONSOLE_PUSH_RATE)
	Rate         float64
	// NeedsApproval: the push will wait for another admin (approval.Policy).
	NeedsApproval bool
}

// JobsProps is the list of push jobs.
type JobsProps struct {
	Jobs  []store.PushJob
	Pager components.PagerProps
}

// JobProps is one push job's page (and its live progress fragment).
type JobProps struct {
	Job      store.PushJob
	Progress store.PushProgress
	Failed   []store.PushCall
	Running  bool            // this console's runner works on it now
	Approval *store.Approval // the job's latest approval request, if it needed one
	Left     time.Duration   // estimated time left while it runs (not paused): 0 = not shown
	Feed     *JobFeed        // the card data feed whose run pushed it (nil: a push from the wizard)
	Repush   *Repush         // its failed and unknown accounts, offered again (nil: not offered)
}

// Repush is what a finished job offers of its failed and unknown accounts.
type Repush struct {
	Accounts int  // how many (0 for an organisation push)
	Download bool // as a file (not for an organisation push: it has no account list)
}

// JobFeed is the feed run a push came from.
type JobFeed struct {
	FeedID int64
	Name   string
	RunID  int64
}

// SandboxProps is the inspector of what the fake 橙讯 platform holds.
type SandboxProps struct {
	Account     string
	Enterprise  string
	AccountData []sbchengxun.CardData
	OrgData     *sbchengxun.CardData
	Accounts    []string // accounts holding data (first ones)
	AccountsN   int
	Enterprises []string
}

func itoa(n int) string { return strconv.Itoa(n) }

// lines counts the lines of a text (for "full JSON (N lines)").
func lines(s string) int { return strings.Count(s, "\n") + 1 }

func jobURL(id int64) string { return "/cards/jobs/" + strconv.FormatInt(id, 10) }

func draftURL(path, id string) string { return path + "?draft=" + id }

// typeBadgeClass marks the types the platform does not accept data for.
func typeBadgeClass(t string) string {
	if forms.PushableCardType(t) {
		return "badge ok"
	}
	return "badge warn"
}

// statusBadgeClass colours a job's State.
func statusBadgeClass(s string) string {
	switch s {
	case store.PushDone:
		return "badge ok"
	case store.PushFailed, store.OutcomeAllFailed, store.OutcomeRejected:
		return "badge err"
	case store.PushInterrupted, store.OutcomeUnknown, store.StateAwaitingApproval, store.StatePaused, store.StateCancelling:
		return "badge warn"
	}
	return "badge"
}

// percent is the share of finished calls, for the progress bar.
func percent(p store.PushProgress) string {
	if p.Calls() == 0 {
		return "0"
	}
	return strconv.Itoa(p.Finished() * 100 / p.Calls())
}

// durationText says roughly how long something takes: "less than a
// minute", "about 3 minutes", "about 2 hours".
func durationText(ctx context.Context, d time.Duration) string {
	switch {
	case d < time.Minute:
		return i18n.T(ctx, "cards.eta.under_minute")
	case d < 90*time.Minute:
		return i18n.T(ctx, "cards.eta.minutes", int(math.Round(d.Minutes())))
	}
	return i18n.T(ctx, "cards.eta.hours", int(math.Round(d.Hours())))
}

// etaBasis says what an estimate assumed.
func etaBasis(ctx context.Context, p ConfirmProps) string {
	rate := i18n.T(ctx, "cards.eta.rate_unlimited")
	if p.Rate > 0 {
		rate = i18n.T(ctx, "cards.eta.rate", strconv.FormatFloat(p.Rate, 'f', -1, 64))
	}
	latency := "cards.eta.latency_assumed"
	if p.ETA.Measured {
		latency = "cards.eta.latency"
	}
	ms := int(math.Ceil(float64(p.ETA.Latency) / float64(time.Millisecond))) // a loopback sandbox answers in under 1 ms
	return i18n.T(ctx, "cards.eta.basis", p.Workers, rate, i18n.T(ctx, latency, ms))
}

// notSent is the number of a job's pending calls not in flight.
func notSent(p store.PushProgress) int { return p.Pending - p.InFlight }

// whenText shows a LIST row's time as the preview does ("" when empty or
// invalid); it was typed, and is shown, in the console's zone.
func whenText(ctx context.Context, when string) string {
	if when == "" {
		return ""
	}
	info := web.InfoOf(ctx)
	t, err := forms.ParseWhen(when, info.Loc())
	if err != nil {
		return when
	}
	return info.Time(t, web.Short)
}

// epochText is a LIST row's wire timestamp with its time in the console's zone.
func epochText(ctx context.Context, ms int64) string {
	if ms == 0 {
		return "0"
	}
	return strconv.FormatInt(ms, 10) + " (" + web.InfoOf(ctx).Time(time.UnixMilli(ms), web.DateMinute) + ")"
}

func fieldName(i int, name string) string { return forms.Field("items", i, name) }

// firstIDs shows the first account ids of a call.
func firstIDs(ids []string) string {
	const show = 3
	s := ""
	for i, id := range ids {
		if i == show {
			return s + " …"
		}
		if i > 0 {
			s += ", "
		}
		s += id
	}
	return s
}

// uploadTemplates are the template downloads of an upload (name as served
// by /cards/upload-templates/).
func uploadTemplates(name string) []components.TemplateFile {
	return []components.TemplateFile{
		{Format: "csv", Href: "/cards/upload-templates/" + name + ".csv"},
		{Format: "xlsx", Href: "/cards/upload-templates/" + name + ".xlsx"},
	}
}

func diffTemplateName(typ string) string { return forms.DiffTemplate(typ).Name }

// diffColumnsHint names the columns of a different-data file of typ.
func diffColumnsHint(ctx context.Context, typ string) string {
	if typ == forms.CardKeyData {
		return i18n.T(ctx, "cards.targets.diff_columns_keydata")
	}
	return i18n.T(ctx, "cards.targets.diff_columns_list", web.InfoOf(ctx).Zone())
}

// jobPoll (templ has no else-if among attributes) is how often a job's page looks again: a scheduled push every 5 s,
// a running one every second, a finished one never ("").
func jobPoll(j store.PushJob) string {
	switch {
	case j.State() == store.StateScheduled:
		return "every 5s"
	case j.Active() && j.Approval != store.ApprovalPending:
		return "every 1s"
	}
	return ""
}
