package orgtree

import (
	"strings"
)

// Hit is one search result: the node and its path from the root (both included),
// which the results list shows so same-named classes can be told apart.
type Hit struct {
	Node Node
	Path []Node
	ByID bool // q was this node's exact id
}

// Search finds nodes whose name contains q (ASCII and other cased letters
// case-insensitively; Chinese as is) or whose id is exactly q. q is trimmed; an
// empty q finds nothing. An exact-id hit comes first, so it is never cut off by
// limit; name hits follow in tree order (preorder, display order), which keeps
// pages of results stable. Hits are the matches from offset on (0 = the first),
// at most limit; total counts every match, also those outside the page;
// limit <= 0 returns no hits, only the total. Only the page's paths are built,
// so a later page costs the same scan as the first. The unattached group
// itself never matches (its name is not data); its members do.
func (x *Index) Search(q string, offset, limit int) (hits []Hit, total int) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, 0
	}
	// Match each distinct name once: far fewer than nodes ("1班" repeats everywhere).
	fq := fold(q)
	match := make([]bool, len(x.foldTab))
	some := false
	for i, f := range x.foldTab {
		if strings.Contains(f, fq) {
			match[i] = true
			some = true
		}
	}
	byID, idHit := x.find(q)
	// take reports whether the match counted last is on the page.
	take := func() bool { return total > offset && len(hits) < limit }
	if idHit && byID != x.group {
		total++
		if take() {
			hits = append(hits, Hit{Node: x.node(byID), Path: x.path(byID), ByID: true})
		}
	}
	if !some {
		return hits, total
	}
	for p := range int32(len(x.nameRef)) {
		if !match[x.nameRef[p]] || p == x.group || (idHit && p == byID) {
			continue
		}
		total++
		if take() {
			hits = append(hits, Hit{Node: x.node(p), Path: x.path(p)})
		}
	}
	return hits, total
}
