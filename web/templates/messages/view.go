// Package messages renders the message composer (text / link / oa), its
// live PC and phone preview, the send confirmation, drafts and the send
// history (issue 4).
package messages

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
)

// FormValues is the composer as its form posts it: the inverse of
// forms.ParseMessageForm. Drafts and the send history store it encoded, and
// pages that carry a message along (tabs, confirmation) render it as hidden
// inputs, so nothing typed is ever lost.
func FormValues(f forms.MessageForm) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("type", f.Type)
	set("content", f.Content)
	set("title", f.Title)
	set("pcUrl", f.PCURL)
	set("appUrl", f.AppURL)
	set("picUrl", f.PicURL)
	set("busiId", f.BusiID)
	set("headText", f.HeadText)
	v.Set("bgColor", f.BgColor) // kept even when empty: empty means the platform default
	set("bodyTitle", f.BodyTitle)
	set("bodyContent", f.BodyContent)
	set("imageUrl", f.ImageURL)
	set("author", f.Author)
	set("fileCount", f.FileCount)
	for i, r := range f.Form {
		v.Set(forms.Field("form", i, "key"), r.Key)
		v.Set(forms.Field("form", i, "value"), r.Value)
	}
	set("accountIds", f.AccountIDs)
	for _, id := range f.OrgIDs {
		v.Add("orgIds", id)
	}
	return v
}

// tabFields are the inputs each tab shows; the others travel as hidden inputs.
var tabFields = map[string][]string{
	forms.MsgTypeText: {"content", "busiId"},
	forms.MsgTypeLink: {"title", "content", "pcUrl", "appUrl", "picUrl", "busiId"},
	forms.MsgTypeOA: {"busiId", "pcUrl", "appUrl", "headText", "bgColor", "bodyTitle", "bodyContent",
		"imageUrl", "author", "fileCount"},
}

// hidden is one hidden input.
type hidden struct{ Name, Value string }

// hiddenFields are the values of f that the current tab does not show
// (recipients are always shown, and "type" is rendered on its own).
func hiddenFields(f forms.MessageForm) []hidden {
	shown := tabFields[tabOf(f)]
	v := FormValues(f)
	var out []hidden
	for _, k := range sortedKeys(v) {
		if k == "type" || k == "accountIds" || k == "orgIds" || slices.Contains(shown, k) ||
			tabOf(f) == forms.MsgTypeOA && strings.HasPrefix(k, "form.") {
			continue
		}
		out = append(out, hidden{k, v.Get(k)})
	}
	return out
}

// allHidden is every value of f (the confirmation page's send form).
func allHidden(f forms.MessageForm) []hidden {
	v := FormValues(f)
	var out []hidden
	for _, k := range sortedKeys(v) {
		for _, val := range v[k] {
			out = append(out, hidden{k, val})
		}
	}
	return out
}

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// tabOf is the tab to show: the form's type, or text when it has none or an
// unknown one (Validate reports that).
func tabOf(f forms.MessageForm) string {
	if slices.Contains(forms.MsgTypes(), f.Type) {
		return f.Type
	}
	return forms.MsgTypeText
}

// bgColor is the head colour in effect: the typed one, or the default.
func bgColor(f forms.MessageForm) string {
	if f.BgColor == "" {
		return forms.DefaultBgColor
	}
	return f.BgColor
}

// previewColor is the head colour the preview paints: a colour still being
// typed (its field shows the error) paints the default, so the head text
// stays readable meanwhile.
func previewColor(f forms.MessageForm) string {
	if c := bgColor(f); forms.IsARGB(c) {
		return c
	}
	return forms.DefaultBgColor
}

// SwatchURL is the server-drawn swatch of an ARGB colour (works with JS off).
func SwatchURL(argb string) string {
	return "/messages/swatch.svg?c=" + url.QueryEscape(strings.ToUpper(argb))
}

// SwatchSVG draws an ARGB colour as a small SVG, alpha as fill-opacity, so
// a checkerboard behind it shows the transparency.
func SwatchSVG(argb string) ([]byte, bool) {
	if !forms.IsARGB(argb) {
		return nil, false
	}
	v, _ := strconv.ParseUint(argb, 16, 32)
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16" preserveAspectRatio="none">`+
		`<rect width="16" height="16" fill="#%06X" fill-opacity="%.3f"/></svg>`, v&0xFFFFFF, float64(v>>24&0xFF)/255), true
}

// contrast is the warning about the oa head text, if there is one.
func contrast(f forms.MessageForm) (ratio float64, warn bool) {
	c := bgColor(f)
	if !forms.IsARGB(c) {
		return 0, false
	}
	r, ok := forms.HeadContrast(c)
	return r, !ok
}

// formRows are the oa rows to show (none yet: none shown, "add row" offered).
func formRows(f forms.MessageForm) []forms.FormRow { return f.Form }

func itoa(n int) string  { return strconv.Itoa(n) }
func i64(n int64) string { return strconv.FormatInt(n, 10) }

// shortURL is a URL as the preview shows it: host and path, shortened.
func shortURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return forms.TruncateUTF16(s, 40)
	}
	return forms.TruncateUTF16(u.Host+u.EscapedPath(), 40)
}

// statusClass is the badge colour of a send status.
func statusClass(status string) string {
	switch status {
	case store.SendOK:
		return "badge ok"
	case store.SendFailed, store.OutcomeRejected:
		return "badge err"
	case store.SendCancelled:
		return "badge"
	}
	return "badge warn"
}

// recipientsOf reads the addressed ids back from a stored request body.
func recipientsOf(request string) tze.Recipients {
	var r tze.Recipients
	_ = json.Unmarshal([]byte(request), &r) // a row's request is JSON the console wrote
	return r
}

// sendPoll (templ has no else-if among attributes) is how often a send's page looks again: a scheduled send every
// 5 s, a queued or sending one every 500 ms, a finished one never ("").
func sendPoll(s store.MessageSend) string {
	switch {
	case s.State() == store.StateScheduled:
		return "every 5s"
	case s.State() == store.SendQueued || s.State() == store.SendSending:
		return "every 500ms"
	}
	return ""
}
