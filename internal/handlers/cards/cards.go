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
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/approval"
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
	// Approval decides which pushes wait for another admin (the zero
	// policy: none).
	Approval approval.Policy
	// Pace estimates how long a push takes (confirmation) and has left (job
	// page): CONSOLE_PUSH_WORKERS, CONSOLE_PUSH_RATE and 橙讯's recent latency.
	Pace cardpush.Pace
}

// Enqueuer adds the jobs of a push's calls, or the start job of a
// scheduled push, to the store's transaction, and cancels them there
// (*jobs.Queue).
type Enqueuer interface {
	EnqueueCalls(ctx context.Context, tx *sql.Tx, jobID int64, calls []store.CallRef) error
	CancelCalls(ctx context.Context, tx *sql.Tx, jobID int64, seqs []int) error
	store.Scheduler
}

// New returns the handler. fake may be nil (live mode).
func New(api TemplateAPI, st *store.Store, queue Enqueuer, fake *sbchengxun.Fake) *Handler {
	return &Handler{api: api, store: st, jobs: queue, fake: fake}
}

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
		ID:           strings.TrimSpace(v.Get("draft")),
		TemplateID:   strings.TrimSpace(v.Get("template")),
		TemplateName: forms.TruncateUTF16(v.Get("template_name"), forms.TemplateName.Max),
		Form:         forms.ParseCardDataForm(v),
	}
}

func canPush(c echo.Context) bool { return web.Current(c).Can(auth.RoleAdmin) }

// renderEditor renders the editor page with what every editor page shows:
// whether the viewer may push, and the pushes they can start from.
func (h *Handler) renderEditor(c echo.Context, status int, p pages.EditorProps) error {
	p.CanPush = canPush(c)
	if p.CanPush && p.Draft.TemplateID != "" {
		for _, target := range []string{forms.TargetOrg, forms.TargetAccounts} {
			j, err := h.store.LatestPushJob(c.Request().Context(), p.Draft.TemplateID, target)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			p.Last = append(p.Last, pages.LastPush{Target: target, JobID: j.ID, At: j.CreatedAt})
		}
	}
	return web.Render(c, status, pages.Editor(p))
}

// EditorPage opens the editor for a template (GET /cards/editor?template=ID)
// or on the viewer's draft (GET /cards/editor?draft=ID, back from the targets).
func (h *Handler) EditorPage(c echo.Context) error {
	if id := c.QueryParam("draft"); id != "" {
		d, err := h.loadDraft(c, id)
		if err != nil {
			return draftError(c, err)
		}
		card, err := cardOf(d)
		if err != nil {
			return err
		}
		return h.renderEditor(c, http.StatusOK, pages.EditorProps{Draft: card})
	}
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
	return h.renderEditor(c, http.StatusOK, pages.EditorProps{Draft: d})
}

// EditorPost handles the editor's buttons (POST /cards/editor): add/remove a
// row (JS off: the whole page; htmx: the editor fragment) and "update
// preview". Nothing is saved or pushed from here; the draft id travels on.
func (h *Handler) EditorPost(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	p := pages.EditorProps{Draft: parseDraft(vals), CanPush: canPush(c)}
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
	return h.renderEditor(c, status, p)
}

// Preview renders the phone preview of what is typed (POST /cards/preview).
func (h *Handler) Preview(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	d := parseDraft(vals)
	return web.Render(c, http.StatusOK, pages.Preview(pages.PreviewProps{TemplateName: d.TemplateName, Form: d.Form}))
}

// saveDraft stores d: a new draft of the viewer when it has no id yet.
func (h *Handler) saveDraft(c echo.Context, d *store.PushDraft) error {
	ctx := c.Request().Context()
	if d.ID == "" {
		d.OwnerID = web.Current(c).Viewer.ID
		created, err := h.store.CreatePushDraft(ctx, *d)
		*d = created
		return err
	}
	err := h.store.UpdatePushDraft(ctx, *d)
	if errors.Is(err, store.ErrNotFound) {
		return errDraftGone // expired since it was read
	}
	return err
}

// SaveCard is the editor's "next" (POST /cards/targets): a valid card is
// saved into the viewer's draft (a new one on the first "next", for the
// template the platform lists) and the targets page follows; an invalid card
// comes back with its errors and everything typed.
func (h *Handler) SaveCard(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	card := parseDraft(vals)
	var d store.PushDraft
	if card.ID != "" {
		if d, err = h.loadDraft(c, card.ID); err != nil {
			return draftError(c, err)
		}
		card.TemplateID, card.TemplateName, card.Form.Type = d.TemplateID, d.TemplateName, d.CardType
	} else {
		t, err := h.template(c, card.TemplateID)
		if _, ok := upstream.AsAPIError(err); ok {
			return h.renderEditor(c, http.StatusBadGateway, pages.EditorProps{Draft: card, Err: err})
		}
		if err != nil {
			return err
		}
		card.TemplateName, card.Form.Type = t.Name, string(t.Type)
	}
	if errs := card.Form.Validate(); !errs.OK() {
		return h.renderEditor(c, http.StatusUnprocessableEntity, pages.EditorProps{Draft: card, Errs: errs})
	}
	if err := setCard(&d, card); err != nil {
		return err
	}
	if err := h.saveDraft(c, &d); err != nil {
		return draftError(c, err)
	}
	return web.SeeOther(c, "/cards/targets?draft="+d.ID)
}

// StartFromLast fills the editor with the card last pushed from a template to
// a target (POST /cards/last). The draft (a new one unless one is posted)
// takes the job's card, target, enterprise and show-on-all; account lists and
// uploads it holds stay.
func (h *Handler) StartFromLast(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	target := vals.Get("target")
	if target != forms.TargetOrg && target != forms.TargetAccounts {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	var d store.PushDraft
	templateID := strings.TrimSpace(vals.Get("template"))
	if id := vals.Get("draft"); id != "" {
		if d, err = h.loadDraft(c, id); err != nil {
			return draftError(c, err)
		}
		templateID = d.TemplateID
	}
	j, err := h.store.LatestPushJob(c.Request().Context(), templateID, target)
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	form, err := cardpush.FormFromJob(j, web.Current(c).Loc())
	if err != nil {
		return err
	}
	name := d.TemplateName
	if name == "" {
		name = j.TemplateName
	}
	if err := setCard(&d, pages.Draft{TemplateID: templateID, TemplateName: name, Form: form}); err != nil {
		return err
	}
	d.Target, d.EnterpriseID, d.ShowOnAll = j.Target, j.EnterpriseID, j.ShowOnAll
	if err := h.saveDraft(c, &d); err != nil {
		return draftError(c, err)
	}
	web.AddFlash(c, web.FlashSuccess, "cards.last.filled", strconv.FormatInt(j.ID, 10), web.Current(c).Time(j.CreatedAt, web.DateMinute))
	return web.SeeOther(c, "/cards/editor?draft="+d.ID)
}

// --- targets, confirmation, push ---

// targetsProps is the targets page of a draft.
func (h *Handler) targetsProps(d store.PushDraft) (pages.TargetsProps, error) {
	card, err := cardOf(d)
	t := targetOf(d)
	return pages.TargetsProps{Draft: card, Target: t,
		AccountFile: pages.Upload{Name: d.AccountFile, Count: len(t.FileIDs)},
		DiffFile:    pages.Upload{Name: d.DiffFile, Count: d.DiffCount}}, err
}

// TargetsPage shows where the draft's card goes (GET /cards/targets?draft=ID).
func (h *Handler) TargetsPage(c echo.Context) error {
	d, err := h.loadDraft(c, c.QueryParam("draft"))
	if err != nil {
		return draftError(c, err)
	}
	p, err := h.targetsProps(d)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, pages.Targets(p))
}

// SaveTargets saves what the targets page posted into the draft (POST
// /cards/confirm): the chosen target, the fields the page showed, an uploaded
// file's checked result. Then, by button: "review" checks the targets and
// goes on to the confirmation; "back" returns to the editor; choosing a
// target (a submit with JS off, a change with htmx) or removing a file shows
// the page again. Whatever fails, everything typed is on the page again and a
// good upload stays in the draft.
func (h *Handler) SaveTargets(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	d, err := h.loadDraft(c, vals.Get("draft"))
	if err != nil {
		return draftError(c, err)
	}
	p, err := h.targetsProps(d)
	if err != nil {
		return err
	}
	p.Target.Apply(vals)
	setTarget(&d, p.Target)
	switch vals.Get("remove_file") {
	case "account":
		d.AccountFile, d.AccountFileIDs, p.Target.FileIDs, p.AccountFile = "", "", nil, pages.Upload{}
	case "diff":
		d.DiffFile, d.DiffRows, d.DiffCount, p.DiffFile = "", nil, 0, pages.Upload{}
	}
	errs := forms.Errors{}
	if err := h.readUploads(c, &d, &p, errs); err != nil {
		return err
	}
	err = h.saveDraft(c, &d)
	switch {
	case errors.Is(err, store.ErrTooLarge):
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge) // beyond any one upload: a safeguard
	case err != nil:
		return draftError(c, err)
	}
	if vals.Get("back") != "" {
		return web.SeeOther(c, "/cards/editor?draft="+d.ID)
	}
	if vals.Get("choose") != "" || vals.Get("remove_file") != "" {
		if !errs.OK() || web.IsHTMX(c) {
			p.Errs = errs
			return web.Render(c, statusOf(errs), pages.Targets(p))
		}
		return web.SeeOther(c, "/cards/targets?draft="+d.ID)
	}
	if _, err := h.checkTargets(c.Request().Context(), d, &p, errs); err != nil {
		return err
	}
	if !errs.OK() {
		p.Errs = errs
		return web.Render(c, http.StatusUnprocessableEntity, pages.Targets(p))
	}
	return web.SeeOther(c, "/cards/confirm?draft="+d.ID)
}

func statusOf(errs forms.Errors) int {
	if errs.OK() {
		return http.StatusOK
	}
	return http.StatusUnprocessableEntity
}

// checkTargets adds the problems of the draft's targets to errs; accounts
// are the accounts target's ids (pasted, then uploaded). err is set only when
// the browser went away.
func (h *Handler) checkTargets(ctx context.Context, d store.PushDraft, p *pages.TargetsProps, errs forms.Errors) (accounts forms.AccountList, err error) {
	if p.Target.Target == forms.TargetAccounts {
		if accounts, err = p.Target.Accounts(ctx); err != nil {
			return accounts, err
		}
		p.BadIDs = accounts.Bad
	}
	for k, m := range p.Target.Validate(accounts) {
		errs.Add(k, m.Key, m.Args...)
	}
	if p.Target.Target == forms.TargetDiff && d.DiffCount == 0 && errs.Get("diff_file") == nil {
		errs.Add("diff_file", forms.ErrRequired)
	}
	return accounts, nil
}

// readUploads checks an uploaded id list or different-data file once, as it
// arrives (decoded from UTF-8, GB18030 or .xlsx), and keeps a good one's
// result in the draft. A bad one, or one that cannot be read (too large,
// neither UTF-8 nor GB18030, a broken workbook …), changes nothing and is an
// error under its field; everything else posted is kept. err is set only
// when the browser went away.
func (h *Handler) readUploads(c echo.Context, d *store.PushDraft, p *pages.TargetsProps, errs forms.Errors) error {
	ctx := c.Request().Context()
	if up, ok := uploaded(c, errs, "account_file"); ok {
		list, err := forms.ParseAccountUpload(ctx, up.Name, up.Data)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			uploadError(errs, "account_file", err)
		case len(list.IDs) == 0 && list.Bad.Count == 0:
			errs.Add("account_file", forms.ErrCSVEmpty)
		case !list.Check(errs, "account_file"):
			p.BadFileIDs = list.Bad
		default:
			name := forms.TruncateUTF16(up.Name, maxFileName)
			d.AccountFile, d.AccountFileIDs = name, strings.Join(list.IDs, "\n")
			p.Target.FileIDs, p.AccountFile = list.IDs, pages.Upload{Name: name, Count: len(list.IDs)}
		}
	}
	if up, ok := uploaded(c, errs, "diff_file"); ok {
		rows, csvErrs, err := forms.ParseDiffUpload(ctx, up.Name, up.Data, d.CardType)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			uploadError(errs, "diff_file", err)
			return nil
		case !csvErrs.OK():
			p.CSVErrs = csvErrs
			errs.Add("diff_file", forms.ErrUploadProblems, csvErrs.Count)
			return nil
		}
		enc, err := encodeRows(rows)
		if err != nil {
			return err
		}
		name := forms.TruncateUTF16(up.Name, maxFileName)
		d.DiffFile, d.DiffRows, d.DiffCount = name, enc, len(rows)
		p.DiffFile = pages.Upload{Name: name, Count: len(rows)}
	}
	return nil
}

// uploaded returns the file sent in field; one over its bound is an error
// under the field and is not returned.
func uploaded(c echo.Context, errs forms.Errors, field string) (web.Upload, bool) {
	up, ok := web.Uploaded(c, field)
	if ok && up.TooLarge {
		errs.Add(field, forms.ErrUploadTooLarge, forms.SizeText(up.Limit))
		return up, false
	}
	return up, ok
}

// uploadError puts an upload's reading error under its field.
func uploadError(errs forms.Errors, field string, err error) {
	m, ok := forms.UploadMsg(err)
	if !ok {
		m = forms.Msg{Key: forms.ErrInvalid}
	}
	errs.Add(field, m.Key, m.Args...)
}

// maxFileName bounds the uploaded file name a draft keeps and shows.
const maxFileName = 100

// checked is a push whose every input passed.
type checked struct {
	card    pages.Draft
	target  forms.PushTargetForm
	plan    cardpush.Plan
	preview forms.CardDataForm
	note    string
}

// planOf checks the draft's card and targets and builds its plan. On a
// problem it has rendered the step to fix (editor or targets) and returns
// ok = false.
func (h *Handler) planOf(c echo.Context, d store.PushDraft) (checked, bool, error) {
	tp, err := h.targetsProps(d)
	if err != nil {
		return checked{}, false, err
	}
	card := tp.Draft
	if errs := card.Form.Validate(); !errs.OK() {
		return checked{}, false, h.renderEditor(c, http.StatusUnprocessableEntity, pages.EditorProps{Draft: card, Errs: errs})
	}
	errs := forms.Errors{}
	accounts, err := h.checkTargets(c.Request().Context(), d, &tp, errs)
	if err != nil {
		return checked{}, false, err
	}
	if !errs.OK() {
		tp.Errs = errs
		return checked{}, false, web.Render(c, http.StatusUnprocessableEntity, pages.Targets(tp))
	}

	out := checked{card: card, target: tp.Target, preview: card.Form}
	p := cardpush.Plan{TemplateID: card.TemplateID, TemplateName: card.TemplateName, Target: tp.Target.Target,
		EnterpriseID: tp.Target.EnterpriseID, ShowOnAll: tp.Target.ShowOnAllEnterprise}
	switch p.Target {
	case forms.TargetOrg, forms.TargetAccounts:
		if p.Card, err = cardpush.CardFromForm(card.Form, web.Current(c).Loc()); err != nil {
			return checked{}, false, err
		}
		if p.Target == forms.TargetOrg {
			p.ShowOnAll = false
		} else {
			p.AccountIDs = accounts.IDs
		}
	case forms.TargetDiff:
		rows, err := decodeRows(d.DiffRows)
		if err != nil {
			return checked{}, false, err
		}
		p.Entries = make([]cardpush.Entry, 0, len(rows))
		for _, r := range rows {
			card, err := cardpush.CardFromItems(d.CardType, r.Items, web.Current(c).Loc())
			if err != nil {
				return checked{}, false, err
			}
			p.Entries = append(p.Entries, cardpush.Entry{AccountID: r.AccountID, Card: card})
		}
		out.preview = forms.CardDataForm{Type: d.CardType, Items: rows[0].Items}
		out.note = web.T(c, "cards.confirm.diff_note", rows[0].AccountID, len(rows))
	}
	out.plan = p
	return out, true, nil
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

// ConfirmPage shows the draft's push before it is sent (GET /cards/confirm?draft=ID).
func (h *Handler) ConfirmPage(c echo.Context) error {
	d, err := h.loadDraft(c, c.QueryParam("draft"))
	if err != nil {
		return draftError(c, err)
	}
	ck, ok, err := h.planOf(c, d)
	if !ok {
		return err
	}
	return h.renderConfirm(c, http.StatusOK, d, ck, newKey(), "", forms.Errors{})
}

// renderConfirm is the confirmation page of a checked draft: key is this
// confirmation's idempotency key, sendAt the start time as typed.
func (h *Handler) renderConfirm(c echo.Context, status int, d store.PushDraft, ck checked, key, sendAt string, errs forms.Errors) error {
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
	return web.Render(c, status, pages.Confirm(pages.ConfirmProps{
		Draft: ck.card, Target: ck.target, Accounts: ck.plan.Accounts(), Calls: ck.plan.Calls(),
		Path: path, FirstJSON: pretty.String(), FirstExcerpt: excerpt, Preview: ck.preview, PreviewNote: ck.note,
		Key: key, Version: version(d), SendAt: sendAt, Errs: errs,
		NeedsApproval: h.Approval.Push(ck.plan.Target, ck.plan.Accounts()),
		ETA:           h.Pace.Estimate(ck.plan.Calls()), Workers: h.Pace.Workers, Rate: h.Pace.Rate,
	}))
}

// Push creates the job of a confirmation and starts it (POST /cards/push):
// the plan is the draft's, as the confirmation showed it. The confirmation's
// key makes a second submit return the first job; a draft changed since the
// confirmation was shown (another tab) is confirmed again.
func (h *Handler) Push(c echo.Context) error {
	key := c.FormValue("key")
	if !validKey(key) {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	d, err := h.loadDraft(c, c.FormValue("draft"))
	if err != nil {
		return draftError(c, err)
	}
	if c.FormValue("version") != version(d) {
		web.AddFlash(c, web.FlashError, "cards.draft.changed")
		return web.SeeOther(c, "/cards/confirm?draft="+d.ID)
	}
	ck, ok, err := h.planOf(c, d)
	if !ok {
		return err
	}
	// The optional start time: a bad one brings the confirmation back with
	// the error beside it, as typed, under the same key.
	info := web.Current(c)
	typedAt := c.FormValue(forms.SendAtField)
	errs := forms.Errors{}
	sendAt := forms.ParseSendAt(errs, forms.SendAtField, typedAt, time.Now(), info.Loc())
	if !errs.OK() {
		return h.renderConfirm(c, http.StatusUnprocessableEntity, d, ck, key, typedAt, errs)
	}
	j, calls, err := ck.plan.Job(key, web.Actor(c))
	if err != nil {
		return err
	}
	// A canary sends the first call alone, then waits for an admin.
	canary := c.FormValue("canary") == "1" && len(calls) > 1
	if canary {
		j.Canary = store.CanaryWaiting
	}
	p := ck.plan
	if h.Approval.Push(p.Target, p.Accounts()) {
		j.Approval = store.ApprovalPending // stored with a request; approving enqueues it
	}
	audit := store.AuditEntry{Actor: web.Actor(c), Action: "cards.push.create", IP: c.RealIP(),
		Detail: fmt.Sprintf("template=%s type=%s target=%s enterprise=%s all=%t accounts=%d calls=%d canary=%t",
			p.TemplateID, p.Type(), p.Target, p.EnterpriseID, p.ShowOnAll, p.Accounts(), len(calls), canary)}
	// The job, its calls and their queue jobs (or its start job) commit together.
	var job store.PushJob
	var created bool
	if sendAt.IsZero() {
		job, created, err = h.store.CreatePushJob(c.Request().Context(), j, calls, audit, h.jobs.EnqueueCalls)
	} else {
		j.SendAt = sendAt
		audit.Action = "cards.push.schedule"
		audit.Outcome = store.StateScheduled
		audit.Detail += " send_at=" + info.Time(sendAt, web.DateTime)
		job, created, err = h.store.SchedulePush(c.Request().Context(), j, calls, audit, h.jobs)
	}
	if err != nil {
		return err
	}
	switch {
	case !created:
		web.AddFlash(c, web.FlashInfo, "cards.push.already", strconv.FormatInt(job.ID, 10))
	case job.Approval == store.ApprovalPending:
		web.AddFlash(c, web.FlashInfo, "approvals.push_requested", strconv.FormatInt(job.ID, 10))
	case !sendAt.IsZero():
		web.AddFlash(c, web.FlashSuccess, "schedule.flash.scheduled", info.Time(sendAt, web.DateTime))
	default:
		web.AddFlash(c, web.FlashSuccess, "cards.push.started", strconv.FormatInt(job.ID, 10))
	}
	return web.SeeOther(c, jobPath(job.ID))
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
	if j.Approval != "" {
		a, err := h.store.LatestApproval(ctx, store.ApprovalPush, id)
		if err != nil {
			return p, err
		}
		p.Approval = &a
	}
	if (j.State() == store.PushQueued || j.State() == store.PushRunning) && j.Canary != store.CanaryWaiting {
		p.Left = h.Pace.Estimate(p.Progress.Pending).Duration
	}
	if p.Failed, err = h.failedCalls(ctx, id); err != nil {
		return p, err
	}
	p.Repush = repushProps(j, p.Progress)
	// A feed's push links back to its feed.
	if r, err := h.store.FeedRunOfJob(ctx, id); err == nil {
		f, err := h.store.Feed(ctx, r.FeedID)
		if err != nil {
			return p, err
		}
		p.Feed = &pages.JobFeed{FeedID: f.ID, Name: f.Name, RunID: r.ID}
	} else if !errors.Is(err, store.ErrNotFound) {
		return p, err
	}
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
		key := "cards.job.busy"
		if j, err := h.store.PushJob(c.Request().Context(), id); err == nil && !j.CancelledAt.IsZero() {
			key = "cards.job.stays_cancelled"
		}
		web.AddFlash(c, web.FlashError, key)
	case err != nil:
		return err
	default:
		j, err := h.store.PushJob(c.Request().Context(), id)
		if err != nil {
			return err
		}
		if j.Approval == store.ApprovalPending {
			web.AddFlash(c, web.FlashInfo, "approvals.push_requested", strconv.FormatInt(id, 10))
		} else {
			web.AddFlash(c, web.FlashSuccess, "cards.job.retrying", strconv.Itoa(n))
		}
	}
	return web.SeeOther(c, jobPath(id))
}

// PauseJob pauses a running push (POST /cards/jobs/:id/pause): no new call
// starts; calls in flight finish.
func (h *Handler) PauseJob(c echo.Context) error {
	id, err := h.jobID(c)
	if err != nil {
		return err
	}
	err = h.store.PausePushJob(c.Request().Context(), id, store.AuditEntry{Actor: web.Actor(c), Action: "cards.push.pause", IP: c.RealIP()})
	return h.afterControl(c, id, err, "cards.job.paused_flash", "cards.job.cannot_pause")
}

// ResumeJob continues a paused push, also after its canary call (POST
// /cards/jobs/:id/resume).
func (h *Handler) ResumeJob(c echo.Context) error {
	id, err := h.jobID(c)
	if err != nil {
		return err
	}
	_, err = h.store.ResumePushJob(c.Request().Context(), id,
		store.AuditEntry{Actor: web.Actor(c), Action: "cards.push.resume", IP: c.RealIP()}, h.jobs.EnqueueCalls)
	return h.afterControl(c, id, err, "cards.job.resumed_flash", "cards.job.not_paused")
}

// CancelJobPage asks before cancelling (GET /cards/jobs/:id/cancel): it
// cannot be undone.
func (h *Handler) CancelJobPage(c echo.Context) error {
	id, err := h.jobID(c)
	if err != nil {
		return err
	}
	p, err := h.jobProps(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if !p.Job.Active() || !p.Job.CancelledAt.IsZero() {
		web.AddFlash(c, web.FlashError, "cards.job.cannot_cancel")
		return web.SeeOther(c, jobPath(id))
	}
	return web.Render(c, http.StatusOK, pages.CancelJob(p))
}

// CancelJob cancels what is left of a push (POST /cards/jobs/:id/cancel):
// those calls and their queue jobs, in one transaction; they are never sent.
func (h *Handler) CancelJob(c echo.Context) error {
	id, err := h.jobID(c)
	if err != nil {
		return err
	}
	n, err := h.store.CancelPushJob(c.Request().Context(), id,
		store.AuditEntry{Actor: web.Actor(c), Action: "cards.push.cancel", IP: c.RealIP()}, h.jobs.CancelCalls)
	return h.afterControl(c, id, err, "cards.job.cancelled_flash", "cards.job.cannot_cancel", strconv.Itoa(n))
}

// afterControl answers a pause, resume or cancel: back to the job page with
// what happened (conflict: the push's state did not allow it).
func (h *Handler) afterControl(c echo.Context, id int64, err error, done, conflict string, args ...string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	case errors.Is(err, store.ErrConflict):
		web.AddFlash(c, web.FlashError, conflict)
	case err != nil:
		return err
	default:
		web.AddFlash(c, web.FlashSuccess, done, append([]string{strconv.FormatInt(id, 10)}, args...)...)
	}
	return web.SeeOther(c, jobPath(id))
}

func jobPath(id int64) string { return "/cards/jobs/" + strconv.FormatInt(id, 10) }

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
