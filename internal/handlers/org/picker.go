package org

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/orgtree"
	"github.com/orgconsole/console/internal/web"
	orgtempl "github.com/orgconsole/console/web/templates/org"
)

// Picker is the server side of the node picker (orgtempl.Picker) for a host
// form's handler. Call it with the host form's posted values on every submit:
//
//	props, pressed, err := h.Org.Picker(ctx, "", "org_ids", vals)
//	if pressed { // a picker button (add, remove, search): re-render, do not submit
//		return render(form, props)
//	}
//	ids := vals["org_ids"] // or range props.Picked; refuse props.Picked[i].Unknown if needed
//
// It reads the picked ids from vals[field] (trimmed, empties and duplicates
// dropped, order kept), applies picker_add / picker_remove, runs the search
// when picker_q is set, and resolves names and paths through the cached
// organisation index (orgID "" = the configured default org). pressed is true
// when picker_add, picker_remove or picker_search was the submit button.
//
// When the organisation cannot be loaded, err is the upstream error and props
// still hold every picked id (as unknown chips) with props.Err set, so the
// host can re-render without losing the user's choice. An unknown id is kept
// as a chip marked Unknown, never dropped silently.
func (h *Handler) Picker(ctx context.Context, orgID, field string, vals url.Values) (orgtempl.PickerProps, bool, error) {
	p := orgtempl.PickerProps{Field: field, OrgID: h.orgOr(orgID), Query: strings.TrimSpace(vals.Get(orgtempl.PickerQuery))}
	ids := pickedIDs(vals[field])
	pressed := false
	if add := strings.TrimSpace(vals.Get(orgtempl.PickerAdd)); add != "" {
		pressed = true
		if !slices.Contains(ids, add) {
			ids = append(ids, add)
		}
	}
	if rm := strings.TrimSpace(vals.Get(orgtempl.PickerRemove)); rm != "" {
		pressed = true
		ids = slices.DeleteFunc(ids, func(s string) bool { return s == rm })
	}
	if vals.Has(orgtempl.PickerSearch) {
		pressed = true
	}
	if len(ids) == 0 && p.Query == "" {
		return p, pressed, nil // nothing to resolve: do not fetch the org
	}
	var x *orgtree.Index
	if _, err := cleanID(p.OrgID); err != nil {
		p.Err = err
	} else if snap, err := h.Cache.Get(ctx, p.OrgID); err != nil {
		p.Err = err
	} else {
		x = snap.Index
	}
	for _, id := range ids {
		p.Picked = append(p.Picked, resolve(x, id))
	}
	if x != nil && p.Query != "" {
		hits, total := x.Search(p.Query, orgtempl.PickerLimit)
		p.Total = total
		for _, hit := range hits {
			p.Results = append(p.Results, orgtempl.PickedNode{ID: hit.Node.ID, Name: hit.Node.Name, Path: pathText(hit.Path)})
		}
	}
	return p, pressed, p.Err
}

// pickedIDs cleans the posted ids.
func pickedIDs(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// resolve names a picked id; x nil (org not loaded) or an unknown id gives an Unknown chip.
func resolve(x *orgtree.Index, id string) orgtempl.PickedNode {
	if x == nil || orgtree.IsUnattached(id) {
		return orgtempl.PickedNode{ID: id, Name: id, Unknown: true}
	}
	path := x.Path(id)
	if path == nil {
		return orgtempl.PickedNode{ID: id, Name: id, Unknown: true}
	}
	return orgtempl.PickedNode{ID: id, Name: path[len(path)-1].Name, Path: pathText(path)}
}

// PickerSearch is GET /org/picker/search?field=&org=&q= (or picker_q=): the
// results fragment for the picker's live search.
func (h *Handler) PickerSearch(c echo.Context) error {
	q := c.QueryParam("q")
	if q == "" {
		q = c.QueryParam(orgtempl.PickerQuery)
	}
	vals := url.Values{orgtempl.PickerQuery: {q}}
	p, _, _ := h.Picker(c.Request().Context(), c.QueryParam("org"), c.QueryParam("field"), vals)
	return web.Render(c, http.StatusOK, orgtempl.PickerResults(p))
}

// PickerChip is POST /org/picker/chip?field=&org=&id=: one chip to append.
// The chips already shown are posted (hx-include), so a node picked twice
// yields no second chip.
func (h *Handler) PickerChip(c echo.Context) error {
	field, id := c.QueryParam("field"), strings.TrimSpace(c.QueryParam("id"))
	if field == "" || id == "" {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if slices.Contains(pickedIDs(form[field]), id) {
		return c.NoContent(http.StatusOK)
	}
	p, _, _ := h.Picker(c.Request().Context(), c.QueryParam("org"), field, url.Values{field: {id}})
	return web.Render(c, http.StatusOK, orgtempl.PickerChip(orgtempl.ChipProps{Field: field, Node: p.Picked[0]}))
}

// PickerRemove is POST /org/picker/remove: htmx deletes the chip itself
// (hx-swap="delete"); the route only has to answer.
func (h *Handler) PickerRemove(c echo.Context) error { return c.NoContent(http.StatusOK) }
