package org

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/forms"
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
// when picker_q is set, lists the level browsed (picker_browse pressed, else
// the hidden picker_at), and resolves names and paths through the cached
// organisation index (orgID "" = the configured default org). Search hits
// come a page at a time (picker_goto pressed, else the hidden picker_page).
// Picked nodes below another picked node are listed in props.Overlaps.
// pressed is true when picker_add, picker_remove, picker_search,
// picker_goto or picker_browse was the submit button.
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
	if vals.Has(orgtempl.PickerSearch) || vals.Has(orgtempl.PickerGoto) {
		pressed = true
	}
	at := strings.TrimSpace(vals.Get(orgtempl.PickerAt))
	if vals.Has(orgtempl.PickerBrowse) {
		pressed = true
		at = strings.TrimSpace(vals.Get(orgtempl.PickerBrowse)) // "" closes the browser
		p.BrowseFocus = true
	}
	if len(ids) == 0 && p.Query == "" && at == "" {
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
		p.Page = pickerPage(vals)
		hits, total := x.Search(p.Query, (p.Page-1)*orgtempl.PickerLimit, orgtempl.PickerLimit)
		p.Total = total
		if last := p.Pages(); p.Page > last { // the query changed under a later page
			p.Page = last
			hits, _ = x.Search(p.Query, (p.Page-1)*orgtempl.PickerLimit, orgtempl.PickerLimit)
		}
		for _, hit := range hits {
			p.Results = append(p.Results, orgtempl.PickedNode{ID: hit.Node.ID, Name: hit.Node.Name, Path: pathText(hit.Path)})
		}
	}
	if x != nil {
		p.Overlaps = overlaps(x, p.Picked)
	}
	if x != nil && at != "" {
		p.Browse = h.browse(ctx, x, at)
	}
	return p, pressed, p.Err
}

// browse lists one level for the picker the way the tree lists it (listKids);
// an id the index does not hold opens the top level.
func (h *Handler) browse(ctx context.Context, x *orgtree.Index, at string) *orgtempl.PickerLevel {
	path := x.Path(at)
	if path == nil {
		at, path = x.RootID(), x.Path(x.RootID())
	}
	kids, more, _ := listKids(ctx, fromIndex(x), at) // the index never fails
	lv := &orgtempl.PickerLevel{At: at, More: more}
	for _, n := range path {
		lv.Path = append(lv.Path, orgtempl.PickedNode{ID: n.ID, Name: h.named(ctx, n, x.RootID()).Name})
	}
	for _, n := range kids {
		lv.Nodes = append(lv.Nodes, orgtempl.BrowseNode{ID: n.ID, Name: h.named(ctx, n, x.RootID()).Name, Type: n.Type, Kids: x.ChildCount(n.ID)})
	}
	return lv
}

// pickerPage is the page of hits asked for: a pager button pressed, else the
// page shown before (the hidden picker_page), except that a new search starts
// at page 1. Later pages than there are hits end at the last one (Picker).
func pickerPage(vals url.Values) int {
	v := vals.Get(orgtempl.PickerPage)
	switch {
	case vals.Has(orgtempl.PickerGoto):
		v = vals.Get(orgtempl.PickerGoto)
	case vals.Has(orgtempl.PickerSearch):
		v = ""
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// overlaps lists the picked nodes that a picked ancestor already includes,
// each with its nearest picked ancestor, in the chips' order.
func overlaps(x *orgtree.Index, picked []orgtempl.PickedNode) []orgtempl.Overlap {
	if len(picked) < 2 {
		return nil
	}
	byID := make(map[string]orgtempl.PickedNode, len(picked))
	for _, n := range picked {
		if !n.Unknown {
			byID[n.ID] = n
		}
	}
	var out []orgtempl.Overlap
	for _, n := range picked {
		if n.Unknown {
			continue
		}
		anc := x.Ancestors(n.ID)
		for i := len(anc) - 1; i >= 0; i-- { // nearest first
			if a, ok := byID[anc[i]]; ok {
				out = append(out, orgtempl.Overlap{Node: n, Within: a})
				break
			}
		}
	}
	return out
}

// maxPicked bounds the chips one picker keeps from a post: hosts bound their
// own lists lower (messages: forms.MaxOrgRecipients) and say so; this only
// keeps a crafted post from making the page resolve a million ids.
const maxPicked = 1000

// pickedIDs cleans the posted ids (linear, at most maxPicked).
func pickedIDs(in []string) []string {
	out, _ := forms.UniqueValues(in, maxPicked)
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

// PickerSearch is GET /org/picker/search?field=&org=&q= (or picker_q=), with
// picker_goto= for a page of hits: the results fragment for the picker's
// live search and its pager.
func (h *Handler) PickerSearch(c echo.Context) error {
	q := c.QueryParam("q")
	if q == "" {
		q = c.QueryParam(orgtempl.PickerQuery)
	}
	vals := url.Values{orgtempl.PickerQuery: {q}}
	if c.QueryParams().Has(orgtempl.PickerGoto) {
		vals.Set(orgtempl.PickerGoto, c.QueryParam(orgtempl.PickerGoto))
	}
	p, _, _ := h.Picker(c.Request().Context(), c.QueryParam("org"), c.QueryParam("field"), vals)
	return web.Render(c, http.StatusOK, orgtempl.PickerResults(p))
}

// PickerBrowser is GET /org/picker/browse?field=&org=&at=: the browser
// fragment at that level ("" = closed) for the picker's htmx buttons.
func (h *Handler) PickerBrowser(c echo.Context) error {
	at := c.QueryParam("at")
	if !c.QueryParams().Has("at") {
		at = c.QueryParam(orgtempl.PickerBrowse)
	}
	vals := url.Values{orgtempl.PickerBrowse: {at}}
	p, _, _ := h.Picker(c.Request().Context(), c.QueryParam("org"), c.QueryParam("field"), vals)
	// htmx swaps 2xx only: a failure is shown inside the browser, which stays.
	return web.Render(c, http.StatusOK, orgtempl.PickerBrowserFragment(p))
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
	shown := pickedIDs(form[field])
	if slices.Contains(shown, id) {
		return c.NoContent(http.StatusOK)
	}
	p, _, _ := h.Picker(c.Request().Context(), c.QueryParam("org"), field, url.Values{field: append(shown, id)})
	chip := orgtempl.ChipProps{Field: field, OrgID: p.OrgID, Node: p.Picked[len(p.Picked)-1]}
	return web.Render(c, http.StatusOK, orgtempl.PickerChipFragment(chip, p))
}

// PickerRemove is POST /org/picker/remove?field=&org=&id= with the chips
// shown (hx-include): htmx deletes the chip itself (hx-swap="delete"); the
// answer is the overlap notes for the chips that stay (out of band).
func (h *Handler) PickerRemove(c echo.Context) error {
	field, id := c.QueryParam("field"), strings.TrimSpace(c.QueryParam("id"))
	form, err := c.FormParams()
	if field == "" || err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	left := slices.DeleteFunc(pickedIDs(form[field]), func(s string) bool { return s == id })
	p, _, _ := h.Picker(c.Request().Context(), c.QueryParam("org"), field, url.Values{field: left})
	return web.Render(c, http.StatusOK, orgtempl.PickerOverlaps(p, true))
}
