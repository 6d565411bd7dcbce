package forms

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/tze"
)

func validText() MessageForm {
	return MessageForm{Type: MsgTypeText, Content: "明天放假", BusiID: "msg-1", AccountIDs: "u1"}
}

func validLink() MessageForm {
	return MessageForm{Type: MsgTypeLink, Title: "百度", Content: "百度一下", PCURL: "https://a.cn/p", AppURL: "https://a.cn/m",
		BusiID: "AQWER1234", OrgIDs: []string{"33010200"}}
}

func validOA() MessageForm {
	return MessageForm{Type: MsgTypeOA, HeadText: "放假通知", BgColor: DefaultBgColor, PCURL: "https://a.cn/p",
		AppURL: "https://a.cn/m", BusiID: "msg-oa", AccountIDs: "u1\nu2"}
}

// str is n UTF-16 units: ASCII padding ending in one emoji (2 units) when n ≥ 2.
func str(n int) string {
	if n < 2 {
		return strings.Repeat("a", n)
	}
	return strings.Repeat("汉", n-2) + "😀"
}

func urlOf(n int) string {
	p := "https://a.cn/"
	return p + strings.Repeat("x", n-len(p))
}

func rowsOf(n int) []FormRow {
	out := make([]FormRow, n)
	for i := range out {
		out[i] = FormRow{Key: fmt.Sprintf("k%d", i), Value: "v"}
	}
	return out
}

func TestMessageFormValidateLimits(t *testing.T) {
	type edit func(*MessageForm)
	cases := []struct {
		name  string
		base  func() MessageForm
		edit  edit
		field string // "" = valid
		key   string
	}{
		{"text ok", validText, func(f *MessageForm) {}, "", ""},
		{"text content 2000", validText, func(f *MessageForm) { f.Content = str(2000) }, "", ""},
		{"text content 2001 (emoji counts 2)", validText, func(f *MessageForm) { f.Content = str(2001) }, "content", ErrTooLong},
		{"text content blank", validText, func(f *MessageForm) { f.Content = " \n " }, "content", ErrRequired},
		{"link ok", validLink, func(f *MessageForm) {}, "", ""},
		{"link title 128", validLink, func(f *MessageForm) { f.Title = str(128) }, "", ""},
		{"link title 129", validLink, func(f *MessageForm) { f.Title = str(129) }, "title", ErrTooLong},
		{"link title missing", validLink, func(f *MessageForm) { f.Title = "" }, "title", ErrRequired},
		{"link content 512", validLink, func(f *MessageForm) { f.Content = str(512) }, "", ""},
		{"link content 513", validLink, func(f *MessageForm) { f.Content = str(513) }, "content", ErrTooLong},
		{"link pcUrl 2048", validLink, func(f *MessageForm) { f.PCURL = urlOf(2048) }, "", ""},
		{"link pcUrl 2049", validLink, func(f *MessageForm) { f.PCURL = urlOf(2049) }, "pcUrl", ErrTooLong},
		{"link pcUrl javascript:", validLink, func(f *MessageForm) { f.PCURL = "javascript:alert(1)" }, "pcUrl", ErrURL},
		{"link appUrl data:", validLink, func(f *MessageForm) { f.AppURL = "data:text/html,<script>alert(1)</script>" }, "appUrl", ErrURL},
		{"link appUrl missing", validLink, func(f *MessageForm) { f.AppURL = "" }, "appUrl", ErrRequired},
		{"link picUrl empty ok", validLink, func(f *MessageForm) { f.PicURL = "" }, "", ""},
		{"link picUrl data:", validLink, func(f *MessageForm) { f.PicURL = "data:image/png;base64,AAAA" }, "picUrl", ErrURL},
		{"link picUrl 2049", validLink, func(f *MessageForm) { f.PicURL = urlOf(2049) }, "picUrl", ErrTooLong},
		{"oa ok", validOA, func(f *MessageForm) {}, "", ""},
		{"oa head 255", validOA, func(f *MessageForm) { f.HeadText = str(255) }, "", ""},
		{"oa head 256", validOA, func(f *MessageForm) { f.HeadText = str(256) }, "headText", ErrTooLong},
		{"oa head missing", validOA, func(f *MessageForm) { f.HeadText = "" }, "headText", ErrRequired},
		{"oa pcUrl missing", validOA, func(f *MessageForm) { f.PCURL = "" }, "pcUrl", ErrRequired},
		{"oa appUrl ftp", validOA, func(f *MessageForm) { f.AppURL = "ftp://a.cn" }, "appUrl", ErrURL},
		{"bgColor FFCC0000", validOA, func(f *MessageForm) { f.BgColor = "FFCC0000" }, "", ""},
		{"bgColor lower case", validOA, func(f *MessageForm) { f.BgColor = "80cc00ff" }, "", ""},
		{"bgColor empty = default", validOA, func(f *MessageForm) { f.BgColor = "" }, "", ""},
		{"bgColor #FFCC00", validOA, func(f *MessageForm) { f.BgColor = "#FFCC00" }, "bgColor", ErrMsgBgColor},
		{"bgColor 0xFFCC0000", validOA, func(f *MessageForm) { f.BgColor = "0xFFCC0000" }, "bgColor", ErrMsgBgColor},
		{"bgColor FFCC00", validOA, func(f *MessageForm) { f.BgColor = "FFCC00" }, "bgColor", ErrMsgBgColor},
		{"bgColor GGCC0000", validOA, func(f *MessageForm) { f.BgColor = "GGCC0000" }, "bgColor", ErrMsgBgColor},
		{"bgColor 9 digits", validOA, func(f *MessageForm) { f.BgColor = "FFCC00000" }, "bgColor", ErrMsgBgColor},
		{"body title 128", validOA, func(f *MessageForm) { f.BodyTitle = str(128) }, "", ""},
		{"body title 129", validOA, func(f *MessageForm) { f.BodyTitle = str(129) }, "bodyTitle", ErrTooLong},
		{"body content 2000", validOA, func(f *MessageForm) { f.BodyContent = str(2000) }, "", ""},
		{"body content 2001", validOA, func(f *MessageForm) { f.BodyContent = str(2001) }, "bodyContent", ErrTooLong},
		{"author 64", validOA, func(f *MessageForm) { f.Author = str(64) }, "", ""},
		{"author 65", validOA, func(f *MessageForm) { f.Author = str(65) }, "author", ErrTooLong},
		{"imageUrl javascript:", validOA, func(f *MessageForm) { f.ImageURL = "JavaScript:alert(1)" }, "imageUrl", ErrURL},
		{"imageUrl 2048", validOA, func(f *MessageForm) { f.ImageURL = urlOf(2048) }, "", ""},
		{"fileCount 9 digits", validOA, func(f *MessageForm) { f.FileCount = "999999999" }, "", ""},
		{"fileCount 10 digits", validOA, func(f *MessageForm) { f.FileCount = "1000000000" }, "fileCount", ErrTooLong},
		{"fileCount not a number", validOA, func(f *MessageForm) { f.FileCount = "三" }, "fileCount", ErrNumber},
		{"fileCount negative", validOA, func(f *MessageForm) { f.FileCount = "-1" }, "fileCount", ErrNumber},
		{"form 6 rows", validOA, func(f *MessageForm) { f.Form = rowsOf(6) }, "", ""},
		{"form 7 rows", validOA, func(f *MessageForm) { f.Form = rowsOf(7) }, "form", ErrTooMany},
		{"form key 64", validOA, func(f *MessageForm) { f.Form = []FormRow{{str(64), "v"}} }, "", ""},
		{"form key 65", validOA, func(f *MessageForm) { f.Form = []FormRow{{"a", "v"}, {str(65), "v"}} }, "form.1.key", ErrTooLong},
		{"form value 255", validOA, func(f *MessageForm) { f.Form = []FormRow{{"k", str(255)}} }, "", ""},
		{"form value 256", validOA, func(f *MessageForm) { f.Form = []FormRow{{"k", str(256)}} }, "form.0.value", ErrTooLong},
		{"form value without key", validOA, func(f *MessageForm) { f.Form = []FormRow{{"", "v"}} }, "form.0.key", ErrRequired},
		{"form blank row ok", validOA, func(f *MessageForm) { f.Form = []FormRow{{}} }, "", ""},
		{"busiId missing", validOA, func(f *MessageForm) { f.BusiID = "" }, "busiId", ErrRequired},
		{"busiId required for text too", validText, func(f *MessageForm) { f.BusiID = " " }, "busiId", ErrRequired},
		{"busiId 64", validText, func(f *MessageForm) { f.BusiID = strings.Repeat("A", 64) }, "", ""},
		{"busiId 65", validText, func(f *MessageForm) { f.BusiID = strings.Repeat("A", 65) }, "busiId", ErrTooLong},
		{"busiId with space", validText, func(f *MessageForm) { f.BusiID = "a b" }, "busiId", ErrMsgBusiIDChars},
		{"busiId with <", validText, func(f *MessageForm) { f.BusiID = "<b>" }, "busiId", ErrMsgBusiIDChars},
		{"no recipients", validText, func(f *MessageForm) { f.AccountIDs = " ,\n" }, "recipients", ErrMsgRecipients},
		{"org recipients only", validText, func(f *MessageForm) { f.AccountIDs = ""; f.OrgIDs = []string{"1"} }, "", ""},
		{"1000 accounts", validText, func(f *MessageForm) { f.AccountIDs = ids(1000) }, "", ""},
		{"1001 accounts", validText, func(f *MessageForm) { f.AccountIDs = ids(1001) }, "accountIds", ErrListTooLong},
		{"1000 accounts and repeats", validText, func(f *MessageForm) { f.AccountIDs = ids(1000) + "\n" + ids(1000) }, "", ""},
		{"account id 64", validText, func(f *MessageForm) { f.AccountIDs = strings.Repeat("u", 64) }, "", ""},
		{"account id 65", validText, func(f *MessageForm) { f.AccountIDs = "ok," + strings.Repeat("u", 65) }, "accountIds", ErrMsgAccountID},
		{"200 org nodes", validText, func(f *MessageForm) { f.OrgIDs = strings.Fields(ids(200)) }, "", ""},
		{"201 org nodes", validText, func(f *MessageForm) { f.OrgIDs = strings.Fields(ids(201)) }, "orgIds", ErrListTooLong},
		{"type missing", validText, func(f *MessageForm) { f.Type = "" }, "type", ErrRequired},
		{"type unknown", validText, func(f *MessageForm) { f.Type = "news" }, "type", ErrInvalid},
		{"other tabs' fields ignored", validText, func(f *MessageForm) { f.PCURL = "javascript:x"; f.BgColor = "#fff" }, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.base()
			c.edit(&f)
			errs := validate(t, f)
			if c.field == "" {
				assert.True(t, errs.OK(), "%v", errs)
				return
			}
			require.Contains(t, errs, c.field, "%v", errs)
			assert.Equal(t, c.key, errs[c.field].Key)
			assert.Len(t, errs, 1, "only the wrong field: %v", errs)
		})
	}
}

func userIDs(t *testing.T, f MessageForm) UserIDList {
	t.Helper()
	u, err := f.UserIDs(context.Background())
	require.NoError(t, err)
	return u
}

func validate(t *testing.T, f MessageForm) Errors {
	t.Helper()
	return f.Validate(userIDs(t, f))
}

// 100,000 pasted ids: reading stops one past the bound, and the error
// names it.
func TestRecipientBound(t *testing.T) {
	f := validText()
	f.AccountIDs = ids(100_000)
	u := userIDs(t, f)
	assert.True(t, u.Over)
	assert.Len(t, u.IDs, MaxRecipientUserIDs)
	assert.Equal(t, Msg{Key: ErrListTooLong, Args: []any{MaxRecipientUserIDs}}, *f.Validate(u).Get("accountIds"))
}

func ids(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("id%d", i)
	}
	return strings.Join(s, " ")
}

func TestMessageFormErrorArgs(t *testing.T) {
	f := validOA()
	f.Form = rowsOf(7)
	f.HeadText = str(256)
	errs := validate(t, f)
	assert.Equal(t, Msg{Key: ErrTooMany, Args: []any{6, 7}}, errs["form"])
	assert.Equal(t, Msg{Key: ErrTooLong, Args: []any{255, 256}}, errs["headText"])
}

func TestParseMessageForm(t *testing.T) {
	v := url.Values{
		"type": {" oa "}, "content": {"第一行\r\n第二行"}, "title": {" t "}, "pcUrl": {" https://a.cn/p "},
		"appUrl": {"https://a.cn/m"}, "picUrl": {"https://a.cn/i.png"}, "busiId": {"msg-x"},
		"headText": {"通知"}, "bgColor": {"80CC0000"}, "bodyTitle": {"bt"}, "bodyContent": {"a\r\nb"},
		"imageUrl": {"https://a.cn/j.png"}, "author": {"王老师"}, "fileCount": {"2"},
		"form.10.key": {"地点"}, "form.10.value": {"礼堂"}, "form.2.key": {" 时间 "}, "form.2.value": {"10月1日"},
		"form.x.key": {"ignored"}, "form.3.other": {"ignored"},
		"accountIds": {"u1，u2、u3;u1\r\nu4\u3000u5"}, "orgIds": {"9", " 9 ", "", "10"},
	}
	f := ParseMessageForm(v)
	assert.Equal(t, MessageForm{
		Type: "oa", Content: "第一行\n第二行", Title: "t", PCURL: "https://a.cn/p", AppURL: "https://a.cn/m",
		PicURL: "https://a.cn/i.png", BusiID: "msg-x", HeadText: "通知", BgColor: "80CC0000", BodyTitle: "bt",
		BodyContent: "a\nb", ImageURL: "https://a.cn/j.png", Author: "王老师", FileCount: "2",
		Form:       []FormRow{{"时间", "10月1日"}, {"地点", "礼堂"}},
		AccountIDs: "u1，u2、u3;u1\nu4\u3000u5", OrgIDs: []string{"9", "10"},
	}, f)
	assert.Equal(t, UserIDList{IDs: []string{"u1", "u2", "u3", "u4", "u5"}}, userIDs(t, f))

	// Thousands of picked nodes are read only up to one past the bound.
	lots := url.Values{"type": {"text"}, "orgIds": strings.Fields(ids(5000))}
	assert.Len(t, ParseMessageForm(lots).OrgIDs, MaxOrgRecipients+1)

	// An over-full post is bounded but still over the limit, so Validate says so.
	many := url.Values{"type": {"oa"}}
	for i := range 100 {
		many.Set(fmt.Sprintf("form.%d.key", i), "k")
	}
	g := ParseMessageForm(many)
	assert.Len(t, g.Form, maxParsedRows)
	assert.Equal(t, ErrTooMany, validate(t, g)["form"].Key)
}

func TestMessageFormRows(t *testing.T) {
	f := validOA()
	for range MaxOAFormRows {
		require.True(t, f.AddRow())
	}
	assert.False(t, f.CanAddRow())
	assert.False(t, f.AddRow(), "a 7th row is refused")
	assert.Len(t, f.Form, MaxOAFormRows)

	f.Form[1] = FormRow{"second", "2"}
	assert.True(t, f.RemoveRow(0))
	assert.Equal(t, FormRow{"second", "2"}, f.Form[0])
	assert.False(t, f.RemoveRow(9))
	assert.False(t, f.RemoveRow(-1))

	assert.True(t, f.ApplyRowButtons(url.Values{"remove_row": {"0"}}))
	assert.Len(t, f.Form, 4)
	assert.True(t, f.ApplyRowButtons(url.Values{"add_row": {""}}))
	assert.Len(t, f.Form, 5)
	assert.True(t, f.ApplyRowButtons(url.Values{"remove_row": {"x"}}), "a pressed button never sends")
	assert.False(t, f.ApplyRowButtons(url.Values{"send": {"1"}}))
}

func TestNewMessageForm(t *testing.T) {
	a, b := NewMessageForm(), NewMessageForm()
	assert.NotEqual(t, a.BusiID, b.BusiID)
	assert.Equal(t, DefaultBgColor, a.BgColor)
	a.AccountIDs, a.Content = "u1", "hi"
	errs := validate(t, a)
	assert.True(t, errs.OK(), "a generated busiId passes its own rules: %v", errs)
	assert.LessOrEqual(t, Len(a.BusiID), MsgBusiID.Max)
}

func TestHeadContrast(t *testing.T) {
	cases := []struct {
		color    string
		min, max float64
		readable bool
	}{
		{"FFCC0000", 5.8, 6.0, true}, // the documented default passes AA
		{"", 5.8, 6.0, true},         // empty = the default
		{"FF000000", 20.9, 21.0, true},
		{"ffffffff", 1, 1, false},
		{"00000000", 1, 1, false}, // fully transparent: white on white
		{"80CC0000", 2.5, 3.0, false},
		{"FF767676", 4.5, 4.6, true}, // the classic AA grey, just over
		{"FF777777", 4.4, 4.49, false},
		{"#FFCC00", 0, 0, false},
		{"GGCC0000", 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.color, func(t *testing.T) {
			ratio, ok := HeadContrast(c.color)
			assert.GreaterOrEqual(t, ratio, c.min)
			assert.LessOrEqual(t, ratio, c.max)
			assert.Equal(t, c.readable, ok)
		})
	}
}

func TestMessageFormToWire(t *testing.T) {
	f := validOA()
	f.Form = []FormRow{{"时间", "10月1日"}, {}, {"地点", "礼堂"}}
	f.OrgIDs = []string{"33010200"}
	f.FileCount = "2"
	body, err := tze.RequestBody(f.Recipients(userIDs(t, f)), f.Message())
	require.NoError(t, err)
	assert.JSONEq(t, `{"msgtype":"oa","busiId":"msg-oa","pcUrl":"https://a.cn/p","appUrl":"https://a.cn/m",
		"oa":{"head":{"text":"放假通知","bgColor":"FFCC0000"},"body":{"fileCount":"2","form":[{"key":"时间","value":"10月1日"},{"key":"地点","value":"礼堂"}]}},
		"toUserIds":["u1","u2"],"toOrgIds":["33010200"]}`, string(body))

	l := validLink()
	assert.Equal(t, tze.LinkMessage{PCURL: l.PCURL, AppURL: l.AppURL, Content: l.Content, Title: l.Title, BusiID: l.BusiID}, l.Message())
	assert.Equal(t, tze.TextMessage{Content: "明天放假"}, validText().Message())
	assert.Equal(t, tze.Recipients{UserIDs: []string{"u1"}}, validText().Recipients(userIDs(t, validText())))
}

func TestHeadline(t *testing.T) {
	assert.Equal(t, "百度", validLink().Headline())
	assert.Equal(t, "放假通知", validOA().Headline())
	f := validText()
	f.Content = "第一行\n  第二行"
	assert.Equal(t, "第一行 第二行", f.Headline())
	f.Content = strings.Repeat("长", 60)
	assert.Equal(t, strings.Repeat("长", 50)+"…", f.Headline())
}
