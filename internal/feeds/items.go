package feeds

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/forms"
)

// Message keys of a feed's answer (translations in internal/i18n/feeds.go).
const (
	ErrJSON         = "cards.feed.err.json"          // the body is not a JSON object
	ErrItemsArray   = "cards.feed.err.items_array"   // "items" is not an array
	ErrItemObject   = "cards.feed.err.item_object"   // an item is not an object
	ErrUnknownField = "cards.feed.err.unknown_field" // a field the card type does not have
	ErrString       = "cards.feed.err.string"        // a text field that is not a JSON string
	ErrTimestamp    = "cards.feed.err.timestamp"     // a LIST timestamp that is not epoch milliseconds
)

// Shape of a feed's answer: the card's data object as the platform takes it
// (§A batch-set-same-data's "data"), for the feed's card type:
//
//	KEYDATA {"items": [{"key": "今日出勤率", "data": "96.5%", "jump_url": "https://…", "action": "…"}]}
//	LIST    {"items": [{"text": "…", "timestamp": 1743465600000, "jump_url": "…", "action": "…"}]}
//
// Texts are JSON strings; timestamp is epoch milliseconds (0 or left out:
// none). Other top-level fields are ignored; a field an item's type does not
// have is an error, so a typo ("value" for "data") never drops data silently.
var itemFields = map[string][]string{
	forms.CardKeyData: {"key", "data", "jump_url", "action"},
	forms.CardList:    {"text", "timestamp", "jump_url", "action"},
}

// ParseItems reads a feed's answer as a card of cardType and checks it
// against the card editor's limits (forms.CardDataForm.Validate: item
// counts, lengths in UTF-16 units, http(s) links). errs is keyed like the
// editor's fields ("items", "items.2.key"), plus "body" when the answer is
// not a JSON object; the card is usable only when errs is OK.
func ParseItems(body []byte, cardType string) (cards.Card, forms.Errors) {
	errs := forms.Errors{}
	var top struct {
		Items json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &top); err != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		errs.Add("body", ErrJSON)
		return cards.Card{}, errs
	}
	var raw []json.RawMessage
	if len(top.Items) > 0 && string(top.Items) != "null" {
		if err := json.Unmarshal(top.Items, &raw); err != nil {
			errs.Add("items", ErrItemsArray)
			return cards.Card{}, errs
		}
	}
	form := forms.CardDataForm{Type: cardType, Items: make([]forms.CardItemForm, len(raw))}
	card := cards.Card{Type: chengxun.CardType(cardType)}
	allowed := itemFields[cardType]
	notObject := map[int]bool{}
	for i, r := range raw {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(r, &fields); err != nil || fields == nil {
			errs.Add("items."+strconv.Itoa(i), ErrItemObject)
			notObject[i] = true
			continue
		}
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		slices.Sort(names) // the same answer, the same errors
		var ts int64
		for _, name := range names {
			v := fields[name]
			field := forms.Field("items", i, name)
			switch {
			case !slices.Contains(allowed, name):
				errs.Add(field, ErrUnknownField)
			case name == "timestamp":
				if ts = timestamp(v); ts < 0 {
					errs.Add(field, ErrTimestamp)
				}
			default:
				var s string
				if err := json.Unmarshal(v, &s); err != nil {
					errs.Add(field, ErrString)
					continue
				}
				form.Items[i].Set(name, strings.TrimSpace(s))
			}
		}
		it := form.Items[i]
		switch card.Type {
		case chengxun.KeyData:
			card.KeyData = append(card.KeyData, chengxun.KeyDataItem{Key: it.Key, Data: it.Data, JumpURL: it.JumpURL, Action: it.Action})
		case chengxun.List:
			card.List = append(card.List, chengxun.ListItem{Text: it.Text, JumpURL: it.JumpURL, Action: it.Action, Timestamp: max(ts, 0)})
		}
	}
	// The editor's own checks, on what the feed said (LIST times are epoch
	// milliseconds here, checked above, so the form's When stays empty).
	for k, m := range form.Validate() {
		if i, ok := itemIndex(k); !ok || !notObject[i] { // its fields are not "missing"
			errs.Add(k, m.Key, m.Args...)
		}
	}
	return card, errs
}

// timestamp reads epoch milliseconds; -1 when v is not a non-negative integer.
func timestamp(v json.RawMessage) int64 {
	if string(v) == "null" {
		return 0
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// itemIndex reads i from a field name "items.<i>" or "items.<i>.<field>".
func itemIndex(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "items.")
	idx, _, _ := strings.Cut(rest, ".")
	i, err := strconv.Atoi(idx)
	return i, ok && err == nil
}
