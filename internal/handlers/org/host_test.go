package org

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/web"
	orgtempl "github.com/orgconsole/console/web/templates/org"
)

// hostForm is how a host page (the message composer) uses the picker: render
// it inside its form; on POST call Handler.Picker and re-render when a picker
// button was pressed, else submit.
func (r *rig) hostForm(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return err
	}
	props, pressed, perr := r.h.Picker(c.Request().Context(), "", "org_ids", vals)
	if c.Request().Method == http.MethodPost && !pressed && perr == nil {
		return c.String(http.StatusOK, "submitted:"+strings.Join(vals["org_ids"], ","))
	}
	status := http.StatusOK
	if perr != nil && c.Request().Method == http.MethodPost {
		status = http.StatusUnprocessableEntity
	}
	return web.Render(c, status, hostPage(props))
}

func hostPage(p orgtempl.PickerProps) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := io.WriteString(w, `<form method="post" action="/host" data-testid="host">`); err != nil {
			return err
		}
		if err := orgtempl.Picker(p).Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, `<button type="submit" name="send" data-testid="host-send">send</button></form>`)
		return err
	})
}
