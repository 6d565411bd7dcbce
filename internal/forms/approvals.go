package forms

import (
	"net/url"
	"strings"
)

// ApprovalReason is why an admin turns a request down (the console's own
// limit): required, so the requester learns what to change.
var ApprovalReason = Text{Max: 500, Required: true, Doc: "console: a rejection's reason, shown to the requester"}

// RejectForm turns an approval request down.
type RejectForm struct {
	Reason string
}

// ParseReject reads the reject form.
func ParseReject(v url.Values) RejectForm {
	return RejectForm{Reason: strings.TrimSpace(v.Get("reason"))}
}

// ErrReasonRequired asks for the reason a rejection needs.
const ErrReasonRequired = "approvals.err.reason"

// Validate checks the reason.
func (f RejectForm) Validate() Errors {
	errs := Errors{}
	if f.Reason == "" {
		errs.Add("reason", ErrReasonRequired)
	}
	ApprovalReason.Check(errs, "reason", f.Reason)
	return errs
}
