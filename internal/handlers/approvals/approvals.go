// Package approvals is the four-eyes area (issue 11): the requests waiting
// for an admin, one request with exactly what it will send, and the
// decision. Which pushes and messages need approval is internal/approval's
// rule; the store files the requests and enqueues on approval. Routes and
// roles are in internal/handlers/routes.go (admins only).
package approvals

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	pages "github.com/orgconsole/console/web/templates/approvals"
	"github.com/orgconsole/console/web/templates/components"
	errpages "github.com/orgconsole/console/web/templates/pages"
)

// Handler serves /approvals.
type Handler struct {
	store *store.Store
	queue store.ApprovalQueue
}

// New returns the handler; queue enqueues an approved item's work (the same
// jobs its own pages enqueue: internal/jobs).
func New(st *store.Store, queue store.ApprovalQueue) *Handler {
	return &Handler{store: st, queue: queue}
}

// pageSize is how many waiting requests one page lists; decidedRows how
// many recent decisions follow them.
const (
	pageSize    = 50
	decidedRows = 10
)

// Count is the navigation's number: the requests the viewer may decide.
func (h *Handler) Count(ctx context.Context, v *web.Viewer) (int, error) {
	return h.store.PendingApprovalsFor(ctx, v.Username)
}

// List shows what waits (GET /approvals).
func (h *Handler) List(c echo.Context) error {
	ctx := c.Request().Context()
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	pending, total, err := h.store.ListApprovals(ctx, store.ApprovalFilter{State: store.ApprovalPending}, (page-1)*pageSize, pageSize)
	if err != nil {
		return err
	}
	p := pages.ListProps{Pending: pending}
	if p.Decided, _, err = h.store.ListApprovals(ctx, store.ApprovalFilter{Decided: true}, 0, decidedRows); err != nil {
		return err
	}
	n := max(1, (total+pageSize-1)/pageSize)
	p.Pager.Summary = web.T(c, "pager.summary", page, n, total)
	if page > 1 {
		p.Pager.PrevURL = "/approvals?page=" + strconv.Itoa(page-1)
	}
	if page < n {
		p.Pager.NextURL = "/approvals?page=" + strconv.Itoa(page+1)
	}
	return web.Render(c, http.StatusOK, pages.List(p))
}

// approval loads :id.
func (h *Handler) approval(c echo.Context) (store.Approval, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Approval{}, echo.NewHTTPError(http.StatusNotFound)
	}
	a, err := h.store.Approval(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return a, echo.NewHTTPError(http.StatusNotFound)
	}
	return a, err
}

// Page shows one request (GET /approvals/:id).
func (h *Handler) Page(c echo.Context) error {
	a, err := h.approval(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, a, forms.RejectForm{}, nil)
}

// render shows a request with what its item would send now, read from the
// item's rows: the pages and the jobs read the same.
func (h *Handler) render(c echo.Context, status int, a store.Approval, f forms.RejectForm, errs forms.Errors) error {
	ctx := c.Request().Context()
	p := pages.PageProps{Approval: a, Reject: f, Errs: errs,
		CanDecide: a.State == store.ApprovalPending && web.Current(c).Viewer.Username != a.RequestedBy}
	var err error
	if p.Fingerprint, err = h.store.Fingerprint(ctx, a.Kind, a.RefID); err != nil {
		return err
	}
	switch a.Kind {
	case store.ApprovalPush:
		j, err := h.store.PushJob(ctx, a.RefID)
		if err != nil {
			return err
		}
		first, err := h.store.FirstPushCall(ctx, j.ID)
		if err != nil {
			return err
		}
		it := pages.PushItem{Job: j}
		path, body, err := cards.CallRequest(j, first)
		if err != nil {
			return err
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, body, "", "  "); err != nil {
			return err
		}
		it.Path, it.FirstJSON = path, pretty.String()
		if it.Preview, it.PreviewAccount, err = cards.PreviewForm(j, first, web.Current(c).Loc()); err != nil {
			return err
		}
		p.Push = &it
		if j.Schedule.FiredAt.IsZero() {
			p.RunsAt = j.Schedule.SendAt
		}
	case store.ApprovalFeed:
		f, err := h.store.Feed(ctx, a.RefID)
		if err != nil {
			return err
		}
		p.Feed = &f
	default:
		s, err := h.store.MessageSendByID(ctx, a.RefID)
		if err != nil {
			return err
		}
		var to tze.Recipients
		_ = json.Unmarshal([]byte(s.Request), &to) // the console wrote it
		v, _ := url.ParseQuery(s.Form)             // the composer's values, for the preview
		p.Send = &pages.SendItem{Send: s, Form: forms.ParseMessageForm(v), Users: len(to.UserIDs), Orgs: len(to.OrgIDs)}
		if s.Schedule.FiredAt.IsZero() {
			p.RunsAt = s.Schedule.SendAt
		}
	}
	return web.Render(c, status, pages.Page(p))
}

// decision reports a store refusal as the page the decider gets: their own
// request is forbidden (the store audited the attempt as denied), a changed
// or decided one goes back to the request with a note.
func (h *Handler) decision(c echo.Context, a store.Approval, err error) error {
	switch {
	case errors.Is(err, store.ErrSelfApproval):
		return web.Render(c, http.StatusForbidden, errpages.Error(errpages.ErrorProps{Status: http.StatusForbidden,
			TitleKey: "error.403.title", BodyKey: "approvals.err.own", RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}))
	case errors.Is(err, store.ErrChanged):
		web.AddFlash(c, web.FlashError, "approvals.changed")
	case errors.Is(err, store.ErrConflict):
		web.AddFlash(c, web.FlashInfo, "approvals.decided_already")
	case err != nil:
		return err
	}
	return web.SeeOther(c, components.ApprovalURL(a.ID))
}

// Approve grants a request (POST /approvals/:id/approve) for the fingerprint
// the page showed, enqueuing its item, and opens the item's page.
func (h *Handler) Approve(c echo.Context) error {
	a, err := h.approval(c)
	if err != nil {
		return err
	}
	_, err = h.store.ApproveRequest(c.Request().Context(), a.ID, c.FormValue("fingerprint"),
		store.AuditEntry{Actor: web.Actor(c), IP: c.RealIP()}, h.queue)
	if err != nil {
		return h.decision(c, a, err)
	}
	web.AddFlash(c, web.FlashSuccess, "approvals.approved", strconv.FormatInt(a.ID, 10))
	return web.SeeOther(c, components.ApprovalItemURL(a))
}

// Reject turns a request down (POST /approvals/:id/reject); the reason is
// required: without one the page comes back with the error under it and
// what was typed.
func (h *Handler) Reject(c echo.Context) error {
	a, err := h.approval(c)
	if err != nil {
		return err
	}
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f := forms.ParseReject(vals)
	// Only someone who may decide is told about the reason.
	if errs := f.Validate(); !errs.OK() && a.RequestedBy != web.Actor(c) {
		return h.render(c, http.StatusUnprocessableEntity, a, f, errs)
	}
	_, err = h.store.RejectRequest(c.Request().Context(), a.ID, f.Reason, store.AuditEntry{Actor: web.Actor(c), IP: c.RealIP()})
	if err != nil {
		return h.decision(c, a, err)
	}
	web.AddFlash(c, web.FlashSuccess, "approvals.rejected", strconv.FormatInt(a.ID, 10))
	return web.SeeOther(c, components.ApprovalItemURL(a))
}
