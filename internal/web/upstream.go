package web

import (
	"strconv"

	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/i18n"
)

// DescribeUpstream says in plain text, in l, what a failed platform call
// answered: the platform's code and message verbatim, or the kind of failure
// translated — never a Go error string. For flashes, error pages and CSV
// lines; pages with markup use components.UpstreamError.
func DescribeUpstream(l i18n.Lang, err error) string {
	e, ok := upstream.AsAPIError(err)
	if !ok {
		return i18n.Tr(l, "error.unexpected")
	}
	s := e.Platform
	if e.Code != "" {
		s += " " + i18n.Tr(l, "upstream.code") + " " + e.Code
		if e.Message != "" {
			s += ": " + e.Message
		}
		return s
	}
	s += ": " + i18n.Tr(l, "upstream.kind."+string(e.Kind))
	if e.Kind == upstream.KindHTTP && e.HTTPStatus != 0 {
		s += " (HTTP " + strconv.Itoa(e.HTTPStatus) + ")"
	}
	return s
}
