package forms

import (
	"context"
	"crypto/rand"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/orgconsole/console/internal/clients/tze"
)

// Message composer limits (upstreams.md §C "Message bodies", seed
// tze-org-and-messages.txt), in UTF-16 code units. The seed gives a maximum
// only for msgtype (10) and oa.head.text (255); every other maximum below is
// the console's own choice, so a typo cannot post a novel — say so in the README.
var (
	MsgTextContent = Text{Max: 2000, Required: true, Doc: "§C text.content 必选; no max documented: console's 2000"}
	MsgLinkTitle   = Text{Max: 128, Required: true, Doc: "§C link.title 必选; no max documented: console's 128"}
	MsgLinkContent = Text{Max: 512, Required: true, Doc: "§C link.content 必选 (消息描述); no max documented: console's 512"}
	MsgPCURL       = Text{Max: 2048, Required: true, URL: true, Doc: "§C link.pcUrl / oa pcUrl 必选; http(s) only (product.md); max console's 2048"}
	MsgAppURL      = Text{Max: 2048, Required: true, URL: true, Doc: "§C link.appUrl / oa appUrl 必选 (H5); http(s) only; max console's 2048"}
	MsgPicURL      = Text{Max: 2048, URL: true, Doc: "§C link.picUrl: 如不填,在客户端不显示图片 — may be empty; JPG/PNG, 640×320 or 80×80"}
	MsgBusiID      = Text{Max: 64, Required: true, Doc: "§C link.busiId / oa busiId 必选; the console requires it for text too (send-once key); max and charset console's"}
	OAHeadText     = Text{Max: 255, Required: true, Doc: "§C oa.head.text 必选, 长度255 (documented)"}
	OABgColor      = Text{Max: 8, Doc: "§C oa.head.bgColor 可选: exactly 8 hex digits ARGB, no 0x; default FFCC0000 (checked by IsARGB)"}
	OABodyTitle    = Text{Max: 128, Doc: "§C oa.body.title 可选; no max documented: console's 128"}
	OABodyContent  = Text{Max: 2000, Doc: "§C oa.body.content 可选; no max documented: console's 2000"}
	OAImageURL     = Text{Max: 2048, URL: true, Doc: "§C oa.body.imageUrl 可选; http(s) only"}
	OAAuthor       = Text{Max: 64, Doc: "§C oa.body.author 可选; no max documented: console's 64"}
	OAFileCount    = Text{Max: 9, Doc: "§C oa.body.fileCount 可选, 仅供显示不作验证: the console asks for a whole number"}
	OAFormKey      = Text{Max: 64, Doc: "§C oa.body.form[].key 可选; the console requires it when a value is given; max console's 64"}
	OAFormValue    = Text{Max: 255, Doc: "§C oa.body.form[].value 可选; no max documented: console's 255"}
	MsgAccountID   = Text{Max: 64, Doc: "recipient account id: not in the contract; console's 64"}
)

// Counts of the composer.
const (
	MaxOAFormRows = 6 // §C oa.body.form 最多6个
	// MaxRecipientUserIDs bounds the pasted account ids of one message
	// (toUserIds). The recipient fields are not in the contract (an assumption,
	// README) and no bound is documented; the sandbox accepts any number. 1,000
	// ids keep one send's body under ~70 KB; larger audiences are picked as
	// org nodes.
	MaxRecipientUserIDs = 1000
	MaxOrgRecipients    = 200 // toOrgIds: idem, console's choice
	// MinHeadContrast is WCAG 2 AA for normal text: the oa head title is
	// ordinary-size white text on bgColor.
	MinHeadContrast = 4.5
)

// DefaultBgColor is oa.head.bgColor's documented default.
const DefaultBgColor = tze.DefaultBgColor

// Message types, as msgtype spells them.
const (
	MsgTypeText = tze.MsgText
	MsgTypeLink = tze.MsgLink
	MsgTypeOA   = tze.MsgOA
)

// MsgTypes lists the composer's tabs in order.
func MsgTypes() []string { return []string{MsgTypeText, MsgTypeLink, MsgTypeOA} }

// Message keys of the composer (translations in internal/i18n/messages.go).
const (
	ErrMsgBgColor     = "messages.err.bg_color"      // bgColor is not 8 hex digits
	ErrMsgBusiIDChars = "messages.err.busi_id_chars" // busiId has characters other than A-Z a-z 0-9 - _
	ErrMsgRecipients  = "messages.err.recipients"    // no account id and no org node
	ErrMsgAccountID   = "messages.err.account_id"    // args: the id, the max length
	WarnMsgContrast   = "messages.warn.low_contrast" // args: the ratio (float, e.g. 2.7)
)

var busiIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// FormRow is one oa.body.form row.
type FormRow struct {
	Key   string
	Value string
}

// MessageForm is the composer. Field names in the posted form:
//
//	type                       text | link | oa
//	content                    text: text.content
//	title, content             link: link.title, link.content (content is shared with text)
//	pcUrl, appUrl              link and oa
//	picUrl                     link
//	busiId                     every type (on the wire for link and oa only)
//	headText, bgColor          oa.head.text, oa.head.bgColor
//	bodyTitle, bodyContent     oa.body.title, oa.body.content
//	imageUrl, author, fileCount oa.body.*
//	form.<i>.key, form.<i>.value  oa.body.form rows, taken in index order
//	accountIds                 pasted account ids, separated by spaces, newlines, commas or 、
//	orgIds                     repeated: org node ids picked from the tree
//	add_row, remove_row=<i>    the JS-off row buttons (see ApplyRowButtons)
//
// Fields of the other tabs are kept, so switching tabs loses nothing.
type MessageForm struct {
	Type        string
	Content     string
	Title       string
	PCURL       string
	AppURL      string
	PicURL      string
	BusiID      string
	HeadText    string
	BgColor     string
	BodyTitle   string
	BodyContent string
	ImageURL    string
	Author      string
	FileCount   string
	Form        []FormRow
	AccountIDs  string
	OrgIDs      []string
}

// NewMessageForm is the composer as first shown: a fresh busiId and the
// documented default head colour.
func NewMessageForm() MessageForm {
	return MessageForm{Type: MsgTypeText, BusiID: NewBusiID(), BgColor: DefaultBgColor}
}

// NewBusiID is a random busiId: "msg-" and 26 base32 characters (130 bits).
func NewBusiID() string { return "msg-" + rand.Text() }

// maxParsedRows bounds what a post can make the form hold; above the limit
// so an over-full post still reaches Validate's error.
const maxParsedRows = 16

// ParseMessageForm reads the composer. Single-line fields are trimmed;
// multi-line ones keep their text but get LF line ends (browsers post CRLF,
// which would count twice against the limit the live counter shows).
func ParseMessageForm(v url.Values) MessageForm {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	f := MessageForm{
		Type:        get("type"),
		Content:     lf(v.Get("content")),
		Title:       get("title"),
		PCURL:       get("pcUrl"),
		AppURL:      get("appUrl"),
		PicURL:      get("picUrl"),
		BusiID:      get("busiId"),
		HeadText:    get("headText"),
		BgColor:     get("bgColor"),
		BodyTitle:   get("bodyTitle"),
		BodyContent: lf(v.Get("bodyContent")),
		ImageURL:    get("imageUrl"),
		Author:      get("author"),
		FileCount:   get("fileCount"),
		AccountIDs:  lf(v.Get("accountIds")),
	}
	// One past the limit, so Validate reports an over-full list.
	f.OrgIDs, _ = UniqueValues(v["orgIds"], MaxOrgRecipients+1)
	rows := map[int]*FormRow{}
	var order []int
	for k, vals := range v {
		rest, ok := strings.CutPrefix(k, "form.")
		if !ok || len(vals) == 0 {
			continue
		}
		idx, name, ok := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 || (name != "key" && name != "value") {
			continue
		}
		r := rows[i]
		if r == nil {
			if len(rows) >= maxParsedRows {
				continue
			}
			r = &FormRow{}
			rows[i] = r
			order = append(order, i)
		}
		if name == "key" {
			r.Key = strings.TrimSpace(vals[0])
		} else {
			r.Value = strings.TrimSpace(vals[0])
		}
	}
	slices.Sort(order)
	for _, i := range order {
		f.Form = append(f.Form, *rows[i])
	}
	return f
}

func lf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// CanAddRow reports whether the add-row button should be offered.
func (f MessageForm) CanAddRow() bool { return len(f.Form) < MaxOAFormRows }

// AddRow appends an empty row; false when MaxOAFormRows are there already.
func (f *MessageForm) AddRow() bool {
	if !f.CanAddRow() {
		return false
	}
	f.Form = append(f.Form, FormRow{})
	return true
}

// RemoveRow removes row i; false when there is no such row.
func (f *MessageForm) RemoveRow(i int) bool {
	if i < 0 || i >= len(f.Form) {
		return false
	}
	f.Form = slices.Delete(f.Form, i, i+1)
	return true
}

// ApplyRowButtons performs the add/remove-row submit buttons (JS off). It
// returns true when one was pressed: the handler re-renders instead of going on.
func (f *MessageForm) ApplyRowButtons(v url.Values) bool {
	if _, ok := v["add_row"]; ok {
		f.AddRow()
		return true
	}
	if s, ok := v["remove_row"]; ok && len(s) > 0 {
		if i, err := strconv.Atoi(s[0]); err == nil {
			f.RemoveRow(i)
		}
		return true
	}
	return false
}

// UserIDList is the parsed accountIds field.
type UserIDList struct {
	IDs  []string // distinct, in first-seen order
	Over bool     // more than MaxRecipientUserIDs: reading stopped there
}

// UserIDs splits the pasted account ids (new lines, spaces, commas — ASCII
// or Chinese — semicolons and 、), dropping blanks and repeats, reading at
// most MaxRecipientUserIDs distinct ids. err is ctx's error when it ended.
func (f MessageForm) UserIDs(ctx context.Context) (UserIDList, error) {
	u := newUniqueList[string](ctx, MaxRecipientUserIDs)
	for _, id := range listTokens(f.AccountIDs) {
		if !u.add(id) {
			break
		}
	}
	return UserIDList{IDs: u.items, Over: u.over}, u.err
}

// IsARGB reports whether s is exactly 8 hex digits (2 alpha + 6 colour),
// as §C's bgColor requires: no "#", no "0x".
func IsARGB(s string) bool {
	if len(s) != 8 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Validate checks the fields of the chosen type, the busiId and the
// recipients (users: f.UserIDs). Errors are keyed by the posted field names
// ("form.<i>.key", "form" for the row count, "recipients" when nobody is
// addressed).
func (f MessageForm) Validate(users UserIDList) Errors {
	errs := Errors{}
	switch f.Type {
	case "":
		errs.Add("type", ErrRequired)
	case MsgTypeText:
		MsgTextContent.Check(errs, "content", f.Content)
	case MsgTypeLink:
		MsgPCURL.Check(errs, "pcUrl", f.PCURL)
		MsgAppURL.Check(errs, "appUrl", f.AppURL)
		MsgPicURL.Check(errs, "picUrl", f.PicURL)
		MsgLinkTitle.Check(errs, "title", f.Title)
		MsgLinkContent.Check(errs, "content", f.Content)
	case MsgTypeOA:
		MsgPCURL.Check(errs, "pcUrl", f.PCURL)
		MsgAppURL.Check(errs, "appUrl", f.AppURL)
		OAHeadText.Check(errs, "headText", f.HeadText)
		if f.BgColor != "" && !IsARGB(f.BgColor) {
			errs.Add("bgColor", ErrMsgBgColor)
		}
		OABodyTitle.Check(errs, "bodyTitle", f.BodyTitle)
		OABodyContent.Check(errs, "bodyContent", f.BodyContent)
		OAImageURL.Check(errs, "imageUrl", f.ImageURL)
		OAAuthor.Check(errs, "author", f.Author)
		if OAFileCount.Check(errs, "fileCount", f.FileCount) && f.FileCount != "" {
			if _, err := strconv.ParseUint(f.FileCount, 10, 32); err != nil {
				errs.Add("fileCount", ErrNumber)
			}
		}
		if len(f.Form) > MaxOAFormRows {
			errs.Add("form", ErrTooMany, MaxOAFormRows, len(f.Form))
		}
		for i, r := range f.Form {
			if OAFormKey.Check(errs, Field("form", i, "key"), r.Key) && r.Key == "" && r.Value != "" {
				errs.Add(Field("form", i, "key"), ErrRequired)
			}
			OAFormValue.Check(errs, Field("form", i, "value"), r.Value)
		}
	default:
		errs.Add("type", ErrInvalid)
	}
	if MsgBusiID.Check(errs, "busiId", f.BusiID) && !busiIDRe.MatchString(f.BusiID) {
		errs.Add("busiId", ErrMsgBusiIDChars)
	}
	switch {
	case users.Over:
		errs.Add("accountIds", ErrListTooLong, MaxRecipientUserIDs)
	case len(users.IDs)+len(f.OrgIDs) == 0:
		errs.Add("recipients", ErrMsgRecipients)
	}
	for _, id := range users.IDs {
		if Len(id) > MsgAccountID.Max {
			errs.Add("accountIds", ErrMsgAccountID, id, MsgAccountID.Max)
			break
		}
	}
	if len(f.OrgIDs) > MaxOrgRecipients {
		errs.Add("orgIds", ErrListTooLong, MaxOrgRecipients)
	}
	return errs
}

// Message is the typed body of a valid form (call Validate first). Blank oa
// form rows are left out.
func (f MessageForm) Message() tze.Message {
	switch f.Type {
	case MsgTypeLink:
		return tze.LinkMessage{PCURL: f.PCURL, AppURL: f.AppURL, PicURL: f.PicURL, Content: f.Content,
			Title: f.Title, BusiID: f.BusiID}
	case MsgTypeOA:
		m := tze.OAMessage{BusiID: f.BusiID, PCURL: f.PCURL, AppURL: f.AppURL,
			Head: tze.OAHead{Text: f.HeadText, BgColor: f.BgColor},
			Body: tze.OABody{Title: f.BodyTitle, Content: f.BodyContent, ImageURL: f.ImageURL,
				FileCount: f.FileCount, Author: f.Author}}
		for _, r := range f.Form {
			if r.Key != "" || r.Value != "" {
				m.Body.Form = append(m.Body.Form, tze.OAFormItem{Key: r.Key, Value: r.Value})
			}
		}
		return m
	}
	return tze.TextMessage{Content: f.Content}
}

// Recipients is who the form addresses (users: f.UserIDs).
func (f MessageForm) Recipients(users UserIDList) tze.Recipients {
	return tze.Recipients{UserIDs: users.IDs, OrgIDs: slices.Clone(f.OrgIDs)}
}

// Headline is the message's title for lists (history, drafts): the link
// title, the oa head text, or the start of a text message.
func (f MessageForm) Headline() string {
	switch f.Type {
	case MsgTypeLink:
		return f.Title
	case MsgTypeOA:
		return f.HeadText
	}
	return TruncateUTF16(strings.Join(strings.Fields(f.Content), " "), 50)
}

// HeadContrast is the WCAG 2 contrast ratio of the white oa head text over
// bgColor composited on a white page (the alpha matters: 00xxxxxx is white
// on white), and whether it reaches MinHeadContrast. Empty bgColor means the
// platform default; an invalid one gives (0, false) — Validate reports it.
func HeadContrast(bgColor string) (ratio float64, readable bool) {
	if bgColor == "" {
		bgColor = DefaultBgColor
	}
	if !IsARGB(bgColor) {
		return 0, false
	}
	v, _ := strconv.ParseUint(bgColor, 16, 32)
	alpha := float64(v>>24&0xFF) / 255
	channel := func(shift uint) float64 {
		c := float64(v>>shift&0xFF)*alpha + 255*(1-alpha) // over white
		c /= 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	lum := 0.2126*channel(16) + 0.7152*channel(8) + 0.0722*channel(0)
	ratio = 1.05 / (lum + 0.05) // white text: luminance 1
	return ratio, ratio >= MinHeadContrast
}
