// Package channelcodes renders the 渠道活码 pages: the filter form, the
// results with QR thumbnails, the cursor pager and upstream failures.
package channelcodes

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/orgconsole/console/internal/clients/scrm"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/web"
)

// Created is a code's createTime (the platform's Beijing time) in the
// console's zone, as the list and the export show it; a value that does not
// parse is shown as the platform sent it.
func Created(ctx context.Context, createTime string) string {
	t, err := forms.ChannelCodeTime(createTime)
	if err != nil {
		return createTime
	}
	return web.InfoOf(ctx).Time(t, web.DateTime)
}

// ListProps is the list page (and its htmx fragment).
type ListProps struct {
	Filter    forms.ChannelCodeFilter // as typed, so a rejected filter re-renders unchanged
	Errs      forms.Errors
	Loaded    bool // a page was fetched (false on wrong filters or a failure)
	Rows      []Row
	Page      int  // 1-based
	End       bool // no page follows
	NextURL   string
	PrevURL   string
	ExportURL string
	Upstream  *Problem // the platform call failed
}

// Row is one code in the table.
type Row struct {
	Code       scrm.ChannelCode
	QR         string // the console's own image URL; "" when there is no usable codeUrl
	QRDownload string
}

// Problem is a failed platform call with what the user can do about it.
type Problem struct {
	Err       error
	Signature bool // appId/appKey/secret/sign algorithm: a settings problem
	Clock     bool // the timestamp was refused: the server clock is off
}

// Explain classifies a client error for the page.
func Explain(err error) *Problem {
	return &Problem{Err: err, Signature: scrm.IsSignatureRejected(err), Clock: errors.Is(err, scrm.ErrTimestampRejected)}
}

// SettingsVars are the settings a signature rejection points at.
func SettingsVars() []string {
	return []string{"CONSOLE_SCRM_APP_ID", "CONSOLE_SCRM_APP_KEY", "CONSOLE_SCRM_SECRET", "CONSOLE_SCRM_SIGN"}
}

const listPath = "/channel-codes"

// URL is the address of the page shown, with empty filters left out: htmx
// pushes it to the address bar instead of the form's every-field query.
func (p ListProps) URL() string {
	q := p.Filter.Query()
	if len(q) == 0 {
		return listPath
	}
	return listPath + "?" + q.Encode()
}

func (p ListProps) firstURL() string {
	q := p.Filter.FilterQuery()
	if len(q) == 0 {
		return listPath
	}
	return listPath + "?" + q.Encode()
}

// groupURL filters by one group and its sub-groups, keeping the page size.
func (p ListProps) groupURL(id int64) string {
	q := url.Values{forms.CCGroup: {strconv.FormatInt(id, 10)}, forms.CCSub: {"1"}}
	if p.Filter.Size != "" && p.Errs.Get(forms.CCSize) == nil {
		q.Set(forms.CCSize, p.Filter.Size)
	}
	return listPath + "?" + q.Encode()
}

// Chip is one filter that applies, shown above the table with a link that
// drops it.
type Chip struct {
	Key    string // the filter's query name (forms.CC*)
	Label  string // i18n key of the field's label
	Value  string // as it applies; "" for the sub-groups switch
	Remove string // the first page with the other filters (and the page size)
}

// chipKeys are the filters a chip can show, in the form's order; the page
// size is a setting, not a filter, and stays when a chip is removed.
var chipKeys = []string{forms.CCName, forms.CCStaff, forms.CCDept, forms.CCGroup, forms.CCSub, forms.CCFrom, forms.CCTo}

// Chips are the filters that apply. Removing the group also drops "include
// sub-groups", which needs exactly one group.
func (p ListProps) Chips() []Chip {
	q := p.Filter.FilterQuery()
	var out []Chip
	for _, k := range chipKeys {
		v := q.Get(k)
		if v == "" {
			continue
		}
		rest := url.Values{}
		for kk, vv := range q {
			rest[kk] = vv
		}
		rest.Del(k)
		if k == forms.CCGroup {
			rest.Del(forms.CCSub)
		}
		c := Chip{Key: k, Label: "channelcodes.f." + k, Value: v, Remove: listPath}
		switch k {
		case forms.CCSub:
			c.Value = ""
		case forms.CCFrom, forms.CCTo:
			c.Value = strings.Replace(v, "T", " ", 1) // 2026-03-31T17:37 as people write it
		}
		if len(rest) > 0 {
			c.Remove += "?" + rest.Encode()
		}
		out = append(out, c)
	}
	return out
}

func (p ListProps) size() int { return p.Filter.PageSize() }

// linkBroken reports an altered cursor or history in a page link.
func (p ListProps) linkBroken() bool {
	return p.Errs.Get(forms.CCCursor) != nil || p.Errs.Get(forms.CCPrev) != nil
}

func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
