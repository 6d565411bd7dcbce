// Package approvals holds the four-eyes pages: the requests waiting for an
// admin and one request with exactly what it will send.
package approvals

import (
	"strconv"
	"time"

	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/web/templates/components"
)

// ListProps is /approvals: what waits, then the latest decisions.
type ListProps struct {
	Pending []store.Approval
	Decided []store.Approval
	Pager   components.PagerProps // of Pending
}

// PageProps is one request.
type PageProps struct {
	Approval    store.Approval
	Fingerprint string // of what the item would send now: the decision is for it
	CanDecide   bool   // pending, and the viewer is not the requester
	Push        *PushItem
	Send        *SendItem
	Feed        *store.CardFeed // a feed's settings: every run pushes under them
	// RunsAt is when the item runs once approved: zero means at once (a
	// feed: on its own schedule).
	RunsAt time.Time
	Reject forms.RejectForm
	Errs   forms.Errors
}

// PushItem is a card push as stored: its first call exactly as it will go.
type PushItem struct {
	Job            store.PushJob
	Path           string
	FirstJSON      string // indented
	Preview        forms.CardDataForm
	PreviewAccount string // different data: whose card the preview shows
}

// SendItem is a message as stored: its exact body.
type SendItem struct {
	Send  store.MessageSend
	Form  forms.MessageForm // for the preview
	Users int               // user ids addressed
	Orgs  int               // org nodes addressed
}

func itoa(n int) string { return strconv.Itoa(n) }

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func stateClass(state string) string {
	switch state {
	case store.ApprovalApproved:
		return "badge ok"
	case store.ApprovalRejected:
		return "badge err"
	}
	return "badge warn"
}
