package org

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/orgtree"
	"github.com/orgconsole/console/internal/web"
	orgtempl "github.com/orgconsole/console/web/templates/org"
)

func exportURL(orgID, id string) string {
	return "/org/export.csv?" + url.Values{"org": {orgID}, "node": {id}}.Encode()
}

func (h *Handler) crumbs(ctx context.Context, orgID string, path []orgtree.Node) []orgtempl.Crumb {
	out := make([]orgtempl.Crumb, len(path))
	for i, n := range path {
		out[i] = orgtempl.Crumb{Node: h.named(ctx, n, orgID), Href: nodeURL(orgID, n.ID)}
	}
	return out
}

// DeepLink is the tree opened at id: its ancestors expanded, id highlighted.
func DeepLink(x *orgtree.Index, id string) string {
	anc := x.Ancestors(id)
	if len(anc) > 0 {
		anc = anc[1:] // the root is always open
	}
	return treeURL(x.RootID(), anc, id)
}

// Node is GET /org/node/:id?org=&page=: name, id, type, breadcrumbs, counts,
// the deep link, and its direct children a page at a time.
func (h *Handler) Node(c echo.Context) error {
	ctx := c.Request().Context()
	p := orgtempl.NodeProps{}
	orgID, err := cleanID(h.orgOr(c.QueryParam("org")))
	if err != nil {
		var st int
		p.Problem, st = problemFor("", err)
		return web.Render(c, max(st, http.StatusBadRequest), orgtempl.NodePage(p))
	}
	p.OrgID = orgID
	snap, err := h.Cache.Get(ctx, orgID)
	if err != nil {
		prob, st := problemFor(orgID, err)
		p.Problem, p.Err = prob, err
		return web.Render(c, st, orgtempl.NodePage(p))
	}
	x := snap.Index
	id := c.Param("id")
	n, ok := x.Node(id)
	if !ok {
		p.Problem = &orgtempl.Problem{Key: "org.err.node_unknown", Args: []any{id, orgID}}
		return web.Render(c, http.StatusNotFound, orgtempl.NodePage(p))
	}
	p.Node, p.Unattached = h.named(ctx, n, orgID), orgtree.IsUnattached(id)
	p.Path = h.crumbs(ctx, orgID, x.Path(id))
	p.ChildCount, p.Descendants = x.ChildCount(id), x.DescendantCount(id)
	p.DeepLink = DeepLink(x, id)
	if !p.Unattached {
		p.ExportHref = exportURL(orgID, id)
	}
	p.RefreshedAt = snap.RefreshedAt

	pages := max(1, (p.ChildCount+ChildrenLimit-1)/ChildrenLimit)
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = min(max(page, 1), pages)
	kids := x.Children(id)
	lo, hi := (page-1)*ChildrenLimit, min(page*ChildrenLimit, len(kids))
	rc := &rowsCtx{orgID: orgID, lv: fromIndex(x)}
	for _, k := range kids[lo:hi] {
		p.Children = append(p.Children, h.row(rc, k))
	}
	pageURL := func(n int) string { return nodeURL(orgID, id) + "&page=" + strconv.Itoa(n) + "#children" }
	if page > 1 {
		p.PrevHref = pageURL(page - 1)
	}
	if page < pages {
		p.NextHref = pageURL(page + 1)
	}
	p.PageSummary = i18n.T(ctx, "org.node.page", page, pages, p.ChildCount)
	return web.Render(c, http.StatusOK, orgtempl.NodePage(p))
}

// Search is GET /org/search?org=&q=: name substring or exact id over the whole
// (cached) organisation, SearchLimit hits with the total.
func (h *Handler) Search(c echo.Context) error {
	ctx := c.Request().Context()
	input := strings.TrimSpace(c.QueryParam("org"))
	p := orgtempl.SearchProps{OrgInput: input, Query: strings.TrimSpace(c.QueryParam("q")), Limit: SearchLimit}
	if input == "" {
		p.OrgInput = h.DefaultOrgID
	}
	orgID, err := cleanID(h.orgOr(input))
	if err != nil {
		var st int
		p.Problem, st = problemFor("", err)
		return web.Render(c, st, orgtempl.SearchPage(p))
	}
	p.OrgID = orgID
	snap, err := h.Cache.Get(ctx, orgID)
	if err != nil {
		prob, st := problemFor(orgID, err)
		p.Problem, p.Err = prob, err
		return web.Render(c, st, orgtempl.SearchPage(p))
	}
	p.RefreshedAt = snap.RefreshedAt
	if p.Query != "" {
		hits, total := snap.Index.Search(p.Query, 0, SearchLimit)
		p.Total = total
		for _, hit := range hits {
			p.Hits = append(p.Hits, orgtempl.Hit{Node: hit.Node, ByID: hit.ByID, Path: h.crumbs(ctx, orgID, hit.Path), Href: nodeURL(orgID, hit.Node.ID)})
		}
	}
	return web.Render(c, http.StatusOK, orgtempl.SearchPage(p))
}

// Refresh is POST /org/refresh (org, next): fetch the organisation again now.
func (h *Handler) Refresh(c echo.Context) error {
	orgID, err := cleanID(h.orgOr(c.FormValue("org")))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	next := c.FormValue("next")
	if !strings.HasPrefix(next, "/org") { // local org pages only: no open redirect
		next = "/org/search?" + url.Values{"org": {orgID}}.Encode()
	}
	if _, err := h.Cache.Refresh(c.Request().Context(), orgID); err != nil {
		web.AddFlash(c, web.FlashError, "org.refresh_failed", orgID, web.DescribeUpstream(web.Current(c).Lang, err))
	} else {
		web.AddFlash(c, web.FlashSuccess, "org.refreshed", orgID)
	}
	return web.SeeOther(c, next)
}

// Export is GET /org/export.csv?org=&node=: the node's subtree as CSV
// (csvexport: BOM, ="…" ids, formula-safe names, translated header).
func (h *Handler) Export(c echo.Context) error {
	ctx := c.Request().Context()
	orgID, err := cleanID(h.orgOr(c.QueryParam("org")))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	snap, err := h.Cache.Get(ctx, orgID)
	if err != nil {
		_, st := problemFor(orgID, err)
		return echo.NewHTTPError(st, i18n.T(ctx, "org.export_failed", web.DescribeUpstream(i18n.LangOf(ctx), err)))
	}
	id := strings.TrimSpace(c.QueryParam("node"))
	if id == "" {
		id = orgID
	}
	if _, ok := snap.Index.Node(id); !ok || orgtree.IsUnattached(id) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	w, err := csvexport.Start(c.Response(), i18n.LangOf(ctx), "org-"+id+".csv",
		i18n.T(ctx, "org.csv.id"), i18n.T(ctx, "org.csv.name"), i18n.T(ctx, "org.csv.type"),
		i18n.T(ctx, "org.csv.parent"), i18n.T(ctx, "org.csv.path"), i18n.T(ctx, "org.csv.order"))
	if err != nil {
		return nil // the browser went away before the first byte
	}
	// The index is in memory, so in practice only a failed write (the browser
	// left) stops the walk; Finish handles any other error as every export does.
	name := func(n orgtree.Node) string { return h.named(ctx, n, orgID).Name }
	lang, cells := string(i18n.LangOf(ctx)), map[string]string{} // a handful of codes: each cell is built once
	typ := func(code string) string {
		s, ok := cells[code]
		if !ok {
			s = typeCell(code, lang)
			cells[code] = s
		}
		return s
	}
	w.Finish(ctx, writeSubtree(w, snap.Index, id, name, typ))
	return nil
}

// csvPathSeparator joins the names of the export's path column.
const csvPathSeparator = " / "

// typeCell is an org_type as the export writes it: the label in the file's
// language with the platform's code, "学校 (2)", so the file reads without a
// legend and still matches the code other systems use; an undocumented code
// is written as it came.
func typeCell(code, lang string) string {
	if !tze.KnownType(code) {
		return code
	}
	return tze.TypeLabel(code, lang) + " (" + code + ")"
}

// writeSubtree writes id's subtree (id included, preorder) with the columns
// id, name, type, parent id, path (names from the org root), order; name
// gives a node's name as the pages show it (the root, the unattached group),
// typ its type's cell.
func writeSubtree(w *csvexport.Writer, x *orgtree.Index, id string, name func(orgtree.Node) string, typ func(string) string) error {
	var names []string // the open path: id's ancestors, then the walk's own stack
	path := x.Path(id)
	for _, n := range path[:max(len(path)-1, 0)] {
		names = append(names, name(n))
	}
	base := len(names)
	return x.Walk(id, func(n orgtree.Node, depth int) error {
		names = append(names[:base+depth], name(n))
		return w.Row(csvexport.ID(n.ID), csvexport.Text(names[len(names)-1]), csvexport.Text(typ(n.Type)), csvexport.ID(n.ParentID),
			csvexport.Text(strings.Join(names, csvPathSeparator)), csvexport.Int(int64(n.Order)))
	})
}
