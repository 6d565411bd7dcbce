package web

// NavItem is one entry of the side navigation. The handlers package builds the
// list from its route table, so a link shows only to roles that may open it.
type NavItem struct {
	Section string // i18n key of the group heading ("" = top group)
	Label   string // i18n key
	Href    string
	TestID  string
}

// Current reports whether the item is the page being shown (or its parent).
func (n NavItem) Current(path string) bool {
	if n.Href == "/" {
		return path == "/"
	}
	return path == n.Href || len(path) > len(n.Href) && path[:len(n.Href)] == n.Href && path[len(n.Href)] == '/'
}
