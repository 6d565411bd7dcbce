// Package messages is the message console (issue 4): compose text / link /
// oa messages with a live preview, keep drafts, send each busiId exactly
// once, and browse the send history.
//
// Sending once: the send-history row of a busiId is inserted (status
// "sending", with its audit entry) before the platform is called; the UNIQUE
// index on busi_id makes a second submit find that row and show its result
// instead of calling the platform again. A failed send keeps its row with the
// failure; sending the same busiId again ("try again") reuses the row,
// because the platform treats a repeated busiId as the same message — should
// the failed attempt have got through after all, it is not delivered twice.
// Text messages carry no busiId on the wire, so that guarantee is the
// console's alone: after a timeout the composer warns before a retry.
package messages

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/approval"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	tpl "github.com/orgconsole/console/web/templates/messages"
	orgtpl "github.com/orgconsole/console/web/templates/org"
)

// Sender is what the handler needs of the tze.cn client: the review page's
// cURL command. Sending itself is a job (internal/jobs).
type Sender interface {
	CurlCommand(body []byte) string
}

// Enqueuer adds a send's job to the store's transaction, or the start job
// of a scheduled send (*jobs.Queue).
type Enqueuer interface {
	EnqueueSend(ctx context.Context, tx *sql.Tx, id int64, round int) error
	store.Scheduler
}

// Picker is the org-tree recipient picker (*handlers/org.Handler): it reads
// the picked node ids from vals[field], applies its own buttons and reports
// whether one was pressed (then the composer re-renders instead of going on).
type Picker interface {
	Picker(ctx context.Context, orgID, field string, vals url.Values) (orgtpl.PickerProps, bool, error)
}

// Handler serves the /messages pages.
type Handler struct {
	store  *store.Store
	tze    Sender
	jobs   Enqueuer
	picker Picker // nil: plain org id inputs
	orgID  string
	now    func() time.Time
	policy approval.Policy
}

// Options configures a Handler.
type Options struct {
	Picker       Picker
	DefaultOrgID string // the org the picker opens
	Now          func() time.Time
	Approval     approval.Policy // which messages wait for an admin (the zero policy: none)
}

// New returns the handler.
func New(st *store.Store, client Sender, queue Enqueuer, o Options) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Handler{store: st, tze: client, jobs: queue, picker: o.Picker, orgID: o.DefaultOrgID, now: o.Now, policy: o.Approval}
}

// orgField is the posted name of the picked org node ids.
const orgField = "orgIds"

// Index sends /messages to the composer.
func (h *Handler) Index(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/messages/new")
}

// New shows an empty composer with a fresh busiId.
func (h *Handler) New(c echo.Context) error {
	return h.renderComposer(c, http.StatusOK, tpl.ComposerProps{Form: forms.NewMessageForm()}, url.Values{})
}

// renderComposer renders the composer page, or only the composer for htmx.
func (h *Handler) renderComposer(c echo.Context, status int, p tpl.ComposerProps, vals url.Values) error {
	users, err := p.Form.UserIDs(c.Request().Context())
	if err != nil {
		return err // the browser went away
	}
	p.Users = len(users.IDs)
	if h.picker != nil && p.Picker == nil {
		pp, _ := h.pick(c, p.Form, vals)
		p.Picker = orgtpl.Picker(pp)
	}
	if web.IsHTMX(c) {
		return web.Render(c, status, tpl.Composer(p))
	}
	return web.Render(c, status, tpl.Compose(p))
}

// pick runs the org picker over the posted values, with the form's org ids
// in place of the posted ones (a reopened draft posts nothing). A tree that
// cannot be loaded is not an error here: the picker shows it and keeps the
// ids as chips.
func (h *Handler) pick(c echo.Context, f forms.MessageForm, vals url.Values) (orgtpl.PickerProps, bool) {
	v := url.Values{}
	for k, vs := range vals {
		v[k] = slices.Clone(vs)
	}
	v[orgField] = slices.Clone(f.OrgIDs)
	pp, pressed, _ := h.picker.Picker(c.Request().Context(), h.orgID, orgField, v)
	pp.Label = web.T(c, "messages.f.org_ids")
	return pp, pressed
}

// pickedIDs are the ids of the picker's chips, in order.
func pickedIDs(pp orgtpl.PickerProps) []string {
	out := make([]string, 0, len(pp.Picked))
	for _, n := range pp.Picked {
		out = append(out, n.ID)
	}
	return out
}

// checkPicked refuses org ids the loaded organisation does not have. When
// the tree could not be loaded the ids stand (the platform will judge them).
func checkPicked(pp orgtpl.PickerProps, errs forms.Errors) {
	if pp.Err != nil {
		return
	}
	for _, n := range pp.Picked {
		if n.Unknown {
			errs.Add(orgField, "messages.err.org_unknown", n.ID)
			return
		}
	}
}

// parse reads the composer from a post: the form and the draft it came from.
func parse(c echo.Context) (forms.MessageForm, int64, url.Values, error) {
	vals, err := c.FormParams()
	if err != nil {
		return forms.MessageForm{}, 0, nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	f := forms.ParseMessageForm(vals)
	draftID, _ := strconv.ParseInt(vals.Get("draftId"), 10, 64)
	return f, max(draftID, 0), vals, nil
}

// Compose handles every button of the composer: tabs, rows, picker, new
// busiId and "update preview" re-render it; "save" stores a draft; "review"
// validates and shows the confirmation page.
func (h *Handler) Compose(c echo.Context) error {
	f, draftID, vals, err := parse(c)
	if err != nil {
		return err
	}
	p := tpl.ComposerProps{Form: f, DraftID: draftID}
	if t := vals.Get("tab"); t != "" {
		if slices.Contains(forms.MsgTypes(), t) {
			p.Form.Type = t
		}
		return h.renderComposer(c, http.StatusOK, p, vals)
	}
	if p.Form.ApplyRowButtons(vals) {
		return h.renderComposer(c, http.StatusOK, p, vals)
	}
	var pp orgtpl.PickerProps
	if h.picker != nil {
		var pressed bool
		pp, pressed = h.pick(c, p.Form, vals)
		p.Picker = orgtpl.Picker(pp)
		if pressed {
			p.Form.OrgIDs = pickedIDs(pp)
			return h.renderComposer(c, http.StatusOK, p, vals)
		}
	}
	switch vals.Get("op") {
	case "save":
		return h.saveDraft(c, p.Form, draftID, "messages.flash.draft_saved")
	case "review":
		return h.review(c, p, pp, vals)
	case "newbusi":
		p.Form.BusiID = forms.NewBusiID()
	}
	return h.renderComposer(c, http.StatusOK, p, vals)
}

// review validates the form and shows the exact request before sending.
func (h *Handler) review(c echo.Context, p tpl.ComposerProps, pp orgtpl.PickerProps, vals url.Values) error {
	users, err := p.Form.UserIDs(c.Request().Context())
	if err != nil {
		return err // the browser went away
	}
	p.Errs = p.Form.Validate(users)
	checkPicked(pp, p.Errs)
	if !p.Errs.OK() {
		return h.renderComposer(c, http.StatusUnprocessableEntity, p, vals)
	}
	cp, err := h.confirmProps(c, p, pp, users)
	if err != nil {
		return err
	}
	earlier, err := h.store.MessageSendByBusiID(c.Request().Context(), p.Form.BusiID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	case earlier.Status != store.SendFailed && earlier.Status != store.SendUnknown && earlier.Request != cp.Body:
		// The busiId is another message's: say so at review, never drop this one.
		p.Errs.Add("busiId", "messages.err.busi_id_used", earlier.ID)
		p.BusiIDUsedBy = earlier.ID
		return h.renderComposer(c, http.StatusUnprocessableEntity, p, vals)
	default:
		cp.Earlier = &earlier
	}
	return web.Render(c, http.StatusOK, tpl.Confirm(cp))
}

// confirmProps is the review page of a valid composer.
func (h *Handler) confirmProps(c echo.Context, p tpl.ComposerProps, pp orgtpl.PickerProps, users forms.UserIDList) (tpl.ConfirmProps, error) {
	var names []string
	for _, n := range pp.Picked {
		names = append(names, strings.TrimPrefix(n.Path+" / "+n.Name, " / "))
	}
	to := p.Form.Recipients(users)
	body, err := tze.RequestBody(to, p.Form.Message())
	if err != nil {
		return tpl.ConfirmProps{}, err
	}
	cp := tpl.ConfirmProps{Form: p.Form, DraftID: p.DraftID, Body: string(body),
		Users: len(to.UserIDs), Orgs: len(to.OrgIDs), OrgNames: names, Errs: forms.Errors{},
		NeedsApproval: h.policy.Send(len(to.UserIDs), len(to.OrgIDs))}
	// The cURL command is for admins debugging the platform; content staff
	// send from the console and are not shown how to go around it.
	if web.Current(c).Viewer.Role == auth.RoleAdmin {
		cp.Curl = h.tze.CurlCommand(body)
	}
	return cp, nil
}

// Preview is the live preview fragment (htmx, as the user types).
func (h *Handler) Preview(c echo.Context) error {
	f, _, _, err := parse(c)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, tpl.PreviewUpdate(f))
}

// Swatch draws ?c=AARRGGBB as a small SVG (the JS-free colour swatch).
func (h *Handler) Swatch(c echo.Context) error {
	svg, ok := tpl.SwatchSVG(c.QueryParam("c"))
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=86400")
	return c.Blob(http.StatusOK, "image/svg+xml", svg)
}

// Send posts the message once per busiId.
func (h *Handler) Send(c echo.Context) error {
	ctx := c.Request().Context()
	f, draftID, vals, err := parse(c)
	if err != nil {
		return err
	}
	p := tpl.ComposerProps{Form: f, DraftID: draftID}
	users, err := f.UserIDs(ctx)
	if err != nil {
		return err // the browser went away
	}
	p.Errs = f.Validate(users)
	var pp orgtpl.PickerProps
	if h.picker != nil {
		pp, _ = h.pick(c, f, vals)
		checkPicked(pp, p.Errs)
	}
	if !p.Errs.OK() {
		return h.renderComposer(c, http.StatusUnprocessableEntity, p, vals)
	}
	// The optional start time is the review page's field: a bad one brings
	// that page back with the error beside it and the time as typed.
	typedAt := vals.Get(forms.SendAtField)
	atErrs := forms.Errors{}
	sendAt := forms.ParseSendAt(atErrs, forms.SendAtField, typedAt, h.now(), web.Current(c).Loc())
	reviewAgain := func() error {
		cp, err := h.confirmProps(c, p, pp, users)
		if err != nil {
			return err
		}
		cp.SendAt, cp.Errs = typedAt, atErrs
		return web.Render(c, http.StatusUnprocessableEntity, tpl.Confirm(cp))
	}
	if !atErrs.OK() {
		return reviewAgain()
	}
	to, msg := f.Recipients(users), f.Message()
	body, err := tze.RequestBody(to, msg)
	if err != nil {
		return err
	}
	actor, ip := web.Actor(c), c.RealIP()
	m := store.MessageSend{BusiID: f.BusiID, MsgType: f.Type, Title: f.Headline(), Sender: actor, Recipients: to.Count(),
		Request: string(body), Form: tpl.FormValues(f).Encode()}
	if h.policy.Send(len(to.UserIDs), len(to.OrgIDs)) {
		m.Approval = store.ApprovalPending // stored with a request; approving enqueues it
	}
	audit := store.AuditEntry{Actor: actor, Action: "messages.send", Target: f.BusiID, Outcome: store.SendQueued, IP: ip,
		Detail: fmt.Sprintf("type=%s recipients=%d", f.Type, to.Count())}
	var row store.MessageSend
	var created bool
	if sendAt.IsZero() {
		row, created, err = h.store.QueueSend(ctx, m, audit, h.jobs.EnqueueSend)
	} else {
		m.SendAt = sendAt
		sched := audit
		sched.Action = "messages.send.schedule"
		sched.Outcome = store.StateScheduled
		sched.Detail += " send_at=" + web.Current(c).Time(sendAt, web.DateTime)
		row, created, err = h.store.ScheduleSend(ctx, m, sched, h.jobs)
	}
	if err != nil {
		return err
	}
	if !created {
		switch {
		case row.Approval == store.ApprovalRejected:
			// Turned down by an admin: this busiId is never sent.
			web.AddFlash(c, web.FlashError, "approvals.send_rejected_final", f.BusiID)
			return web.SeeOther(c, historyURL(row.ID))
		case (row.Status == store.SendFailed || row.Status == store.SendUnknown) && !sendAt.IsZero():
			// Sending again is at once (the review page of a retry has no time).
			atErrs.Add(forms.SendAtField, "schedule.err.retry")
			return reviewAgain()
		case row.Status == store.SendFailed || row.Status == store.SendUnknown:
			// "Try again" from the send's page: the same busiId, as edited.
			if row.Status == store.SendUnknown && row.MsgType == forms.MsgTypeText && vals.Get(confirmResend) != "1" {
				p.UnknownOutcome, p.ConfirmResend = true, true
				return h.renderComposer(c, http.StatusConflict, p, vals)
			}
			audit.Action = "messages.send.retry"
			again, err := h.store.RequeueSend(ctx, row.ID, m, audit, h.jobs.EnqueueSend)
			if err != nil && !errors.Is(err, store.ErrConflict) { // conflict: a second click already requeued it
				return err
			}
			if err == nil {
				row = again
			}
		case row.Request != m.Request:
			// The busiId belongs to another message: never drop this one silently.
			p.Errs.Add("busiId", "messages.err.busi_id_used", row.ID)
			p.BusiIDUsedBy = row.ID
			return h.renderComposer(c, http.StatusUnprocessableEntity, p, vals)
		default:
			// A double submit (or a second tab): show the first send.
			web.AddFlash(c, web.FlashInfo, "messages.flash.already_sent", f.BusiID)
			return web.SeeOther(c, historyURL(row.ID))
		}
	}
	if draftID != 0 {
		// The draft became this message; a missing draft is no matter.
		if err := h.store.DeleteDraft(ctx, web.Current(c).Viewer.ID, draftID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	switch {
	case row.Approval == store.ApprovalPending:
		web.AddFlash(c, web.FlashInfo, "approvals.send_requested", f.BusiID)
	case created && !sendAt.IsZero():
		web.AddFlash(c, web.FlashSuccess, "schedule.flash.scheduled", web.Current(c).Time(sendAt, web.DateTime))
	default:
		web.AddFlash(c, web.FlashSuccess, "messages.flash.queued", f.BusiID)
	}
	return web.SeeOther(c, historyURL(row.ID))
}

// confirmResend is the checkbox that sends an unknown text message again
// knowing it may be delivered twice.
const confirmResend = "confirm_resend"

func historyURL(id int64) string { return "/messages/history/" + strconv.FormatInt(id, 10) }

// saveDraft stores the composer as typed (drafts need not be valid yet) as
// draft draftID, or as a new draft when draftID is 0, and opens it.
func (h *Handler) saveDraft(c echo.Context, f forms.MessageForm, draftID int64, flash string) error {
	ctx, owner := c.Request().Context(), web.Current(c).Viewer.ID
	d := store.Draft{ID: draftID, OwnerID: owner, MsgType: f.Type, Title: f.Headline(), Form: tpl.FormValues(f).Encode()}
	saved, err := h.store.SaveDraft(ctx, d)
	if errors.Is(err, store.ErrNotFound) {
		// The draft was deleted meanwhile (another tab): keep the work as a new one.
		d.ID = 0
		saved, err = h.store.SaveDraft(ctx, d)
	}
	if err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, flash)
	return web.SeeOther(c, "/messages/drafts/"+strconv.FormatInt(saved.ID, 10))
}

func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound)
	}
	return id, nil
}

// draft loads the viewer's :id draft (404 for anyone else's).
func (h *Handler) draft(c echo.Context) (store.Draft, error) {
	id, err := pathID(c)
	if err != nil {
		return store.Draft{}, err
	}
	d, err := h.store.DraftByID(c.Request().Context(), web.Current(c).Viewer.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Draft{}, echo.NewHTTPError(http.StatusNotFound)
	}
	return d, err
}

// storedForm parses a stored composer.
func storedForm(encoded string) (forms.MessageForm, url.Values) {
	v, _ := url.ParseQuery(encoded) // written by FormValues; a bad row just opens empty
	return forms.ParseMessageForm(v), v
}

// Drafts lists the viewer's drafts.
func (h *Handler) Drafts(c echo.Context) error {
	ds, err := h.store.ListDrafts(c.Request().Context(), web.Current(c).Viewer.ID)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, tpl.Drafts(tpl.DraftsProps{Drafts: ds}))
}

// Draft reopens a draft in the composer.
func (h *Handler) Draft(c echo.Context) error {
	d, err := h.draft(c)
	if err != nil {
		return err
	}
	f, _ := storedForm(d.Form)
	return h.renderComposer(c, http.StatusOK, tpl.ComposerProps{Form: f, DraftID: d.ID}, nil)
}

// DraftDeletePage asks before deleting.
func (h *Handler) DraftDeletePage(c echo.Context) error {
	d, err := h.draft(c)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, tpl.DraftDelete(d))
}

// DraftDelete deletes the draft.
func (h *Handler) DraftDelete(c echo.Context) error {
	d, err := h.draft(c)
	if err != nil {
		return err
	}
	if err := h.store.DeleteDraft(c.Request().Context(), d.OwnerID, d.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, "messages.flash.draft_deleted")
	return web.SeeOther(c, "/messages/drafts")
}

// historyPageSize is how many sends one history page lists.
const historyPageSize = 20

// History lists the sends, filtered by type, sender and date.
func (h *Handler) History(c echo.Context) error {
	ctx := c.Request().Context()
	p := tpl.HistoryProps{Type: c.QueryParam("type"), Sender: c.QueryParam("sender"), From: c.QueryParam("from"), To: c.QueryParam("to"), Errs: forms.Errors{}}
	f := store.SendFilter{MsgType: p.Type, Sender: p.Sender}
	if p.Type != "" && !slices.Contains(forms.MsgTypes(), p.Type) {
		p.Errs.Add("type", forms.ErrInvalid)
	}
	day := func(field, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := web.Current(c).ParseLocal(web.DateInput, v)
		if err != nil {
			p.Errs.Add(field, forms.ErrInvalid)
		}
		return t
	}
	f.From = day("from", p.From)
	if f.To = day("to", p.To); !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the "to" day is included
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		p.Errs.Add("to", "messages.err.date_range")
	}
	var err error
	if p.Senders, err = h.store.MessageSenders(ctx); err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	status, total := http.StatusOK, 0
	if p.Errs.OK() {
		if p.Sends, total, err = h.store.ListMessageSends(ctx, f, (page-1)*historyPageSize, historyPageSize); err != nil {
			return err
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	pages := max(1, (total+historyPageSize-1)/historyPageSize)
	link := func(n int) string {
		q := url.Values{}
		for k, v := range map[string]string{"type": p.Type, "sender": p.Sender, "from": p.From, "to": p.To} {
			if v != "" {
				q.Set(k, v)
			}
		}
		q.Set("page", strconv.Itoa(n))
		return "/messages/history?" + q.Encode()
	}
	if page > 1 {
		p.Pager.PrevURL = link(min(page-1, pages))
	}
	if page < pages {
		p.Pager.NextURL = link(page + 1)
	}
	p.Pager.Summary = web.T(c, "pager.summary", page, pages, total)
	return web.Render(c, status, tpl.History(p))
}

func (h *Handler) send(c echo.Context) (store.MessageSend, error) {
	id, err := pathID(c)
	if err != nil {
		return store.MessageSend{}, err
	}
	s, err := h.store.MessageSendByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.MessageSend{}, echo.NewHTTPError(http.StatusNotFound)
	}
	return s, err
}

// Detail shows one send (also the page a send redirects to). htmx polls it
// while the send is queued or sending and gets the outcome block only.
func (h *Handler) Detail(c echo.Context) error {
	s, err := h.send(c)
	if err != nil {
		return err
	}
	if web.IsHTMX(c) {
		if s.Status != store.SendQueued && s.Status != store.SendSending {
			// Only a send under way polls: now that it is done, the whole
			// page (facts, response, actions) is shown again.
			c.Response().Header().Set("HX-Refresh", "true")
		}
		return web.Render(c, http.StatusOK, tpl.DetailStatus(s))
	}
	f, _ := storedForm(s.Form)
	p := tpl.DetailProps{Send: s, Form: f}
	if s.Approval != "" {
		a, err := h.store.LatestApproval(c.Request().Context(), store.ApprovalSend, s.ID)
		if err != nil {
			return err
		}
		p.Approval = &a
	}
	return web.Render(c, http.StatusOK, tpl.Detail(p))
}

// Duplicate saves a sent message as a new draft of the viewer, with a new busiId.
func (h *Handler) Duplicate(c echo.Context) error {
	s, err := h.send(c)
	if err != nil {
		return err
	}
	f, _ := storedForm(s.Form)
	f.BusiID = forms.NewBusiID()
	if f.BgColor == "" {
		f.BgColor = forms.DefaultBgColor
	}
	return h.saveDraft(c, f, 0, "messages.flash.duplicated")
}

// Retry reopens a failed or unknown send in the composer with the same
// busiId; an unknown text message asks for "it may be delivered twice".
func (h *Handler) Retry(c echo.Context) error {
	s, err := h.send(c)
	if err != nil {
		return err
	}
	if s.Status != store.SendFailed && s.Status != store.SendUnknown || s.Approval == store.ApprovalRejected {
		return c.Redirect(http.StatusSeeOther, historyURL(s.ID))
	}
	f, _ := storedForm(s.Form)
	unknownText := s.Status == store.SendUnknown && s.MsgType == forms.MsgTypeText
	return h.renderComposer(c, http.StatusOK, tpl.ComposerProps{Form: f, UnknownOutcome: unknownText, ConfirmResend: unknownText}, nil)
}
