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
	Results []PickedNode // search hits (at most PickerLimit)
	Total   int          // every hit, also those not shown
	Label   string       // legend; "" = the generic "Departments"
	Err     error        // loading the organisation failed: shown via components.UpstreamError
	// Browse is the level being browsed (search or expand: both add); nil =
	// browsing closed, the default, so an untouched picker fetches nothing.
	Browse *PickerLevel
	// BrowseFocus: a browse button was pressed, so the re-rendered browser
	// takes the focus (autofocus: page load without JS, htmx after its swap)
	// instead of leaving keyboard users at the top of the page.
	BrowseFocus bool
}

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

// PickerLimit is how many search hits the picker lists: the picker sits in
// a longer form, so it shows a short list (in a scroll box) and the total.
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

func (p PickerProps) browseURL(at string) string {
	return "/org/picker/browse?" + url.Values{"field": {p.Field}, "org": {p.OrgID}, "at": {at}}.Encode()
}

func (p PickerProps) chipURL(id string) string {
	return "/org/picker/chip?" + url.Values{"field": {p.Field}, "org": {p.OrgID}, "id": {id}}.Encode()
}

// ChipProps is one chip as the /org/picker/chip fragment renders it.
type ChipProps struct {
	Field string
	Node  PickedNode
}
