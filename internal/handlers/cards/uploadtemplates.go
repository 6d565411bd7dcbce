package cards

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/sheet"
	"github.com/orgconsole/console/internal/web"
)

// mimeXLSX is the media type of an .xlsx workbook.
const mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// UploadTemplate downloads the template of an upload field
// (GET /cards/upload-templates/:file, file = accounts, diff-keydata or
// diff-list, with .csv or .xlsx): the header row and one example row, which
// upload again as they are.
func (h *Handler) UploadTemplate(c echo.Context) error {
	name, ext, _ := strings.Cut(c.Param("file"), ".")
	var t forms.UploadTemplate
	switch name {
	case "accounts":
		t = forms.AccountsTemplate()
	case "diff-keydata":
		t = forms.DiffTemplate(forms.CardKeyData)
	case "diff-list":
		t = forms.DiffTemplate(forms.CardList)
	default:
		return echo.NewHTTPError(http.StatusNotFound)
	}
	switch ext {
	case "csv":
		w, err := csvexport.Start(c.Response(), web.Current(c).Lang, t.Name+".csv", t.Header...)
		if err != nil {
			return nil // the browser went away
		}
		cells := make([]csvexport.Cell, len(t.Example))
		for i, v := range t.Example {
			cells[i] = csvexport.Text(v)
		}
		cells[0] = csvexport.ID(t.Example[0]) // account_id: Excel keeps it as text
		if err := w.Row(cells...); err != nil {
			return nil
		}
		w.Finish(c.Request().Context(), nil)
		return nil
	case "xlsx":
		var buf bytes.Buffer
		if err := sheet.WriteXLSX(&buf, t.Name, t.Header, t.Example); err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+t.Name+`.xlsx"`)
		return c.Blob(http.StatusOK, mimeXLSX, buf.Bytes())
	}
	return echo.NewHTTPError(http.StatusNotFound)
}
