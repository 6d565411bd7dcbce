package forms

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rep(s string, n int) string { return strings.Repeat(s, n) }

func httpsURL(n int) string { return "https://x.cn/" + rep("a", n-len("https://x.cn/")) }

func TestCardItemLimitsAtTheBoundary(t *testing.T) {
	kd := CardItemForm{Key: "最大访问人数", Data: "20", JumpURL: "https://x.cn/a", Action: "open"}
	row := CardItemForm{Text: "智慧校园新版设计的小程序要来啦", JumpURL: "https://x.cn/n", Action: "open", When: "2025-04-01T08:00"}
	cases := []struct {
		name  string
		typ   string
		mod   func(*CardItemForm)
		field string // "" = valid
		key   string
	}{
		{"key 20", CardKeyData, func(i *CardItemForm) { i.Key = rep("键", 20) }, "", ""},
		{"key 10 emoji = 20", CardKeyData, func(i *CardItemForm) { i.Key = rep("😀", 10) }, "", ""},
		{"key 21", CardKeyData, func(i *CardItemForm) { i.Key = rep("a", 21) }, "items.1.key", ErrTooLong},
		{"key 19 + emoji = 21", CardKeyData, func(i *CardItemForm) { i.Key = rep("a", 19) + "😀" }, "items.1.key", ErrTooLong},
		{"key empty", CardKeyData, func(i *CardItemForm) { i.Key = "" }, "items.1.key", ErrRequired},
		{"data 20", CardKeyData, func(i *CardItemForm) { i.Data = rep("9", 20) }, "", ""},
		{"data 21", CardKeyData, func(i *CardItemForm) { i.Data = rep("9", 20) + "汉" }, "items.1.data", ErrTooLong},
		{"jump_url 300", CardKeyData, func(i *CardItemForm) { i.JumpURL = httpsURL(300) }, "", ""},
		{"jump_url 301", CardKeyData, func(i *CardItemForm) { i.JumpURL = httpsURL(301) }, "items.1.jump_url", ErrTooLong},
		{"jump_url empty is fine", CardKeyData, func(i *CardItemForm) { i.JumpURL = "" }, "", ""},
		{"javascript: URL", CardKeyData, func(i *CardItemForm) { i.JumpURL = "javascript:alert(1)" }, "items.1.jump_url", ErrURL},
		{"action 300", CardKeyData, func(i *CardItemForm) { i.Action = rep("动", 300) }, "", ""},
		{"action 301 by emoji", CardKeyData, func(i *CardItemForm) { i.Action = rep("动", 299) + "😀" }, "items.1.action", ErrTooLong},
		{"text 100", CardList, func(i *CardItemForm) { i.Text = rep("文", 100) }, "", ""},
		{"text 50 emoji = 100", CardList, func(i *CardItemForm) { i.Text = rep("😀", 50) }, "", ""},
		{"text 101", CardList, func(i *CardItemForm) { i.Text = rep("文", 99) + "😀" }, "items.1.text", ErrTooLong},
		{"text empty", CardList, func(i *CardItemForm) { i.Text = " " }, "items.1.text", ErrRequired},
		{"LIST jump_url 301", CardList, func(i *CardItemForm) { i.JumpURL = httpsURL(301) }, "items.1.jump_url", ErrTooLong},
		{"LIST data: URL", CardList, func(i *CardItemForm) { i.JumpURL = "data:text/html,<b>x</b>" }, "items.1.jump_url", ErrURL},
		{"LIST action 301", CardList, func(i *CardItemForm) { i.Action = rep("a", 301) }, "items.1.action", ErrTooLong},
		{"LIST time empty = 0", CardList, func(i *CardItemForm) { i.When = "" }, "", ""},
		{"LIST time not a date", CardList, func(i *CardItemForm) { i.When = "明天" }, "items.1.when", ErrCardDateTime},
		{"LIST time with seconds", CardList, func(i *CardItemForm) { i.When = "2025-04-01T08:00:30" }, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := kd
			if tc.typ == CardList {
				base = row
			}
			it := base
			tc.mod(&it)
			errs := CardDataForm{Type: tc.typ, Items: []CardItemForm{base, it}}.Validate()
			if tc.field == "" {
				assert.Empty(t, errs)
				return
			}
			require.Contains(t, errs, tc.field, "%v", errs)
			assert.Equal(t, tc.key, errs[tc.field].Key)
			assert.Len(t, errs, 1, "only the wrong field is marked")
		})
	}
}

func TestCardItemCounts(t *testing.T) {
	tile := CardItemForm{Key: "k", Data: "1"}
	row := CardItemForm{Text: "t"}
	n := func(it CardItemForm, k int) []CardItemForm {
		out := make([]CardItemForm, k)
		for i := range out {
			out[i] = it
		}
		return out
	}
	assert.Empty(t, CardDataForm{Type: CardKeyData, Items: n(tile, 4)}.Validate())
	errs := CardDataForm{Type: CardKeyData, Items: n(tile, 5)}.Validate()
	assert.Equal(t, Msg{Key: ErrTooMany, Args: []any{4, 5}}, errs["items"])
	assert.Empty(t, CardDataForm{Type: CardList, Items: n(row, 3)}.Validate())
	errs = CardDataForm{Type: CardList, Items: n(row, 4)}.Validate()
	assert.Equal(t, Msg{Key: ErrTooMany, Args: []any{3, 4}}, errs["items"])
	errs = CardDataForm{Type: CardList}.Validate()
	assert.Equal(t, ErrRequired, errs["items"].Key)
}

func TestCardTypeRules(t *testing.T) {
	for typ, key := range map[string]string{
		"": ErrRequired, "CHART": ErrInvalid, "keydata": ErrInvalid,
		CardImage: ErrCardTypeNotSupported, CardWebView: ErrCardTypeNotSupported,
	} {
		errs := CardDataForm{Type: typ, Items: []CardItemForm{{Key: "k", Data: "d"}}}.Validate()
		assert.Equal(t, key, errs["type"].Key, typ)
	}
	assert.True(t, PushableCardType(CardList))
	assert.False(t, PushableCardType(CardImage))
}

func TestParseCardDataForm(t *testing.T) {
	v := url.Values{
		"type":             {"LIST"},
		"items.0.text":     {"  放假通知 "},
		"items.0.when":     {"2025-04-01T08:00"},
		"items.5.text":     {"<script>alert(1)</script>"},
		"items.5.jump_url": {"https://x.cn/a"},
		"items.2.action":   {"open"},
		"items.x.text":     {"ignored"},
		"items.-1.text":    {"ignored"},
		"other":            {"ignored"},
	}
	f := ParseCardDataForm(v)
	assert.Equal(t, CardDataForm{Type: CardList, Items: []CardItemForm{
		{Text: "放假通知", When: "2025-04-01T08:00"},
		{Action: "open"},
		{Text: "<script>alert(1)</script>", JumpURL: "https://x.cn/a"},
	}}, f, "items in index order, gaps closed, values trimmed, text kept as typed")

	many := url.Values{"type": {"KEYDATA"}}
	for i := range 1000 {
		many.Set(Field("items", i, "key"), "k")
	}
	f = ParseCardDataForm(many)
	assert.Len(t, f.Items, maxParsedItems, "a hostile post cannot grow the form")
	assert.Equal(t, ErrTooMany, f.Validate()["items"].Key)
}

func TestRowButtons(t *testing.T) {
	f := CardDataForm{Type: CardKeyData, Items: []CardItemForm{{Key: "a"}, {Key: "b"}, {Key: "c"}}}
	assert.True(t, f.ApplyRowButtons(url.Values{"add_item": {""}}))
	assert.Len(t, f.Items, 4)
	assert.False(t, f.CanAddItem())
	assert.False(t, f.AddItem(), "the 5th tile cannot be added")
	assert.True(t, f.ApplyRowButtons(url.Values{"remove_item": {"1"}}))
	assert.Equal(t, []CardItemForm{{Key: "a"}, {Key: "c"}, {}}, f.Items)
	assert.True(t, f.ApplyRowButtons(url.Values{"remove_item": {"9"}}), "pressed, nothing to remove")
	assert.Len(t, f.Items, 3)
	assert.False(t, f.ApplyRowButtons(url.Values{"push": {"1"}}))
	assert.False(t, f.RemoveItem(-1))

	l := CardDataForm{Type: CardList}
	for range 3 {
		assert.True(t, l.AddItem())
	}
	assert.False(t, l.AddItem(), "the 4th row cannot be added")
	img := CardDataForm{Type: CardImage}
	assert.False(t, img.AddItem())
}

func TestListTimestampIsEpochMillisInTheConsolesZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	ms, err := CardItemForm{When: "2025-04-01T08:00"}.Timestamp(shanghai)
	require.NoError(t, err)
	assert.Equal(t, int64(1743465600000), ms)
	ms, err = CardItemForm{When: "2025-04-01T08:00"}.Timestamp(time.UTC)
	require.NoError(t, err)
	assert.Equal(t, int64(1743494400000), ms)
	ms, err = CardItemForm{}.Timestamp(shanghai)
	require.NoError(t, err)
	assert.Zero(t, ms)
	_, err = CardItemForm{When: "2025-13-01T08:00"}.Timestamp(shanghai)
	assert.Error(t, err)
}

func TestTemplateForm(t *testing.T) {
	f := ParseTemplateForm(url.Values{"name": {rep("名", 50)}, "type": {"WEBVIEW"}})
	assert.Empty(t, f.Validate(), "templates of unsupported types may exist")
	f.Name = rep("名", 49) + "😀"
	assert.Equal(t, ErrTooLong, f.Validate()["name"].Key)
	f = TemplateForm{Name: "x", Type: "CHART"}
	assert.Equal(t, ErrInvalid, f.Validate()["type"].Key)
	f = TemplateForm{}
	errs := f.Validate()
	assert.Equal(t, ErrRequired, errs["name"].Key)
	assert.Equal(t, ErrRequired, errs["type"].Key)
}
