package org

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/orgcache"
	"github.com/orgconsole/console/internal/orgtree"
	"github.com/orgconsole/console/internal/web"
	orgtempl "github.com/orgconsole/console/web/templates/org"
)

// codeFailure is tze.cn's documented generic failure (失败), which the org
// list answers for an unknown org or parent id.
const codeFailure = "100001"

// level lists a node's children in display order; count gives a node's number
// of children, -1 when unknown (level-by-level browsing).
type level struct {
	kids  func(ctx context.Context, parentID string) ([]orgtree.Node, error)
	count func(id string) int
}

// fromIndex browses the cached whole organisation.
func fromIndex(x *orgtree.Index) level {
	return level{
		kids:  func(_ context.Context, id string) ([]orgtree.Node, error) { return x.Children(id), nil },
		count: x.ChildCount,
	}
}

// lazy browses one is_all=0 call per level, sorted as the index sorts.
func (h *Handler) lazy(orgID string) level {
	return level{
		kids: func(ctx context.Context, id string) ([]orgtree.Node, error) {
			req := tze.OrgChildListRequest{OrgID: orgID}
			if id != orgID {
				req.ParentID = id
			}
			list, err := h.Lister.OrgChildList(ctx, req)
			if err != nil {
				return nil, err
			}
			nodes := orgcache.FromTze(list)
			orgtree.SortNodes(nodes)
			return nodes, nil
		},
		count: func(string) int { return -1 },
	}
}

// treeURL is the tree page with these nodes expanded, scrolled to anchor.
func treeURL(orgID string, open []string, focus string) string {
	q := url.Values{"org": {orgID}}
	if len(open) > 0 {
		q.Set("open", strings.Join(open, ","))
	}
	u := "/org?" + q.Encode()
	if focus != "" {
		u += "&" + url.Values{"focus": {focus}}.Encode() + "#" + orgtempl.DomID("n", focus)
	}
	return u
}

func nodeURL(orgID, id string) string {
	return "/org/node/" + url.PathEscape(id) + "?" + url.Values{"org": {orgID}}.Encode()
}

// parseOpen reads ?open=a,b,c (at most MaxOpen ids, duplicates dropped).
func parseOpen(s string) []string {
	var out []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" && len(id) <= maxIDLen && !slices.Contains(out, id) {
			out = append(out, id)
			if len(out) == MaxOpen {
				break
			}
		}
	}
	return out
}

func without(ids []string, id string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == id })
}

// with adds id to the open nodes. A URL holds at most MaxOpen: opening one
// more forgets the node opened longest ago, so the newest stays open.
func with(ids []string, id string) []string {
	if slices.Contains(ids, id) {
		return slices.Clone(ids)
	}
	if len(ids) >= MaxOpen {
		ids = ids[len(ids)-MaxOpen+1:]
	}
	return append(slices.Clone(ids), id)
}

// currentTree reads the open nodes from the page htmx sent the request from
// (HX-Current-URL), when that page is this org's tree.
func (h *Handler) currentTree(c echo.Context, orgID string) ([]string, bool) {
	u, err := url.Parse(c.Request().Header.Get("HX-Current-URL"))
	if err != nil || u.Path != "/org" {
		return nil, false
	}
	q := u.Query()
	if strings.TrimSpace(h.orgOr(q.Get("org"))) != orgID {
		return nil, false
	}
	return parseOpen(q.Get("open")), true
}

// rowsCtx carries what building rows needs.
type rowsCtx struct {
	orgID string
	lv    level
	open  []string
	focus string
	calls int // lazy upstream calls so far, bounded by MaxOpen
}

// listKids is one level as every view shows it: parent's children in display
// order, at most ChildrenLimit, and how many more there are. The tree and the
// picker's browsing both list levels through it.
func listKids(ctx context.Context, lv level, parent string) ([]orgtree.Node, int, error) {
	kids, err := lv.kids(ctx, parent)
	if err != nil {
		return nil, 0, err
	}
	if len(kids) > ChildrenLimit {
		return kids[:ChildrenLimit], len(kids) - ChildrenLimit, nil
	}
	return kids, 0, nil
}

// rows lists parent's children, expanding the open ones recursively.
func (h *Handler) rows(ctx context.Context, rc *rowsCtx, parent string) ([]orgtempl.Row, int, error) {
	kids, more, err := listKids(ctx, rc.lv, parent)
	if err != nil {
		return nil, 0, err
	}
	out := make([]orgtempl.Row, 0, len(kids))
	for _, n := range kids {
		r := h.row(rc, n)
		if r.Open {
			rc.calls++
			if rc.calls > MaxOpen {
				r.Open = false
			} else {
				r.Children, r.More, r.ChildErr = h.rows(ctx, rc, n.ID)
				r.MoreHref = nodeURL(rc.orgID, n.ID) + "&page=2"
			}
		}
		out = append(out, r)
	}
	return out, more, nil
}

// row is one node with its links; Open when asked and it may have children.
func (h *Handler) row(rc *rowsCtx, n orgtree.Node) orgtempl.Row {
	r := orgtempl.Row{
		Node: n, Unattached: orgtree.IsUnattached(n.ID), Kids: rc.lv.count(n.ID),
		DetailHref: nodeURL(rc.orgID, n.ID), Focus: n.ID == rc.focus,
	}
	r.Open = r.Kids != 0 && slices.Contains(rc.open, n.ID)
	setToggle(&r, rc.orgID, rc.open)
	return r
}

func setToggle(r *orgtempl.Row, orgID string, open []string) {
	id := r.Node.ID
	q := url.Values{"org": {orgID}, "id": {id}}
	if r.Open {
		r.ToggleHref = treeURL(orgID, without(open, id), "") + "#" + orgtempl.DomID("n", id)
		q.Set("open", strings.Join(without(open, id), ","))
		q.Set("collapse", "1")
	} else {
		r.ToggleHref = treeURL(orgID, with(open, id), "") + "#" + orgtempl.DomID("n", id)
		q.Set("open", strings.Join(with(open, id), ","))
	}
	r.ToggleHX = "/org/children?" + q.Encode()
}

// problemFor turns a failed org load into what the page says, and its status.
func problemFor(orgID string, err error) (*orgtempl.Problem, int) {
	switch {
	case errors.Is(err, errNoOrg):
		return &orgtempl.Problem{Key: "org.err.empty"}, http.StatusOK
	case errors.Is(err, errBadOrg):
		return &orgtempl.Problem{Key: "org.err.malformed"}, http.StatusBadRequest
	}
	if e, ok := upstream.AsAPIError(err); ok && e.Code == codeFailure {
		return &orgtempl.Problem{Key: "org.err.unknown", Args: []any{orgID}}, http.StatusNotFound
	}
	return nil, http.StatusBadGateway
}

// Tree is GET /org?org=&open=a,b&focus=: the tree from the root, the open
// nodes expanded. It browses the cached whole organisation (which also holds
// orphans and cycle members under the unattached group); when that cannot be
// loaded it falls back to one is_all=0 call per level.
func (h *Handler) Tree(c echo.Context) error {
	ctx := c.Request().Context()
	input := strings.TrimSpace(c.QueryParam("org"))
	p := orgtempl.TreeProps{OrgInput: input}
	if input == "" && !c.QueryParams().Has("org") {
		p.OrgInput = h.DefaultOrgID
	}
	orgID, err := cleanID(h.orgOr(input))
	if c.QueryParams().Has("org") && input == "" {
		orgID, err = "", errNoOrg // an emptied field is a question, not "the default"
	}
	if err != nil {
		p.Problem, _ = problemFor("", err)
		status := http.StatusOK
		if errors.Is(err, errBadOrg) {
			status = http.StatusBadRequest
		}
		return web.Render(c, status, orgtempl.Tree(p))
	}
	rc := &rowsCtx{orgID: orgID, open: parseOpen(c.QueryParam("open")), focus: strings.TrimSpace(c.QueryParam("focus"))}
	snap, err := h.Cache.Get(ctx, orgID)
	status := http.StatusOK
	if err == nil {
		rc.lv = fromIndex(snap.Index)
		p.Root = orgtempl.Row{Node: h.named(ctx, snap.Index.Root(), orgID), Kids: snap.Index.ChildCount(orgID), Open: true}
		p.Descendants = snap.Index.Size()
		p.RefreshedAt = snap.RefreshedAt
	} else {
		if prob, st := problemFor(orgID, err); prob != nil {
			p.Problem, p.Err = prob, err
			return web.Render(c, st, orgtempl.Tree(p))
		}
		// The whole org could not be indexed: try level by level, and say so.
		p.Err, p.Lazy, status = err, true, http.StatusBadGateway
		rc.lv = h.lazy(orgID)
		p.Root = orgtempl.Row{Node: h.named(ctx, orgtree.Node{ID: orgID}, orgID), Kids: -1, Open: true}
	}
	p.OrgID = orgID
	p.Root.DetailHref = nodeURL(orgID, orgID)
	p.SearchHref = "/org/search?" + url.Values{"org": {orgID}}.Encode()
	p.ExportHref = exportURL(orgID, orgID)
	rows, more, lerr := h.rows(ctx, rc, orgID)
	if lerr != nil {
		if p.Lazy {
			p.Root.ChildErr = nil // p.Err already explains it
		} else {
			p.Root.ChildErr = lerr
		}
	} else if p.Lazy {
		status = http.StatusOK // browsing works; the notice explains search is unavailable
	}
	p.Rows, p.Root.More = rows, more
	p.Root.MoreHref = nodeURL(orgID, orgID) + "&page=2"
	return web.Render(c, status, orgtempl.Tree(p))
}

// Children is GET /org/children?org=&id=&open=&collapse=: for htmx, the node's
// children list (or an empty one when collapsing) and its new toggle; without
// htmx, a redirect to the tree in that state.
func (h *Handler) Children(c echo.Context) error {
	ctx := c.Request().Context()
	orgID, err := cleanID(h.orgOr(c.QueryParam("org")))
	id := strings.TrimSpace(c.QueryParam("id"))
	if err != nil || id == "" {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	open := parseOpen(c.QueryParam("open"))
	collapse := c.QueryParam("collapse") == "1"
	if !web.IsHTMX(c) {
		return c.Redirect(http.StatusSeeOther, treeURL(orgID, open, "")+"#"+orgtempl.DomID("n", id))
	}
	// The toggle's open list is the page's as it was rendered; nodes opened
	// with htmx since then are only in the address bar. Start from there, so
	// opening two siblings one after the other keeps both, and put the new
	// state back in the address bar: a reload shows the same tree.
	if cur, ok := h.currentTree(c, orgID); ok {
		if collapse {
			open = without(cur, id)
		} else {
			open = with(cur, id)
		}
	}
	c.Response().Header().Set("HX-Replace-Url", treeURL(orgID, open, ""))
	rc := &rowsCtx{orgID: orgID, open: open}
	if snap, ok := h.Cache.Peek(orgID); ok {
		rc.lv = fromIndex(snap.Index)
	} else if orgtree.IsUnattached(id) {
		snap, err := h.Cache.Get(ctx, orgID)
		if err != nil {
			return web.Render(c, http.StatusOK, orgtempl.Children(orgtempl.ChildrenProps{Row: orgtempl.Row{Node: orgtree.Node{ID: id}, Open: true, ChildErr: err}}))
		}
		rc.lv = fromIndex(snap.Index)
	} else {
		rc.lv = h.lazy(orgID)
	}
	r := orgtempl.Row{Node: orgtree.Node{ID: id}, Kids: -1, Open: !collapse}
	if r.Open {
		r.Children, r.More, r.ChildErr = h.rows(ctx, rc, id)
		r.MoreHref = nodeURL(orgID, id) + "&page=2"
	}
	// open is already the set after this change (the toggle that asked computed it).
	setToggle(&r, orgID, open)
	// htmx swaps only 2xx answers: an upstream failure is shown inside the list.
	return web.Render(c, http.StatusOK, orgtempl.Children(orgtempl.ChildrenProps{Row: r}))
}
