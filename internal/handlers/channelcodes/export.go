package channelcodes

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/clients/scrm"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/web"
	views "github.com/orgconsole/console/web/templates/channelcodes"
)

// The CSV export (GET /channel-codes/export.csv?<filters>), written with
// csvexport (BOM, formula-safe text, ="…" ids, the incomplete row):
//
//   - Every code matching the filters, newest first, fetched with scrm.Walk at
//     the largest page size; rows are written and flushed page by page, never
//     collected, so memory does not grow with the count.
//   - The status, headers, byte-order mark and header row are flushed before
//     the first platform call, so the browser shows the download at once even
//     when the walk takes seconds (100,000 codes: ~6 s).
//   - The walk runs on the request's context: a browser that goes away
//     cancels the platform call under way and no further page is fetched.
//     The page's upstream budget does not apply: the download shows progress
//     as it goes, so each page fetched has the client's timeout of its own.
//   - The header row is in the viewer's language. Id cells (id, group id,
//     creator id, staff and backend-staff id lists joined with ";") are ids.
//   - Wrong filters (only reachable by editing the URL: the page offers no
//     export link while its filters are wrong) get the list page with the
//     errors (422), before anything is sent.
//   - If the platform fails — before the first row or after many — the file
//     ends with the incomplete row naming the platform, code and message (and
//     the failure is logged).

// exportColumns are the header keys, in column order.
var exportColumns = []string{
	"channelcodes.col.id", "channelcodes.col.name", "channelcodes.col.description",
	"channelcodes.col.group_id", "channelcodes.col.group", "channelcodes.col.creator",
	"channelcodes.col.staff", "channelcodes.col.backend_staff", "channelcodes.col.created",
	"channelcodes.col.code_url",
}

// Export streams the CSV of every code matching the filters.
func (h *Handler) Export(c echo.Context) error {
	f := forms.ParseChannelCodeFilter(c.QueryParams())
	f.Cursor, f.Prev, f.Size = "", "", "" // the export always starts at the beginning
	if errs := f.Validate(); !errs.OK() {
		return h.render(c, http.StatusUnprocessableEntity, views.ListProps{Filter: f, Errs: errs})
	}
	req := request(f.Params())
	req.Size = scrm.MaxSize
	lang := web.Current(c).Lang
	ctx := upstream.WithoutBudget(c.Request().Context())
	head := make([]string, len(exportColumns))
	for i, k := range exportColumns {
		head[i] = i18n.Tr(lang, k)
	}
	w, err := csvexport.Start(c.Response(), lang, "channel-codes-"+h.now().Format("20060102-150405")+".csv", head...)
	if err != nil {
		return nil // the browser went away before the first byte
	}
	err = h.codes.Walk(ctx, req, func(code scrm.ChannelCode) error {
		if err := w.Row(exportRow(code)...); err != nil {
			return err
		}
		if w.Rows()%h.perPage == 0 {
			return w.Flush()
		}
		return nil
	})
	switch w.Finish(ctx, err) {
	case csvexport.Abandoned:
		// The browser went away: not the platform's fault, and nobody to tell.
		h.log.Info("channel codes: export abandoned by the browser", "rows", w.Rows())
	case csvexport.Incomplete:
		h.log.Error("channel codes: export broken off by the platform", "rows", w.Rows(), "err", err)
	}
	return nil
}

// exportRow is one code's cells.
func exportRow(code scrm.ChannelCode) []csvexport.Cell {
	return []csvexport.Cell{
		csvexport.ID(strconv.FormatInt(code.ID, 10)),
		csvexport.Text(code.State),
		csvexport.Text(code.Description),
		csvexport.ID(idOrEmpty(code.GroupID)),
		csvexport.Text(code.GroupName),
		csvexport.ID(idOrEmpty(code.CreatorID)),
		csvexport.ID(joinIDs(code.Users)),
		csvexport.ID(joinIDs(code.BackendUsers)),
		csvexport.Text(code.CreateTime),
		csvexport.Text(code.CodeURL),
	}
}

func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ";")
}
