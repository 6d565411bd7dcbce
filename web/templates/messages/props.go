package messages

import (
	"github.com/a-h/templ"

	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/web/templates/components"
)

// ComposerProps is the composer: the form as typed, its errors and what the
// last send attempt said.
type ComposerProps struct {
	Form    forms.MessageForm
	Errs    forms.Errors
	DraftID int64 // 0 = not a saved draft
	Users   int   // account ids recognised in Form.AccountIDs (the handler counts them)
	// Picker is the org-node picker (chips with hidden orgIds inputs); nil
	// shows plain org id inputs instead.
	Picker      templ.Component
	UpstreamErr error // the failed send, shown above the form
	// UnknownOutcome: the failed send may have reached the platform (timeout,
	// 5xx) and text messages carry no busiId upstream, so "send" again could
	// deliver twice: the page says so.
	UnknownOutcome bool
	// ConfirmResend: sending again needs the "may be delivered twice" box.
	ConfirmResend bool
	// BusiIDUsedBy: the send that already has this busiId (another message).
	BusiIDUsedBy int64
}

// ConfirmProps is the page between "review" and "send".
type ConfirmProps struct {
	Form    forms.MessageForm
	DraftID int64
	Body    string // the exact JSON body to be posted
	Curl    string // the same as a cURL command, token as a placeholder; "" = not shown (admins only)
	Users   int    // account ids addressed
	Orgs    int    // org nodes addressed
	// OrgNames are the picked nodes' paths, when the picker knows them.
	OrgNames []string
	// Earlier is this busiId's send when one exists (a "try again"); an
	// unknown text message then needs ConfirmResend ticked.
	Earlier *store.MessageSend
	SendAt  string       // the optional start time as typed (forms.SendAtField)
	Errs    forms.Errors // send_at's error
	// NeedsApproval: the message will wait for an admin (approval.Policy).
	NeedsApproval bool
}

// NeedsResendConfirm: sending again may deliver a text message twice.
func (p ConfirmProps) NeedsResendConfirm() bool {
	return p.Earlier != nil && p.Earlier.Status == store.SendUnknown && p.Earlier.MsgType == forms.MsgTypeText
}

// DraftsProps is the list of the viewer's drafts.
type DraftsProps struct {
	Drafts []store.Draft
}

// HistoryProps is the send history with its filters.
type HistoryProps struct {
	Sends   []store.MessageSend
	Senders []string
	Type    string
	Sender  string
	From    string // YYYY-MM-DD as typed
	To      string
	Errs    forms.Errors
	Pager   components.PagerProps
}

// DetailProps is one send: its request, response and outcome.
type DetailProps struct {
	Send     store.MessageSend
	Form     forms.MessageForm // parsed from the stored values, for the preview
	Approval *store.Approval   // the send's latest approval request, if it needed one
}
