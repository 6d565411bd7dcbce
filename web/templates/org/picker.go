// Package org holds the org tree pages and the node picker other pages embed.
package org

import (
	"net/url"
	"strings"
)

// PickedNode is one node in the picker: a chosen chip or a search result.
type PickedNode struct {
	ID   string
	Name string // the node's name; the id itself when the node could not be resolved
	Path string // names from below the root to the node's parent, joined with " / "
	// Unknown: the id is not in the organisation (or the org could not be loaded).
	// The chip is kept so nothing the user chose disappears; the host may refuse it.
	Unknown bool
}

// PickerProps is the picker's state. The host form's handler gets it from
// (*handlers/org.Handler).Picker and passes it back to render.
type PickerProps struct {
	Field   string // form field name of the picked ids, e.g. "org_ids"
	OrgID   string // the organisation searched
	Picked  []PickedNode
	Query   string       // picker_q as typed
	Results []PickedNode // the page of search hits (at most PickerLimit)
	Total   int          // every hit, also those not shown
	Page    int          // the page of hits shown, 1-based (0 before any search)
	// Overlaps are picked nodes below another picked node: still allowed
	// (both ids are sent), but the page says the lower one is already included.
	Overlaps []Overlap
	Label    string // legend; "" = the generic "Departments"
	Err      error  // loading the organisation failed: shown via components.UpstreamError
	// Browse is the level being browsed (search or expand: both add); nil =
	// browsing closed, the default, so an untouched picker fetches nothing.
	Browse *PickerLevel
	// BrowseFocus: a browse button was pressed, so the re-rendered browser
	// takes the focus (autofocus: page load without JS, htmx after its swap)
	// instead of leaving keyboard users at the top of the page.
	BrowseFocus bool
}

// Overlap is a picked node with the picked ancestor that already includes it.
type Overlap struct {
	Node, Within PickedNode
}

// Pages is the number of pages of hits.
func (p PickerProps) Pages() int { return max(1, (p.Total+PickerLimit-1)/PickerLimit) }

// first is the 1-based number of the first hit shown.
func (p PickerProps) first() int { return (p.Page-1)*PickerLimit + 1 }

// PickerLevel is one level of the organisation in the picker's browser.
type PickerLevel struct {
	At    string       // the node whose children are listed; the org id = the top level
	Path  []PickedNode // the root … At, to go back up
	Nodes []BrowseNode // At's children in display order, at most the tree's cap
	More  int          // children not listed (over the cap): the search finds them
}

// BrowseNode is one child in the picker's browser.
type BrowseNode struct {
	ID, Name, Type string
	Kids           int // its direct children: > 0 can be opened
}

// PickerLimit is how many search hits the picker lists on one page: the
// picker sits in a longer form, so it shows a short list (in a scroll box),
// the total and a pager.
const PickerLimit = 10

// Form names the picker's controls use inside the host form.
const (
	PickerQuery  = "picker_q"
	PickerSearch = "picker_search"
	PickerAdd    = "picker_add"
	PickerRemove = "picker_remove"
	// PickerBrowse is the browse buttons' name: its value is the node whose
	// children to list (the org id for the top level), "" to close.
	PickerBrowse = "picker_browse"
	// PickerAt is a hidden input holding the level browsed, so the browser
	// stays where it was when another button re-renders the host form.
	PickerAt = "picker_at"
	// PickerGoto is the pager buttons' name: its value is the page of hits
	// to show. PickerPage is a hidden input holding the page shown, so adding
	// a hit from page 3 without JS comes back to page 3.
	PickerGoto = "picker_goto"
	PickerPage = "picker_page"
)

// dom ids are derived from the field name; keep them to safe characters.
func (p PickerProps) domID(suffix string) string {
	var b strings.Builder
	b.WriteString("picker-")
	for _, r := range p.Field {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if suffix != "" {
		b.WriteString("-" + suffix)
	}
	return b.String()
}

func (p PickerProps) searchURL() string {
	return "/org/picker/search?" + url.Values{"field": {p.Field}, "org": {p.OrgID}}.Encode()
}

// pageURL is the search as typed, for the pager's htmx buttons (which add
// their own picker_goto).
func (p PickerProps) pageURL() string {
	return "/org/picker/search?" + url.Values{"field": {p.Field}, "org": {p.OrgID}, PickerQuery: {p.Query}}.Encode()
}

func (c ChipProps) removeURL() string {
	return "/org/picker/remove?" + url.Values{"field": {c.Field}, "org": {c.OrgID}, "id": {c.Node.ID}}.Encode()
}

// chipsID and overlapsID are the picker's element ids the chip fragments
// address (the same derivation as PickerProps.domID).
func (c ChipProps) chipsID() string      { return PickerProps{Field: c.Field}.domID("chips") }
func (p PickerProps) overlapsID() string { return p.domID("overlaps") }

func (p PickerProps) browseURL(at string) string {
	return "/org/picker/browse?" + url.Values{"field": {p.Field}, "org": {p.OrgID}, "at": {at}}.Encode()
}

func (p PickerProps) chipURL(id string) string {
	return "/org/picker/chip?" + url.Values{"field": {p.Field}, "org": {p.OrgID}, "id": {id}}.Encode()
}

// ChipProps is one chip as the /org/picker/chip fragment renders it.
type ChipProps struct {
	Field string
	OrgID string
	Node  PickedNode
}
