package forms

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Workbench card limits (upstreams.md §A, seed chengxun-workbench-cards.txt,
// batch-set-same-data), in UTF-16 code units. Required marks are the console's:
// a tile without a label or a row without text shows nothing useful.
var (
	KeyDataKey  = Text{Max: 20, Required: true, Doc: "§A batch-set-same-data: KEYDATA key 最大长度20"}
	KeyDataData = Text{Max: 20, Required: true, Doc: "§A batch-set-same-data: KEYDATA data 最大长度20"}
	ListText    = Text{Max: 100, Required: true, Doc: "§A batch-set-same-data: LIST text 长度最多100"}
	CardJumpURL = Text{Max: 300, URL: true, Doc: "§A batch-set-same-data: jump_url 最大长度300; http(s) only (product.md)"}
	CardAction  = Text{Max: 300, Doc: "§A batch-set-same-data: action 最大长度300"}
	// TemplateName: the seed documents no template fields; 50 is an assumption.
	TemplateName = Text{Max: 50, Required: true, Doc: "assumption: template name ≤ 50 (seed gives no template fields)"}
	// EnterpriseID: no length is documented; only presence is checked.
	EnterpriseID = Text{Required: true, Doc: "§A: enterprise_id required unless show_on_all_enterprise"}
)

// Item and account counts of §A.
const (
	MaxKeyDataItems = 4 // §A: KEYDATA 最多4组数据
	MaxListItems    = 3 // §A: LIST 最多能包括3组数据
	// The accounts of one call (§A: account_id_list 最多支持200个用户) are
	// the client's chengxun.MaxAccountsPerCall.
)

// Card types as the platform names them (§A's enum). Only KEYDATA and LIST
// data can be pushed: IMAGE and WEBVIEW are 暂不支持.
const (
	CardKeyData = "KEYDATA"
	CardList    = "LIST"
	CardImage   = "IMAGE"
	CardWebView = "WEBVIEW"
)

// CardTypes lists the enum in the order pages offer it.
func CardTypes() []string { return []string{CardKeyData, CardList, CardImage, CardWebView} }

// ValidCardType reports whether t is one of the four documented types.
func ValidCardType(t string) bool { return slices.Contains(CardTypes(), t) }

// PushableCardType reports whether the platform accepts data of type t today.
func PushableCardType(t string) bool { return t == CardKeyData || t == CardList }

// Message keys of the card forms (translations in internal/i18n/cards.go).
const (
	ErrCardTypeNotSupported = "cards.err.type_not_supported"
	ErrCardDateTime         = "cards.err.datetime"
)

// TemplateForm adds or edits a card template. Fields: id (hidden, edit only), name, type.
type TemplateForm struct {
	ID   string
	Name string
	Type string
}

// ParseTemplateForm reads the template form.
func ParseTemplateForm(v url.Values) TemplateForm {
	return TemplateForm{ID: strings.TrimSpace(v.Get("id")), Name: v.Get("name"), Type: strings.TrimSpace(v.Get("type"))}
}

// Validate checks the name and the type (any of the four: templates of
// IMAGE/WEBVIEW exist, only their data cannot be pushed).
func (f TemplateForm) Validate() Errors {
	errs := Errors{}
	TemplateName.Check(errs, "name", f.Name)
	switch {
	case f.Type == "":
		errs.Add("type", ErrRequired)
	case !ValidCardType(f.Type):
		errs.Add("type", ErrInvalid)
	}
	return errs
}

// CardItemForm is one KEYDATA tile or LIST row as typed. KEYDATA uses Key,
// Data, JumpURL, Action; LIST uses Text, JumpURL, Action, When.
// The JSON names are how a card push draft stores it.
type CardItemForm struct {
	Key     string `json:"key,omitempty"`
	Data    string `json:"data,omitempty"`
	Text    string `json:"text,omitempty"`
	JumpURL string `json:"jump_url,omitempty"`
	Action  string `json:"action,omitempty"`
	When    string `json:"when,omitempty"` // LIST time, a datetime-local value "2006-01-02T15:04" in the console's zone; "" = 0
}

// Empty reports whether nothing was typed in the item.
func (it CardItemForm) Empty() bool {
	return it.Key == "" && it.Data == "" && it.Text == "" && it.JumpURL == "" && it.Action == "" && it.When == ""
}

// Timestamp is the LIST row's wire timestamp: When read in loc (the console's
// zone, CONSOLE_TIMEZONE) as epoch milliseconds (see clients/chengxun.TimestampUnit); 0 when empty.
func (it CardItemForm) Timestamp(loc *time.Location) (int64, error) {
	if it.When == "" {
		return 0, nil
	}
	t, err := ParseWhen(it.When, loc)
	if err != nil {
		return 0, err
	}
	return t.UnixMilli(), nil
}

// CardDataForm is the card data editor. Field names:
//
//	type                      KEYDATA | LIST (IMAGE/WEBVIEW are refused)
//	items.<i>.key|data        KEYDATA tile i (0-based)
//	items.<i>.text|when       LIST row i
//	items.<i>.jump_url|action both types
//	add_item                  submit button: append an empty item (JS off)
//	remove_item=<i>           submit button: remove item i (JS off)
//
// Indices need not be contiguous: items are taken in index order.
type CardDataForm struct {
	Type  string
	Items []CardItemForm
}

// maxParsedItems bounds what a (hostile) post can make the form hold; it is
// above both limits so an over-full post still reaches Validate's error.
const maxParsedItems = 8

// ParseCardDataForm reads the editor's fields. Values are trimmed: leading or
// trailing spaces are never meaningful on a card.
func ParseCardDataForm(v url.Values) CardDataForm {
	f := CardDataForm{Type: strings.TrimSpace(v.Get("type"))}
	byIndex := map[int]*CardItemForm{}
	var order []int
	for k, vals := range v {
		rest, ok := strings.CutPrefix(k, "items.")
		if !ok || len(vals) == 0 {
			continue
		}
		idx, name, ok := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 {
			continue
		}
		it := byIndex[i]
		if it == nil {
			if len(byIndex) >= maxParsedItems {
				continue
			}
			it = &CardItemForm{}
			byIndex[i] = it
			order = append(order, i)
		}
		it.Set(name, strings.TrimSpace(vals[0]))
	}
	slices.Sort(order)
	for _, i := range order {
		f.Items = append(f.Items, *byIndex[i])
	}
	return f
}

// MaxItems is the item limit of the form's type (0 for types that cannot be pushed).
func (f CardDataForm) MaxItems() int {
	switch f.Type {
	case CardKeyData:
		return MaxKeyDataItems
	case CardList:
		return MaxListItems
	}
	return 0
}

// CanAddItem reports whether the add-row button should be offered.
func (f CardDataForm) CanAddItem() bool { return len(f.Items) < f.MaxItems() }

// AddItem appends an empty item; false when the type's limit is reached.
func (f *CardDataForm) AddItem() bool {
	if !f.CanAddItem() {
		return false
	}
	f.Items = append(f.Items, CardItemForm{})
	return true
}

// RemoveItem removes item i; false when there is no such item.
func (f *CardDataForm) RemoveItem(i int) bool {
	if i < 0 || i >= len(f.Items) {
		return false
	}
	f.Items = slices.Delete(f.Items, i, i+1)
	return true
}

// ApplyRowButtons performs the add/remove-row submit buttons (JS off). It
// returns true when one was pressed: the handler re-renders instead of pushing.
func (f *CardDataForm) ApplyRowButtons(v url.Values) bool {
	if _, ok := v["add_item"]; ok {
		f.AddItem()
		return true
	}
	if s, ok := v["remove_item"]; ok && len(s) > 0 {
		if i, err := strconv.Atoi(s[0]); err == nil {
			f.RemoveItem(i)
		}
		return true
	}
	return false
}

// Validate checks the form against §A. Errors are keyed "type", "items"
// (count) and "items.<i>.<field>".
func (f CardDataForm) Validate() Errors {
	errs := Errors{}
	switch {
	case f.Type == "":
		errs.Add("type", ErrRequired)
		return errs
	case !ValidCardType(f.Type):
		errs.Add("type", ErrInvalid)
		return errs
	case !PushableCardType(f.Type):
		errs.Add("type", ErrCardTypeNotSupported)
		return errs
	}
	if len(f.Items) == 0 {
		errs.Add("items", ErrRequired)
	} else if limit := f.MaxItems(); len(f.Items) > limit {
		errs.Add("items", ErrTooMany, limit, len(f.Items))
	}
	for i, it := range f.Items {
		f.checkItem(errs, it, func(name string) string { return Field("items", i, name) })
	}
	return errs
}

// checkItem validates one item of f.Type, naming fields with field(name).
func (f CardDataForm) checkItem(errs Errors, it CardItemForm, field func(string) string) {
	if f.Type == CardKeyData {
		KeyDataKey.Check(errs, field("key"), it.Key)
		KeyDataData.Check(errs, field("data"), it.Data)
	} else {
		ListText.Check(errs, field("text"), it.Text)
		if it.When != "" {
			if _, err := ParseWhen(it.When, time.UTC); err != nil {
				errs.Add(field("when"), ErrCardDateTime)
			}
		}
	}
	CardJumpURL.Check(errs, field("jump_url"), it.JumpURL)
	CardAction.Check(errs, field("action"), it.Action)
}

// ParseWhen reads a local date-time in loc, the console's zone.
func ParseWhen(s string, loc *time.Location) (time.Time, error) {
	// What a datetime-local input sends (seconds appear when the input has a
	// step), what people type in a CSV cell, how Excel in Chinese shows a
	// date-time, and how a workbook's date-time cell reads (internal/sheet
	// gives cells as formatted, and Excel's built-in date-time format 22 —
	// what a typed date-time gets in every locale — is m/d/yy h:mm).
	layouts := [...]string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05",
		"2006/1/2 15:04", "2006/1/2 15:04:05", "1/2/06 15:04"}
	var err error
	for _, layout := range layouts {
		var t time.Time
		if t, err = time.ParseInLocation(layout, strings.TrimSpace(s), loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// Set fills one field by its form, CSV or feed name ("when" in the editor,
// "time" in the different-data CSV).
func (it *CardItemForm) Set(field, v string) {
	switch field {
	case "key":
		it.Key = v
	case "data":
		it.Data = v
	case "text":
		it.Text = v
	case "jump_url":
		it.JumpURL = v
	case "action":
		it.Action = v
	case "when", "time":
		it.When = v
	}
}
