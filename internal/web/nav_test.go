package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// One navigation entry is current: the most specific one above the page.
func TestCurrentHrefIsTheLongestParent(t *testing.T) {
	items := []NavItem{{Href: "/"}, {Href: "/cards"}, {Href: "/cards/feeds"}, {Href: "/messages"}}
	for path, want := range map[string]string{
		"/":              "/",
		"/cards":         "/cards",
		"/cards/jobs/3":  "/cards",
		"/cards/feeds":   "/cards/feeds",
		"/cards/feeds/1": "/cards/feeds",
		"/cards/feedsx":  "/cards",
		"/messages/new":  "/messages",
		"/channel-codes": "",
		"/cardsfeeds/1":  "",
	} {
		assert.Equal(t, want, CurrentHref(items, path), path)
	}
}
