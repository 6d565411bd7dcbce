package cards

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	cardpush "github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	pages "github.com/orgconsole/console/web/templates/cards"
	"github.com/orgconsole/console/web/templates/components"
)

// A finished push whose calls ended failed or unknown offers its accounts
// as a file and as a new push (cardpush.Repushable says when). The new push
// is a draft of the wizard like any other, so it is confirmed, approved,
// scheduled or sent as a canary the same way; retry (RetryJob) is the other
// road, resending the same job's calls.

// failedCalls are a job's failed and unknown calls, in order.
func (h *Handler) failedCalls(ctx context.Context, id int64) ([]store.PushCall, error) {
	var out []store.PushCall
	for _, status := range []string{store.CallFailed, store.CallUnknown} {
		calls, err := h.store.PushCalls(ctx, id, status)
		if err != nil {
			return nil, err
		}
		out = append(out, calls...)
	}
	slices.SortFunc(out, func(a, b store.PushCall) int { return a.Seq - b.Seq })
	return out, nil
}

// failedAccount is one account of a failed or unknown call.
type failedAccount struct {
	call store.PushCall
	row  forms.DiffRow // the account id; for different data also its items
}

// repushable loads job :id when its failed and unknown accounts are offered
// (else 404: the job page shows neither the file nor the button) and lists
// those accounts: none for an organisation push, which has no account list.
func (h *Handler) repushable(c echo.Context) (store.PushJob, []failedAccount, error) {
	id, err := h.jobID(c)
	if err != nil {
		return store.PushJob{}, nil, err
	}
	ctx := c.Request().Context()
	j, err := h.store.PushJob(ctx, id)
	if err != nil {
		return j, nil, notFound(err)
	}
	pr, err := h.store.PushProgress(ctx, id)
	if err != nil {
		return j, nil, err
	}
	if !cardpush.Repushable(j, pr) {
		return j, nil, echo.NewHTTPError(http.StatusNotFound)
	}
	calls, err := h.failedCalls(ctx, id)
	if err != nil {
		return j, nil, err
	}
	var out []failedAccount
	for _, call := range calls {
		switch j.Target {
		case forms.TargetAccounts:
			for _, a := range call.AccountIDs {
				out = append(out, failedAccount{call: call, row: forms.DiffRow{AccountID: a}})
			}
		case forms.TargetDiff:
			rows, err := cardpush.DiffRowsOf(call, web.Current(c).Loc())
			if err != nil {
				return j, nil, err
			}
			for _, r := range rows {
				out = append(out, failedAccount{call: call, row: r})
			}
		}
	}
	if j.Target != forms.TargetOrg && len(out) == 0 {
		return j, nil, echo.NewHTTPError(http.StatusNotFound) // calls without accounts: nothing to offer
	}
	for i := range out {
		out[i].row.Line = i + 2 // its row in the download, under the header
	}
	return j, out, nil
}

// notFound maps the store's not-found to a 404 page.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	return err
}

// failedFileName names the download of a job's failed accounts (also the
// "file" a re-push draft holds them in).
func failedFileName(id int64) string { return "push-" + strconv.FormatInt(id, 10) + "-failed" }

// FailedExport downloads a finished job's failed and unknown accounts (GET
// /cards/jobs/:id/failed.csv): each with its call's outcome and the
// platform's code and message, and for different data the account's own
// items in the upload's columns — so the file, fixed or not, uploads again
// as an account list or a different-data file (forms.ResultColumns are
// ignored there). Every text cell is formula-safe: the platform's message
// and the card data carry text others chose.
func (h *Handler) FailedExport(c echo.Context) error {
	j, accounts, err := h.repushable(c)
	if err != nil {
		return err
	}
	if j.Target == forms.TargetOrg {
		return echo.NewHTTPError(http.StatusNotFound) // no accounts to list
	}
	info := web.Current(c)
	header := append([]string{"account_id"}, forms.ResultColumns...)
	if j.Target == forms.TargetDiff {
		header = append(header, forms.DiffHeader(j.CardType)[1:]...)
	}
	w, err := csvexport.Start(c.Response(), info.Lang, failedFileName(j.ID)+"-"+info.Time(time.Now(), web.FileStamp)+".csv", header...)
	if err != nil {
		return nil // the browser went away before the first byte
	}
	ctx := c.Request().Context()
	cells := make([]csvexport.Cell, 0, len(header))
	for _, a := range accounts {
		cells = append(cells[:0], csvexport.ID(a.row.AccountID), csvexport.Text(i18n.Tr(info.Lang, "cards.call."+a.call.Status)),
			csvexport.Text(a.call.UpstreamCode), csvexport.Text(components.UpstreamText(ctx, a.call.Message)))
		if j.Target == forms.TargetDiff {
			for _, v := range forms.DiffCells(j.CardType, a.row.Items) {
				cells = append(cells, csvexport.Text(v))
			}
		}
		if err = w.Row(cells...); err != nil {
			break
		}
	}
	w.Finish(ctx, err)
	return nil
}

// Repush starts a new push of a finished job's failed and unknown accounts
// (POST /cards/jobs/:id/repush): a new draft of the viewer holding the job's
// template, card, enterprise and show-on-all, and as targets exactly those
// accounts — their ids for an accounts push, their rows with each one's own
// data for different data, the same organisation again for an organisation
// push. It lands on the confirmation, where the push is checked and
// confirmed like any other and becomes a new job.
func (h *Handler) Repush(c echo.Context) error {
	j, accounts, err := h.repushable(c)
	if err != nil {
		return err
	}
	d := store.PushDraft{Target: j.Target, EnterpriseID: j.EnterpriseID, ShowOnAll: j.ShowOnAll}
	card := pages.Draft{TemplateID: j.TemplateID, TemplateName: j.TemplateName}
	switch j.Target {
	case forms.TargetOrg, forms.TargetAccounts:
		if card.Form, err = cardpush.FormFromJob(j, web.Current(c).Loc()); err != nil {
			return err
		}
		if j.Target == forms.TargetAccounts {
			ids := make([]string, len(accounts))
			for i, a := range accounts {
				ids[i] = a.row.AccountID
			}
			d.AccountFile, d.AccountFileIDs = failedFileName(j.ID), strings.Join(ids, "\n")
		}
	case forms.TargetDiff:
		rows := make([]forms.DiffRow, len(accounts))
		for i, a := range accounts {
			rows[i] = a.row
		}
		if d.DiffRows, err = encodeRows(rows); err != nil {
			return err
		}
		d.DiffFile, d.DiffCount = failedFileName(j.ID), len(rows)
		// The editor's card of a different-data push is not sent; the first
		// account's keeps the editor valid should the admin go back to it.
		card.Form = forms.CardDataForm{Type: j.CardType, Items: rows[0].Items}
	}
	if err := setCard(&d, card); err != nil {
		return err
	}
	if err := h.saveDraft(c, &d); err != nil {
		return draftError(c, err)
	}
	if err := h.store.Audit(c.Request().Context(), store.AuditEntry{Actor: web.Actor(c), Action: "cards.push.repush", IP: c.RealIP(),
		Target: fmt.Sprintf("job %d", j.ID), Detail: fmt.Sprintf("target=%s accounts=%d", j.Target, len(accounts))}); err != nil {
		return err
	}
	web.AddFlash(c, web.FlashInfo, "cards.repush.drafted", strconv.FormatInt(j.ID, 10))
	return web.SeeOther(c, "/cards/confirm?draft="+d.ID)
}

// repushProps is what the job page says of a job's failed accounts.
func repushProps(j store.PushJob, pr store.PushProgress) *pages.Repush {
	if !cardpush.Repushable(j, pr) {
		return nil
	}
	return &pages.Repush{Accounts: pr.AccountsFailed + pr.AccountsUnknown, Download: j.Target != forms.TargetOrg}
}
