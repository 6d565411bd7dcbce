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

// Current reports whether the item is the page being shown (or its parent).
func (n NavItem) Current(path string) bool {
	if n.Href == "/" {
		return path == "/"
	}
	return path == n.Href || len(path) > len(n.Href) && path[:len(n.Href)] == n.Href && path[len(n.Href)] == '/'
}
