package org

import (
	"encoding/hex"
	"strings"

	"github.com/orgconsole/console/internal/clients/tze"
	"time"

	"github.com/orgconsole/console/internal/orgtree"
)

// Row is one node as the tree and lists show it.
type Row struct {
	Node       orgtree.Node
	Unattached bool   // the synthetic group of orphans and cycle members
	Kids       int    // direct children; -1 = not known (level-by-level browsing)
	Open       bool   // its children are shown
	Children   []Row  // when Open
	ChildErr   error  // loading its children failed
	More       int    // children not listed (over the cap)
	MoreHref   string // where the rest are listed
	ToggleHref string // JS off: the tree with this node expanded / collapsed
	ToggleHX   string // htmx: the children fragment
	DetailHref string
	Focus      bool // the deep link's target
}

// Problem is a message about the org id the user asked for (i18n key + args).
type Problem struct {
	Key  string
	Args []any
}

// TreeProps is the tree page.
type TreeProps struct {
	OrgID       string // the org shown ("" when none could be)
	OrgInput    string // the org field as typed
	Problem     *Problem
	Err         error // upstream failure
	Root        Row
	Rows        []Row // the root's children
	Descendants int   // every node below the root (0 when browsing level by level)
	RefreshedAt time.Time
	Lazy        bool // the whole org could not be indexed: browsing level by level
	SearchHref  string
	ExportHref  string
}

// ChildrenProps is the /org/children fragment: a node's children list and its new toggle.
type ChildrenProps struct {
	Row Row // the expanded (or collapsed) node; Children filled when Open
}

// Crumb is one breadcrumb.
type Crumb struct {
	Node orgtree.Node
	Href string
}

// NodeProps is the node detail page.
type NodeProps struct {
	OrgID       string
	Problem     *Problem
	Err         error
	Node        orgtree.Node
	Unattached  bool
	Path        []Crumb // from the root to the node, both included
	ChildCount  int
	Descendants int
	DeepLink    string
	ExportHref  string
	Children    []Row // one page of direct children
	PrevHref    string
	NextHref    string
	PageSummary string
	RefreshedAt time.Time
}

// Hit is one search result.
type Hit struct {
	Node orgtree.Node
	Path []Crumb // root … node
	ByID bool
	Href string
}

// SearchProps is the search page.
type SearchProps struct {
	OrgID       string
	OrgInput    string
	Query       string
	Problem     *Problem
	Err         error
	Hits        []Hit
	Total       int
	RefreshedAt time.Time
	Limit       int
}

// DomID makes an element id from a node id: ids of only [A-Za-z0-9_-] are
// used as they are, anything else hex-encoded, so "#"+DomID is a valid selector.
func DomID(prefix, id string) string {
	safe := true
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			safe = false
			break
		}
	}
	if safe {
		return prefix + "-" + id
	}
	return prefix + "-x" + hex.EncodeToString([]byte(id))
}

func rowOpen(r Row) string {
	if r.Open {
		return "true"
	}
	return "false"
}

func toggleGlyph(r Row) string {
	if r.Open {
		return "▾"
	}
	return "▸"
}

// otherLabel is the type's label in the language not shown.
func otherLabel(code, lang string) string {
	if strings.HasPrefix(lang, "en") {
		return tze.TypeLabel(code, "zh-CN")
	}
	return tze.TypeLabel(code, "en")
}
