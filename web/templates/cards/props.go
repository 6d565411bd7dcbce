// Package cards holds the workbench card pages: templates, the KEYDATA/LIST
// editor with its phone preview, push targets, the confirmation, push jobs and
// the sandbox's "what an account sees now".
package cards

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	sbchengxun "github.com/orgconsole/console/internal/sandbox/chengxun"
	"github.com/orgconsole/console/internal/store"
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

// Draft is the card being edited, as carried from page to page in hidden
// fields (nothing typed is lost going back).
type Draft struct {
	TemplateID   string
	TemplateName string
	Form         forms.CardDataForm
}

// EditorProps is the card data editor.
type EditorProps struct {
	Draft   Draft
	Errs    forms.Errors
	CanPush bool
	Err     error // the template could not be loaded
	// Carry and CarryCSV are the push targets of the next page, kept while
	// the user comes back to change the card.
	Carry    forms.PushTargetForm
	CarryCSV string
}

// PreviewProps is the phone preview of a card.
type PreviewProps struct {
	TemplateName string
	Form         forms.CardDataForm
	Loc          *time.Location
}

// TargetsProps is the push target form.
type TargetsProps struct {
	Draft      Draft
	Target     forms.PushTargetForm
	DiffCSV    string // the different-data CSV carried between pages
	DiffRows   int    // valid rows of DiffCSV, when it was checked
	Errs       forms.Errors
	BadIDs     forms.BadIDs     // invalid ids in the pasted list (line numbers of the list)
	BadFileIDs forms.BadIDs     // invalid ids in the uploaded list (line numbers of the file)
	CSVErrs    []forms.CSVError // problems of the different-data CSV
	Loc        *time.Location
}

// ConfirmProps is the last page before a push.
type ConfirmProps struct {
	Draft     Draft
	Target    forms.PushTargetForm
	DiffCSV   string
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
	Err          error
	Loc          *time.Location
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
	Running  bool // this console's runner works on it now
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
	case store.PushFailed, store.OutcomeAllFailed:
		return "badge err"
	case store.PushInterrupted, store.OutcomeUnknown:
		return "badge warn"
	}
	return "badge"
}


// percent is the share of finished calls, for the progress bar.
func percent(p store.PushProgress) string {
	if p.Calls() == 0 {
		return "0"
	}
	return strconv.Itoa((p.OK + p.Failed + p.Unknown) * 100 / p.Calls())
}

// whenText shows a LIST row's time as the preview does ("" when empty or invalid).
func whenText(when string, loc *time.Location) string {
	if when == "" {
		return ""
	}
	t, err := forms.ParseWhen(when, loc)
	if err != nil {
		return when
	}
	return t.Format("01-02 15:04")
}

func epochText(ms int64, loc *time.Location) string {
	if ms == 0 {
		return "0"
	}
	return strconv.FormatInt(ms, 10) + " (" + time.UnixMilli(ms).In(loc).Format("2006-01-02 15:04") + ")"
}

func fieldName(i int, name string) string { return forms.Field("items", i, name) }

// failureText is a failed call's message; a failure without a platform
// message holds the error kind (timeout, network …), shown translated.
func failureText(ctx context.Context, msg string) string {
	if key := "upstream.kind." + msg; i18n.Has(i18n.LangOf(ctx), key) {
		return i18n.T(ctx, key)
	}
	return msg
}

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

func shanghai(loc *time.Location) *time.Location {
	if loc == nil {
		return forms.Shanghai()
	}
	return loc
}
