// Package cards is the workbench card area (issue 3): card templates, the
// KEYDATA/LIST editor with its live phone preview, push targets, the
// confirmation page and push jobs. Routes and roles are listed in
// internal/handlers/routes.go; pushing is done by internal/cards.Runner.
package cards

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/auth"
	cardpush "github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/forms"
	sbchengxun "github.com/orgconsole/console/internal/sandbox/chengxun"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	pages "github.com/orgconsole/console/web/templates/cards"
	"github.com/orgconsole/console/web/templates/components"
)

// TemplateAPI is the part of the 橙讯 client the template pages need.
type TemplateAPI interface {
	ListTemplates(ctx context.Context) (chengxun.TemplateList, error)
	AddTemplate(ctx context.Context, in chengxun.TemplateInput) (chengxun.Template, error)
	UpdateTemplate(ctx context.Context, t chengxun.Template) error
	DeleteTemplate(ctx context.Context, id string) error
}

// Handler serves the card pages.
type Handler struct {
	api   TemplateAPI
	store *store.Store
	jobs  Enqueuer
	fake  *sbchengxun.Fake // the sandbox platform; nil in live mode
	loc   *time.Location
}

// Enqueuer adds the jobs of a push's calls to the store's transaction
// (*jobs.Queue).
type Enqueuer interface {
	EnqueueCalls(ctx context.Context, tx *sql.Tx, jobID int64, calls []store.CallRef) error
}

// New returns the handler. fake may be nil (live mode).
func New(api TemplateAPI, st *store.Store, queue Enqueuer, fake *sbchengxun.Fake) *Handler {
	return &Handler{api: api, store: st, jobs: queue, fake: fake, loc: forms.Shanghai()}
}

// maxUpload bounds one uploaded id list or CSV (the body limit applies too).
const maxUpload = 10 << 20

// excerptItems is how many elements of a long array (account ids, per-account
// data) the confirmation shows before "… N more"; the full body is one click away.
const excerptItems = 3

// jobsPageSize is the number of push jobs per page.
const jobsPageSize = 50

// audit records a template change with its outcome and the upstream code.
func (h *Handler) audit(c echo.Context, action, target, detail string, err error) error {
	e := store.AuditEntry{Actor: web.Actor(c), Action: action, Target: target, Detail: detail, IP: c.RealIP()}
	if err != nil {
		e.Outcome = store.OutcomeFailed
		if ae, ok := upstream.AsAPIError(err); ok {
			e.UpstreamCode = ae.Code
		}
	}
	return h.store.Audit(c.Request().Context(), e)
}

// upstreamStatus is the status of a page showing a failed platform call.
func upstreamStatus(err error) int {
	if _, ok := upstream.AsAPIError(err); ok {
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// --- templates ---

func (h *Handler) renderTemplates(c echo.Context, status int, p pages.TemplatesProps) error {
	list, err := h.api.ListTemplates(c.Request().Context())
	p.Templates, p.Malformed, p.ListErr = list.Templates, list.Malformed, err
	if p.Form.Type == "" {
		p.Form.Type = forms.CardKeyData
	}
	return web.Render(c, status, pages.Templates(p))
}

// TemplatesPage lists the templates (GET /cards).
func (h *Handler) TemplatesPage(c echo.Context) error {
	return h.renderTemplates(c, http.StatusOK, pages.TemplatesProps{})
}

// CreateTemplate adds a template (POST /cards/templates).
func (h *Handler) CreateTemplate(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f := forms.ParseTemplateForm(vals)
	if errs := f.Validate(); !errs.OK() {
		return h.renderTemplates(c, http.StatusUnprocessableEntity, pages.TemplatesProps{Form: f, Errs: errs})
	}
	t, err := h.api.AddTemplate(c.Request().Context(), chengxun.TemplateInput{Name: f.Name, Type: chengxun.CardType(f.Type)})
	if aerr := h.audit(c, "cards.template.create", t.ID, "name="+f.Name+" type="+f.Type, err); aerr != nil {
		return aerr
	}
	if err != nil {
		return h.renderTemplates(c, upstreamStatus(err), pages.TemplatesProps{Form: f, FormErr: err})
	}
	web.AddFlash(c, web.FlashSuccess, "cards.template.created", t.Name)
	return web.SeeOther(c, "/cards")
}

// template finds :id among the platform's templates.
func (h *Handler) template(c echo.Context, id string) (chengxun.Template, error) {
	list, err := h.api.ListTemplates(c.Request().Context())
	if err != nil {
		return chengxun.Template{}, err
	}
	for _, t := range list.Templates {
		if t.ID == id {
			return t, nil
		}
	}
	return chengxun.Template{}, echo.NewHTTPError(http.StatusNotFound)
}

// templateOrPage loads :id; a platform failure is shown on the list page.
func (h *Handler) templateOrPage(c echo.Context) (chengxun.Template, bool, error) {
	t, err := h.template(c, c.Param("id"))
	if _, ok := upstream.AsAPIError(err); ok {
		return t, false, web.Render(c, http.StatusBadGateway, pages.Templates(pages.TemplatesProps{ListErr: err}))
	}
	return t, err == nil, err
}

// EditTemplatePage shows the edit form (GET /cards/templates/:id/edit).
func (h *Handler) EditTemplatePage(c echo.Context) error {
	t, ok, err := h.templateOrPage(c)
	if !ok {
		return err
	}
	return web.Render(c, http.StatusOK, pages.TemplateEdit(pages.TemplateEditProps{
		Template: t, Form: forms.TemplateForm{ID: t.ID, Name: t.Name, Type: string(t.Type)},
	}))
}

// UpdateTemplate saves the name and type (POST /cards/templates/:id).
func (h *Handler) UpdateTemplate(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f := forms.ParseTemplateForm(vals)
	f.ID = c.Param("id")
	t := chengxun.Template{ID: f.ID, Name: f.Name, Type: chengxun.CardType(f.Type)}
	if errs := f.Validate(); !errs.OK() {
		return web.Render(c, http.StatusUnprocessableEntity, pages.TemplateEdit(pages.TemplateEditProps{Template: t, Form: f, Errs: errs}))
	}
	err = h.api.UpdateTemplate(c.Request().Context(), t)
	if aerr := h.audit(c, "cards.template.update", t.ID, "name="+f.Name+" type="+f.Type, err); aerr != nil {
		return aerr
	}
	if err != nil {
		return web.Render(c, upstreamStatus(err), pages.TemplateEdit(pages.TemplateEditProps{Template: t, Form: f, Err: err}))
	}
	web.AddFlash(c, web.FlashSuccess, "cards.template.updated", t.Name)
	return web.SeeOther(c, "/cards")
}

// DeleteTemplatePage asks for confirmation (GET /cards/templates/:id/delete).
func (h *Handler) DeleteTemplatePage(c echo.Context) error {
	t, ok, err := h.templateOrPage(c)
	if !ok {
		return err
	}
	return web.Render(c, http.StatusOK, pages.TemplateDelete(pages.TemplateDeleteProps{Template: t}))
}

// DeleteTemplate deletes after confirmation (POST /cards/templates/:id/delete).
func (h *Handler) DeleteTemplate(c echo.Context) error {
	t, ok, err := h.templateOrPage(c)
	if !ok {
		return err
	}
	err = h.api.DeleteTemplate(c.Request().Context(), t.ID)
	if aerr := h.audit(c, "cards.template.delete", t.ID, "name="+t.Name+" type="+string(t.Type), err); aerr != nil {
		return aerr
	}
	if err != nil {
		return web.Render(c, upstreamStatus(err), pages.TemplateDelete(pages.TemplateDeleteProps{Template: t, Err: err}))
	}
	web.AddFlash(c, web.FlashSuccess, "cards.template.deleted", t.Name)
	return web.SeeOther(c, "/cards")
}

// --- editor ---

func parseDraft(v url.Values) pages.Draft {
	return pages.Draft{
		TemplateID:   strings.TrimSpace(v.Get("template")),
		TemplateName: forms.TruncateUTF16(v.Get("template_name"), forms.TemplateName.Max),
		Form:         forms.ParseCardDataForm(v),
	}
}

func canPush(c echo.Context) bool { return web.Current(c).Can(auth.RoleAdmin) }

// EditorPage opens the editor for a template (GET /cards/editor?template=ID).
func (h *Handler) EditorPage(c echo.Context) error {
	id := c.QueryParam("template")
	t, err := h.template(c, id)
	if _, ok := upstream.AsAPIError(err); ok {
		return web.Render(c, http.StatusBadGateway, pages.Editor(pages.EditorProps{Err: err, Draft: pages.Draft{TemplateID: id}}))
	}
	if err != nil {
		return err
	}
	if !t.Type.Supported() {
		web.AddFlash(c, web.FlashError, forms.ErrCardTypeNotSupported)
		return web.SeeOther(c, "/cards")
	}
	d := pages.Draft{TemplateID: t.ID, TemplateName: t.Name, Form: forms.CardDataForm{Type: string(t.Type)}}
	d.Form.AddItem()
	return web.Render(c, http.StatusOK, pages.Editor(pages.EditorProps{Draft: d, CanPush: canPush(c)}))
}

// EditorPost handles the editor's buttons (POST /cards/editor): add/remove a
// row (JS off: the whole page; htmx: the editor fragment), "update preview",
// and coming back from the target page. Nothing is pushed from here.
func (h *Handler) EditorPost(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	p := pages.EditorProps{Draft: parseDraft(vals), CanPush: canPush(c), Carry: forms.ParsePushTargetForm(vals), CarryCSV: vals.Get("diff_csv")}
	rowButton := p.Draft.Form.ApplyRowButtons(vals)
	if web.IsHTMX(c) {
		return web.Render(c, http.StatusOK, pages.EditorBody(p))
	}
	status := http.StatusOK
	if !rowButton && vals.Get("preview") != "" {
		if p.Errs = p.Draft.Form.Validate(); !p.Errs.OK() {
			status = http.StatusUnprocessableEntity
		}
	}
	return web.Render(c, status, pages.Editor(p))
}

// Preview renders the phone preview of what is typed (POST /cards/preview).
func (h *Handler) Preview(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	d := parseDraft(vals)
	return web.Render(c, http.StatusOK, pages.Preview(pages.PreviewProps{TemplateName: d.TemplateName, Form: d.Form, Loc: h.loc}))
}

// --- targets, confirmation, push ---

// editorWithErrors sends the user back to the editor when the card is invalid.
func (h *Handler) editorWithErrors(c echo.Context, vals url.Values, d pages.Draft, errs forms.Errors) error {
	return web.Render(c, http.StatusUnprocessableEntity, pages.Editor(pages.EditorProps{
		Draft: d, Errs: errs, CanPush: true, Carry: forms.ParsePushTargetForm(vals), CarryCSV: vals.Get("diff_csv"),
	}))
}

// TargetsPage shows where the card goes (POST /cards/targets, from the
// editor's "next" or the confirmation's "back").
func (h *Handler) TargetsPage(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	d := parseDraft(vals)
	if errs := d.Form.Validate(); !errs.OK() {
		return h.editorWithErrors(c, vals, d, errs)
	}
	p := pages.TargetsProps{Draft: d, Target: forms.ParsePushTargetForm(vals), DiffCSV: vals.Get("diff_csv"), Loc: h.loc}
	if p.Target.Target == "" {
		p.Target.Target = forms.TargetAccounts
	}
	if p.DiffCSV != "" {
		rows, errs, err := forms.ParseDiffDataCSV(c.Request().Context(), strings.NewReader(p.DiffCSV), d.Form.Type)
		if err != nil {
			return err // the browser went away
		}
		p.DiffRows, p.CSVErrs = len(rows), errs
	}
	return web.Render(c, http.StatusOK, pages.Targets(p))
}

// checked is a push whose every input passed.
type checked struct {
	draft   pages.Draft
	target  forms.PushTargetForm
	diffCSV string
	plan    cardpush.Plan
	preview forms.CardDataForm
	note    string
}

// check reads the card, the targets and the uploads, and builds the plan.
// On any error it has rendered the page to fix it and returns ok = false.
func (h *Handler) check(c echo.Context, withUploads bool) (checked, bool, error) {
	vals, err := c.FormParams()
	if err != nil {
		return checked{}, false, echo.NewHTTPError(http.StatusBadRequest)
	}
	d := parseDraft(vals)
	if errs := d.Form.Validate(); !errs.OK() {
		return checked{}, false, h.editorWithErrors(c, vals, d, errs)
	}
	ctx := c.Request().Context()
	tp := pages.TargetsProps{Draft: d, Target: forms.ParsePushTargetForm(vals), DiffCSV: vals.Get("diff_csv"), Loc: h.loc}
	errs := forms.Errors{}
	if withUploads {
		if err := h.readUploads(c, &tp, errs); err != nil {
			return checked{}, false, err
		}
	}
	var accounts forms.AccountList
	if tp.Target.Target == forms.TargetAccounts {
		if accounts, err = forms.ParseAccountIDs(ctx, tp.Target.AccountIDs); err != nil {
			return checked{}, false, err // the browser went away
		}
		tp.BadIDs = accounts.Bad
	}
	for k, m := range tp.Target.Validate(accounts) {
		errs.Add(k, m.Key, m.Args...)
	}
	var rows []forms.DiffRow
	if tp.Target.Target == forms.TargetDiff {
		if strings.TrimSpace(tp.DiffCSV) == "" {
			errs.Add("diff_file", forms.ErrRequired)
		} else if rows, tp.CSVErrs, err = forms.ParseDiffDataCSV(ctx, strings.NewReader(tp.DiffCSV), d.Form.Type); err != nil {
			return checked{}, false, err
		}
		tp.DiffRows = len(rows)
		if len(tp.CSVErrs) > 0 {
			errs.Add("diff_file", forms.ErrInvalid)
		}
	}
	if !errs.OK() {
		tp.Errs = errs
		return checked{}, false, web.Render(c, http.StatusUnprocessableEntity, pages.Targets(tp))
	}

	out := checked{draft: d, target: tp.Target, diffCSV: tp.DiffCSV, preview: d.Form}
	p := cardpush.Plan{TemplateID: d.TemplateID, TemplateName: d.TemplateName, Target: tp.Target.Target,
		EnterpriseID: tp.Target.EnterpriseID, ShowOnAll: tp.Target.ShowOnAllEnterprise}
	switch p.Target {
	case forms.TargetOrg, forms.TargetAccounts:
		if p.Card, err = cardpush.CardFromForm(d.Form, h.loc); err != nil {
			return checked{}, false, err
		}
		if p.Target == forms.TargetOrg {
			p.ShowOnAll = false
		} else {
			p.AccountIDs = accounts.IDs
			out.target.AccountIDs = strings.Join(p.AccountIDs, "\n") // the clean list travels on
		}
	case forms.TargetDiff:
		p.Entries = make([]cardpush.Entry, 0, len(rows))
		for _, r := range rows {
			card, err := cardpush.CardFromItems(d.Form.Type, r.Items, h.loc)
			if err != nil {
				return checked{}, false, err
			}
			p.Entries = append(p.Entries, cardpush.Entry{AccountID: r.AccountID, Card: card})
		}
		out.preview = forms.CardDataForm{Type: d.Form.Type, Items: rows[0].Items}
		out.note = web.T(c, "cards.confirm.diff_note", rows[0].AccountID, len(rows))
	}
	out.plan = p
	return out, true, nil
}

// readUploads puts an uploaded id list into the pasted list (so the user sees
// it) and an uploaded different-data CSV into the carried CSV. err is set
// only when the browser went away.
func (h *Handler) readUploads(c echo.Context, tp *pages.TargetsProps, errs forms.Errors) error {
	ctx := c.Request().Context()
	if b, name, ok := upload(c, "account_file"); ok {
		list, err := forms.ParseAccountUpload(ctx, name, bytes.NewReader(b))
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			errs.Add("account_file", forms.ErrCSVSyntax)
		case !list.Check(errs, "account_file"):
			tp.BadFileIDs = list.Bad
		default:
			if strings.TrimSpace(tp.Target.AccountIDs) != "" {
				tp.Target.AccountIDs = strings.TrimRight(tp.Target.AccountIDs, "\r\n") + "\n"
			}
			tp.Target.AccountIDs += strings.Join(list.IDs, "\n")
		}
	}
	if b, _, ok := upload(c, "diff_file"); ok {
		tp.DiffCSV = string(b)
	}
	return nil
}

// upload reads a non-empty uploaded file.
func upload(c echo.Context, field string) ([]byte, string, bool) {
	fh, err := c.FormFile(field)
	if err != nil || fh.Size == 0 {
		return nil, "", false
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxUpload))
	return b, fh.Filename, err == nil
}

// newKey is the idempotency key of one confirmation page.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

func validKey(k string) bool {
	b, err := hex.DecodeString(k)
	return err == nil && len(b) == 16
}

// ConfirmPage shows the push before it is sent (POST /cards/confirm).
func (h *Handler) ConfirmPage(c echo.Context) error {
	ck, ok, err := h.check(c, true)
	if !ok {
		return err
	}
	path, body, err := ck.plan.FirstCall()
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		return err
	}
	excerpt, err := excerptJSON(body, excerptItems, func(n int) string { return web.T(c, "cards.confirm.more_items", n) })
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, pages.Confirm(pages.ConfirmProps{
		Draft: ck.draft, Target: ck.target, DiffCSV: ck.diffCSV, Accounts: ck.plan.Accounts(), Calls: ck.plan.Calls(),
		Path: path, FirstJSON: pretty.String(), FirstExcerpt: excerpt, Preview: ck.preview, PreviewNote: ck.note, Key: newKey(), Loc: h.loc,
	}))
}

// Push creates the job of a confirmation and starts it (POST /cards/push).
// The confirmation's key makes a second submit return the first job.
func (h *Handler) Push(c echo.Context) error {
	key := c.FormValue("key")
	if !validKey(key) {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	ck, ok, err := h.check(c, false)
	if !ok {
		return err
	}
	j, calls, err := ck.plan.Job(key, web.Actor(c))
	if err != nil {
		return err
	}
	p := ck.plan
	audit := store.AuditEntry{Actor: web.Actor(c), Action: "cards.push.create", IP: c.RealIP(),
		Detail: fmt.Sprintf("template=%s type=%s target=%s enterprise=%s all=%t accounts=%d calls=%d",
			p.TemplateID, p.Type(), p.Target, p.EnterpriseID, p.ShowOnAll, p.Accounts(), len(calls))}
	// The job, its calls and their queue jobs commit together.
	job, created, err := h.store.CreatePushJob(c.Request().Context(), j, calls, audit, h.jobs.EnqueueCalls)
	if err != nil {
		return err
	}
	if !created {
		web.AddFlash(c, web.FlashInfo, "cards.push.already", strconv.FormatInt(job.ID, 10))
	} else {
		web.AddFlash(c, web.FlashSuccess, "cards.push.started", strconv.FormatInt(job.ID, 10))
	}
	return web.SeeOther(c, "/cards/jobs/"+strconv.FormatInt(job.ID, 10))
}

// --- jobs ---

// JobsPage lists push jobs (GET /cards/jobs). The job pages are admin-only,
// like pushing: content staff edit and preview cards but do not push, and
// these pages show account ids and the platform's answers and offer retry
// and resume.
func (h *Handler) JobsPage(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	jobs, total, err := h.store.ListPushJobs(c.Request().Context(), (page-1)*jobsPageSize, jobsPageSize)
	if err != nil {
		return err
	}
	pagesN := max(1, (total+jobsPageSize-1)/jobsPageSize)
	p := pages.JobsProps{Jobs: jobs, Pager: components.PagerProps{Summary: web.T(c, "pager.summary", page, pagesN, total)}}
	if page > 1 {
		p.Pager.PrevURL = "/cards/jobs?page=" + strconv.Itoa(page-1)
	}
	if page < pagesN {
		p.Pager.NextURL = "/cards/jobs?page=" + strconv.Itoa(page+1)
	}
	return web.Render(c, http.StatusOK, pages.Jobs(p))
}

func (h *Handler) jobID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound)
	}
	return id, nil
}

func (h *Handler) jobProps(ctx context.Context, id int64) (pages.JobProps, error) {
	j, err := h.store.PushJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return pages.JobProps{}, echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return pages.JobProps{}, err
	}
	p := pages.JobProps{Job: j, Running: j.Active()}
	if p.Progress, err = h.store.PushProgress(ctx, id); err != nil {
		return p, err
	}
	for _, status := range []string{store.CallFailed, store.CallUnknown} {
		calls, err := h.store.PushCalls(ctx, id, status)
		if err != nil {
			return p, err
		}
		p.Failed = append(p.Failed, calls...)
	}
	slices.SortFunc(p.Failed, func(a, b store.PushCall) int { return a.Seq - b.Seq })
	return p, nil
}

// JobPage shows a job's progress (GET /cards/jobs/:id); htmx polls get the
// progress fragment only.
func (h *Handler) JobPage(c echo.Context) error {
	id, err := h.jobID(c)
	if err != nil {
		return err
	}
	p, err := h.jobProps(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if web.IsHTMX(c) {
		return web.Render(c, http.StatusOK, pages.JobProgress(p))
	}
	return web.Render(c, http.StatusOK, pages.Job(p))
}

// RetryJob resends a finished job's failed calls (POST /cards/jobs/:id/retry).
func (h *Handler) RetryJob(c echo.Context) error {
	id, err := h.jobID(c)
	if err != nil {
		return err
	}
	n, err := h.store.RetryFailedPushCalls(c.Request().Context(), id,
		store.AuditEntry{Actor: web.Actor(c), Action: "cards.push.retry", IP: c.RealIP()}, h.jobs.EnqueueCalls)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	case errors.Is(err, store.ErrConflict):
		web.AddFlash(c, web.FlashError, "cards.job.busy")
	case err != nil:
		return err
	default:
		web.AddFlash(c, web.FlashSuccess, "cards.job.retrying", strconv.Itoa(n))
	}
	return web.SeeOther(c, "/cards/jobs/"+strconv.FormatInt(id, 10))
}

// --- sandbox inspector ---

// SandboxCards shows what the fake platform holds for an account and an
// organisation (GET /sandbox/cards?account=&enterprise=).
func (h *Handler) SandboxCards(c echo.Context) error {
	if h.fake == nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	p := pages.SandboxProps{Account: strings.TrimSpace(c.QueryParam("account")), Enterprise: strings.TrimSpace(c.QueryParam("enterprise"))}
	all := h.fake.AccountIDs()
	p.AccountsN = len(all)
	p.Accounts = all[:min(len(all), 200)]
	p.Enterprises = h.fake.EnterpriseIDs()
	if p.Account != "" {
		p.AccountData = h.fake.AccountCards(p.Account)
	}
	if p.Enterprise != "" {
		if d, ok := h.fake.OrgCard(p.Enterprise); ok {
			p.OrgData = &d
		}
	}
	return web.Render(c, http.StatusOK, pages.SandboxCards(p))
}
