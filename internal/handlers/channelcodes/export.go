package channelcodes

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/clients/scrm"
	"github.com/orgconsole/console/internal/clients/upstream"
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
//   - UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly;
//     the header row is in the viewer's language.
//   - Id cells (id, group id, creator id, staff and backend-staff id lists) are
//     written as ="527448137486400": Excel shows the digits as text instead of
//     rounding them to 5.27E+14. A CSV parser reads the cell as
//     ="527448137486400"; ParseIDCell recovers the exact value.
//   - Text cells that start with = + - @ tab or CR get a leading ' so a
//     spreadsheet does not run them as formulas.
//   - If the platform fails after rows went out, the file ends with one row
//     whose first cell starts with ExportIncompleteMark and says so (and the failure is
//     logged), rather than looking complete. If it fails before the first
//     row, the list page explains the failure instead of a download.

// ExportIncompleteMark starts the last row of an export the platform broke off.
const ExportIncompleteMark = "#!"

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
	p := views.ListProps{Filter: f, Errs: f.Validate(), ExportURL: exportURL(f)}
	if !p.Errs.OK() {
		return h.render(c, http.StatusUnprocessableEntity, p)
	}
	req := request(f.Params())
	req.Size = scrm.MaxSize
	lang := web.Current(c).Lang
	res := c.Response()
	w := csv.NewWriter(res)
	var (
		started  bool
		rows     int
		writeErr error // the browser went away: not the platform's fault
	)
	start := func() {
		started = true
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition,
			fmt.Sprintf(`attachment; filename="channel-codes-%s.csv"`, h.now().Format("20060102-150405")))
		res.WriteHeader(http.StatusOK)
		_, _ = res.Write([]byte("\ufeff"))
		head := make([]string, len(exportColumns))
		for i, k := range exportColumns {
			head[i] = i18n.Tr(lang, k)
		}
		_ = w.Write(head)
	}
	err := h.codes.Walk(c.Request().Context(), req, func(code scrm.ChannelCode) error {
		if !started {
			start()
		}
		if writeErr = w.Write(exportRow(code)); writeErr != nil {
			return writeErr
		}
		if rows++; rows%h.perPage == 0 {
			w.Flush()
			if writeErr = w.Error(); writeErr != nil {
				return writeErr
			}
			res.Flush()
		}
		return nil
	})
	switch {
	case writeErr != nil:
		h.log.Info("channel codes: export abandoned by the browser", "rows", rows, "err", writeErr)
		return nil
	case err != nil && !started:
		h.log.Warn("channel codes: export failed before the first row", "err", err)
		p.Upstream = views.Explain(err)
		return h.render(c, http.StatusBadGateway, p)
	case !started:
		start() // nothing matches: the header row alone
	}
	if err != nil {
		h.log.Error("channel codes: export broken off by the platform", "rows", rows, "err", err)
		// As wide as the other rows, so strict CSV readers accept the file.
		last := make([]string, len(exportColumns))
		last[0] = ExportIncompleteMark + " " + i18n.Tr(lang, "channelcodes.export.incomplete", rows, describe(lang, err))
		_ = w.Write(last)
	}
	w.Flush()
	return nil
}

// exportRow is one code's cells.
func exportRow(code scrm.ChannelCode) []string {
	return []string{
		excelID(strconv.FormatInt(code.ID, 10)),
		csvText(code.State),
		csvText(code.Description),
		excelID(idOrEmpty(code.GroupID)),
		csvText(code.GroupName),
		excelID(idOrEmpty(code.CreatorID)),
		excelID(joinIDs(code.Users)),
		excelID(joinIDs(code.BackendUsers)),
		csvText(code.CreateTime),
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

// describe says what failed in words a user can act on (never a Go error string).
func describe(lang i18n.Lang, err error) string {
	e, ok := upstream.AsAPIError(err)
	if !ok {
		return i18n.Tr(lang, "error.unexpected")
	}
	s := e.Platform
	if e.Code != "" {
		s += " " + i18n.Tr(lang, "upstream.code") + " " + e.Code
		if e.Message != "" {
			s += ": " + e.Message
		}
		return s
	}
	return s + ": " + i18n.Tr(lang, "upstream.kind."+string(e.Kind))
}
