// Package org serves the org tree pages (issue 6): the tree with one-level
// expansion, node details with breadcrumbs and a deep link, search over the
// cached whole organisation, subtree CSV export, and the node picker other
// pages' forms embed (see Picker).
package org

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/orgcache"
	"github.com/orgconsole/console/internal/orgtree"
)

// Handler holds the org pages' dependencies.
type Handler struct {
	Lister       orgcache.OrgLister // is_all=0 expansion of one level
	Cache        *orgcache.Cache    // whole organisations (is_all=1) for search, details, picker
	DefaultOrgID string
	// DefaultOrgName names the default org's root (the org list never
	// includes the org itself); "" shows "Organisation <id>".
	DefaultOrgName string
	Now            func() time.Time
}

// New builds the handler.
func New(lister orgcache.OrgLister, cache *orgcache.Cache, defaultOrgID string) *Handler {
	return &Handler{Lister: lister, Cache: cache, DefaultOrgID: defaultOrgID, Now: time.Now}
}

// Limits of what one page shows.
const (
	SearchLimit   = 200 // search results listed; the total is always shown
	ChildrenLimit = 100 // children listed under one node before "show more"
	MaxOpen       = 64  // expanded nodes one tree URL may ask for
	maxIDLen      = 64  // longer org ids are refused before calling upstream
)

// errNoOrg: the org id field was empty and no default is configured.
var errNoOrg = errors.New("org: no organisation id")

// errBadOrg: the org id cannot be an id (too long or control characters).
var errBadOrg = errors.New("org: malformed organisation id")

// cleanID trims and sanity-checks an id from a URL or form.
func cleanID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errNoOrg
	}
	if len(s) > maxIDLen || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", errBadOrg
	}
	return s, nil
}

// pathText joins the names from below the root to n's parent.
func pathText(path []orgtree.Node) string {
	if len(path) <= 2 {
		return ""
	}
	names := make([]string, 0, len(path)-2)
	for _, n := range path[1 : len(path)-1] {
		names = append(names, n.Name)
	}
	return strings.Join(names, " / ")
}

// orgOr picks the default org when none was given.
func (h *Handler) orgOr(id string) string {
	if strings.TrimSpace(id) == "" {
		return h.DefaultOrgID
	}
	return id
}

// named gives a node the name the pages show: the org list never includes
// the org itself, so the root's name is its bare id — shown as the configured
// name or "Organisation <id>"; the unattached group gets its translated label.
func (h *Handler) named(ctx context.Context, n orgtree.Node, orgID string) orgtree.Node {
	switch {
	case orgtree.IsUnattached(n.ID):
		n.Name = i18n.T(ctx, "org.unattached")
	case n.ID == orgID && (n.Name == "" || n.Name == n.ID):
		if orgID == h.DefaultOrgID && h.DefaultOrgName != "" {
			n.Name = h.DefaultOrgName
		} else {
			n.Name = i18n.T(ctx, "org.root.name", orgID)
		}
	}
	return n
}
