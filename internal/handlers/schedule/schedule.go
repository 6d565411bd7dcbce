// Package schedule is /schedule (issue 11): everything that waits for its
// time, soonest first, and the page that reschedules or cancels one item
// until it starts. Admins see and change scheduled message sends and card
// pushes; content staff see and change scheduled message sends (they share
// the send history, and pushes are admins' work). The item pages (a send's,
// a push job's) say when it is scheduled for and link here.
package schedule

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/templates/components"
	tpl "github.com/orgconsole/console/web/templates/schedule"
)

// Handler serves /schedule.
type Handler struct {
	store *store.Store
	sched store.Scheduler // *jobs.Queue
	now   func() time.Time
}

// New returns the handler.
func New(st *store.Store, sched store.Scheduler) *Handler {
	return &Handler{store: st, sched: sched, now: time.Now}
}

// pageSize is how many items one page of /schedule lists.
const pageSize = 50

// List shows what waits for its time (GET /schedule).
func (h *Handler) List(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	p := tpl.ListProps{WithPushes: web.Current(c).Can(auth.RoleAdmin)}
	items, total, err := h.store.ListScheduled(c.Request().Context(), p.WithPushes, (page-1)*pageSize, pageSize)
	if err != nil {
		return err
	}
	p.Items = items
	pages := max(1, (total+pageSize-1)/pageSize)
	p.Pager = components.PagerProps{Summary: web.T(c, "pager.summary", page, pages, total)}
	if page > 1 {
		p.Pager.PrevURL = "/schedule?page=" + strconv.Itoa(min(page-1, pages))
	}
	if page < pages {
		p.Pager.NextURL = "/schedule?page=" + strconv.Itoa(page+1)
	}
	return web.Render(c, http.StatusOK, tpl.List(p))
}

// item loads the :id item of a kind that waits. ok is false when it has
// answered already: 404, or the item's page with "it has started".
func (h *Handler) item(c echo.Context, item string) (store.ScheduledItem, bool, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.ScheduledItem{}, false, echo.NewHTTPError(http.StatusNotFound)
	}
	it, err := h.store.ScheduledItemByID(c.Request().Context(), item, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return it, false, echo.NewHTTPError(http.StatusNotFound)
	case errors.Is(err, store.ErrConflict):
		return it, false, started(c, item, id)
	case err != nil:
		return it, false, err
	}
	return it, true, nil
}

// started answers for an item that no longer waits: its page, saying so.
func started(c echo.Context, item string, id int64) error {
	web.AddFlash(c, web.FlashError, "schedule.flash.started")
	return web.SeeOther(c, tpl.ItemURL(item, id))
}

// Page shows one item with its reschedule and cancel forms
// (GET /schedule/sends/:id, /schedule/pushes/:id).
func (h *Handler) Page(item string) echo.HandlerFunc {
	return func(c echo.Context) error {
		it, ok, err := h.item(c, item)
		if !ok {
			return err
		}
		return web.Render(c, http.StatusOK, tpl.Change(tpl.ChangeProps{Item: it, Errs: forms.Errors{}}))
	}
}

// Reschedule moves an item to the posted send_at
// (POST /schedule/sends/:id/reschedule, /schedule/pushes/:id/reschedule).
// A past, unparsable or missing time comes back beside the field, as typed.
func (h *Handler) Reschedule(item string) echo.HandlerFunc {
	return func(c echo.Context) error {
		it, ok, err := h.item(c, item)
		if !ok {
			return err
		}
		info := web.Current(c)
		typed := c.FormValue(forms.SendAtField)
		errs := forms.Errors{}
		at := forms.ParseSendAt(errs, forms.SendAtField, typed, h.now(), info.Loc())
		if typed == "" {
			errs.Add(forms.SendAtField, forms.ErrRequired)
		}
		if !errs.OK() {
			return web.Render(c, http.StatusUnprocessableEntity, tpl.Change(tpl.ChangeProps{Item: it, SendAt: typed, Errs: errs}))
		}
		audit := h.audit(c, it, "reschedule", fmt.Sprintf("send_at=%s from=%s", info.Time(at, web.DateTime), info.Time(it.SendAt, web.DateTime)))
		err = h.store.Reschedule(c.Request().Context(), item, it.ID, at, audit, h.sched)
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			return started(c, item, it.ID) // it started (or was cancelled) meanwhile
		}
		if err != nil {
			return err
		}
		web.AddFlash(c, web.FlashSuccess, "schedule.flash.rescheduled", info.Time(at, web.DateTime))
		return web.SeeOther(c, tpl.ItemURL(item, it.ID))
	}
}

// Cancel cancels an item before it starts
// (POST /schedule/sends/:id/cancel, /schedule/pushes/:id/cancel).
func (h *Handler) Cancel(item string) echo.HandlerFunc {
	return func(c echo.Context) error {
		it, ok, err := h.item(c, item)
		if !ok {
			return err
		}
		audit := h.audit(c, it, "cancel", fmt.Sprintf("send_at=%s", web.Current(c).Time(it.SendAt, web.DateTime)))
		audit.Outcome = store.SendCancelled
		err = h.store.CancelScheduled(c.Request().Context(), item, it.ID, audit, h.sched)
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			return started(c, item, it.ID)
		}
		if err != nil {
			return err
		}
		web.AddFlash(c, web.FlashSuccess, "schedule.flash.cancelled")
		return web.SeeOther(c, tpl.ItemURL(item, it.ID))
	}
}

// audit is the entry of a change to a scheduled item: messages.send.<what>
// on the busiId, cards.push.<what> on the job.
func (h *Handler) audit(c echo.Context, it store.ScheduledItem, what, detail string) store.AuditEntry {
	e := store.AuditEntry{Actor: web.Actor(c), IP: c.RealIP(), Target: it.Ref, Detail: detail}
	switch {
	case it.Item == store.ItemPush && what == "cancel":
		e.Action = "cards.push.cancel"
	case it.Item == store.ItemPush:
		e.Action = "cards.push.reschedule"
	case what == "cancel":
		e.Action = "messages.send.cancel"
	default:
		e.Action = "messages.send.reschedule"
	}
	return e
}
