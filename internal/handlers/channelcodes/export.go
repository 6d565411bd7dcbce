package channelcodes

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/clients/scrm"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/web"
	views "github.com/orgconsole/console/web/templates/channelcodes"
)

// The CSV export (GET /channel-codes/export.csv?<filters>).
//
//   - Every code matching the filters, newest first, fetched with scrm.Walk at
//     the largest page size; rows are written and flushed page by page, never
//     collected, so memory does not grow with the count.
//   - The status, headers, byte-order mark and header row are flushed before
//     the first platform call, so the browser shows the download at once even
//     when the walk takes seconds (100,000 codes: ~6 s).
//   - The walk runs on the request's context: a browser that goes away
//     cancels the platform call under way and no further page is fetched.
//   - UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly;
//     the header row is in the viewer's language.
//   - Id cells (id, group id, creator id, staff and backend-staff id lists) are
//     written as ="527448137486400": Excel shows the digits as text instead of
//     rounding them to 5.27E+14. A CSV parser reads the cell as
//     ="527448137486400"; ParseIDCell recovers the exact value.
//   - Text cells that start with = + - @ tab or CR get a leading ' so a
//     spreadsheet does not run them as formulas.
//   - Wrong filters (only reachable by editing the URL: the page offers no
//     export link while its filters are wrong) get the list page with the
//     errors (422), before anything is sent.
//   - If the platform fails — before the first row or after many — the file
//     ends with one row whose first cell starts with ExportIncompleteMark and
//     names the platform, code and message (and the failure is logged), rather
//     than looking complete. An error page is not an option once the download
//     started, and a download link would not show one anyway.

// ExportIncompleteMark starts the last row of an export the platform broke off.
const ExportIncompleteMark = "#!"

// errWrite marks a failed write to the browser (it went away).
var errWrite = errors.New("channel codes: writing the export")

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
	req := request(f.Params(web.Current(c).Loc()))
	req.Size = scrm.MaxSize
	lang := web.Current(c).Lang
	ctx := c.Request().Context()
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="channel-codes-%s.csv"`, web.Current(c).Time(h.now(), web.FileStamp)))
	res.WriteHeader(http.StatusOK)
	_, _ = res.Write([]byte("\ufeff"))
	w := csv.NewWriter(res)
	head := make([]string, len(exportColumns))
	for i, k := range exportColumns {
		head[i] = i18n.Tr(lang, k)
	}
	_ = w.Write(head)
	w.Flush()
	res.Flush()

	rows := 0
	err := h.codes.Walk(ctx, req, func(code scrm.ChannelCode) error {
		if err := w.Write(exportRow(ctx, code)); err != nil {
			return fmt.Errorf("%w: %w", errWrite, err)
		}
		if rows++; rows%h.perPage == 0 {
			w.Flush()
			if err := w.Error(); err != nil {
				return fmt.Errorf("%w: %w", errWrite, err)
			}
			res.Flush()
		}
		return nil
	})
	if err != nil && (ctx.Err() != nil || errors.Is(err, errWrite)) {
		// The browser went away: not the platform's fault, and nobody to tell.
		h.log.Info("channel codes: export abandoned by the browser", "rows", rows)
		return nil
	}
	if err != nil {
		h.log.Error("channel codes: export broken off by the platform", "rows", rows, "err", err)
		// As wide as the other rows, so strict CSV readers accept the file.
		last := make([]string, len(exportColumns))
		last[0] = ExportIncompleteMark + " " + i18n.Tr(lang, "channelcodes.export.incomplete", rows, web.DescribeUpstream(lang, err))
		_ = w.Write(last)
	}
	w.Flush()
	return nil
}

// exportRow is one code's cells.
func exportRow(ctx context.Context, code scrm.ChannelCode) []string {
	return []string{
		excelID(strconv.FormatInt(code.ID, 10)),
		csvText(code.State),
		csvText(code.Description),
		excelID(idOrEmpty(code.GroupID)),
		csvText(code.GroupName),
		excelID(idOrEmpty(code.CreatorID)),
		excelID(joinIDs(code.Users)),
		excelID(joinIDs(code.BackendUsers)),
		csvText(views.Created(ctx, code.CreateTime)),
		csvText(code.CodeURL),
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

// excelID keeps digits as text in Excel; "" stays an empty cell. Only
// digits and ';' ever reach it, so the formula cannot carry anything else.
func excelID(digits string) string {
	if digits == "" {
		return ""
	}
	return `="` + digits + `"`
}

// ParseIDCell recovers the id text of an export cell (="123" → 123, also
// tolerating a plain 123), for anyone reading the file back.
func ParseIDCell(cell string) string {
	if s, ok := strings.CutPrefix(cell, `="`); ok {
		return strings.TrimSuffix(s, `"`)
	}
	return cell
}

// csvText stops spreadsheet formula injection from platform text.
func csvText(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
