package web

import "context"

// NavItem is one entry of the side navigation. The handlers package builds the
// list from its route table, so a link shows only to roles that may open it.
type NavItem struct {
	Section string // i18n key of the group heading ("" = top group)
	Label   string // i18n key
	Href    string
	TestID  string
	// Count, when set, is a number shown beside the link (e.g. requests
	// waiting for this viewer); 0 shows nothing. Badge holds it per request.
	Count func(ctx context.Context, v *Viewer) (int, error)
	Badge int
}

// CurrentHref is the Href of the item for the page being shown: the longest
// that is the path or a parent of it, so /cards/feeds/1 is "card data feeds"
// and not also "cards"; "" when none is.
func CurrentHref(items []NavItem, path string) string {
	best := ""
	for _, n := range items {
		if n.covers(path) && len(n.Href) > len(best) {
			best = n.Href
		}
	}
	return best
}

// covers reports whether path is the item's page or one below it.
func (n NavItem) covers(path string) bool {
	if n.Href == "/" {
		return path == "/"
	}
	return path == n.Href || len(path) > len(n.Href) && path[:len(n.Href)] == n.Href && path[len(n.Href)] == '/'
}
