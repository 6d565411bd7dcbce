// Package feeds is the card data feed area (issue 11): an admin attaches a
// feed — a URL answering a card's items as JSON — to a push target, with a
// schedule, on/off and "run now"; the feed page shows its runs. The runs
// themselves are jobs (internal/jobs/feed_run.go). Routes and roles are
// listed in internal/handlers/routes.go.
package feeds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/approval"
	"github.com/orgconsole/console/internal/clients/chengxun"
	cardfeeds "github.com/orgconsole/console/internal/feeds"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/templates/components"
	pages "github.com/orgconsole/console/web/templates/feeds"
)

// Templates is the part of the 橙讯 client the feed form needs.
type Templates interface {
	ListTemplates(ctx context.Context) (chengxun.TemplateList, error)
}

// Enqueuer adds a run's job to the store's transaction (*jobs.Queue).
type Enqueuer interface {
	EnqueueFeedRun(ctx context.Context, tx *sql.Tx, runID int64) error
}

// Handler serves the feed pages.
type Handler struct {
	api     Templates
	store   *store.Store
	fetcher *cardfeeds.Fetcher // its hosts are the ones a feed's URL may name
	jobs    Enqueuer
	// Approval decides which feeds' settings wait for another admin: those
	// whose runs would be pushes that wait (the zero policy: none).
	Approval approval.Policy
}

// New returns the handler.
func New(api Templates, st *store.Store, fetcher *cardfeeds.Fetcher, queue Enqueuer) *Handler {
	return &Handler{api: api, store: st, fetcher: fetcher, jobs: queue}
}

// runsPerPage is how many runs the feed page lists.
const runsPerPage = 20

// List shows every feed (GET /cards/feeds).
func (h *Handler) List(c echo.Context) error {
	list, err := h.store.ListFeeds(c.Request().Context())
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, pages.List(pages.ListProps{Feeds: list, Hosts: h.fetcher.Hosts()}))
}

// renderForm shows the form with the templates a feed can fill (KEYDATA
// and LIST); a platform failure is shown above it.
func (h *Handler) renderForm(c echo.Context, status int, p pages.FormProps) error {
	p.Hosts, p.ApprovalAbove = h.fetcher.Hosts(), h.Approval.Accounts
	list, err := h.api.ListTemplates(c.Request().Context())
	if err != nil {
		p.ListErr = err
		if status == http.StatusOK {
			status = http.StatusBadGateway
		}
	}
	for _, t := range list.Templates {
		if t.Type.Supported() {
			p.Templates = append(p.Templates, t)
		}
	}
	return web.Render(c, status, pages.Form(p))
}

// NewPage shows the form of a new feed (GET /cards/feeds/new[?template=ID]).
func (h *Handler) NewPage(c echo.Context) error {
	f := forms.FeedForm{TemplateID: c.QueryParam("template"), Target: forms.PushTargetForm{Target: forms.TargetOrg},
		Schedule: forms.ScheduleEvery, EveryMinutes: "15", Enabled: true}
	return h.renderForm(c, http.StatusOK, pages.FormProps{Form: f})
}

// formOf is the form of a stored feed.
func formOf(f store.CardFeed) forms.FeedForm {
	out := forms.FeedForm{Name: f.Name, TemplateID: f.TemplateID, URL: f.URL, Enabled: f.Enabled, DailyAt: f.DailyAt,
		Target: forms.PushTargetForm{Target: f.Target, EnterpriseID: f.EnterpriseID, ShowOnAllEnterprise: f.ShowOnAll,
			AccountIDs: strings.Join(f.AccountIDs, "\n")}}
	if f.EveryMinutes > 0 {
		out.Schedule, out.EveryMinutes = forms.ScheduleEvery, strconv.Itoa(f.EveryMinutes)
	} else {
		out.Schedule = forms.ScheduleDaily
	}
	return out
}

// checked reads and checks the posted form and builds the feed it saves.
// ok = false: the form has been rendered again with its errors (or the
// platform's), everything typed kept.
func (h *Handler) checked(c echo.Context, feedID int64) (store.CardFeed, bool, error) {
	vals, err := c.FormParams()
	if err != nil {
		return store.CardFeed{}, false, echo.NewHTTPError(http.StatusBadRequest)
	}
	ctx := c.Request().Context()
	f := forms.ParseFeedForm(vals)
	p := pages.FormProps{FeedID: feedID, Form: f}
	list, listErr := h.api.ListTemplates(ctx)
	byID := map[string]chengxun.Template{}
	for _, t := range list.Templates {
		if t.Type.Supported() {
			byID[t.ID] = t
		}
	}
	known := func(id string) bool { _, ok := byID[id]; return ok || listErr != nil }
	errs, accounts, err := f.Validate(ctx, func(u *url.URL) bool { return h.fetcher.Hosts().Allows(u) }, known)
	if err != nil {
		return store.CardFeed{}, false, err
	}
	if !errs.OK() || listErr != nil {
		p.Errs, p.BadIDs = errs, accounts.Bad
		status := http.StatusUnprocessableEntity
		if listErr != nil {
			status = http.StatusBadGateway // the template's name and type are the platform's
		}
		return store.CardFeed{}, false, h.renderForm(c, status, p)
	}
	t := byID[f.TemplateID]
	feed := store.CardFeed{ID: feedID, Name: f.Name, TemplateID: t.ID, TemplateName: t.Name, CardType: string(t.Type),
		Target: f.Target.Target, EnterpriseID: f.Target.EnterpriseID, URL: f.URL, Enabled: f.Enabled, CreatedBy: web.Actor(c)}
	if feed.Target == forms.TargetAccounts {
		feed.ShowOnAll, feed.AccountIDs = f.Target.ShowOnAllEnterprise, accounts.IDs
	}
	if f.Schedule == forms.ScheduleEvery {
		feed.EveryMinutes = f.Every()
	} else {
		feed.DailyAt = f.DailyAt
	}
	feed.NextRunAt = cardfeeds.Next(feed, time.Now(), web.Current(c).Loc())
	if h.Approval.Push(feed.Target, len(feed.AccountIDs)) {
		feed.Approval = store.ApprovalPending // its settings are asked for, or kept if approved as they are
	}
	return feed, true, nil
}

// auditDetail describes a feed's settings for the audit log.
func auditDetail(f store.CardFeed) string {
	return fmt.Sprintf("name=%s template=%s type=%s target=%s enterprise=%s accounts=%d url=%s every=%d daily=%s enabled=%t",
		f.Name, f.TemplateID, f.CardType, f.Target, f.EnterpriseID, len(f.AccountIDs), f.URL, f.EveryMinutes, f.DailyAt, f.Enabled)
}

// Create saves a new feed (POST /cards/feeds).
func (h *Handler) Create(c echo.Context) error {
	feed, ok, err := h.checked(c, 0)
	if !ok {
		return err
	}
	feed, err = h.store.CreateFeed(c.Request().Context(), feed,
		store.AuditEntry{Actor: web.Actor(c), Action: "cards.feed.create", Detail: auditDetail(feed), IP: c.RealIP()})
	if err != nil {
		return err
	}
	if feed.Approval == store.ApprovalPending {
		web.AddFlash(c, web.FlashInfo, "approvals.feed_requested", feed.Name)
	} else {
		web.AddFlash(c, web.FlashSuccess, "cards.feed.created", feed.Name)
	}
	return web.SeeOther(c, feedPath(feed.ID))
}

func feedPath(id int64) string { return "/cards/feeds/" + strconv.FormatInt(id, 10) }

// feed loads :id (404 when there is none).
func (h *Handler) feed(c echo.Context) (store.CardFeed, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.CardFeed{}, echo.NewHTTPError(http.StatusNotFound)
	}
	f, err := h.store.Feed(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return f, echo.NewHTTPError(http.StatusNotFound)
	}
	return f, err
}

// EditPage shows a feed's form (GET /cards/feeds/:id/edit).
func (h *Handler) EditPage(c echo.Context) error {
	f, err := h.feed(c)
	if err != nil {
		return err
	}
	return h.renderForm(c, http.StatusOK, pages.FormProps{FeedID: f.ID, Form: formOf(f)})
}

// Update saves an edited feed (POST /cards/feeds/:id).
func (h *Handler) Update(c echo.Context) error {
	old, err := h.feed(c)
	if err != nil {
		return err
	}
	feed, ok, err := h.checked(c, old.ID)
	if !ok {
		return err
	}
	err = h.store.UpdateFeed(c.Request().Context(), feed,
		store.AuditEntry{Actor: web.Actor(c), Action: "cards.feed.update", Detail: auditDetail(feed), IP: c.RealIP()})
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	if saved, err := h.store.Feed(c.Request().Context(), feed.ID); err == nil && saved.Approval == store.ApprovalPending {
		web.AddFlash(c, web.FlashInfo, "approvals.feed_requested", feed.Name)
	} else {
		web.AddFlash(c, web.FlashSuccess, "cards.feed.updated", feed.Name)
	}
	return web.SeeOther(c, feedPath(feed.ID))
}

// Page shows a feed and its runs (GET /cards/feeds/:id[?page=N]); htmx
// polls get the runs fragment only.
func (h *Handler) Page(c echo.Context) error {
	f, err := h.feed(c)
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	runs, total, err := h.store.FeedRuns(c.Request().Context(), f.ID, (page-1)*runsPerPage, runsPerPage)
	if err != nil {
		return err
	}
	pagesN := max(1, (total+runsPerPage-1)/runsPerPage)
	p := pages.FeedProps{Feed: f, Runs: runs, Pager: components.PagerProps{Summary: web.T(c, "pager.summary", page, pagesN, total)}}
	if f.Approval != "" {
		a, err := h.store.LatestApproval(c.Request().Context(), store.ApprovalFeed, f.ID)
		if err != nil {
			return err
		}
		p.Approval = &a
	}
	if page > 1 {
		p.Pager.PrevURL = feedPath(f.ID) + "?page=" + strconv.Itoa(page-1)
	}
	if page < pagesN {
		p.Pager.NextURL = feedPath(f.ID) + "?page=" + strconv.Itoa(page+1)
	}
	for _, r := range runs {
		p.Active = p.Active || !r.Finished()
	}
	if web.IsHTMX(c) {
		return web.Render(c, http.StatusOK, pages.Runs(p))
	}
	return web.Render(c, http.StatusOK, pages.Feed(p))
}

// RunNow queues a run of the feed, whatever its schedule, state or pause
// (POST /cards/feeds/:id/run): the way to try a fixed source at once.
func (h *Handler) RunNow(c echo.Context) error {
	f, err := h.feed(c)
	if err != nil {
		return err
	}
	run, err := h.store.QueueFeedRun(c.Request().Context(), f.ID, web.Actor(c),
		store.AuditEntry{Actor: web.Actor(c), Action: "cards.feed.run", IP: c.RealIP()}, h.jobs.EnqueueFeedRun)
	switch {
	case errors.Is(err, store.ErrConflict):
		web.AddFlash(c, web.FlashError, "cards.feed.flash.busy")
	case errors.Is(err, store.ErrAwaitingApproval):
		web.AddFlash(c, web.FlashError, "cards.feed.flash.awaiting_approval")
	case err != nil:
		return err
	default:
		web.AddFlash(c, web.FlashSuccess, "cards.feed.flash.queued", strconv.FormatInt(run.ID, 10))
	}
	return web.SeeOther(c, feedPath(f.ID))
}

// Resume ends the pause of a feed that failed too often (POST /cards/feeds/:id/resume).
func (h *Handler) Resume(c echo.Context) error {
	f, err := h.feed(c)
	if err != nil {
		return err
	}
	f.NextRunAt = cardfeeds.Next(store.CardFeed{EveryMinutes: f.EveryMinutes, DailyAt: f.DailyAt}, time.Now(), web.Current(c).Loc())
	if err := h.store.ResumeFeed(c.Request().Context(), f.ID, f.NextRunAt,
		store.AuditEntry{Actor: web.Actor(c), Action: "cards.feed.resume", IP: c.RealIP()}); err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, "cards.feed.resumed", f.Name)
	return web.SeeOther(c, feedPath(f.ID))
}
